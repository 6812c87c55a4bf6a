package io.clustermesh.testing.sim;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.etcd.EtcdServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A 16-cluster lab converges under the SDK's apply and tears down without leaving an etcd process. */
class MeshLabSixteenClustersTest {

    @Test
    void sixteenClustersConvergeAndTearDownWithoutLeakingEtcd() {
        long before = EtcdServer.liveProcesses().size();
        MeshStatus status;
        try (MeshLab lab = MeshLab.builder().clusters(16).nodesPerCluster(1)
                .lbDelay(Duration.ofMillis(100)).rolloutDelay(Duration.ofMillis(100)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toString()).isTrue();
            assertThat(EtcdServer.liveServers()).hasSizeGreaterThanOrEqualTo(16);
            status = mesh.status();
        }
        assertThat(status.clusters()).hasSize(16).allSatisfy(c -> {
            assertThat(c.errors()).as(c.name()).isEmpty();
            assertThat(c.peers()).hasSize(15).allSatisfy(p -> assertThat(p.fullyConnected()).as(c.name() + " -> " + p).isTrue());
        });
        assertThat(before).isZero();
        assertThat(EtcdServer.liveProcesses()).isEmpty();
        assertThat(EtcdServer.liveServers()).isEmpty();
        assertThat(ProcessHandle.current().descendants().filter(p -> p.info().command().map(c -> c.endsWith("etcd")).orElse(false)))
                .as("etcd child processes of this JVM").isEmpty();
    }
}
