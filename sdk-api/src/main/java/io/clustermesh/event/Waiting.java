package io.clustermesh.event;

import java.time.Duration;

/**
 * A step is waiting for something (an LB IP, a rollout, connections).
 *
 * @param what     what is awaited, for people
 * @param elapsed  time waited so far
 * @param timeout  the deadline of the wait
 * @param progress 0..1 when known, else -1
 */
public record Waiting(String cluster, String stepId, String what, Duration elapsed, Duration timeout, double progress) {
}
