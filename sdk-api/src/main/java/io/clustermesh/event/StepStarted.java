package io.clustermesh.event;

import java.time.Instant;

/** A step attempt started. */
public record StepStarted(String cluster, String stepId, String kind, String description, int attempt, Instant at) {
}
