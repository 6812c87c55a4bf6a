package io.clustermesh.testing.sim;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PlanStep;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.internal.ApplyPlanner;
import io.clustermesh.cilium.internal.Values;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The SDK's apply on the lab beyond the defaults: LB IPs discovered (two Helm passes), chart 1.20 (map form), no KVStoreMesh. */
class MeshLabVariantsTest {

    private static void assertFullMesh(MeshStatus status, int clusters) {
        assertThat(status.clusters()).hasSize(clusters).allSatisfy(c -> {
            assertThat(c.errors()).as(c.name()).isEmpty();
            assertThat(c.peers()).hasSize(clusters - 1).allSatisfy(p -> assertThat(p.fullyConnected()).as(c.name() + " -> " + p).isTrue());
        });
    }

    @Test
    void withoutFixedMeshIpsTheLoadBalancerIpsAreDiscoveredAndASecondPassAddsThePeers() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).lbDelay(Duration.ofMillis(150)).start()) {
            MeshSpec spec = lab.spec();
            List<MeshCluster> noIps = spec.clusters().stream().map(c -> c.withMeshIp(null)).toList();
            try (Mesh mesh = Mesh.builder().spec(spec.withClusters(noIps)).helmTransport(lab.helmTransport()).timeouts(MeshLab.timeouts()).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.steps()).extracting(PlanStep::kind).contains(ApplyPlanner.KIND_UPGRADE_PEERS);
                // planning issues no certificate: the plan says where new ones come, the upgrade issues them
                assertThat(plan.steps()).filteredOn(s -> s.kind().equals(ApplyPlanner.KIND_UPGRADE)).allSatisfy(s ->
                        assertThat(s.changes()).anySatisfy(c -> assertThat(c.to()).contains("server: {cert: <new certificate, issued at apply>")));
                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toString()).isTrue();
                MeshStatus status = mesh.status();
                assertFullMesh(status, 3);
                // the second pass adds the peers with the certificates of the first: the clustermesh-apiserver keeps them
                for (ClusterStatus c : status.clusters()) {
                    List<HelmRelease> history = HelmStorage.history(MeshContexts.of(mesh).connection(c.name()), "kube-system", "cilium");
                    assertThat(history).as(c.name()).hasSize(2);
                    assertThat(history).extracting(r -> Values.get(r.values(), "clustermesh.apiserver.tls.server.cert")).doesNotContainNull()
                            .as(c.name() + ": server certificate of both revisions").containsOnly(Values.get(history.get(0).values(),
                                    "clustermesh.apiserver.tls.server.cert"));
                }
                for (ClusterStatus c : status.clusters()) {
                    assertThat(c.apiserverAddress()).as("the next free address of the subnet, not the planned .250")
                            .isNotEqualTo(lab.meshIp(c.name())).startsWith("172.16.");
                }
                assertThat(mesh.plan().steps()).noneMatch(s -> s.kind().startsWith("helm-upgrade"));
            }
        }
    }

    @Test
    void chart120MapFormWithoutKvstoremeshConnectsAgentsDirectly() {
        CiliumOptions o = CiliumOptions.version("1.20.0-pre.3").withKvstoremesh(false);
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).charts(FixtureCharts.dir("1.20.0-pre.3")).cilium(o).start(); Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toString()).isTrue();
            MeshStatus status = mesh.status();
            assertFullMesh(status, 3);
            assertThat(status.clusters()).allSatisfy(c -> {
                assertThat(c.kvstoremesh()).isFalse();
                assertThat(c.agents().get(0).remotes()).allSatisfy(r -> assertThat(r.kvstoremesh()).isFalse());
            });
            assertThat(lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").get()).isNull();

            // disconnect cluster3: the others drop it, cluster3 keeps Cilium without peers
            MeshReport d = mesh.disconnect("cluster3");
            assertThat(d.succeeded()).as(d.toString()).isTrue();
            lab.cilium("cluster1").awaitRemotes(r -> r.stream().noneMatch(x -> x.name().equals("cluster3")), Duration.ofSeconds(20));
            assertThat(lab.cilium("cluster1").remoteClusters()).extracting(RemoteClusterState::name).containsExactly("cluster2");
            assertThat(lab.cilium("cluster3").remoteClusters()).isEmpty();
        }
    }

    @Test
    void withKvstoremeshAMissingLocalCertificateCutsTheAgentsOffAndApplyReissuesIt() {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).start(); Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            // the agents reach their peers through the local KVStoreMesh with clustermesh-apiserver-local-cert (written by the SDK)
            lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("clustermesh-apiserver-local-cert").delete();
            lab.cilium("cluster1").awaitRemotes(rs -> !rs.isEmpty() && rs.stream().allMatch(r -> r.status().contains("local-cert")), Duration.ofSeconds(20));
            ClusterStatus c1 = mesh.status().clusters().get(0);
            assertThat(c1.peers()).singleElement().satisfies(p -> assertThat(p.errors()).singleElement().asString()
                    .startsWith("unable to load the etcd client certificate for https://clustermesh-apiserver.kube-system.svc:2379: secret "
                            + "kube-system/clustermesh-apiserver-local-cert is missing or incomplete"));

            MeshPlan repair = mesh.plan();
            assertThat(repair.steps()).extracting(PlanStep::id).contains("cluster1/" + ApplyPlanner.KIND_LOCAL_CERT);
            assertThat(mesh.apply(repair).succeeded()).isTrue();
            assertFullMesh(mesh.status(), 2);
        }
    }
}
