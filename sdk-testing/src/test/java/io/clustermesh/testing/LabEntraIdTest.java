package io.clustermesh.testing;

import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.spi.ClusterConnection;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Entra-ID-only lab cluster: its API server serves a request only with a token the lab's Entra ID issued for the
 * AKS scope and not yet expired — the lab decides from its own records and clock, so the check can fail.
 */
class LabEntraIdTest {

    private static int get(HttpClient http, URI url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void onlyUnexpiredAksScopeTokensOfTheLabsEntraIdAreServed() throws Exception {
        LabEntraId entra = LabEntraId.withLifetime(Duration.ofMinutes(60));
        try (LabCluster c = LabCluster.start(LabClusterSpec.of("aad", 3, 42).tls(false).nodeCount(1))) {
            String kubeconfigToken = c.kubeconfig().lines().filter(l -> l.trim().startsWith("token:")).findFirst().orElseThrow()
                    .replaceAll(".*token: \"(.*)\"", "$1");
            HttpClient http = HttpClient.newHttpClient();
            URI url = c.apiServerUrl().resolve("/api/v1/namespaces");
            assertThat(get(http, url, kubeconfigToken)).as("before: the local account's token works").isEqualTo(200);

            c.acceptOnly(entra);
            String valid = entra.issue(LabEntraId.AKS_SCOPE).value();
            String armScope = entra.issue("https://management.azure.com/.default").value();

            assertThat(get(http, url, valid)).isEqualTo(200);
            assertThat(get(http, url, null)).as("no token").isEqualTo(401);
            assertThat(get(http, url, kubeconfigToken)).as("local account disabled").isEqualTo(401);
            assertThat(get(http, url, "lab-entra-" + "0".repeat(48))).as("unknown token").isEqualTo(401);
            assertThat(get(http, url, armScope)).as("a token for ARM, not for the AKS server application").isEqualTo(401);
            entra.advance(Duration.ofMinutes(59));
            assertThat(get(http, url, valid)).as("a minute before expiry").isEqualTo(200);
            entra.advance(Duration.ofMinutes(1));
            assertThat(get(http, url, valid)).as("expired").isEqualTo(401);

            assertThat(entra.acceptedTokens()).isEqualTo(1);
            assertThat(entra.rejections()).isEqualTo(5);
            assertThat(entra.toString()).doesNotContain(valid);
            assertThat(entra.issue(LabEntraId.AKS_SCOPE).toString()).doesNotContain("lab-entra-");
        }
    }

    @Test
    void theSdksKubernetesClientCarriesTheCurrentTokenOnEveryRequest() throws Exception {
        LabEntraId entra = LabEntraId.withLifetime(Duration.ofMinutes(10));
        try (LabCluster c = LabCluster.start(LabClusterSpec.of("aad", 3, 42).nodeCount(1))) {
            c.acceptOnly(entra);
            MeshCluster cluster = MeshCluster.named("aad").withId(3)
                    .withAccess(ClusterAccess.kubeconfig(c.kubeloginKubeconfig("/nonexistent/kubelogin"), entra.bearerTokens()));
            try (ClusterConnection conn = new Fabric8ClusterTransport().connect(cluster, MeshTimeouts.defaults())) {
                assertThat(conn.nodes()).hasSize(1);
                entra.advance(Duration.ofMinutes(6)); // past half the lifetime: the source takes a new token
                assertThat(conn.nodes()).hasSize(1);
                entra.advance(Duration.ofMinutes(4)); // the first token (10 minutes) has expired, the second has 6 left
                assertThat(conn.nodes()).hasSize(1);
            }
            assertThat(entra.acceptedTokens()).isEqualTo(2);
            assertThat(entra.rejections()).isZero();
        }
    }
}
