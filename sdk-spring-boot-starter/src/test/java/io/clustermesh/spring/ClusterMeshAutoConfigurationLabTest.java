package io.clustermesh.spring;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.micrometer.MeshMetrics;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.RemoteClusterState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter against the embedded lab, through the production path: {@code clustermesh.*} properties naming the lab's
 * kubeconfig contexts, the transports found on the class path (fabric8, helm-java with the official chart from
 * {@code clustermesh.chart.packages}). Convergence and disconnection are read from the lab's simulated agents (its own
 * truth), not from the SDK.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterMeshAutoConfigurationLabTest {
    private MeshLab lab;
    private ApplicationContextRunner runner;

    @BeforeAll
    void labUp() {
        lab = MeshLab.builder().clusters(3).start();
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ClusterMeshAutoConfiguration.class,
                        ClusterMeshHealthAutoConfiguration.class, ClusterMeshMetricsAutoConfiguration.class))
                .withPropertyValues(labProperties(lab).toArray(String[]::new))
                // the usual Spring way to change what the properties do not cover: deadlines that suit the lab
                .withBean(MeshBuilderCustomizer.class, () -> b -> b.timeouts(MeshLab.timeouts()));
    }

    @AfterAll
    void labDown() {
        if (lab != null) {
            lab.close();
        }
    }

    /** The properties a user writes for these clusters: one kubeconfig with a context per cluster, as AKS gives. */
    static List<String> labProperties(MeshLab lab) {
        List<String> p = new ArrayList<>();
        p.add("clustermesh.name=spring-lab");
        p.add("clustermesh.kubeconfig=" + lab.kubeconfigFile());
        p.add("clustermesh.chart.packages=" + lab.chartsDir());
        List<MeshCluster> clusters = lab.spec().clusters();
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            String k = "clustermesh.clusters[" + i + "].";
            p.add(k + "name=" + c.name());
            p.add(k + "id=" + c.id());
            p.add(k + "pod-cidr=" + c.podCidr());
            p.add(k + "service-cidr=" + c.serviceCidr());
            p.add(k + "api-server=" + c.apiServer());
            p.add(k + "mesh-ip=" + c.meshIp());
            p.add(k + "kube-context=" + c.name());
        }
        return p;
    }

    private void awaitAgents(String cluster, java.util.function.Predicate<List<RemoteClusterState>> condition) {
        lab.cilium(cluster).awaitRemotes(condition, Duration.ofSeconds(30));
    }

    private void awaitEveryPeerReady() {
        int peers = lab.clusters().size() - 1;
        for (var c : lab.clusters()) {
            awaitAgents(c.name(), r -> r.size() == peers && r.stream().allMatch(RemoteClusterState::ready));
        }
    }

    @Test
    void propertiesGiveAMeshThatConvergesOnTheLab() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(Mesh.class).hasSingleBean(MeshStatusCache.class)
                    .hasSingleBean(MeshHealthIndicator.class).hasSingleBean(MeshMetrics.class)
                    .doesNotHaveBean(MeshReconciler.class); // the scheduled reconcile is off by default
            Mesh mesh = ctx.getBean(Mesh.class);
            assertThat(mesh.spec().name()).isEqualTo("spring-lab");
            assertThat(mesh.spec().clusters()).extracting(MeshCluster::name, MeshCluster::id, MeshCluster::podCidr)
                    .containsExactlyElementsOf(lab.spec().clusters().stream()
                            .map(c -> org.assertj.core.groups.Tuple.tuple(c.name(), c.id(), c.podCidr())).toList());

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ctx.getBean(MeshMetrics.class).bindTo(registry);

            var report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            awaitEveryPeerReady(); // the lab's agents, not the SDK, say the mesh converged

            MeshStatus status = mesh.status();
            assertThat(status.healthy()).as(status.toText()).isTrue();
            assertThat(mesh.plan().writeSteps()).as("a converged mesh plans no writes").isZero();
            // the mesh bean's listeners include the meters: the apply was counted
            assertThat(registry.get("clustermesh.apply").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void healthIsDownWhileAPeerIsDisconnectedAndUpAfterTheReconcileRepairs() {
        runner.withPropertyValues("clustermesh.reconcile.enabled=true", "clustermesh.reconcile.initial-delay=1h",
                "clustermesh.status.cache-for=1h").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(MeshReconciler.class);
            MeshReconciler reconciler = ctx.getBean(MeshReconciler.class);
            MeshHealthIndicator health = ctx.getBean(MeshHealthIndicator.class);
            MeshStatusCache statuses = ctx.getBean(MeshStatusCache.class);

            MeshReconciler.Result first = reconciler.reconcile(); // installs, or finds the mesh converged
            assertThat(first.succeeded()).as(first.plan().toText()).isTrue();
            awaitEveryPeerReady();
            Health up = health.health();
            assertThat(up.getStatus()).as(up.toString()).isEqualTo(Status.UP);
            assertThat(clusterDetails(up)).containsOnlyKeys("cluster1", "cluster2", "cluster3");
            assertThat(peers(up, "cluster1")).containsOnlyKeys("cluster2", "cluster3");
            assertThat(peer(up, "cluster1", "cluster2")).containsEntry("connected", true);
            long reads = statuses.reads();
            health.health();
            health.health();
            assertThat(statuses.reads()).as("probes within cache-for read no cluster").isEqualTo(reads);

            // a peer disconnected behind the application's back: cluster2 loses its remote cluster configurations
            lab.cluster("cluster2").client().secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").delete();
            awaitAgents("cluster2", List::isEmpty);
            statuses.invalidate(); // as after cache-for
            Health down = health.health();
            assertThat(down.getStatus()).as(down.toString()).isEqualTo(Status.DOWN);
            assertThat(clusterDetails(down).get("cluster2")).asString().contains("healthy=false");
            assertThat(peer(down, "cluster2", "cluster1")).containsEntry("connected", false);
            assertThat(((Map<?, ?>) clusterDetails(down).get("cluster2")).get("errors")).asString().contains("run apply");

            MeshReconciler.Result repair = reconciler.reconcile();
            assertThat(repair.report()).as(repair.plan().toText()).isPresent();
            assertThat(repair.succeeded()).as(repair.report().orElseThrow().toText()).isTrue();
            awaitEveryPeerReady();
            Health again = health.health(); // the reconcile cleared the cache
            assertThat(again.getStatus()).as(again.toString()).isEqualTo(Status.UP);
            assertThat(peer(again, "cluster2", "cluster1")).containsEntry("connected", true);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> clusterDetails(Health h) {
        return (Map<String, Object>) h.getDetails().get("clusters");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> peers(Health h, String cluster) {
        return (Map<String, Object>) ((Map<String, Object>) clusterDetails(h).get(cluster)).get("peers");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> peer(Health h, String cluster, String peer) {
        return (Map<String, Object>) peers(h, cluster).get(peer);
    }
}
