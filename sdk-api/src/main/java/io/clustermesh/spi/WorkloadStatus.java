package io.clustermesh.spi;

import java.util.List;
import java.util.Objects;

/**
 * Rollout state of a Deployment or DaemonSet.
 *
 * @param name               name
 * @param desired            desired replicas / scheduled pods
 * @param ready              ready replicas / pods
 * @param updated            replicas / pods on the current template
 * @param generation         metadata.generation
 * @param observedGeneration status.observedGeneration
 * @param containers         container names of the pod template
 */
public record WorkloadStatus(String name, int desired, int ready, int updated, long generation, long observedGeneration,
                             List<String> containers) {
    public WorkloadStatus {
        Objects.requireNonNull(name, "name");
        containers = List.copyOf(containers == null ? List.of() : containers);
    }

    /** The current template is fully rolled out and ready. */
    public boolean rolledOut() {
        return observedGeneration >= generation && desired > 0 && ready >= desired && updated >= desired;
    }
}
