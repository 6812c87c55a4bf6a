package io.clustermesh;

import java.time.Duration;
import java.util.Objects;

/**
 * The one retry layer of the SDK (inner libraries' retries are turned off). Retries apply to failures whose
 * {@link MeshException#retryable()} is true; a server's {@code Retry-After} wins over the computed backoff
 * (capped at {@link #maxBackoff()}).
 *
 * @param maxAttempts    attempts in all, including the first (1 = no retry)
 * @param initialBackoff wait before the second attempt
 * @param multiplier     growth of the wait per attempt
 * @param maxBackoff     upper bound of one wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative");
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1.0");
        }
    }

    /** 6 attempts, 200 ms doubling up to 10 s. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(200), 2.0, Duration.ofSeconds(10));
    }

    /** A single attempt. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO);
    }

    /** The wait after the given failed attempt (1-based), honouring a server hint. */
    public Duration backoff(int failedAttempt, Duration retryAfter) {
        if (retryAfter != null && !retryAfter.isNegative()) {
            return retryAfter.compareTo(maxBackoff) > 0 && !maxBackoff.isZero() ? maxBackoff : retryAfter;
        }
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        long capped = (long) Math.min(millis, (double) maxBackoff.toMillis());
        return Duration.ofMillis(capped);
    }

    /** Whether the failure is worth another attempt under this policy. */
    public boolean shouldRetry(Throwable failure, int failedAttempt) {
        return failedAttempt < maxAttempts && failure instanceof MeshException m && m.retryable();
    }
}
