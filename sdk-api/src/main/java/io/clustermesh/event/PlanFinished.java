package io.clustermesh.event;

import java.time.Duration;
import java.util.Set;

/** A plan finished (always follows {@link PlanStarted}). */
public record PlanFinished(String mesh, String operation, boolean succeeded, Set<String> failedClusters, Duration duration) {
    public PlanFinished {
        failedClusters = Set.copyOf(failedClusters);
    }
}
