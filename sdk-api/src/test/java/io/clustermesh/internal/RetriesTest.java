package io.clustermesh.internal;

import io.clustermesh.MeshClock;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SDK's one retry path: attempts, waits (on the injected clock) and what is told before each wait. */
class RetriesTest {
    static final RetryPolicy FOUR = new RetryPolicy(4, Duration.ofMillis(100), 2.0, Duration.ofMillis(300));

    /** Records sleeps instead of sleeping. */
    static final class Clock implements MeshClock {
        final List<Duration> sleeps = new ArrayList<>();
        Instant now = Instant.parse("2026-11-26T12:00:00Z");

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            now = now.plus(d);
        }
    }

    static MeshException transientFailure(Duration retryAfter) {
        return new MeshUnreachableException("cluster1: connection reset",
                Details.inCluster("cluster1").fix("try again").retryAfter(retryAfter));
    }

    @Test
    void aFailureThatKeepsComingBackIsTriedThePolicysAttemptsWithItsBackoff() {
        Clock clock = new Clock();
        AtomicInteger attempts = new AtomicInteger();
        List<Integer> told = new ArrayList<>();
        assertThatThrownBy(() -> Retries.call(FOUR, clock, e -> true, e -> null, (a, d, e) -> told.add(a), () -> {
            attempts.incrementAndGet();
            throw transientFailure(null);
        })).isInstanceOf(MeshUnreachableException.class);
        assertThat(attempts).hasValue(4);
        assertThat(told).as("told once per retry").containsExactly(1, 2, 3);
        assertThat(clock.sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
    }

    @Test
    void aServersHintWinsAndTheFirstSuccessEndsTheRetries() {
        Clock clock = new Clock();
        AtomicInteger attempts = new AtomicInteger();
        String result = Retries.call(FOUR, clock, () -> {
            if (attempts.incrementAndGet() < 3) {
                throw transientFailure(Duration.ofMillis(250));
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(attempts).hasValue(3);
        assertThat(clock.sleeps).containsExactly(Duration.ofMillis(250), Duration.ofMillis(250));
    }

    @Test
    void aPermanentFailureIsThrownAtOnce() {
        Clock clock = new Clock();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Retries.call(FOUR, clock, () -> {
            attempts.incrementAndGet();
            throw new MeshPreconditionException("cluster1: no such namespace",
                    Details.inCluster("cluster1").fix("create it"));
        })).hasMessage("cluster1: no such namespace");
        assertThat(attempts).hasValue(1);
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void theDecisionIsTheSameForEveryLayer() {
        assertThat(Retries.delay(FOUR, 1, true, null)).contains(Duration.ofMillis(100));
        assertThat(Retries.delay(FOUR, 3, true, Duration.ofSeconds(5))).as("hint capped").contains(Duration.ofMillis(300));
        assertThat(Retries.delay(FOUR, 4, true, null)).as("attempts used up").isEmpty();
        assertThat(Retries.delay(FOUR, 1, false, null)).as("not retryable").isEmpty();
        assertThat(Retries.delay(FOUR, 2, transientFailure(null))).contains(Duration.ofMillis(200));
        assertThat(Retries.delay(FOUR, 1, new IllegalStateException("bug"))).isEmpty();
    }
}
