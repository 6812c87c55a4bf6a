package io.clustermesh.testing.reliability;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.PlanStep;
import io.clustermesh.RetryPolicy;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.SecretData;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.reliability.Reliability.Inventory;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run stopped in the middle of a Helm install: the chart's objects are applied, the revision is still recorded as
 * {@code pending-install} (Helm records it before it applies anything). The next run must see Helm's release, not
 * "Cilium installed without Helm", mark the stuck revision failed and complete the install with a new revision.
 */
class InterruptedHelmTest {

    /** The lab's Helm, except that on cluster2 the process "dies" when Helm records the install as deployed. */
    record DyingHelm(HelmTransport lab) implements HelmTransport {
        @Override
        public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            return lab.release(connection, cluster, namespace, releaseName);
        }

        @Override
        public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
            return lab.upgradeInstall("cluster2".equals(cluster.name()) ? dyingOnDeployed(connection) : connection, cluster, request);
        }

        @Override
        public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            return lab.uninstall(connection, cluster, namespace, releaseName);
        }
    }

    static final class Killed extends RuntimeException {
        Killed() {
            super("simulated kill of the process while Helm was installing");
        }
    }

    static ClusterConnection dyingOnDeployed(ClusterConnection real) {
        return (ClusterConnection) Proxy.newProxyInstance(ClusterConnection.class.getClassLoader(), new Class<?>[]{ClusterConnection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("putSecret") && args[1] instanceof SecretData s
                            && s.labels() != null && "deployed".equals(s.labels().get("status"))) {
                        throw new Killed();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aHelmInstallStoppedHalfwayIsCompletedByTheNextRun() {
        // The lab's template-and-apply Helm transport, on purpose: the "kill" is injected into the Helm storage write
        // that this transport makes through the SDK's ClusterConnection; real Helm writes through its own client. The
        // same interruption with real Helm (helm-java history/upgrade on the marked release) is RealHelmMeshTest's.
        try (MeshLab lab = Reliability.lab(3).helm(MeshLab.Helm.TEMPLATE).start()) {
            try (Mesh dying = lab.meshBuilder().helmTransport(new DyingHelm(lab.helmTransport()))
                    .retryPolicy(RetryPolicy.none()).build()) {
                MeshReport report = dying.apply(dying.plan());
                assertThat(report.succeeded()).isFalse();
                assertThat(report.failedClusters()).containsExactly("cluster2");
            }
            Inventory stuck = Reliability.inventory(lab.cluster("cluster2"));
            assertThat(stuck.releases()).as("Helm recorded the install before applying, and never completed it")
                    .isEqualTo(Map.of(1, "pending-install"));
            assertThat(stuck.objects()).as("the chart's objects are there").contains("ConfigMap/cilium-config");

            try (Mesh mesh = lab.meshBuilder().build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.hasErrors()).as("not mistaken for a Cilium installed without Helm:\n" + plan.toText()).isFalse();
                assertThat(plan.notes()).containsKey("cluster2.interrupted");
                assertThat(plan.notes().get("cluster2.interrupted")).contains("revision 1").contains("pending-install");
                PlanStep upgrade = plan.steps().stream().filter(s -> s.id().equals("cluster2/helm-upgrade")).findFirst().orElseThrow();
                assertThat(upgrade.changes()).anySatisfy(c -> {
                    assertThat(c.field()).isEqualTo("status");
                    assertThat(c.to()).isEqualTo("deployed");
                });

                MeshReport resumed = mesh.apply(plan);
                assertThat(resumed.succeeded()).as(resumed.toText()).isTrue();
                Reliability.assertHealthy(mesh.status(), 3);
                assertThat(mesh.apply(mesh.plan()).steps()).as("converged: a second run changes nothing")
                        .noneMatch(s -> s.changed());
            }
            Inventory done = Reliability.inventory(lab.cluster("cluster2"));
            assertThat(done.releases()).isEqualTo(Map.of(1, "failed", 2, "deployed"));
            done.assertReleaseHistorySane();
            assertThat(done.objects()).as("the same objects as the other clusters hold")
                    .isEqualTo(Reliability.inventory(lab.cluster("cluster3")).objects().stream()
                            .map(o -> o.replace("cluster3", "cluster2")).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
        }
    }
}
