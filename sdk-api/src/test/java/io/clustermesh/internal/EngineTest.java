package io.clustermesh.internal;

import io.clustermesh.report.Change;
import io.clustermesh.MeshClock;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.report.PlanStep;
import io.clustermesh.RetryPolicy;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.internal.StepAction;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** What only shows when the engine is used directly (other modules may), beyond what {@code MeshApplyTest} covers. */
@Timeout(value = 30, unit = SECONDS)
class EngineTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1);

    EngineTest() {
        watchdog.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        watchdog.shutdownNow();
    }

    private Engine engine(MeshListener listener) {
        return new Engine(pool, watchdog, 4, MeshClock.system(), RetryPolicy.none(), MeshTimeouts.defaults(), listener);
    }

    private static MeshPlan plan(PlanStep... steps) {
        return new MeshPlan("m", "apply", Instant.EPOCH, List.of(), List.of(steps), Map.of());
    }

    private static PlanStep ok(String cluster) {
        return PlanSteps.of(cluster + "/read", cluster, "read", "read", ctx -> StepResult.unchanged("read"));
    }

    @Test
    void aThrowingListenerGivenDirectlyDoesNotFailSteps() {
        AtomicInteger calls = new AtomicInteger();
        MeshListener broken = new MeshListener() {
            @Override
            public void stepStarted(StepStarted event) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void stepFinished(StepFinished event) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }
        };
        MeshReport r = engine(broken).run(plan(ok("cluster1"), ok("cluster2")));
        assertThat(r.steps()).extracting(StepReport::outcome).containsOnly(StepOutcome.SUCCEEDED);
        assertThat(calls.get()).isEqualTo(4);
    }

    @Test
    void noDeadlineIsLeftScheduledOnceTheRunReturns() {
        MeshReport r = engine(MeshListener.none()).run(plan(ok("cluster1"), ok("cluster2"), ok("cluster3")));
        assertThat(r.succeeded()).isTrue();
        assertThat(watchdog.getQueue()).as("deadline guards of finished steps").isEmpty();
    }

    @Test
    void neverMoreWritingStepsAtOnceThanTheConcurrency() throws Exception {
        AtomicInteger writing = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        CountDownLatch twoStarted = new CountDownLatch(2);
        CountDownLatch readsRan = new CountDownLatch(2);
        java.util.concurrent.Semaphore release = new java.util.concurrent.Semaphore(0);
        List<Change> writes = List.of(new Change("helm release kube-system/cilium", "chart", null, "1.16.19"));
        StepAction write = ctx -> {
            started.incrementAndGet();
            most.accumulateAndGet(writing.incrementAndGet(), Math::max);
            twoStarted.countDown();
            try {
                if (!release.tryAcquire(10, SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } finally {
                writing.decrementAndGet();
            }
            return StepResult.changed("written");
        };
        List<PlanStep> steps = new java.util.ArrayList<>();
        for (int n = 1; n <= 6; n++) {
            steps.add(PlanSteps.of("cluster" + n + "/upgrade", "cluster" + n, "upgrade", "upgrade", write).withChanges(writes));
        }
        for (int n = 1; n <= 2; n++) {
            steps.add(PlanSteps.of("cluster" + n + "/verify", "cluster" + n, "verify", "verify", ctx -> {
                readsRan.countDown();
                return StepResult.unchanged("read");
            }));
        }
        Engine engine = new Engine(pool, watchdog, 2, MeshClock.system(), RetryPolicy.none(), MeshTimeouts.defaults(), MeshListener.none());
        java.util.concurrent.atomic.AtomicReference<MeshReport> report = new java.util.concurrent.atomic.AtomicReference<>();
        Thread runner = new Thread(() -> report.set(engine.run(plan(steps.toArray(PlanStep[]::new)))), "engine");
        runner.start();
        try {
            assertThat(twoStarted.await(10, SECONDS)).isTrue();
            assertThat(readsRan.await(10, SECONDS)).as("read-only steps run while both writing slots are taken").isTrue();
            long end = System.nanoTime() + SECONDS.toNanos(10);
            while (runner.getState() != Thread.State.WAITING) { // the engine parks once it has launched all it will
                assertThat(System.nanoTime()).as("the engine thread never waited").isLessThan(end);
                Thread.yield();
            }
            assertThat(started.get()).as("writing steps started while two are running").isEqualTo(2);
        } finally {
            release.release(6);
            runner.join(SECONDS.toMillis(10));
        }
        assertThat(report.get().succeeded()).as(report.get().toText()).isTrue();
        assertThat(most.get()).isEqualTo(2);
    }

    @Test
    void stepsThatOnlyReadOrWaitDoNotWaitForAWritingSlot() {
        // concurrency 1: the writing step holds the only slot until the read-only steps have run, which they can only
        // do if waiting and reading steps are not counted against the concurrency
        CountDownLatch readsRan = new CountDownLatch(2);
        List<Change> writes = List.of(new Change("secret kube-system/x", "data", null, "<new>"));
        PlanStep write = PlanSteps.of("cluster1/write", "cluster1", "write", "write", ctx -> {
            if (!readsRan.await(10, SECONDS)) {
                throw new IllegalStateException("the read-only steps never ran while a step was writing");
            }
            return StepResult.changed("written");
        }).withChanges(writes);
        PlanStep waitingWrite = PlanSteps.of("cluster2/write", "cluster2", "write", "write", ctx -> StepResult.changed("written"))
                .withChanges(writes);
        StepAction read = ctx -> {
            readsRan.countDown();
            return StepResult.unchanged("read");
        };
        Engine engine = new Engine(pool, watchdog, 1, MeshClock.system(), RetryPolicy.none(), MeshTimeouts.defaults(), MeshListener.none());
        // the second writing step waits for the slot ahead of the reads in the queue: they must not wait behind it
        MeshReport r = engine.run(plan(write, waitingWrite, PlanSteps.of("cluster1/wait", "cluster1", "wait", "wait", read),
                PlanSteps.of("cluster2/wait", "cluster2", "wait", "wait", read)));
        assertThat(r.steps()).as(r.toText()).extracting(StepReport::outcome).containsOnly(StepOutcome.SUCCEEDED);
    }

    @Test
    void concurrencyBelowOneIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Engine(pool, watchdog, 0, MeshClock.system(), RetryPolicy.none(),
                MeshTimeouts.defaults(), MeshListener.none())).withMessageContaining("at least 1");
    }
}
