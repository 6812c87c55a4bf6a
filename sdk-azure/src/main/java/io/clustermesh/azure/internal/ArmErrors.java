package io.clustermesh.azure.internal;

import io.clustermesh.Finding;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.Severity;
import io.clustermesh.azure.AzureFindingCodes;

import java.util.Locale;

/**
 * Turns ARM failures into what users act on: a {@link MeshException} with a remediation (for writes) or a
 * {@link Finding} (for preflight and discovery). A 403 names the role that is missing and where it must be granted.
 */
public final class ArmErrors {
    private ArmErrors() {
    }

    /** The role that grants {@code action} (from a 403's message), phrased as "grant X on Y". */
    public static String roleFor(String action, String scope, String resourceId) {
        String where = scope != null ? scope : resourceId;
        String a = action == null ? "" : action.toLowerCase(Locale.ROOT);
        String role;
        if (a.endsWith("/listclusterusercredential/action")) {
            role = "Azure Kubernetes Service Cluster User Role";
        } else if (a.endsWith("/listclusteradmincredential/action")) {
            role = "Azure Kubernetes Service Cluster Admin Role";
        } else if (a.startsWith("microsoft.containerservice/") && a.endsWith("/read")) {
            role = "Azure Kubernetes Service Cluster User Role (or Reader)";
        } else if (a.startsWith("microsoft.containerservice/")) {
            role = "Azure Kubernetes Service Contributor Role";
        } else if (a.endsWith("/subnets/join/action")) {
            return "grant Network Contributor on the subnet " + where
                    + " to the identity that joins it (the AKS cluster identity needs it to create the internal load balancer of the clustermesh-apiserver)";
        } else if (a.startsWith("microsoft.network/") && a.endsWith("/read")) {
            role = "Reader (or Network Contributor)";
        } else if (a.startsWith("microsoft.network/")) {
            role = "Network Contributor";
        } else if (a.startsWith("microsoft.resources/")) {
            role = "Contributor";
        } else if (isNetworkId(where)) {
            role = "Reader (Network Contributor to change it)";
        } else if (where != null && where.toLowerCase(Locale.ROOT).contains("/microsoft.containerservice/")) {
            role = "Azure Kubernetes Service Cluster User Role (or Reader)";
        } else {
            role = "a role that allows " + (action == null ? "the operation" : action) + ", e.g. Contributor";
        }
        String text = "grant " + role + " on " + where + " to the identity the SDK runs as";
        if (isNetworkId(where) && where.toLowerCase(Locale.ROOT).contains("/subnets/")) {
            text += "; the AKS cluster identity also needs Network Contributor on this subnet to create the internal load balancer of the clustermesh-apiserver";
        }
        return text;
    }

    private static boolean isNetworkId(String id) {
        return id != null && id.toLowerCase(Locale.ROOT).contains("/providers/microsoft.network/");
    }

    /** A finding for a failed read during preflight or discovery. */
    public static Finding finding(ArmFailure f, String cluster, String resourceId, String what, String notFoundCode,
                                  String notFoundFix) {
        if (f.forbidden()) {
            String action = f.deniedAction();
            return new Finding(AzureFindingCodes.AUTHORIZATION_FAILED, Severity.ERROR, cluster, resourceId,
                    prefix(cluster) + "not allowed to " + what + " " + resourceId
                            + (action == null ? "" : " (missing permission " + action + ")") + ": ARM answered " + f.summary(),
                    roleFor(action, f.deniedScope(), resourceId));
        }
        if (f.notFound() && notFoundCode != null) {
            return new Finding(notFoundCode, Severity.ERROR, cluster, resourceId,
                    prefix(cluster) + resourceId + " does not exist (ARM answered " + f.summary() + ")", notFoundFix);
        }
        if (f.transientFailure()) {
            return new Finding(AzureFindingCodes.ARM_UNAVAILABLE, Severity.ERROR, cluster, resourceId,
                    prefix(cluster) + "could not " + what + " " + resourceId + ": ARM answered " + f.summary()
                            + " after every retry" + (f.message() == null || f.status() == 0 ? "" : " (" + f.message() + ")"),
                    "check connectivity to Azure Resource Manager and try again later; raise the retry policy's attempts if ARM throttles");
        }
        return new Finding(AzureFindingCodes.ARM_ERROR, Severity.ERROR, cluster, resourceId,
                prefix(cluster) + "could not " + what + " " + resourceId + ": ARM answered " + f.summary()
                        + (f.message() == null ? "" : " (" + f.message() + ")"),
                "fix the cause ARM names, then run again");
    }

    /** An exception for a failed call during provisioning (where the run stops). */
    public static MeshException exception(Throwable e, String cluster, String what, String resourceId) {
        if (e instanceof MeshException me) {
            return me;
        }
        ArmFailure f = ArmFailure.of(e);
        String base = prefix(cluster) + what + " " + resourceId + " failed: ARM answered " + f.summary();
        if (f.forbidden()) {
            String action = f.deniedAction();
            return new MeshAccessException(base + (action == null ? "" : " (missing permission " + action + ")"),
                    Details.inCluster(cluster).atStep("azure").fix(roleFor(action, f.deniedScope(), resourceId)).cause(e));
        }
        String detail = f.message() == null || f.status() == 0 ? "" : " (" + f.message() + ")";
        if (ArmSession.busy(e)) {
            // ArmSession.withOperationRetry already started it again per the retry policy: not retryable again
            return new MeshConflictException(base + " after every retry" + detail,
                    Details.inCluster(cluster).atStep("azure")
                            .fix("another operation is still running on the resource; wait for it to finish (Azure portal, activity log) and run again")
                            .retryable(false).retryAfter(f.retryAfter()).cause(e));
        }
        if (f.transientFailure()) {
            return new MeshUnreachableException(base + " after every retry" + detail,
                    Details.inCluster(cluster).atStep("azure")
                            .fix("check connectivity to Azure Resource Manager and run again; it resumes where it stopped")
                            .retryAfter(f.retryAfter()).cause(e));
        }
        if (f.conflict()) {
            return new MeshConflictException(base + detail,
                    Details.inCluster(cluster).atStep("azure")
                            .fix("another change to the resource is running or the resource differs; wait for it and run again")
                            .retryable(false).cause(e));
        }
        if (f.notFound()) {
            return new MeshPreconditionException(base + detail,
                    Details.inCluster(cluster).atStep("azure").fix("create the resource or correct its name, then run again").cause(e));
        }
        return MeshException.failed(base + detail,
                Details.inCluster(cluster).atStep("azure").fix("fix the cause ARM names, then run again").cause(e));
    }

    private static String prefix(String cluster) {
        return cluster == null ? "" : cluster + ": ";
    }
}
