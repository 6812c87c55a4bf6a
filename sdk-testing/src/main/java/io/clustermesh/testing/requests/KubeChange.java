package io.clustermesh.testing.requests;

import java.util.Objects;

/**
 * A successful write to a {@link io.clustermesh.testing.LabCluster}'s API, reported to {@link io.clustermesh.testing.LabCluster#onChange} listeners (in order, on
 * the cluster's event thread, after the answer was produced).
 *
 * @param method      POST, PUT, PATCH or DELETE
 * @param path        the request path without query, e.g. {@code /api/v1/namespaces/kube-system/secrets/x}
 * @param status      the HTTP status answered (2xx)
 * @param internal    whether the lab itself made the request ({@link io.clustermesh.testing.LabCluster#client()})
 * @param group       API group ({@code ""} for the core group)
 * @param version     API version
 * @param namespace   namespace, or {@code null} for cluster-scoped resources
 * @param resource    resource plural, e.g. {@code secrets}
 * @param name        object name, or {@code null} for a create (POST to the collection)
 * @param subresource e.g. {@code status}, or {@code null}
 */
public record KubeChange(String method, String path, int status, boolean internal, String group, String version,
                         String namespace, String resource, String name, String subresource) {

    public KubeChange {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }

    /** Parses a Kubernetes API path; unknown shapes leave the parsed fields null. */
    public static KubeChange of(String method, String path, int status, boolean internal) {
        String[] s = path.replaceAll("^/+|/+$", "").split("/");
        int i;
        String group;
        String version;
        if (s.length >= 2 && s[0].equals("api")) {
            group = "";
            version = s[1];
            i = 2;
        } else if (s.length >= 3 && s[0].equals("apis")) {
            group = s[1];
            version = s[2];
            i = 3;
        } else {
            return new KubeChange(method, path, status, internal, null, null, null, null, null, null);
        }
        String ns = null;
        if (i + 1 < s.length && s[i].equals("namespaces") && i + 2 < s.length) {
            ns = s[i + 1];
            i += 2;
        }
        String resource = i < s.length ? s[i] : null;
        String name = i + 1 < s.length ? s[i + 1] : null;
        String sub = i + 2 < s.length ? s[i + 2] : null;
        if (ns == null && "namespaces".equals(resource)) {
            // a namespace object itself
            return new KubeChange(method, path, status, internal, group, version, null, resource, name, sub);
        }
        return new KubeChange(method, path, status, internal, group, version, ns, resource, name, sub);
    }
}
