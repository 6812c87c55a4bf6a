package io.clustermesh.testing.sim;

import io.clustermesh.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshStatus;
import io.clustermesh.RemoteClusterStatus;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.etcd.EtcdServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 1: the SDK's real {@code Mesh.apply} and {@code Mesh.status} (CiliumMeshDriver found by ServiceLoader) on a
 * 3-cluster lab: every agent connected to both peers through the simulated agents' real mTLS connections to the
 * peers' etcd, read by the SDK's unchanged status code (exec of cilium-dbg in the agent pods). A second apply writes
 * nothing.
 */
class MeshLabApplyTest {

    @Test
    void threeClustersConvergeEveryAgentIsConnectedToBothPeersAndASecondApplyWritesNothing() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(2)
                .lbDelay(Duration.ofMillis(200)).rolloutDelay(Duration.ofMillis(200)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toString()).isTrue();

            MeshStatus status = mesh.status();
            assertThat(status.clusters()).extracting(ClusterStatus::name).containsExactly("cluster1", "cluster2", "cluster3");
            for (ClusterStatus c : status.clusters()) {
                assertThat(c.errors()).as(c.name()).isEmpty();
                assertThat(c.apiserverReady()).isTrue();
                assertThat(c.kvstoremesh()).isTrue();
                assertThat(c.apiserverAddress()).isEqualTo(lab.meshIp(c.name()));
                assertThat(c.agents()).hasSize(2).allSatisfy(a -> {
                    assertThat(a.error()).isNull();
                    assertThat(a.remotes()).hasSize(2).allSatisfy(r -> {
                        assertThat(r.connected()).isTrue();
                        assertThat(r.ready()).isTrue();
                        assertThat(r.configRetrieved()).isTrue();
                        assertThat(r.numNodes()).isEqualTo(2);
                        assertThat(r.status()).startsWith("etcd: 1/1 connected");
                    });
                });
                assertThat(c.peers()).hasSize(2).allSatisfy(p -> {
                    assertThat(p.errors()).isEmpty();
                    assertThat(p.configured()).isEqualTo(2);
                    assertThat(p.connected()).isEqualTo(2);
                    assertThat(p.fullyConnected()).isTrue();
                });
            }
            // the peers' cluster ids come from their cilium/cluster-config/<name> read over mTLS
            RemoteClusterStatus c1SeesC3 = status.clusters().get(0).agents().get(0).remotes().stream()
                    .filter(r -> r.name().equals("cluster3")).findFirst().orElseThrow();
            assertThat(c1SeesC3.clusterId()).isEqualTo(3);

            lab.clusters().forEach(LabCluster::resetCounts);
            MeshReport again = mesh.apply(mesh.plan());
            assertThat(again.succeeded()).as(again.toString()).isTrue();
            assertThat(lab.clusters().stream().map(LabCluster::counts).toList()).allSatisfy(rc -> {
                assertThat(rc.writes()).as(rc.byMethod() + " " + rc.byPath()).isZero();
                assertThat(rc.reads()).isPositive();
            });
        }
        assertThat(EtcdServer.liveProcesses()).isEmpty();
    }
}
