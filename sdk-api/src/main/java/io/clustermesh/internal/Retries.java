package io.clustermesh.internal;

import io.clustermesh.MeshClock;
import io.clustermesh.MeshException;
import io.clustermesh.RetryPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The SDK's one retry path: every layer that tries something again (the engine's steps, the change lock, planning
 * reads, the Azure Resource Manager pipeline and its long-running operations) asks {@link #delay} whether and how long
 * to wait, and the blocking ones run through {@link #call}. Waits go through the injected {@link MeshClock}, so tests
 * never sleep for real; the attempts, backoff and server hint come from the mesh's {@link RetryPolicy}.
 *
 * <p>Dependency-free on purpose: sdk-api has no third-party dependencies (ApiBoundaryTest guards that), and the
 * policy must apply unchanged in the Azure HTTP pipeline, whose asynchronous path cannot block in a library's retry
 * loop. So the decision is one function here, rather than a Resilience4j {@code Retry} per layer.
 *
 * <p>Each failure class is retried by exactly one layer: a caller retrying what an inner layer already retried
 * multiplies the attempts (N×M requests for a policy of N).
 */
public final class Retries {

    /** Told before each wait; the failure is the attempt that failed. */
    @FunctionalInterface
    public interface Listener {
        void retrying(int failedAttempt, Duration delay, RuntimeException failure);
    }

    private Retries() {
    }

    /**
     * The wait before the next attempt, or empty when there is none: the failure is not retryable or the policy's
     * attempts are used up.
     *
     * @param failedAttempt the attempt that failed (1-based)
     * @param retryAfter    the server's hint ({@code Retry-After}), or {@code null}
     */
    public static Optional<Duration> delay(RetryPolicy policy, int failedAttempt, boolean retryable, Duration retryAfter) {
        if (!retryable || failedAttempt >= policy.maxAttempts()) {
            return Optional.empty();
        }
        return Optional.of(policy.backoff(failedAttempt, retryAfter));
    }

    /** {@link #delay} for a failure retryable per {@link RetryPolicy#shouldRetry}, with its {@code Retry-After}. */
    public static Optional<Duration> delay(RetryPolicy policy, int failedAttempt, Throwable failure) {
        if (!policy.shouldRetry(failure, failedAttempt)) {
            return Optional.empty();
        }
        return Optional.of(policy.backoff(failedAttempt, ((MeshException) failure).retryAfter().orElse(null)));
    }

    /** Runs {@code op}, retrying {@link MeshException}s whose {@code retryable()} is true, per the policy. */
    public static <T> T call(RetryPolicy policy, MeshClock clock, Supplier<T> op) {
        return call(policy, clock, e -> e instanceof MeshException m && m.retryable(),
                e -> e instanceof MeshException m ? m.retryAfter().orElse(null) : null, (a, d, e) -> { }, op);
    }

    /**
     * Runs {@code op}, retrying the failures {@code retryable} accepts, per the policy; the last failure is thrown when
     * it is not retryable or the attempts are used up. An interrupt while waiting ends the retries: the interrupt flag
     * is restored and the failure thrown.
     *
     * @param retryAfter the server's wait hint of a failure, or {@code null}
     * @param listener   told before each wait
     */
    public static <T> T call(RetryPolicy policy, MeshClock clock, Predicate<? super RuntimeException> retryable,
                             Function<? super RuntimeException, Duration> retryAfter, Listener listener, Supplier<T> op) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clock, "clock");
        for (int attempt = 1; ; attempt++) {
            try {
                return op.get();
            } catch (RuntimeException e) {
                boolean again = retryable.test(e);
                Optional<Duration> wait = delay(policy, attempt, again, again ? retryAfter.apply(e) : null);
                if (wait.isEmpty()) {
                    throw e;
                }
                listener.retrying(attempt, wait.get(), e);
                try {
                    clock.sleep(wait.get());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
