package io.clustermesh.cilium.kube;

import io.clustermesh.MeshClock;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.internal.MeshLock;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mesh change lock (a Lease) against a real HTTP Kubernetes API. */
class MeshLockTest {
    KubernetesMockServer server;
    KubernetesClient admin;
    ClusterConnection conn;
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    static final class FakeClock implements MeshClock {
        Instant now = Instant.parse("2026-11-26T12:00:00Z");

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            now = now.plus(d);
        }
    }

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        admin = server.createClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
        conn = new Fabric8ClusterTransport().connect(MeshCluster.named("cluster1").id(1)
                .access(ClusterAccess.kubeconfig(Fabric8ConnectionTest.kubeconfig("http://127.0.0.1:" + server.getPort()))), MeshTimeouts.defaults());
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        conn.close();
        admin.close();
        server.destroy();
    }

    @Test
    void aSecondHolderFailsFastNamingTheHolderAndSince() {
        FakeClock clock = new FakeClock();
        MeshLock first = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-a:100", clock, Duration.ofSeconds(60), scheduler);
        assertThat(first.cluster()).isEqualTo("cluster1");
        assertThatThrownBy(() -> MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock,
                Duration.ofSeconds(60), scheduler))
                .isInstanceOf(MeshConflictException.class)
                .hasMessageContaining("mesh is being changed by meshctl@host-a:100 since 2026-11-26T12:00:00Z");
        first.close();
        assertThat(admin.leases().inNamespace("kube-system").list().getItems()).isEmpty();
        MeshLock second = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock, Duration.ofSeconds(60), scheduler);
        second.close();
    }

    @Test
    void aCrashedHoldersLeaseExpires() {
        FakeClock clock = new FakeClock();
        MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "crashed@host:1", clock, Duration.ofSeconds(60), scheduler);
        // the crashed holder never renews and never releases: 61 s later its lease has expired
        clock.now = clock.now.plusSeconds(61);
        MeshLock taken = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock, Duration.ofSeconds(60), scheduler);
        assertThat(admin.leases().inNamespace("kube-system").withName(MeshLock.leaseName("article")).get().getSpec().getHolderIdentity())
                .isEqualTo("meshctl@host-b:200");
        taken.close();
    }

    @Test
    void anInterruptedRunStillReleasesItsLockAndKeepsTheInterrupt() {
        MeshLock lock = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-a:100", new FakeClock(),
                Duration.ofSeconds(60), scheduler);
        Thread.currentThread().interrupt(); // e.g. the apply was cancelled
        try {
            lock.close();
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is restored").isTrue();
        }
        assertThat(admin.leases().inNamespace("kube-system").list().getItems()).isEmpty();
    }

    @Test
    void aTransientFailureIsRetriedOnTheSameClusterInsteadOfLockingAnotherOne() {
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        ClusterConnection flaky = (ClusterConnection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ClusterConnection.class}, (proxy, m, args) -> {
                    if (m.getName().equals("get") && failures.getAndDecrement() > 0) {
                        throw new io.clustermesh.MeshUnreachableException("cluster1: reading Lease failed: HTTP 500",
                                Details.inCluster("cluster1").fix("retry"));
                    }
                    return m.invoke(conn, args);
                });
        ClusterConnection second = (ClusterConnection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ClusterConnection.class}, (proxy, m, args) -> m.getName().equals("cluster") ? "cluster2" : m.invoke(conn, args));
        FakeClock clock = new FakeClock();
        MeshLock lock = MeshLock.acquire(List.of("cluster1", "cluster2"), c -> c.equals("cluster1") ? flaky : second, "article",
                "meshctl@host-a:100", clock, Duration.ofSeconds(60), scheduler,
                new io.clustermesh.RetryPolicy(3, Duration.ofMillis(200), 2.0, Duration.ofSeconds(1)));
        assertThat(lock.cluster()).as("a 500 on cluster1 must not move the lock to cluster2").isEqualTo("cluster1");
        assertThat(clock.now).as("waited the backoff through the clock").isEqualTo(Instant.parse("2026-11-26T12:00:00.200Z"));
        lock.close();
        assertThat(admin.leases().inNamespace("kube-system").list().getItems()).isEmpty();
    }
}
