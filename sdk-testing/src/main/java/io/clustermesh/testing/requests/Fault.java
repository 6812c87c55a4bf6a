package io.clustermesh.testing.requests;

import java.time.Duration;
import java.util.Objects;

/**
 * A failure the lab's fake servers inject instead of answering a request normally. Each fake server renders it in
 * its own protocol: a Kubernetes {@code Status} body for lab clusters, an ARM error body for the fake ARM.
 *
 * <p>Immutable. Used in a {@link FaultRule}, which says which requests get it.
 */
public final class Fault {

    /** What goes wrong. */
    public enum Kind {
        /** HTTP 429 with {@code Retry-After}. */
        THROTTLE,
        /** HTTP 500. */
        SERVER_ERROR,
        /**
         * HTTP 409: a Kubernetes optimistic-concurrency conflict, or ARM's {@code AnotherOperationInProgress} /
         * {@code RetryableErrorDueToAnotherOperation}.
         */
        CONFLICT,
        /** The TCP connection is reset (RST) before any response byte is sent; the request is not executed. */
        CONNECTION_RESET,
        /** The request is received but never answered (the client must time out); it is not executed. */
        HANG
    }

    private final Kind kind;
    private final Duration retryAfter;

    private Fault(Kind kind, Duration retryAfter) {
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    /** HTTP 429 with {@code Retry-After} in whole seconds (rounded up; 0 allowed). */
    public static Fault throttle(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
        }
        return new Fault(Kind.THROTTLE, retryAfter);
    }

    /** HTTP 500. */
    public static Fault serverError() {
        return new Fault(Kind.SERVER_ERROR, Duration.ZERO);
    }

    /** HTTP 409 (see {@link Kind#CONFLICT}). */
    public static Fault conflict() {
        return new Fault(Kind.CONFLICT, Duration.ZERO);
    }

    /** The connection is reset (see {@link Kind#CONNECTION_RESET}). */
    public static Fault connectionReset() {
        return new Fault(Kind.CONNECTION_RESET, Duration.ZERO);
    }

    /** No answer, ever (see {@link Kind#HANG}). */
    public static Fault hang() {
        return new Fault(Kind.HANG, Duration.ZERO);
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#THROTTLE}: the {@code Retry-After} sent; zero otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@code Retry-After} header value: whole seconds, rounded up. */
    public long retryAfterSeconds() {
        long s = retryAfter.getSeconds();
        return retryAfter.getNano() > 0 ? s + 1 : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fault f && f.kind == kind && f.retryAfter.equals(retryAfter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, retryAfter);
    }

    @Override
    public String toString() {
        return kind == Kind.THROTTLE ? "throttle(retryAfter " + retryAfterSeconds() + "s)" : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
