package io.clustermesh.cilium.values;

import java.util.Objects;

/**
 * One changed value between a release's values and the intended ones, ready to print: secrets are
 * {@code <redacted>} and certificates {@code <cert sha256:…>} in {@link #before()} and {@link #after()}.
 *
 * @param path   dotted path, list items as {@code [i]}, keys with dots quoted:
 *               {@code clustermesh.apiserver.service.annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"]}
 * @param kind   added, removed or changed
 * @param before the current value as text, {@code null} when {@link Kind#ADDED}
 * @param after  the intended value as text, {@code null} when {@link Kind#REMOVED}
 */
public record ValuesChange(String path, Kind kind, String before, String after) {

    /** What happened to the value. */
    public enum Kind { ADDED, REMOVED, CHANGED }

    public ValuesChange {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
    }

    /** {@code path: before -> after}, with {@code (unset)} for a missing side. */
    @Override
    public String toString() {
        return path + ": " + (before == null ? "(unset)" : before) + " -> " + (after == null ? "(unset)" : after);
    }
}
