package io.clustermesh.report;

import io.clustermesh.report.Change;
import java.util.Objects;

/**
 * One difference a plan step will make. {@code from}/{@code to} are display strings: secret material is
 * shown as a fingerprint or a size, never as its content.
 *
 * @param resource e.g. {@code helm release kube-system/cilium} or {@code secret kube-system/cilium-ca}
 * @param field    e.g. {@code clustermesh.config.clusters}
 * @param from     the current value for display, {@code null} when absent
 * @param to       the intended value for display, {@code null} when removed
 */
public record Change(String resource, String field, String from, String to) {
    public Change {
        Objects.requireNonNull(resource, "resource");
        field = field == null ? "" : field;
    }

    @Override
    public String toString() {
        return resource + (field.isEmpty() ? "" : " " + field) + ": " + (from == null ? "<none>" : from) + " -> "
                + (to == null ? "<removed>" : to);
    }
}
