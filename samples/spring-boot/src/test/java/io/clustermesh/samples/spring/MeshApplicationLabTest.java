package io.clustermesh.samples.spring;

import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.RemoteClusterState;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application on the lab, as a user runs it: it starts on a random loopback port, reconciles the lab's
 * three clusters during startup, and its actuator answers health and metrics over HTTP. Convergence is the lab's own
 * view (its simulated agents), the health and meters are what the application serves.
 */
class MeshApplicationLabTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void startsReconcilesTheLabAndServesHealthAndMetrics() throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(3).start();
             ConfigurableApplicationContext app = MeshApplication.runOnLab(lab, "--server.port=0")) {
            // the lab's agents see every peer: the startup reconcile installed and connected the mesh
            for (var c : lab.clusters()) {
                lab.cilium(c.name()).awaitRemotes(r -> r.size() == 2 && r.stream().allMatch(RemoteClusterState::ready),
                        Duration.ofSeconds(30));
            }
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newHttpClient();

            HttpResponse<String> healthResponse = get(http, base + "/actuator/health");
            JsonNode health = JSON.readTree(healthResponse.body());
            assertThat(healthResponse.statusCode()).as(healthResponse.body()).isEqualTo(200);
            assertThat(health.path("status").asString()).isEqualTo("UP");
            JsonNode mesh = health.path("components").path("clustermesh");
            assertThat(mesh.path("status").asString()).as(healthResponse.body()).isEqualTo("UP");
            assertThat(names(mesh.path("details").path("clusters"))).containsExactly("cluster1", "cluster2", "cluster3");
            assertThat(mesh.path("details").path("clusters").path("cluster3").path("peers").path("cluster1").path("connected").asBoolean())
                    .isTrue();

            JsonNode meters = JSON.readTree(get(http, base + "/actuator/metrics").body());
            List<String> meterNames = new ArrayList<>();
            meters.path("names").forEach(n -> meterNames.add(n.asString()));
            assertThat(meterNames).contains("clustermesh.plan", "clustermesh.apply", "clustermesh.steps", "clustermesh.helm.upgrades",
                    "clustermesh.peers.connected");
            JsonNode apply = JSON.readTree(get(http, base + "/actuator/metrics/clustermesh.apply").body());
            assertThat(apply.path("measurements").get(0).path("statistic").asString()).isEqualTo("COUNT");
            assertThat(apply.path("measurements").get(0).path("value").asDouble()).as(apply.toString()).isEqualTo(1.0);
            JsonNode peers = JSON.readTree(get(http, base + "/actuator/metrics/clustermesh.peers.connected?tag=cluster:cluster2").body());
            assertThat(peers.path("measurements").get(0).path("value").asDouble()).as(peers.toString()).isEqualTo(2.0);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.propertyNames().forEach(out::add);
        return out;
    }
}
