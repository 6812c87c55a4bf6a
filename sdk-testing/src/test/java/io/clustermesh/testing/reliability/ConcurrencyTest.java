package io.clustermesh.testing.reliability;

import io.clustermesh.ErrorCode;
import io.clustermesh.Mesh;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshConflictException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.RetryPolicy;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepStarted;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.internal.MeshLock;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Concurrency: the change lock is a {@code coordination.k8s.io/v1 Lease} in kube-system of the first cluster. Two
 * applies at once on the same mesh (two {@code Mesh} instances, two holders): exactly one proceeds, the other fails
 * fast naming the holder and since when, writing nothing. A crashed holder's lease blocks others only until it
 * expires; time is moved through an injected {@link MeshClock}, nobody waits for it.
 */
class ConcurrencyTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void twoAppliesAtOnceExactlyOneProceedsTheOtherFailsFastNamingTheHolder() throws Exception {
        CountDownLatch aliceIsIn = new CountDownLatch(1);
        CountDownLatch bobHasTried = new CountDownLatch(1);
        MeshListener holdAtFirstStep = new MeshListener() {
            @Override
            public void stepStarted(StepStarted e) {
                aliceIsIn.countDown();
                await(bobHasTried); // alice holds the lock (and has written nothing yet) until bob has tried
            }
        };
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (MeshLab lab = Reliability.lab(2).start();
             Mesh alice = lab.meshBuilder().holderIdentity("alice@ci-runner-7").listener(holdAtFirstStep).build();
             Mesh bob = lab.meshBuilder().holderIdentity("bob@laptop").build()) {
            MeshPlan alicesPlan = alice.plan();
            MeshPlan bobsPlan = bob.plan();
            assertThat(alicesPlan.writeSteps()).isPositive();
            assertThat(bobsPlan.writeSteps()).as("both want to change the mesh").isPositive();

            Future<MeshReport> alicesRun = runner.submit(() -> alice.apply(alicesPlan));
            await(aliceIsIn);
            Reliability.resetCounts(lab);
            MeshConflictException refused = catchThrowableOfType(MeshConflictException.class, () -> bob.apply(bobsPlan));
            Reliability.assertNothingWritten(lab, "bob's refused apply");
            bobHasTried.countDown();

            assertThat(refused).as("bob's apply must be refused").isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(refused.cluster()).isEqualTo("cluster1");
            assertThat(refused.getMessage())
                    .matches("mesh is being changed by alice@ci-runner-7 since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z, \\d+ of \\d+ steps done at its last renewal "
                            + "\\(lease kube-system/clustermesh-lab on cluster1\\)");
            assertThat(refused.remediation()).startsWith("wait for that run to finish; if its holder crashed, the lease expires 60 s after");

            MeshReport alicesReport = alicesRun.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(alicesReport.succeeded()).as(alicesReport.toText()).isTrue();
            Reliability.assertHealthy(alice.status(), 2);
            assertThat(lab.cluster("cluster1").client().leases().inNamespace(Reliability.NS).list().getItems())
                    .as("alice released the lock").isEmpty();
        } finally {
            bobHasTried.countDown();
            runner.shutdownNow();
        }
    }

    @Test
    void aCrashedHoldersLeaseBlocksUntilItExpiresThenIsTakenOver() {
        try (MeshLab lab = Reliability.lab(2).start();
             Mesh crashed = lab.meshBuilder().holderIdentity("crashed@node-3").build()) {
            // a run took the lock and its process died: no renewal, no release
            ScheduledExecutorService deadProcess = Executors.newSingleThreadScheduledExecutor();
            List<String> clusters = crashed.spec().clusters().stream().map(MeshCluster::name).toList();
            MeshLock.acquire(clusters, MeshContexts.of(crashed)::connection, "lab", "crashed@node-3", MeshClock.system(), Duration.ofSeconds(60),
                    deadProcess);
            deadProcess.shutdownNow();

            // right away: bob is refused, told who holds it and when it expires
            try (Mesh bob = lab.meshBuilder().holderIdentity("bob@laptop").build()) {
                MeshConflictException refused = catchThrowableOfType(MeshConflictException.class, () -> bob.apply(bob.plan()));
                assertThat(refused).isNotNull();
                assertThat(refused.getMessage()).startsWith("mesh is being changed by crashed@node-3 since ");
                assertThat(refused.remediation()).contains("the lease expires 60 s after its last renewal");
            }

            // 61 s later (on bob's clock) the lease has expired: bob takes it over, converges the mesh and releases it
            OffsetClock later = new OffsetClock(Duration.ofSeconds(61));
            LeaseHolders holders = new LeaseHolders(lab);
            try (Mesh bob = lab.meshBuilder().holderIdentity("bob@laptop").clock(later).listener(holders).build()) {
                MeshReport report = bob.apply(bob.plan());
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                Reliability.assertHealthy(bob.status(), 2);
            }
            assertThat(holders.seen).as("who held the lease while bob's steps ran").containsOnly("bob@laptop");
            assertThat(lab.cluster("cluster1").client().leases().inNamespace(Reliability.NS).list().getItems()).isEmpty();
        }
    }

    @Test
    void aLeaseWriteThatKeepsConflictingIsTriedThePolicysAttemptsByOneLayerOnly() {
        RecordingClock clock = new RecordingClock();
        try (MeshLab lab = Reliability.lab(2).start();
             Mesh mesh = lab.meshBuilder().holderIdentity("alice@ci-runner-7").clock(clock)
                     .retryPolicy(new RetryPolicy(4, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1))).build()) {
            MeshPlan plan = mesh.plan();
            Reliability.resetCounts(lab);
            String leases = "/apis/coordination.k8s.io/v1/namespaces/" + Reliability.NS + "/leases";
            lab.cluster("cluster1").addFault(FaultRule.always(Fault.conflict()).forMethods("POST").forPath(leases));

            MeshConflictException refused = catchThrowableOfType(MeshConflictException.class, () -> mesh.apply(plan));

            assertThat(refused).as("the lease could not be created").isNotNull();
            assertThat(refused.getMessage()).contains("HTTP 409");
            // the lock's retry is the only one (the SDK's Kubernetes transport has none, the engine has not started):
            // 4 creates for a policy of 4 attempts, and 3 waits, not 4 x N
            assertThat(lab.cluster("cluster1").counts().path(leases)).isEqualTo(4);
            assertThat(clock.sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(lab.cluster("cluster2").counts().writes()).as("a run that never got the lock writes nothing elsewhere").isZero();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the other run did not get there within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Real time; sleeps are recorded, not slept. */
    private static final class RecordingClock implements MeshClock {
        final List<Duration> sleeps = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
        }
    }

    /** Real time shifted by a fixed offset; sleeps are real. */
    private static final class OffsetClock implements MeshClock {
        private final Duration offset;

        OffsetClock(Duration offset) {
            this.offset = offset;
        }

        @Override
        public Instant now() {
            return Instant.now().plus(offset);
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            MeshClock.system().sleep(d);
        }
    }

    /** Reads the lease's holder (with the lab's own client) whenever a step starts. */
    private static final class LeaseHolders implements MeshListener {
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final MeshLab lab;

        LeaseHolders(MeshLab lab) {
            this.lab = lab;
        }

        @Override
        public void stepStarted(StepStarted e) {
            Lease l = lab.cluster("cluster1").client().leases().inNamespace(Reliability.NS).withName("clustermesh-lab").get();
            seen.add(l == null ? "(none)" : l.getSpec().getHolderIdentity());
        }
    }
}
