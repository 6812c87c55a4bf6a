package io.clustermesh;

import io.clustermesh.Fixtures.FakeClock;
import io.clustermesh.Fixtures.PlanDriver;
import io.clustermesh.Fixtures.RecordingListener;
import io.clustermesh.MeshException.Details;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.PlanStep;
import io.clustermesh.report.StepReport;
import io.clustermesh.internal.StepAction;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.clustermesh.Fixtures.T0;
import static io.clustermesh.Fixtures.mesh;
import static io.clustermesh.Fixtures.meshWith;
import static io.clustermesh.Fixtures.plan;
import static io.clustermesh.Fixtures.step;
import static io.clustermesh.report.StepOutcome.FAILED;
import static io.clustermesh.report.StepOutcome.SKIPPED;
import static io.clustermesh.report.StepOutcome.SUCCEEDED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The plan engine through the public path: {@code Mesh.apply(plan)} with hand-made plans. Parallelism is proven with
 * barriers, time with a fake clock; every wait is bounded, and the class timeout turns a hang into a failure.
 */
@Timeout(value = 30, unit = SECONDS)
class MeshApplyTest {
    /** The longest any barrier or latch in these tests waits (only reached when the behaviour under test is broken). */
    private static final long BOUND = 5;
    private static final StepAction OK = ctx -> StepResult.unchanged("ok");

    private static RetryPolicy fastRetries(int maxAttempts) {
        return new RetryPolicy(maxAttempts, Duration.ofMillis(100), 2.0, Duration.ofSeconds(10));
    }

    private static StepReport report(MeshReport r, String id) {
        return r.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    // ---- parallelism ----

    @Test
    void independentClustersStepsRunAtTheSameTime() {
        CyclicBarrier allThree = new CyclicBarrier(3);
        StepAction meet = ctx -> {
            allThree.await(BOUND, SECONDS); // opens only when the three clusters' steps are all running
            return StepResult.unchanged("met");
        };
        try (Mesh mesh = mesh().build()) {
            MeshReport r = mesh.apply(plan(step("cluster1", "read", meet), step("cluster2", "read", meet), step("cluster3", "read", meet)));
            assertThat(r.steps()).as(r.toText()).extracting(StepReport::outcome).containsOnly(SUCCEEDED);
            assertThat(r.succeeded()).isTrue();
        }
    }

    @Test
    void stepsThatOnlyReadOrWaitAreNotHeldBackByTheConcurrency() throws Exception {
        // six read-only steps that each wait until all six have started: with concurrency 2 they only finish if the
        // mesh's concurrency (which limits writing steps, see EngineTest) does not hold them back
        CountDownLatch allStarted = new CountDownLatch(6);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        StepAction work = ctx -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            allStarted.countDown();
            try {
                if (!allStarted.await(BOUND, SECONDS)) {
                    throw new IllegalStateException("not every read-only step could start");
                }
            } finally {
                running.decrementAndGet();
            }
            return StepResult.unchanged("");
        };
        List<PlanStep> steps = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            steps.add(step("cluster" + n, "read-config", work));
            steps.add(step("cluster" + n, "wait-rollout", work));
        }
        CountingExecutor pool = new CountingExecutor();
        try (Mesh mesh = mesh().concurrency(2).executor(pool).build()) {
            MeshReport report = mesh.apply(plan(steps.toArray(PlanStep[]::new)));
            assertThat(report.succeeded()).as(report.toText()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(pool.submitted.get()).as("steps run on the executor given").isEqualTo(6);
        assertThat(most.get()).isEqualTo(6);
    }

    /** Spins (bounded) until the thread parks; the engine thread only parks to wait for a step to end. */
    private static void awaitWaiting(Thread t) {
        long end = System.nanoTime() + SECONDS.toNanos(BOUND);
        while (t.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as("the engine thread never waited for a step").isLessThan(end);
            Thread.yield();
        }
    }

    /** Runs tasks on a thread each and counts what it was given. */
    private static final class CountingExecutor extends AbstractExecutorService {
        final AtomicInteger submitted = new AtomicInteger();
        private final ExecutorService delegate = Executors.newCachedThreadPool();

        @Override
        public void execute(Runnable task) {
            submitted.incrementAndGet();
            delegate.execute(task);
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return delegate.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }
    }

    private static int mostOverlapping(List<Object> events) {
        int now = 0;
        int most = 0;
        for (Object e : events) {
            if (e instanceof StepStarted) {
                most = Math.max(most, ++now);
            } else if (e instanceof StepFinished || e instanceof StepFailed || e instanceof RetryScheduled) {
                now--;
            }
        }
        return most;
    }

    // ---- failures stay in their cluster ----

    @Test
    void aFailingClusterStopsOnlyItsOwnBranch() {
        AtomicInteger upgradeAttempts = new AtomicInteger();
        AtomicBoolean cluster2Waited = new AtomicBoolean();
        StepAction otherCni = ctx -> {
            upgradeAttempts.incrementAndGet();
            throw new MeshPreconditionException("cluster2: another CNI (azure) is installed",
                    Details.inCluster("cluster2").fix("create the cluster with --network-plugin none"));
        };
        List<PlanStep> steps = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            String c = "cluster" + n;
            steps.add(step(c, "read", OK));
            steps.add(step(c, "helm-upgrade", n == 2 ? otherCni : OK).withDependsOn(c + "/read"));
            steps.add(step(c, "wait-rollout", n == 2 ? ctx -> {
                cluster2Waited.set(true);
                return StepResult.unchanged("");
            } : OK).withDependsOn(c + "/helm-upgrade"));
        }
        RecordingListener events = new RecordingListener();
        MeshReport r;
        try (Mesh mesh = mesh().listener(events).build()) {
            r = mesh.apply(plan(steps.toArray(PlanStep[]::new)));
        }

        assertThat(r.succeeded()).isFalse();
        assertThat(r.failedClusters()).containsExactly("cluster2");
        assertThat(r.stepsOf("cluster1")).extracting(StepReport::outcome).containsOnly(SUCCEEDED);
        assertThat(r.stepsOf("cluster3")).extracting(StepReport::outcome).containsOnly(SUCCEEDED);
        assertThat(r.stepsOf("cluster2")).extracting(StepReport::outcome).containsExactly(SUCCEEDED, FAILED, SKIPPED);

        StepReport failed = r.failures().get(0);
        assertThat(r.failures()).hasSize(1);
        assertThat(failed.id()).isEqualTo("cluster2/helm-upgrade");
        assertThat(failed.cluster()).isEqualTo("cluster2");
        assertThat(failed.kind()).isEqualTo("helm-upgrade");
        assertThat(failed.errorCode()).isEqualTo(ErrorCode.PRECONDITION);
        assertThat(failed.error()).isEqualTo("cluster2: another CNI (azure) is installed");
        assertThat(failed.remediation()).isEqualTo("create the cluster with --network-plugin none");
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(upgradeAttempts.get()).as("a precondition is not retried").isEqualTo(1);

        StepReport skipped = report(r, "cluster2/wait-rollout");
        assertThat(skipped.attempts()).isZero();
        assertThat(skipped.error()).contains("cluster2/helm-upgrade");
        assertThat(cluster2Waited).isFalse();

        assertThat(events.of(StepFailed.class)).singleElement().satisfies(e -> {
            assertThat(e.cluster()).isEqualTo("cluster2");
            assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION);
            assertThat(e.remediation()).isEqualTo("create the cluster with --network-plugin none");
        });
        assertThat(events.of(PlanFinished.class)).singleElement().satisfies(e -> {
            assertThat(e.succeeded()).isFalse();
            assertThat(e.failedClusters()).containsExactly("cluster2");
        });
        assertThat(r.toText()).contains("FAILED for cluster2").contains("error: cluster2: another CNI (azure) is installed")
                .contains("fix: create the cluster with --network-plugin none");
        assertThat(r.toJson()).contains("\"failedClusters\": [\n    \"cluster2\"\n  ]").contains("\"errorCode\": \"PRECONDITION\"");
    }

    @Test
    void anUnexpectedExceptionIsReportedAsInternalWithAGenericRemediation() {
        try (Mesh mesh = mesh().build()) {
            MeshReport r = mesh.apply(plan(step("cluster1", "read", ctx -> {
                throw new IllegalStateException("boom");
            })));
            StepReport s = r.steps().get(0);
            assertThat(s.outcome()).isEqualTo(FAILED);
            assertThat(s.errorCode()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(s.error()).as("no Java class name in what users read").isEqualTo("boom");
            assertThat(s.remediation()).contains("report it");
        }
    }

    // ---- retries ----

    @Test
    void aTransientFailureIsRetriedWithBackoffThroughTheClock() {
        FakeClock clock = new FakeClock();
        AtomicInteger attempts = new AtomicInteger();
        List<Integer> seenAttempts = new CopyOnWriteArrayList<>();
        StepAction flaky = ctx -> {
            seenAttempts.add(ctx.attempt());
            if (attempts.incrementAndGet() < 3) {
                throw new MeshUnreachableException("cluster1: connection reset",
                        Details.inCluster("cluster1").fix("check the network"));
            }
            return StepResult.changed("upgraded");
        };
        RecordingListener events = new RecordingListener();
        MeshReport r;
        try (Mesh mesh = mesh().clock(clock).retryPolicy(fastRetries(5)).listener(events).build()) {
            r = mesh.apply(plan(step("cluster1", "helm-upgrade", flaky)));
        }
        StepReport s = r.steps().get(0);
        assertThat(s.outcome()).isEqualTo(SUCCEEDED);
        assertThat(s.changed()).isTrue();
        assertThat(s.attempts()).isEqualTo(3);
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(seenAttempts).containsExactly(1, 2, 3);
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(events.of(RetryScheduled.class)).extracting(RetryScheduled::failedAttempt, RetryScheduled::delay)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Duration.ofMillis(100)),
                        org.assertj.core.groups.Tuple.tuple(2, Duration.ofMillis(200)));
        assertThat(events.of(RetryScheduled.class)).extracting(RetryScheduled::reason).containsOnly("cluster1: connection reset");
    }

    @Test
    void aRetryAfterHintWinsOverTheComputedBackoff() {
        FakeClock clock = new FakeClock();
        AtomicInteger attempts = new AtomicInteger();
        StepAction throttled = ctx -> {
            if (attempts.incrementAndGet() == 1) {
                throw new MeshUnreachableException("cluster1: 429 Too Many Requests",
                        Details.inCluster("cluster1").fix("wait").retryAfter(Duration.ofSeconds(7)));
            }
            return StepResult.unchanged("");
        };
        try (Mesh mesh = mesh().clock(clock).retryPolicy(fastRetries(5)).build()) {
            assertThat(mesh.apply(plan(step("cluster1", "read", throttled))).succeeded()).isTrue();
        }
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(7));
    }

    @Test
    void aNonRetryableFailureIsNotRetried() {
        FakeClock clock = new FakeClock();
        AtomicInteger attempts = new AtomicInteger();
        StepAction refused = ctx -> {
            attempts.incrementAndGet();
            throw new MeshUnreachableException("cluster1: certificate signed by unknown authority",
                    Details.inCluster("cluster1").fix("check the kubeconfig's CA").retryable(false));
        };
        StepAction forbidden = ctx -> {
            attempts.incrementAndGet();
            throw new MeshAccessException("cluster2: 403 Forbidden",
                    Details.inCluster("cluster2").fix("grant the role"));
        };
        MeshReport r;
        try (Mesh mesh = mesh().clock(clock).retryPolicy(fastRetries(5)).build()) {
            r = mesh.apply(plan(step("cluster1", "read", refused), step("cluster2", "read", forbidden)));
        }
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(r.steps()).extracting(StepReport::attempts).containsExactly(1, 1);
        assertThat(r.steps()).extracting(StepReport::errorCode).containsExactly(ErrorCode.UNREACHABLE, ErrorCode.ACCESS);
        assertThat(clock.sleeps()).isEmpty();
    }

    @Test
    void retriesStopAtMaxAttempts() {
        FakeClock clock = new FakeClock();
        AtomicInteger attempts = new AtomicInteger();
        StepAction down = ctx -> {
            throw new MeshUnreachableException("cluster1: attempt " + attempts.incrementAndGet() + " refused",
                    Details.inCluster("cluster1").fix("check that the API server answers"));
        };
        MeshReport r;
        try (Mesh mesh = mesh().clock(clock).retryPolicy(fastRetries(3)).build()) {
            r = mesh.apply(plan(step("cluster1", "read", down)));
        }
        StepReport s = r.steps().get(0);
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(s.outcome()).isEqualTo(FAILED);
        assertThat(s.attempts()).isEqualTo(3);
        assertThat(s.errorCode()).isEqualTo(ErrorCode.UNREACHABLE);
        assertThat(s.error()).isEqualTo("cluster1: attempt 3 refused");
        assertThat(s.remediation()).isEqualTo("check that the API server answers");
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    // ---- listeners ----

    @Test
    void aThrowingListenerDoesNotBreakTheRun() {
        AtomicInteger calls = new AtomicInteger();
        MeshListener broken = new MeshListener() {
            private void boom() {
                calls.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }

            @Override public void planStarted(PlanStarted e) { boom(); }
            @Override public void planFinished(PlanFinished e) { boom(); }
            @Override public void stepStarted(StepStarted e) { boom(); }
            @Override public void stepFinished(StepFinished e) { boom(); }
            @Override public void stepFailed(StepFailed e) { boom(); }
            @Override public void retryScheduled(RetryScheduled e) { boom(); }
            @Override public void waiting(Waiting e) { boom(); }
        };
        RecordingListener after = new RecordingListener();
        AtomicInteger flaky = new AtomicInteger();
        MeshReport r;
        try (Mesh mesh = mesh().clock(new FakeClock()).retryPolicy(fastRetries(3)).listener(broken).listener(after).build()) {
            r = mesh.apply(plan(
                    step("cluster1", "read", OK),
                    step("cluster2", "read", ctx -> {
                        if (flaky.incrementAndGet() == 1) {
                            throw new MeshUnreachableException("cluster2: reset",
                                    Details.inCluster("cluster2").fix("retry"));
                        }
                        return StepResult.unchanged("");
                    }),
                    step("cluster3", "wait", ctx -> {
                        ctx.waiting("rollout", Duration.ZERO, Duration.ofMinutes(1), 0.5);
                        return StepResult.unchanged("");
                    })));
        }
        assertThat(r.succeeded()).as(r.toText()).isTrue();
        assertThat(after.of(PlanStarted.class)).hasSize(1);
        assertThat(after.of(StepStarted.class)).hasSize(4);
        assertThat(after.of(RetryScheduled.class)).hasSize(1);
        assertThat(after.of(Waiting.class)).hasSize(1);
        assertThat(after.of(StepFinished.class)).hasSize(3);
        assertThat(after.of(PlanFinished.class)).hasSize(1);
        assertThat(calls.get()).as("the broken listener was called for every event").isEqualTo(after.events().size());
    }

    @Test
    void eventsComeInPairs() {
        AtomicInteger flaky = new AtomicInteger();
        RecordingListener events = new RecordingListener();
        MeshReport r;
        try (Mesh mesh = mesh().clock(new FakeClock()).retryPolicy(fastRetries(3)).listener(events).build()) {
            r = mesh.apply(plan(
                    step("cluster1", "read", OK),
                    step("cluster2", "read", ctx -> {
                        if (flaky.incrementAndGet() < 3) {
                            throw new MeshUnreachableException("cluster2: reset",
                                    Details.inCluster("cluster2").fix("retry"));
                        }
                        return StepResult.unchanged("");
                    }),
                    step("cluster3", "read", ctx -> {
                        throw new MeshPreconditionException("cluster3: no nodes",
                                Details.inCluster("cluster3").fix("add a node pool"));
                    }),
                    step("cluster3", "helm-upgrade", OK).withDependsOn("cluster3/read"),
                    step("cluster1", "connect", OK).withAfter(List.of("cluster3/read"))));
        }
        List<Object> all = events.events();
        assertThat(all.get(0)).isInstanceOfSatisfying(PlanStarted.class, e -> {
            assertThat(e.steps()).isEqualTo(5);
            assertThat(e.mesh()).isEqualTo("article");
            assertThat(e.operation()).isEqualTo("apply");
        });
        assertThat(all.get(all.size() - 1)).isInstanceOf(PlanFinished.class);
        assertThat(events.of(PlanStarted.class)).hasSize(1);
        assertThat(events.of(PlanFinished.class)).hasSize(1);

        // per step: every attempt's start ends in a retry, and the last one in finished or failed
        Map<String, StringBuilder> perStep = new LinkedHashMap<>();
        for (Object e : all) {
            if (e instanceof StepStarted s) perStep.computeIfAbsent(s.stepId(), k -> new StringBuilder()).append('S');
            if (e instanceof RetryScheduled s) perStep.computeIfAbsent(s.stepId(), k -> new StringBuilder()).append('R');
            if (e instanceof StepFinished s) perStep.computeIfAbsent(s.stepId(), k -> new StringBuilder()).append('F');
            if (e instanceof StepFailed s) perStep.computeIfAbsent(s.stepId(), k -> new StringBuilder()).append('X');
        }
        assertThat(perStep).hasSize(4).doesNotContainKey("cluster3/helm-upgrade");
        perStep.forEach((id, seq) -> assertThat(seq.toString()).as(id).matches("(SR)*S[FX]"));
        assertThat(perStep.get("cluster2/read")).hasToString("SRSRSF");
        assertThat(perStep.get("cluster3/read")).hasToString("SX");
        assertThat(report(r, "cluster3/helm-upgrade").outcome()).isEqualTo(SKIPPED);
    }

    // ---- deadlines ----

    @Test
    void aDeadlineEndsAStepThatNeverFinishes() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        StepAction stuck = ctx -> {
            try {
                never.await(); // nobody counts this down: only the deadline ends the step
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return StepResult.unchanged("");
        };
        ExecutorService pool = Executors.newCachedThreadPool();
        RecordingListener events = new RecordingListener();
        MeshReport r;
        try (Mesh mesh = mesh().executor(pool).listener(events).build()) {
            r = mesh.apply(plan(
                    step("cluster1", "wait-lb-ip", stuck).withTimeout(Duration.ofMillis(300)),
                    step("cluster1", "connect", OK).withDependsOn("cluster1/wait-lb-ip"),
                    step("cluster2", "wait-lb-ip", OK)));
        }
        StepReport s = report(r, "cluster1/wait-lb-ip");
        assertThat(s.outcome()).isEqualTo(FAILED);
        assertThat(s.errorCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(s.error()).contains("cluster1").contains("wait-lb-ip").contains("deadline of 300 ms");
        assertThat(s.remediation()).contains("raise the step timeout");
        assertThat(report(r, "cluster1/connect").outcome()).isEqualTo(SKIPPED);
        assertThat(report(r, "cluster2/wait-lb-ip").outcome()).isEqualTo(SUCCEEDED);
        assertThat(r.failedClusters()).containsExactly("cluster1");

        assertThat(interrupted.await(BOUND, SECONDS)).as("the stuck step is interrupted").isTrue();
        pool.shutdown();
        assertThat(pool.awaitTermination(BOUND, SECONDS)).isTrue();
        // every step thread has ended: the stuck step had exactly one end, reported before the plan finished
        assertThat(events.of(StepFailed.class)).singleElement().satisfies(e -> {
            assertThat(e.stepId()).isEqualTo("cluster1/wait-lb-ip");
            assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
            assertThat(e.message()).isEqualTo(s.error());
        });
        List<Object> all = events.events();
        assertThat(all.get(all.size() - 1)).isInstanceOf(PlanFinished.class);
    }

    // ---- soft and hard dependencies ----

    @Test
    void softDependenciesRunAfterAFailureHardOnesAreSkipped() {
        AtomicBoolean upgradeEnded = new AtomicBoolean();
        AtomicBoolean connectSawItEnded = new AtomicBoolean();
        MeshReport r;
        try (Mesh mesh = mesh().build()) {
            r = mesh.apply(plan(
                    step("cluster1", "helm-upgrade", ctx -> {
                        upgradeEnded.set(true);
                        throw new MeshPreconditionException("cluster1: release is pending-upgrade",
                                Details.inCluster("cluster1").fix("roll the release back"));
                    }),
                    step("cluster1", "wait-rollout", OK).withDependsOn("cluster1/helm-upgrade"),
                    step("cluster1", "status", OK).withAfter(List.of("cluster1/wait-rollout")),
                    step("cluster2", "connect-peers", ctx -> {
                        connectSawItEnded.set(upgradeEnded.get());
                        return StepResult.changed("peers set");
                    }).withAfter(List.of("cluster1/helm-upgrade")),
                    step("cluster3", "connect-peers", OK).withDependsOn("cluster2/connect-peers")));
        }
        assertThat(report(r, "cluster1/helm-upgrade").outcome()).isEqualTo(FAILED);
        assertThat(report(r, "cluster1/wait-rollout").outcome()).as("hard dependency failed").isEqualTo(SKIPPED);
        assertThat(report(r, "cluster1/status").outcome()).as("soft dependency was skipped").isEqualTo(SUCCEEDED);
        assertThat(report(r, "cluster2/connect-peers").outcome()).as("soft dependency failed").isEqualTo(SUCCEEDED);
        assertThat(connectSawItEnded).as("a soft dependency still orders").isTrue();
        assertThat(report(r, "cluster3/connect-peers").outcome()).isEqualTo(SUCCEEDED);
        assertThat(r.failedClusters()).containsExactly("cluster1");
    }

    // ---- StepContext.await ----

    @Test
    void awaitTimesOutThroughTheClockNamingTheClusterAndWhatItAwaited() {
        FakeClock clock = new FakeClock();
        AtomicReference<Exception> thrown = new AtomicReference<>();
        AtomicInteger probes = new AtomicInteger();
        String what = "an IP for service kube-system/clustermesh-apiserver";
        StepAction waitLb = ctx -> {
            try {
                return StepResult.unchanged(ctx.await(what, Duration.ofSeconds(10), "check the internal LB quota of the subscription",
                        () -> {
                            probes.incrementAndGet();
                            return Optional.<String>empty();
                        }));
            } catch (Exception e) {
                thrown.set(e);
                throw e;
            }
        };
        RecordingListener events = new RecordingListener();
        MeshReport r;
        try (Mesh mesh = mesh().clock(clock).listener(events).build()) {
            r = mesh.apply(plan(step("cluster1", "wait-lb-ip", waitLb)));
        }
        assertThat(thrown.get()).isInstanceOfSatisfying(MeshTimeoutException.class, e -> {
            assertThat(e.cluster()).isEqualTo("cluster1");
            assertThat(e.step()).isEqualTo("cluster1/wait-lb-ip");
            assertThat(e.getMessage()).isEqualTo("cluster1: timed out after 10 s waiting for " + what);
            assertThat(e.remediation()).isEqualTo("check the internal LB quota of the subscription");
            assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
        });
        StepReport s = r.steps().get(0);
        assertThat(s.outcome()).isEqualTo(FAILED);
        assertThat(s.errorCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(s.attempts()).as("a timeout is not retried").isEqualTo(1);
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(probes.get()).isEqualTo(6);
        assertThat(events.of(Waiting.class)).extracting(Waiting::elapsed).containsExactly(Duration.ZERO, Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(6), Duration.ofSeconds(8));
        assertThat(events.of(Waiting.class)).allSatisfy(w -> {
            assertThat(w.what()).isEqualTo(what);
            assertThat(w.cluster()).isEqualTo("cluster1");
            assertThat(w.timeout()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void awaitReturnsTheValueOnceTheProbeHasOneAndLaterStepsReadIt() {
        FakeClock clock = new FakeClock();
        AtomicInteger probes = new AtomicInteger();
        AtomicReference<Object> seenByNext = new AtomicReference<>();
        MeshReport r;
        try (Mesh mesh = mesh().clock(clock).build()) {
            r = mesh.apply(plan(
                    step("cluster1", "wait-lb-ip", ctx -> {
                        String ip = ctx.await("an LB IP", Duration.ofMinutes(5), "check the LB",
                                () -> probes.incrementAndGet() < 3 ? Optional.empty() : Optional.of("10.1.0.250"));
                        return StepResult.unchanged("LB IP " + ip).withOutput(ip);
                    }),
                    step("cluster1", "connect", ctx -> {
                        seenByNext.set(ctx.output("cluster1/wait-lb-ip"));
                        return StepResult.unchanged("");
                    }).withDependsOn("cluster1/wait-lb-ip")));
        }
        assertThat(r.succeeded()).as(r.toText()).isTrue();
        assertThat(report(r, "cluster1/wait-lb-ip").detail()).isEqualTo("LB IP 10.1.0.250");
        assertThat(probes.get()).isEqualTo(3);
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(seenByNext.get()).isEqualTo("10.1.0.250");
    }

    // ---- what apply refuses ----

    @Test
    void aPlanWithErrorFindingsRunsNothing() {
        AtomicInteger ran = new AtomicInteger();
        Finding overlap = Finding.error("POD_CIDR_OVERLAP", "cluster2", "spec.clusters[1].podCidr",
                "cluster2: pod CIDR 10.10.0.0/17 overlaps cluster1's 10.10.0.0/16", "give each cluster a distinct range");
        MeshPlan bad = new MeshPlan("article", "apply", T0, List.of(overlap), List.of(step("cluster1", "helm-upgrade", ctx -> {
            ran.incrementAndGet();
            return StepResult.changed("");
        })), Map.of());
        RecordingListener events = new RecordingListener();
        try (Mesh mesh = mesh().listener(events).build()) {
            assertThatThrownBy(() -> mesh.apply(bad)).isInstanceOfSatisfying(MeshConfigurationException.class,
                    e -> assertThat(e.findings()).containsExactly(overlap));
        }
        assertThat(ran.get()).isZero();
        assertThat(events.events()).isEmpty();
    }

    @Test
    void aPlanWithOnlyWarningsRuns() {
        AtomicInteger ran = new AtomicInteger();
        MeshPlan warned = new MeshPlan("article", "apply", T0, List.of(Finding.warning("MESH_IP_IGNORED", "cluster2",
                "spec.clusters[1].meshIp", "cluster2: meshIp is ignored", "remove it")), List.of(step("cluster1", "read", ctx -> {
            ran.incrementAndGet();
            return StepResult.unchanged("");
        })), Map.of());
        try (Mesh mesh = mesh().build()) {
            MeshReport r = mesh.apply(warned);
            assertThat(r.succeeded()).isTrue();
            assertThat(r.findings()).isEqualTo(warned.findings());
        }
        assertThat(ran.get()).isEqualTo(1);
    }

    @Test
    void connectRunsTheDriversPlanForTheMeshsSpec() {
        AtomicInteger ran = new AtomicInteger();
        AtomicReference<Object> seenSpec = new AtomicReference<>();
        PlanDriver driver = new PlanDriver(ctx -> {
            seenSpec.set(ctx.spec());
            return plan(step("cluster1", "read", c -> StepResult.unchanged("read " + ran.incrementAndGet())));
        });
        try (Mesh mesh = meshWith(driver).build()) {
            MeshReport r = mesh.connect();
            assertThat(r.succeeded()).isTrue();
            assertThat(seenSpec.get()).isEqualTo(mesh.spec());
        }
        assertThat(ran.get()).isEqualTo(1);
    }

    @Test
    void aDriverPlanWithErrorsLosesItsStepsAndConnectRunsNothing() {
        AtomicInteger ran = new AtomicInteger();
        Finding cni = Finding.error("CNI_PRESENT", "cluster2", "cluster2/kube-system", "cluster2: azure CNI is installed",
                "recreate the cluster with network plugin none");
        PlanDriver driver = new PlanDriver(ctx -> new MeshPlan("article", "apply", T0, List.of(cni),
                List.of(step("cluster2", "helm-upgrade", c -> {
                    ran.incrementAndGet();
                    return StepResult.changed("");
                })), Map.of()));
        try (Mesh mesh = meshWith(driver).build()) {
            MeshPlan p = mesh.plan();
            assertThat(p.steps()).isEmpty();
            assertThat(p.findings()).containsExactly(cni);
            assertThatThrownBy(mesh::connect).isInstanceOf(MeshConfigurationException.class).hasMessageContaining("CNI_PRESENT");
        }
        assertThat(ran.get()).isZero();
    }

    @Test
    void aClosedMeshRefusesToApply() {
        Mesh mesh = mesh().build();
        mesh.close();
        mesh.close(); // idempotent
        assertThatIllegalStateException().isThrownBy(() -> mesh.apply(plan())).withMessageContaining("closed");
    }

    @Test
    void concurrencyBelowOneIsRefusedInTheSetter() {
        assertThatIllegalArgumentException().isThrownBy(() -> Mesh.builder().concurrency(0)).withMessageContaining("at least 1");
    }

    @Test
    void anEmptyPlanSucceedsWithPairedPlanEvents() {
        RecordingListener events = new RecordingListener();
        try (Mesh mesh = mesh().listener(events).build()) {
            MeshReport r = mesh.apply(plan());
            assertThat(r.succeeded()).isTrue();
            assertThat(r.steps()).isEmpty();
        }
        assertThat(events.events()).hasSize(2).first().isInstanceOf(PlanStarted.class);
        assertThat(events.events().get(1)).isInstanceOf(PlanFinished.class);
    }
}
