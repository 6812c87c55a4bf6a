package io.clustermesh.testing.helm;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.PlanStep;
import io.clustermesh.cilium.internal.ApplyPlanner;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chart 1.20 takes no clustermesh-apiserver certificates as values (its values.yaml: "secrets will always need to be
 * created externally if auto is disabled"): on a 2-cluster lab installed by real Helm from the official 1.20.0-pre.3
 * chart, apply writes the SDK-issued certificates as the Secrets the chart's Deployment mounts before each Helm install,
 * the plan says so and gives the one-year leaf lifetime, the lab's clustermesh-apiservers serve with those Secrets
 * and the peers connect, and a second plan has nothing left to write.
 */
class CertificateSecretsLabTest {
    private static final List<String> LEAVES = List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert",
            "clustermesh-apiserver-remote-cert");

    @Test
    void chart120GetsTheSdkCertificatesAsSecretsBeforeTheInstall() throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.20.0-pre.3")).cilium(CiliumOptions.version("1.20.0-pre.3")).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshPlan plan = mesh.plan();
            for (String c : List.of("cluster1", "cluster2")) {
                PlanStep certs = plan.steps().stream().filter(s -> s.id().equals(c + "/" + ApplyPlanner.KIND_LEAF_CERTS)).findFirst()
                        .orElseThrow(() -> new AssertionError("no certificate Secrets step for " + c + " in " + plan.toText()));
                assertThat(certs.changes()).extracting(ch -> ch.resource()).containsExactlyElementsOf(LEAVES.stream().map(n -> "secret kube-system/" + n).toList());
                PlanStep upgrade = plan.steps().stream().filter(s -> s.id().equals(c + "/" + ApplyPlanner.KIND_UPGRADE)).findFirst().orElseThrow();
                assertThat(upgrade.dependsOn()).as("the Secrets exist before Helm installs the chart").contains(certs.id());
                assertThat(plan.notes().get(c + ".certificates")).contains("365 days").contains("as Secrets");
            }
            assertThat(plan.toText()).doesNotContain("PRIVATE KEY");

            MeshReport up = mesh.apply(plan);
            assertThat(up.succeeded()).as(up.toText()).isTrue();

            for (String c : List.of("cluster1", "cluster2")) {
                var kube = lab.cluster(c).client();
                String caPem = decode(kube.secrets().inNamespace("kube-system").withName("cilium-ca").get(), "ca.crt");
                for (String leaf : LEAVES) {
                    Secret s = kube.secrets().inNamespace("kube-system").withName(leaf).get();
                    assertThat(s).as(c + " " + leaf).isNotNull();
                    assertThat(s.getMetadata().getLabels()).as("written by the SDK, not rendered by the chart")
                            .containsEntry("app.kubernetes.io/managed-by", "clustermesh");
                    assertThat(s.getType()).isEqualTo("kubernetes.io/tls");
                    assertThat(decode(s, "ca.crt")).isEqualTo(caPem);
                    X509Certificate cert = x509(decode(s, "tls.crt"));
                    long days = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).minusHours(1).toDays() + 1;
                    assertThat(days).as("the 1.20 leaf lifetime").isEqualTo(365);
                }
            }
            // apply waited for every agent to see its peer; status reads it again over the SDK's Secrets
            var status = mesh.status();
            assertThat(status.healthy()).as(status.toText()).isTrue();
            assertThat(status.cluster("cluster1").connectedPeers()).containsExactly("cluster2");
            assertThat(status.cluster("cluster2").connectedPeers()).containsExactly("cluster1");

            MeshPlan again = mesh.plan();
            assertThat(again.steps()).extracting(PlanStep::kind).as(again.toText()).doesNotContain(ApplyPlanner.KIND_LEAF_CERTS, ApplyPlanner.KIND_UPGRADE);
        }
    }

    private static String decode(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static X509Certificate x509(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
