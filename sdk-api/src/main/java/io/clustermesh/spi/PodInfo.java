package io.clustermesh.spi;

import java.util.Map;
import java.util.Objects;

/** A pod: where it runs and whether it is ready. */
public record PodInfo(String namespace, String name, String node, String phase, boolean ready, String podIp,
                      Map<String, String> labels) {
    public PodInfo {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }
}
