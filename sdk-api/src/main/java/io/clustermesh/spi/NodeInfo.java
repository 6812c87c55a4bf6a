package io.clustermesh.spi;

import java.util.Map;
import java.util.Objects;

/** A node and its InternalIP. */
public record NodeInfo(String name, String internalIp, Map<String, String> labels) {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }
}
