package io.clustermesh.event;

import io.clustermesh.ErrorCode;

import java.time.Duration;

/** A step failed for good, after its retries (pairs with its {@link StepStarted}). */
public record StepFailed(String cluster, String stepId, String kind, ErrorCode code, String message, String remediation,
                         int attempts, Duration duration) {
}
