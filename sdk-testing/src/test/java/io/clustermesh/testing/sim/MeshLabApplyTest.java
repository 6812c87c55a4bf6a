package io.clustermesh.testing.sim;

import io.clustermesh.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.MeshPlan;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshStatus;
import io.clustermesh.PeerStatus;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.etcd.EtcdServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Must-show 1: the SDK's real apply and status on a 3-cluster lab, through real mTLS between simulated agents and etcd. */
class MeshLabApplyTest {

    @Test
    void threeClustersConvergeAndEveryAgentIsConnectedToBothPeers() {
        try (MeshLab lab = MeshLab.builder().clusters(3).start();
             Mesh mesh = lab.meshBuilder().timeouts(MeshLab.timeouts()).build()) {
            MeshPlan plan = mesh.plan();
            System.out.println(plan.toText());
            MeshReport report = mesh.apply(plan);
            System.out.println(report);
            MeshStatus status = mesh.status();
            for (ClusterStatus c : status.clusters()) {
                System.out.println(c.name() + " " + c.peers() + " " + c.errors());
            }
            assertThat(status.clusters()).hasSize(3);
            for (ClusterStatus c : status.clusters()) {
                assertThat(c.errors()).isEmpty();
                assertThat(c.agents()).hasSize(2);
                assertThat(c.peers()).hasSize(2).allSatisfy(p -> assertThat(p.fullyConnected()).as(c.name() + "->" + p.peer() + " " + p.errors()).isTrue());
            }
        }
        assertThat(EtcdServer.liveProcesses()).isEmpty();
    }
}
