package io.clustermesh.event;

import java.time.Instant;

/** A plan started running. */
public record PlanStarted(String mesh, String operation, int steps, Instant at) {
}
