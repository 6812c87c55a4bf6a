package io.clustermesh.testing.helm;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.helm.HelmJavaTransport;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * helm-java has no kube-context option: Helm uses the kubeconfig's {@code current-context}. A user's kubeconfig holds
 * every cluster ({@code az aks get-credentials} merges), and the current context is whichever was fetched last. Every
 * request of a cluster's Helm upgrade and uninstall must reach that cluster's API server, none any other.
 */
class HelmReachesTheNamedClusterTest {

    @Test
    void helm_on_cluster2_never_talks_to_the_current_context_cluster1(@TempDir Path charts) throws Exception {
        Path chart = tinyChart(charts);
        try (MeshLab lab = MeshLab.builder().clusters(2).simulatedCilium(false).arm(false).start()) {
            Path kubeconfig = lab.kubeconfigFile();
            assertThat(Files.readString(kubeconfig)).contains("current-context: \"cluster1\"").contains("cluster2");
            LabCluster one = lab.cluster("cluster1");
            LabCluster two = lab.cluster("cluster2");
            MeshCluster cluster2 = MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.kubeContext("cluster2", kubeconfig));
            HelmJavaTransport helm = new HelmJavaTransport();
            try (ClusterConnection conn = new Fabric8ClusterTransport().connect(cluster2, MeshTimeouts.defaults())) {
                one.resetCounts();
                two.resetCounts();

                HelmRelease installed = helm.upgradeInstall(conn, cluster2, new HelmRequest("kube-system", "probe", chart.toString(), null, null,
                        Map.of("greeting", "hello"), Duration.ofMinutes(1)));
                HelmRelease upgraded = helm.upgradeInstall(conn, cluster2, new HelmRequest("kube-system", "probe", chart.toString(), null, null,
                        Map.of("greeting", "hello again"), Duration.ofMinutes(1)));
                boolean uninstalled = helm.uninstall(conn, cluster2, "kube-system", "probe");

                assertThat(installed.revision()).isEqualTo(1);
                assertThat(upgraded.revision()).isEqualTo(2);
                assertThat(uninstalled).isTrue();
            }
            assertThat(two.counts().writes()).as("Helm's writes on cluster2").isGreaterThanOrEqualTo(4);
            assertThat(one.counts().total()).as("requests that reached cluster1, the kubeconfig's current context").isZero();
            assertThat(one.client().configMaps().inNamespace("kube-system").withName("probe-greeting").get()).isNull();
        }
    }

    /** A chart with one ConfigMap (no kubeVersion constraint, nothing the lab must simulate). */
    static Path tinyChart(Path dir) throws Exception {
        Path chart = dir.resolve("probe");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
        Files.writeString(chart.resolve("values.yaml"), "greeting: hi\n");
        Files.writeString(chart.resolve("templates/cm.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {{ .Release.Name }}-greeting
                data:
                  greeting: {{ .Values.greeting | quote }}
                """);
        return chart;
    }
}
