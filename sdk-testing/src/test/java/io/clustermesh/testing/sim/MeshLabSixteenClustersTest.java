package io.clustermesh.testing.sim;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.etcd.EtcdServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 16-cluster lab converges under the SDK's apply, with threads bounded by the number of clusters, and tears down
 * without leaving an etcd process.
 */
class MeshLabSixteenClustersTest {

    @Test
    void sixteenClustersConvergeAndTearDownWithoutLeakingEtcd() {
        long before = EtcdServer.liveProcesses().size();
        // JDK HTTP clients of earlier tests in this JVM keep their selector thread until they are collected: count ours
        long selectorsBefore = selectorThreads();
        MeshStatus status;
        try (MeshLab lab = MeshLab.builder().clusters(16).nodesPerCluster(1)
                .lbDelay(Duration.ofMillis(100)).rolloutDelay(Duration.ofMillis(100)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toString()).isTrue();
            assertThat(EtcdServer.liveServers()).hasSizeGreaterThanOrEqualTo(16);
            status = mesh.status();
            // threads grow with the clusters, not with their connections or pairs: one API-server front door per
            // cluster, and a few JDK HTTP client selectors per cluster (the lab's and the SDK's fabric8 clients, the
            // agents' one client to all peers; 65 measured); a client per cluster pair would be 240 more
            assertThat(threadNames()).filteredOn(n -> n.startsWith("lab-cluster") && n.endsWith("-proxy")).hasSize(16);
            assertThat(selectorThreads() - selectorsBefore).as("HTTP client selector threads started by this lab and mesh").isLessThanOrEqualTo(5 * 16);
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

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    private static long selectorThreads() {
        return threadNames().stream().filter(n -> n.startsWith("HttpClient-") && n.endsWith("-SelectorManager")).count();
    }
}
