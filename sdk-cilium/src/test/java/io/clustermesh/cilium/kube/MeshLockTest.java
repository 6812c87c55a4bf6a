package io.clustermesh.cilium.kube;

import io.clustermesh.internal.PlanSteps;
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
import static org.awaitility.Awaitility.await;

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
        conn = new Fabric8ClusterTransport().connect(MeshCluster.named("cluster1").withId(1)
                .withAccess(ClusterAccess.kubeconfig(Fabric8ConnectionTest.kubeconfig("http://127.0.0.1:" + server.getPort()))), MeshTimeouts.defaults());
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

    private static io.clustermesh.report.MeshPlan plan(int steps) {
        List<io.clustermesh.report.PlanStep> s = new java.util.ArrayList<>();
        for (int i = 1; i <= steps; i++) {
            s.add(PlanSteps.of("s" + i, "cluster" + i, "helm", "helm upgrade cilium (step " + i + ")", ctx -> null));
        }
        return new io.clustermesh.report.MeshPlan("article", "connect", Instant.parse("2026-11-26T12:00:00Z"), List.of(), s, java.util.Map.of());
    }

    private static io.clustermesh.report.MeshReport report(io.clustermesh.report.MeshPlan plan, int succeeded) {
        List<io.clustermesh.report.StepReport> r = new java.util.ArrayList<>();
        for (int i = 0; i < plan.steps().size(); i++) {
            var s = plan.steps().get(i);
            r.add(new io.clustermesh.report.StepReport(s.id(), s.cluster(), s.kind(), i < succeeded ? io.clustermesh.report.StepOutcome.SUCCEEDED
                    : io.clustermesh.report.StepOutcome.FAILED, i < succeeded, 1, null, null, "", null, null, null));
        }
        return new io.clustermesh.report.MeshReport("article", "connect", plan.createdAt(), plan.createdAt(), r, List.of());
    }

    private static void finish(io.clustermesh.event.MeshListener tracker, io.clustermesh.report.MeshPlan plan, int steps) {
        for (int i = 0; i < steps; i++) {
            var s = plan.steps().get(i);
            tracker.stepFinished(new io.clustermesh.event.StepFinished(s.cluster(), s.id(), s.kind(), true, "", Duration.ZERO));
        }
    }

    @Test
    void aRunThatEndsWithFailedStepsReleasesTheLockWithItsRecordAndTheNextRunSaysWhatItResumes() {
        FakeClock clock = new FakeClock();
        var plan = plan(5);
        MeshLock first = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-a:100", clock, Duration.ofSeconds(60),
                scheduler, io.clustermesh.RetryPolicy.none(), plan);
        assertThat(first.resumes()).isEmpty();
        finish(first.track(plan), plan, 2);
        clock.now = clock.now.plusSeconds(30);
        first.finished(report(plan, 2));
        first.close();

        var lease = admin.leases().inNamespace("kube-system").withName(MeshLock.leaseName("article")).get();
        assertThat(lease.getSpec().getHolderIdentity()).as("released: nobody holds it").isNull();
        assertThat(lease.getMetadata().getAnnotations())
                .containsEntry("clustermesh.io/operation", "connect")
                .containsEntry("clustermesh.io/steps", "2/5")
                .containsEntry("clustermesh.io/ended", "failed")
                .containsEntry("clustermesh.io/previous-holder", "meshctl@host-a:100")
                .containsEntry("clustermesh.io/last-step", "cluster2: helm upgrade cilium (step 2)");

        // at once (no waiting for an expiry), another holder takes the lock and learns what it takes over
        MeshLock next = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock, Duration.ofSeconds(60),
                scheduler, io.clustermesh.RetryPolicy.none(), plan(3));
        var r = next.resumes().orElseThrow();
        assertThat(r.ending()).isEqualTo(io.clustermesh.event.Resuming.Ending.FAILED);
        assertThat(r.previousHolder()).isEqualTo("meshctl@host-a:100");
        assertThat(r.stoppedAt()).isEqualTo(Instant.parse("2026-11-26T12:00:30Z"));
        assertThat(r.describe()).isEqualTo("resuming connect of mesh article by meshctl@host-a:100, ended with failed steps at"
                + " 2026-11-26T12:00:30Z after 2 of 5 steps (last done: cluster2: helm upgrade cilium (step 2)); this run re-plans from"
                + " what the clusters hold now and does the rest");
        next.track(plan(3));
        next.finished(report(plan(3), 3));
        next.close();
        assertThat(admin.leases().inNamespace("kube-system").list().getItems()).as("a run that succeeded deletes the lease").isEmpty();
        assertThat(MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-c:300", clock, Duration.ofSeconds(60),
                scheduler, io.clustermesh.RetryPolicy.none(), plan(1)).resumes()).as("nothing left to resume").isEmpty();
    }

    @Test
    void anInterruptedRunIsRecordedAsInterruptedAndKeepsTheInterrupt() {
        FakeClock clock = new FakeClock();
        var plan = plan(4);
        MeshLock lock = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-a:100", clock, Duration.ofSeconds(60),
                scheduler, io.clustermesh.RetryPolicy.none(), plan);
        finish(lock.track(plan), plan, 1);
        Thread.currentThread().interrupt(); // the apply was cancelled (Ctrl-C in meshctl)
        try {
            lock.finished(report(plan, 1));
            lock.close();
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is restored").isTrue();
        }
        var r = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock, Duration.ofSeconds(60),
                scheduler, io.clustermesh.RetryPolicy.none(), plan).resumes().orElseThrow();
        assertThat(r.ending()).isEqualTo(io.clustermesh.event.Resuming.Ending.INTERRUPTED);
        assertThat(r.describe()).contains("interrupted at 2026-11-26T12:00:00Z after 1 of 4 steps");
    }

    @Test
    void aKilledRunIsRecognisedOnceItsLeaseExpiresWithTheProgressOfItsLastRenewal() throws Exception {
        FakeClock clock = new FakeClock();
        var plan = plan(6);
        MeshLock killed = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "killed@host:1", clock, Duration.ofSeconds(3),
                scheduler, io.clustermesh.RetryPolicy.none(), plan);
        finish(killed.track(plan), plan, 3);
        // its renewal (every lease duration / 3) writes the progress; then the process dies without releasing
        var leases = admin.leases().inNamespace("kube-system").withName(MeshLock.leaseName("article"));
        await("the renewal writes the progress").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> leases.get().getMetadata().getAnnotations().get("clustermesh.io/steps"), "3/6"::equals);
        scheduler.shutdownNow(); // the process is gone: no more renewals
        assertThatThrownBy(() -> MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock,
                Duration.ofSeconds(60), Executors.newSingleThreadScheduledExecutor()))
                .as("while its lease lives, the run is refused and told how far the holder got")
                .hasMessageContaining("mesh is being changed by killed@host:1").hasMessageContaining("3 of 6 steps done at its last renewal");
        clock.now = clock.now.plusSeconds(4);
        ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();
        try {
            MeshLock next = MeshLock.acquire(List.of("cluster1"), c -> conn, "article", "meshctl@host-b:200", clock, Duration.ofSeconds(60),
                    other, io.clustermesh.RetryPolicy.none(), plan);
            var r = next.resumes().orElseThrow();
            assertThat(r.ending()).isEqualTo(io.clustermesh.event.Resuming.Ending.ABANDONED);
            assertThat(r.previousHolder()).isEqualTo("killed@host:1");
            assertThat(r.stepsDone()).isEqualTo(3);
            assertThat(r.describe()).contains("stopped without releasing the change lock").contains("after 3 of 6 steps");
            next.close();
        } finally {
            other.shutdownNow();
        }
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
