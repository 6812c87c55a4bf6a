package io.clustermesh.cilium.kube;

import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshUnreachableException;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Maps fabric8 failures to the SDK's exceptions (ClusterConnection contract). Messages carry no secrets. */
final class KubeErrors {
    private KubeErrors() {
    }

    static MeshException map(String cluster, String what, RuntimeException e) {
        return map(cluster, what, e, false);
    }

    /**
     * @param outlivedTimeout the call failed only after its request timeout had passed: an I/O error then is the timeout
     *                        surfacing as whatever closed the connection (the JDK client sometimes reports its own
     *                        "connection closed locally" instead of "request timed out"), and it is said as a timeout
     */
    static MeshException map(String cluster, String what, RuntimeException e, boolean outlivedTimeout) {
        if (e instanceof MeshException m) {
            return m;
        }
        if (e instanceof KubernetesClientException k) {
            int code = k.getCode();
            if (code <= 0 && k.getMessage() != null && k.getMessage().contains("Could not find the metadata for the given apiVersion and kind")) {
                return new io.clustermesh.MeshPreconditionException(cluster + ": " + what + " failed: the cluster does not know that kind (its CRD is not installed)",
                        Details.inCluster(cluster).fix("install the CRD first (for cilium.io kinds: install Cilium), then run again")
                                .cause(k));
            }
            String reason = shortReason(k);
            Duration retryAfter = retryAfter(k.getStatus());
            if (code == 401 || code == 403) {
                return new MeshAccessException(cluster + ": " + what + " was refused (HTTP " + code + ")"
                        + (reason.isEmpty() ? "" : ": " + reason),
                        Details.inCluster(cluster).cause(k).fix(code == 401
                                ? "the credentials for " + cluster + " are missing or expired: refresh the kubeconfig (for AKS: az aks get-credentials, or kubelogin for AAD clusters)"
                                : "the identity used for " + cluster + " lacks a Kubernetes RBAC permission: grant it (cluster-admin is needed to install Cilium)"));
            }
            if (code == 409) {
                return new MeshConflictException(cluster + ": " + what + " conflicted with a concurrent change (HTTP 409)",
                        Details.inCluster(cluster)
                                .fix("another client changed the object; the SDK retries, and if it persists find who else is changing the cluster")
                                .retryAfter(retryAfter).cause(k));
            }
            if (code == 429 || code >= 500 || code <= 0) {
                Throwable root = rootCause(k);
                String detail = code <= 0 ? describeIo(root, outlivedTimeout) : "HTTP " + code + (reason.isEmpty() ? "" : ": " + reason);
                return new MeshUnreachableException(cluster + ": " + what + " failed: " + detail,
                        Details.inCluster(cluster)
                                .fix("check that the API server of " + cluster + " is reachable from here and healthy; the SDK retried transient errors")
                                .retryAfter(retryAfter).cause(k));
            }
            return MeshException.failed(cluster + ": " + what + " was rejected (HTTP " + code + ")" + (reason.isEmpty() ? "" : ": " + reason),
                    Details.inCluster(cluster).fix("check the request; this usually means the cluster's API does not accept the object")
                            .cause(k));
        }
        Throwable root = rootCause(e);
        if (root instanceof IOException) {
            return new MeshUnreachableException(cluster + ": " + what + " failed: " + describeIo(root, outlivedTimeout),
                    Details.inCluster(cluster).fix("check that the API server of " + cluster + " is reachable from here").cause(e));
        }
        return MeshException.internal(cluster + ": " + what + " failed: "
                + io.clustermesh.internal.Causes.describe(e),
                Details.inCluster(cluster).fix("run again with --verbose and report the log if it persists").cause(e));
    }

    private static String describeIo(Throwable root, boolean outlivedTimeout) {
        if (root instanceof ConnectException) return "connection refused";
        if (root instanceof HttpTimeoutException || root instanceof InterruptedIOException) return "request timed out";
        String what = root == null ? "I/O error" : io.clustermesh.internal.Causes.describe(root);
        return outlivedTimeout ? "request timed out (" + what + ")" : what;
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        String l = i < 0 ? s : s.substring(0, i);
        return l.length() > 200 ? l.substring(0, 200) + "…" : l;
    }

    private static String shortReason(KubernetesClientException k) {
        Status s = k.getStatus();
        if (s != null && s.getMessage() != null) {
            return firstLine(s.getMessage());
        }
        return "";
    }

    private static Duration retryAfter(Status s) {
        if (s != null && s.getDetails() != null && s.getDetails().getRetryAfterSeconds() != null) {
            return Duration.ofSeconds(s.getDetails().getRetryAfterSeconds());
        }
        return null;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
