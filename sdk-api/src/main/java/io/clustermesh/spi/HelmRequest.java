package io.clustermesh.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * An upgrade-or-install with the complete intended values (never a partial {@code --set}: that wipes
 * {@code clustermesh.config}).
 *
 * @param namespace    release namespace
 * @param releaseName  release name
 * @param chart        chart reference (e.g. {@code cilium/cilium} or a path)
 * @param repository   chart repository URL, {@code null} for a local chart
 * @param chartVersion chart version
 * @param values       the complete values (hold keys: never print)
 * @param timeout      Helm's own timeout
 */
public record HelmRequest(String namespace, String releaseName, String chart, String repository, String chartVersion,
                          Map<String, Object> values, Duration timeout) {
    public HelmRequest {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(releaseName, "releaseName");
        Objects.requireNonNull(chart, "chart");
        Objects.requireNonNull(values, "values");
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    @Override
    public String toString() {
        return "HelmRequest[" + namespace + "/" + releaseName + ", chart " + chart + " " + chartVersion + ", values <redacted>]";
    }
}
