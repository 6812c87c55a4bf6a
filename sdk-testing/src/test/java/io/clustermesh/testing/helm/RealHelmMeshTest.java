package io.clustermesh.testing.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.ReleaseHistory;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.kube.ClusterKubeconfig;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production path on the lab: the SDK's default Helm transport (helm-java, Helm 3 in-process) installs the real
 * Cilium chart onto the lab's API servers through one kubeconfig with a context per cluster; the simulated Cilium
 * reacts to the objects the real chart rendered. The 1.16.19 chart ships with the lab; 1.19.5 comes from the project's
 * fixtures ({@code ../shared/fixtures/charts}, the official package).
 */
class RealHelmMeshTest {


    @ParameterizedTest(name = "chart {0}")
    @ValueSource(strings = {"1.16.19", "1.19.5"})
    void threeClustersConvergeWithRealHelmAndTheRealChartAndAReapplyWritesNothing(String version) {
        MeshLab.Builder b = MeshLab.builder().clusters(3).helm(MeshLab.Helm.REAL).cilium(CiliumOptions.version(version));
        if (!version.equals("1.16.19")) {
            b.charts(FixtureCharts.dir(version));
        }
        try (MeshLab lab = b.start(); Mesh mesh = lab.meshBuilder().build()) {
            assertThat(MeshContexts.of(mesh).helm().name()).isEqualTo("helm-java");
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            MeshStatus status = mesh.status();
            assertThat(status.healthy()).as(status.toText()).isTrue();
            assertThat(status.clusters()).allSatisfy(c -> assertThat(c.connectedPeers()).hasSize(2));
            for (LabCluster c : lab.clusters()) {
                // what the real chart rendered, as Helm stored it
                assertThat(c.client().configMaps().inNamespace("kube-system").withName("cilium-config").get().getData())
                        .containsEntry("cluster-name", c.name());
                assertThat(c.client().secrets().inNamespace("kube-system").withLabel("owner", "helm").list().getItems()).isNotEmpty();
            }

            lab.clusters().forEach(LabCluster::resetCounts);
            MeshPlan again = mesh.plan();
            assertThat(again.writeSteps()).as(again.toText()).isZero();
            MeshReport reapply = mesh.apply(again);
            assertThat(reapply.changedSteps()).isZero();
            assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().writes()).as(c.name() + " writes on re-apply").isZero());
        }
    }

    /**
     * A run that died in the middle of an install leaves Helm's record {@code pending-install}; the SDK marks it failed
     * and real Helm installs over it, and Helm's own history reads every record the SDK touched.
     */
    @Test
    void anInstallLeftPendingIsCompletedByRealHelmWhoseHistoryReadsTheSdksRecords(@TempDir Path dir) throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(2).helm(MeshLab.Helm.REAL).start()) {
            var cluster2 = lab.spec().cluster("cluster2").orElseThrow();
            try (ClusterConnection conn = new Fabric8ClusterTransport().connect(cluster2, MeshLab.timeouts())) {
                conn.putSecret("kube-system", HelmStorage.encode(new HelmRelease("cilium", "kube-system", 1, "pending-install", "cilium",
                        "1.16.19", Map.of()), "", Instant.now()));
            }
            Path kubeconfigBefore = ClusterKubeconfig.resolve(cluster2).writeTo(Files.createDirectory(dir.resolve("before")));
            assertThat(Helm.history("cilium").withNamespace("kube-system").withKubeConfig(kubeconfigBefore).call())
                    .extracting(ReleaseHistory::getStatus).containsExactly("pending-install");
            try (Mesh mesh = lab.meshBuilder().build()) {
                MeshReport report = mesh.apply(mesh.plan());
                assertThat(report.succeeded()).as(report.toText()).isTrue();
            }
            Path kubeconfig = ClusterKubeconfig.resolve(cluster2).writeTo(Files.createDirectory(dir.resolve("kc")));
            List<ReleaseHistory> history = Helm.history("cilium").withNamespace("kube-system").withKubeConfig(kubeconfig).call();
            // the SDK marked revision 1 failed; Helm's upgrade then superseded it, as it does with the release before
            assertThat(history).extracting(ReleaseHistory::getRevision, ReleaseHistory::getStatus)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        }
    }
}
