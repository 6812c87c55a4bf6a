package io.clustermesh.internal;

import io.clustermesh.MeshClock;
import io.clustermesh.MeshPlan;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.PlanStep;
import io.clustermesh.RetryPolicy;
import io.clustermesh.StepOutcome;
import io.clustermesh.StepReport;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.spi.StepResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.List;
import java.util.Map;
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
        return PlanStep.of(cluster + "/read", cluster, "read", "read", ctx -> StepResult.unchanged("read"));
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
    void concurrencyBelowOneIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Engine(pool, watchdog, 0, MeshClock.system(), RetryPolicy.none(),
                MeshTimeouts.defaults(), MeshListener.none())).withMessageContaining("at least 1");
    }
}
