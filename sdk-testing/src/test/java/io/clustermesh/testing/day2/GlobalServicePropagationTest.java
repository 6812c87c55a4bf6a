package io.clustermesh.testing.day2;

import io.clustermesh.Affinity;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.ProbeResult;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.testing.LabWorkloads;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code services().awaitRoutes(..)}: after a change, wait until every cluster's agents use the predicted backends; then
 * the traffic the lab's agents send agrees with {@code routes()} at once. A cluster whose agents cannot sync is named.
 */
class GlobalServicePropagationTest {
    private static final String NS = "meshtest";
    private static final String SVC = "aks-helloworld-one";

    @Test
    void afterAwaitRoutesTheTrafficOfEveryClusterMatchesThePrediction() {
        try (MeshLab lab = MeshLab.builder().clusters(3).start(); Mesh mesh = lab.meshBuilder().build()) {
            MeshReport up = mesh.apply(mesh.plan());
            assertThat(up.succeeded()).as(up.toText()).isTrue();
            LabWorkloads.deploy(lab, NS, SVC, 2);

            mesh.services().global(NS, SVC).apply();
            List<ServiceRoute> routes = mesh.services().awaitRoutes(NS, SVC, Duration.ofSeconds(30));
            assertThat(routes).allSatisfy(r -> assertThat(clusters(r)).containsExactly("cluster1", "cluster2", "cluster3"));
            for (ServiceRoute r : routes) {
                ProbeResult p = mesh.services().probe(NS, SVC).from(r.cluster()).requests(60);
                assertThat(p.byCluster().keySet()).as("answers from " + r.cluster()).isEqualTo(clusters(r));
            }

            mesh.services().global(NS, SVC).shared(false).in("cluster1").apply();
            mesh.services().global(NS, SVC).affinity(Affinity.REMOTE).in("cluster2").apply();
            List<ServiceRoute> after = mesh.services().awaitRoutes(NS, SVC, Duration.ofSeconds(30));
            ServiceRoute fromTwo = after.stream().filter(r -> r.cluster().equals("cluster2")).findFirst().orElseThrow();
            assertThat(clusters(fromTwo)).containsExactly("cluster3");
            assertThat(mesh.services().probe(NS, SVC).from("cluster2").requests(60).byCluster().keySet()).containsExactly("cluster3");
        }
    }

    @Test
    void aClusterWhoseAgentsCannotSyncIsNamedWhenTheWaitEnds() {
        try (MeshLab lab = MeshLab.builder().clusters(3).start(); Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            LabWorkloads.deploy(lab, NS, SVC, 1);
            // cluster1's agents lose their peer configs: they can no longer learn the peers' services
            lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").delete();
            lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").delete();
            lab.cilium("cluster1").awaitRemotes(r -> r.isEmpty(), Duration.ofSeconds(20));

            mesh.services().global(NS, SVC).apply();
            MeshTimeoutException e = catchThrowableOfType(MeshTimeoutException.class,
                    () -> mesh.services().awaitRoutes(NS, SVC, Duration.ofSeconds(3)));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("cluster1: its agents use").contains("has not propagated within 3 s")
                    .doesNotContain("cluster2: ").doesNotContain("cluster3: ");
            assertThat(e.remediation()).contains("status");
        }
    }

    private static Set<String> clusters(ServiceRoute r) {
        return r.serving().stream().map(ServiceBackend::cluster).collect(Collectors.toCollection(TreeSet::new));
    }
}
