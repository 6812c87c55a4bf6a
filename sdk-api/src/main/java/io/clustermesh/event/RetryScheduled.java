package io.clustermesh.event;

import java.time.Duration;

/** A step attempt failed transiently and will be retried after {@code delay}. */
public record RetryScheduled(String cluster, String stepId, String kind, int failedAttempt, Duration delay, String reason) {
}
