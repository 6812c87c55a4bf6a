package io.clustermesh.event;

import java.time.Duration;

/** A step succeeded (pairs with its {@link StepStarted}). */
public record StepFinished(String cluster, String stepId, String kind, boolean changed, String detail, Duration duration) {
}
