package io.clustermesh.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A deployed Helm release. {@link #values()} are the user-supplied values (they hold keys): never print them.
 *
 * @param name         release name
 * @param namespace    namespace
 * @param revision     release revision (the {@code v<N>} of its storage secret)
 * @param status       {@code deployed}, {@code failed}, {@code pending-upgrade}, ...
 * @param chartName    chart name, e.g. {@code cilium}
 * @param chartVersion chart version, e.g. {@code 1.16.19}
 * @param values       user-supplied values
 */
public record HelmRelease(String name, String namespace, int revision, String status, String chartName,
                          String chartVersion, Map<String, Object> values) {
    public HelmRelease {
        Objects.requireNonNull(name, "name");
        values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    @Override
    public String toString() {
        return "HelmRelease[" + namespace + "/" + name + " v" + revision + ", " + status + ", chart " + chartName + "-"
                + chartVersion + ", values <redacted>]";
    }
}
