package io.clustermesh.cilium.values;

import com.marcnuri.helm.Helm;
import io.clustermesh.cilium.helm.HelmValuesYaml;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK's values for the article's 3-cluster mesh, rendered by the real Cilium chart of every supported line
 * ({@code ../shared/fixtures/charts/cilium-<version>.tgz}, the official packages) with real Helm (helm-java
 * {@code template}): the objects a cluster gets carry its identity, every peer, and the mesh's certificates. Charts
 * 1.19+ call {@code lookup} while rendering, so Helm is pointed at an empty mock API server.
 */
class RealChartRenderTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    static Path chart(String version) {
        Path p = ChartSchemaTest.sharedDir().resolve("fixtures/charts/cilium-" + version + ".tgz");
        assertThat(p).as("the official Cilium chart package %s (../shared/fixtures/charts, see its SOURCES.md)", version).isRegularFile();
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void theRealChartRendersIdentityPeersAndCertificates(String version) throws Exception {
        Path dir = Files.createTempDirectory("render");
        try {
            Path values = dir.resolve("values.yaml");
            // every cluster with its node subnet: from 1.17 the clustermesh-apiserver admits only the peers' subnets
            io.clustermesh.model.MeshSpec spec = ArticleMesh.spec(version).withClusters(ArticleMesh.CLUSTERS.stream()
                    .map(c -> c.nodeCidr("10." + c.id() + ".0.0/24")).toList());
            Files.writeString(values, HelmValuesYaml.write(CiliumValues.values(ArticleMesh.input(spec, "cluster2", true))));
            Path offline = dir.resolve("offline.yaml");
            Files.writeString(offline, "hubble:\n  tls:\n    auto:\n      method: cronJob\n");
            String manifest = new Helm(chart(version)).template().withName("cilium").withNamespace("kube-system").withKubeVersion("1.30.6")
                    .withValuesFile(values).withValuesFile(offline).call();
            List<JsonNode> objects = new ArrayList<>();
            for (String doc : manifest.split("(?m)^---\\s*$")) {
                if (!doc.isBlank()) {
                    JsonNode n = YAML.readTree(doc);
                    if (n != null && n.has("kind")) {
                        objects.add(n);
                    }
                }
            }
            JsonNode config = find(objects, "ConfigMap", "cilium-config");
            assertThat(config.path("data").path("cluster-name").asString()).isEqualTo("cluster2");
            assertThat(config.path("data").path("cluster-id").asString()).isEqualTo("2");

            // with KVStoreMesh (the SDK's default) the agents read every peer from the local clustermesh-apiserver
            // (cilium-clustermesh), and KVStoreMesh reads the peers themselves (cilium-kvstoremesh)
            JsonNode clustermesh = find(objects, "Secret", "cilium-clustermesh");
            assertThat(names(clustermesh.path("data"))).as("peers of cluster2").contains("cluster1", "cluster3").doesNotContain("cluster2");
            JsonNode kvstoremesh = find(objects, "Secret", "cilium-kvstoremesh");
            assertThat(names(kvstoremesh.path("data"))).contains("cluster1", "cluster3").doesNotContain("cluster2");
            String peer1 = new String(Base64.getDecoder().decode(kvstoremesh.path("data").path("cluster1").asString()), StandardCharsets.UTF_8);
            assertThat(peer1).contains("endpoints:").contains("cluster1.mesh.cilium.io:2379");

            JsonNode service = find(objects, "Service", "clustermesh-apiserver");
            assertThat(service.path("spec").path("type").asString()).isEqualTo("LoadBalancer");
            assertThat(service.path("metadata").path("annotations").path("service.beta.kubernetes.io/azure-load-balancer-internal").asString())
                    .isEqualTo("true");

            io.clustermesh.model.ChartVersion line = io.clustermesh.model.ChartVersion.parse(version);
            List<String> ranges = new ArrayList<>();
            service.path("spec").path("loadBalancerSourceRanges").forEach(r -> ranges.add(r.asString()));
            assertThat(ranges).as("source ranges rendered by chart " + version)
                    .isEqualTo(line.atLeast(1, 17) ? List.of("10.1.0.0/24", "10.3.0.0/24") : List.of());
            JsonNode localDefault = config.path("data").path("policy-default-local-cluster");
            if (line.atLeast(1, 18)) {
                assertThat(localDefault.asString()).as("the line's policy default").isEqualTo(line.atLeast(1, 19) ? "true" : "false");
            } else {
                assertThat(localDefault.isMissingNode()).as("no policy default before 1.18").isTrue();
            }

            JsonNode ca = find(objects, "Secret", "cilium-ca");
            assertThat(new String(Base64.getDecoder().decode(ca.path("data").path("ca.crt").asString()), StandardCharsets.UTF_8))
                    .isEqualTo(ArticleMesh.PKI.ca().certificatePem());
            for (String leaf : List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert", "clustermesh-apiserver-remote-cert")) {
                JsonNode s = objects.stream().filter(o -> o.path("kind").asString().equals("Secret")
                        && o.path("metadata").path("name").asString().equals(leaf)).findFirst().orElse(null);
                assertThat(s).as("%s rendered by chart %s from the SDK's certificate values", leaf, version).isNotNull();
                assertThat(s.path("data").path("tls.crt").asString()).isNotEmpty();
            }
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * With MCS-API on (and CoreDNS auto-configuration where the line has it) and, on 1.20, global namespaces off by
     * default, the real chart renders the line's MCS objects: cilium-config {@code clustermesh-enable-mcs-api}, the
     * clustermesh-apiserver's {@code --clustermesh-enable-mcs-api} (1.19+), the CoreDNS auto-configuration's service account (1.19+),
     * and {@code clustermesh-default-global-namespace} (1.20).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void theRealChartRendersTheLinesMcsApiAndGlobalNamespaceObjects(String version) throws Exception {
        io.clustermesh.model.ChartVersion line = io.clustermesh.model.ChartVersion.parse(version);
        boolean v119 = line.atLeast(1, 19);
        boolean v120 = line.atLeast(1, 20);
        io.clustermesh.model.MeshSpec spec = ArticleMesh.spec(version, io.clustermesh.model.Exposure.azureInternalLoadBalancer(),
                o -> {
                    o = o.mcsApi(v119 ? io.clustermesh.model.McsApi.ON_COREDNS : io.clustermesh.model.McsApi.ON);
                    return v120 ? o.defaultGlobalNamespace(false) : o;
                });
        Path dir = Files.createTempDirectory("render");
        try {
            Path values = dir.resolve("values.yaml");
            Files.writeString(values, HelmValuesYaml.write(CiliumValues.values(ArticleMesh.input(spec, "cluster2", true))));
            Path offline = dir.resolve("offline.yaml");
            Files.writeString(offline, "hubble:\n  tls:\n    auto:\n      method: cronJob\n");
            String manifest = new Helm(chart(version)).template().withName("cilium").withNamespace("kube-system").withKubeVersion("1.30.6")
                    .withValuesFile(values).withValuesFile(offline).call();
            List<JsonNode> objects = new ArrayList<>();
            for (String doc : manifest.split("(?m)^---\\s*$")) {
                if (!doc.isBlank()) {
                    JsonNode n = YAML.readTree(doc);
                    if (n != null && n.has("kind")) {
                        objects.add(n);
                    }
                }
            }
            JsonNode data = find(objects, "ConfigMap", "cilium-config").path("data");
            assertThat(data.path("clustermesh-enable-mcs-api").asString()).as("MCS-API on chart " + version).isEqualTo("true");
            // the Job itself is a post-install/post-upgrade hook (templates/clustermesh-coredns-mcsapi/job.yaml), which
            // `helm template` leaves out here; its ServiceAccount and RBAC are rendered only with the option
            boolean autoconfig = objects.stream().anyMatch(o -> o.path("kind").asString().equals("ServiceAccount")
                    && o.path("metadata").path("name").asString().equals("cilium-coredns-mcsapi-autoconfig"));
            assertThat(autoconfig).as("CoreDNS auto-configuration on chart " + version).isEqualTo(v119);
            if (v119) {
                assertThat(data.path("clustermesh-mcs-api-install-crds").asString()).isEqualTo("true");
                assertThat(find(objects, "Deployment", "clustermesh-apiserver").toString()).contains("--clustermesh-enable-mcs-api");
            }
            JsonNode global = data.path("clustermesh-default-global-namespace");
            if (v120) {
                assertThat(global.asString()).as("global namespaces off by default on 1.20").isEqualTo("false");
            } else {
                assertThat(global.isMissingNode()).as("no global namespaces before 1.20").isTrue();
            }
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asString().equals(kind) && o.path("metadata").path("name").asString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("the chart rendered no " + kind + " " + name + "; it rendered "
                        + objects.stream().map(o -> o.path("kind").asString() + "/" + o.path("metadata").path("name").asString()).toList()));
    }

    private static List<String> names(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.propertyNames().forEach(out::add);
        return out;
    }
}
