package io.clustermesh;

import java.util.Objects;

/**
 * One problem (or observation) about a mesh, found before anything is written.
 *
 * @param code        stable, machine-readable code, e.g. {@code CLUSTER_ID_DUPLICATE}
 * @param severity    {@link Severity#ERROR} blocks the mesh
 * @param cluster     the cluster concerned, or {@code null} for the whole mesh
 * @param path        the spec field, e.g. {@code spec.clusters[1].podCidr}; or a resource for cluster state
 * @param message     what is wrong, where and why
 * @param remediation what to do about it (one sentence)
 */
public record Finding(String code, Severity severity, String cluster, String path, String message, String remediation) {

    public Finding {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(remediation, "remediation");
        path = path == null ? "" : path;
    }

    public static Finding error(String code, String cluster, String path, String message, String remediation) {
        return new Finding(code, Severity.ERROR, cluster, path, message, remediation);
    }

    public static Finding warning(String code, String cluster, String path, String message, String remediation) {
        return new Finding(code, Severity.WARNING, cluster, path, message, remediation);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code ERROR CLUSTER_ID_DUPLICATE [cluster2] spec.clusters[1].id: message. Fix: remediation}. */
    @Override
    public String toString() {
        return severity + " " + code + (cluster == null ? "" : " [" + cluster + "]") + (path.isEmpty() ? "" : " " + path)
                + ": " + message + ". Fix: " + remediation;
    }
}
