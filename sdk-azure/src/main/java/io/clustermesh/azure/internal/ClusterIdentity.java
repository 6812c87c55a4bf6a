package io.clustermesh.azure.internal;

import com.azure.resourcemanager.containerservice.fluent.models.ManagedClusterInner;
import com.azure.resourcemanager.containerservice.models.ManagedClusterIdentity;
import com.azure.resourcemanager.containerservice.models.ManagedServiceIdentityUserAssignedIdentitiesValue;

import java.util.Locale;
import java.util.Map;

/**
 * The identity an AKS cluster's control plane acts as (it creates the internal load balancers in the subnet), as the
 * managed cluster payload tells it: {@code identity.principalId} for a system-assigned identity, the single entry of
 * {@code identity.userAssignedIdentities} for a user-assigned one, {@code servicePrincipalProfile.clientId} (when not
 * {@code msi}) for a service principal. A service principal's object id is not in the payload (only its application
 * id), so its role assignments cannot be listed without Microsoft Graph.
 *
 * @param kind        which kind of identity
 * @param principalId the object id role assignments name; null when the payload does not carry it
 * @param clientId    the application (client) id; null when unknown
 * @param resourceId  a user-assigned identity's resource id; null otherwise
 */
public record ClusterIdentity(Kind kind, String principalId, String clientId, String resourceId) {

    /** How the cluster authenticates to Azure. */
    public enum Kind { SYSTEM_ASSIGNED, USER_ASSIGNED, SERVICE_PRINCIPAL, NONE }

    public static ClusterIdentity of(ManagedClusterInner in) {
        ManagedClusterIdentity id = in.identity();
        String type = id == null || id.type() == null ? "" : id.type().toString().toLowerCase(Locale.ROOT);
        if (type.equals("systemassigned")) {
            return new ClusterIdentity(Kind.SYSTEM_ASSIGNED, id.principalId(), null, null);
        }
        if (type.equals("userassigned") && id.userAssignedIdentities() != null && !id.userAssignedIdentities().isEmpty()) {
            Map.Entry<String, ManagedServiceIdentityUserAssignedIdentitiesValue> e = id.userAssignedIdentities().entrySet().iterator().next();
            ManagedServiceIdentityUserAssignedIdentitiesValue v = e.getValue();
            return new ClusterIdentity(Kind.USER_ASSIGNED, v == null ? null : v.principalId(), v == null ? null : v.clientId(), e.getKey());
        }
        String sp = in.servicePrincipalProfile() == null ? null : in.servicePrincipalProfile().clientId();
        if (sp != null && !sp.isBlank() && !sp.equalsIgnoreCase("msi")) {
            return new ClusterIdentity(Kind.SERVICE_PRINCIPAL, null, sp, null);
        }
        return new ClusterIdentity(Kind.NONE, null, null, null);
    }

    /** What {@code az role assignment create --assignee} takes: the object id, else the application id. */
    public String assignee() {
        return principalId != null ? principalId : clientId;
    }

    /** {@code the system-assigned identity (principal id …)}, for messages. */
    public String describe() {
        return switch (kind) {
            case SYSTEM_ASSIGNED -> "the cluster's system-assigned identity" + (principalId == null ? "" : " (principal id " + principalId + ")");
            case USER_ASSIGNED -> "the cluster's user-assigned identity " + resourceId
                    + (principalId == null ? "" : " (principal id " + principalId + ")");
            case SERVICE_PRINCIPAL -> "the cluster's service principal (application id " + clientId + ")";
            case NONE -> "the cluster identity (the payload names none)";
        };
    }
}
