package io.clustermesh.azure.internal;

import com.azure.core.http.HttpMethod;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Whether a cluster identity may place load balancer frontends in its subnet: it needs
 * {@code Microsoft.Network/virtualNetworks/subnets/join/action} and {@code .../subnets/read} on the subnet or a parent
 * scope (VNet, resource group, subscription), which the built-in Network Contributor role grants. Read and written
 * with raw ARM calls of the Authorization API, api-version {@value #API} (Azure REST API specification
 * {@code specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01}: RoleAssignments
 * ListForScope, Create; RoleDefinitions Get), through the session's pipeline and our one retry layer.
 *
 * <p>Why raw calls: {@code azure-resourcemanager-authorization} at the release matching the pinned
 * {@code azure-resourcemanager-resources} 2.53.5 is not served by the registry this project builds from (the
 * nearest, 2.53.4, pulls {@code -resources} 2.53.4 and breaks dependency convergence), and the three calls are small
 * JSON documents, like the preview {@code kubeProxyConfig} write.
 */
public final class SubnetRoles {
    /** Authorization API version. */
    public static final String API = "2022-04-01";
    /** The built-in Network Contributor role (the same GUID in every tenant). */
    public static final String NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
    public static final String JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action";
    public static final String READ = "Microsoft.Network/virtualNetworks/subnets/read";
    private static final List<String> NEEDED = List.of(JOIN, READ);
    private static final int MAX_PAGES = 20;

    private final ArmSession arm;
    /** Role definitions read in this run, by GUID (lower case). */
    private final Map<String, Role> roles = new HashMap<>();

    public SubnetRoles(ArmSession arm) {
        this.arm = arm;
    }

    /** A role definition's name and its permission blocks (actions, notActions). */
    record Role(String name, List<List<String>> actions, List<List<String>> notActions) {
        /** Some permission block's actions match {@code action} and the same block's notActions do not. */
        boolean allows(String action) {
            for (int i = 0; i < actions.size(); i++) {
                List<String> not = i < notActions.size() ? notActions.get(i) : List.of();
                if (actions.get(i).stream().anyMatch(p -> matches(p, action)) && not.stream().noneMatch(p -> matches(p, action))) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The outcome of a check.
     *
     * @param granted whether both actions are allowed
     * @param via     the assignments (role and scope) that grant them, for messages
     * @param missing the actions no assignment grants
     * @param seen    the roles the principal holds at or above the subnet, for messages
     */
    public record Check(boolean granted, List<String> via, List<String> missing, List<String> seen) {
    }

    /**
     * The role assignments of {@code principalId} at, above (and, for a subnet, nothing is below) the subnet, and
     * whether they allow joining it.
     *
     * @throws RawArmException when ARM refuses or fails a read
     */
    public Check check(String subnetId, String principalId) {
        String filter = "principalId eq '" + principalId + "'";
        String url = subnetId + "/providers/Microsoft.Authorization/roleAssignments?$filter="
                + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20");
        Set<String> allowed = new LinkedHashSet<>();
        List<String> via = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        String apiVersion = API;
        for (int page = 0; url != null && page < MAX_PAGES; page++) {
            ArmSession.Raw r = arm.send(HttpMethod.GET, url, apiVersion, null);
            if (!r.ok()) {
                throw new RawArmException("list the role assignments on " + subnetId, ArmFailure.of(r.status(), r.body(), r.retryAfter()));
            }
            Map<String, Object> body = ArmJson.parse(r.body());
            for (Object o : ArmJson.list(body, "value") == null ? List.of() : ArmJson.list(body, "value")) {
                if (!(o instanceof Map<?, ?> m)) {
                    continue;
                }
                @SuppressWarnings("unchecked") Map<String, Object> a = (Map<String, Object>) m;
                String scope = ArmJson.string(a, "properties.scope");
                String pid = ArmJson.string(a, "properties.principalId");
                String roleId = ArmJson.string(a, "properties.roleDefinitionId");
                if (roleId == null || pid == null || !pid.equalsIgnoreCase(principalId) || scope != null && !covers(scope, subnetId)) {
                    continue;
                }
                String guid = roleId.substring(roleId.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
                Role role = role(roleId, guid);
                String where = role.name() + " at " + (scope == null ? "(scope not shown)" : scope);
                seen.add(where);
                boolean adds = false;
                for (String action : NEEDED) {
                    if (role.allows(action) && allowed.add(action)) {
                        adds = true;
                    }
                }
                if (adds) {
                    via.add(where);
                }
            }
            String next = ArmJson.string(body, "nextLink");
            url = next == null || next.isBlank() ? null : next;
            apiVersion = null; // a nextLink carries its own query
        }
        List<String> missing = NEEDED.stream().filter(a -> !allowed.contains(a)).toList();
        return new Check(missing.isEmpty(), via, missing, seen);
    }

    private Role role(String roleDefinitionId, String guid) {
        Role known = roles.get(guid);
        if (known != null) {
            return known;
        }
        Role role;
        if (guid.equals(NETWORK_CONTRIBUTOR)) {
            // its actions include Microsoft.Network/*; no need to read it (nor the right to)
            role = new Role("Network Contributor", List.of(List.of("Microsoft.Network/*")), List.of(List.of()));
        } else {
            String path = roleDefinitionId.startsWith("/") ? roleDefinitionId : "/" + roleDefinitionId;
            Map<String, Object> def = arm.getJson(path, API, "read the role definition " + roleDefinitionId)
                    .orElse(Map.of());
            List<List<String>> actions = new ArrayList<>();
            List<List<String>> notActions = new ArrayList<>();
            List<Object> perms = ArmJson.list(def, "properties.permissions");
            for (Object p : perms == null ? List.of() : perms) {
                if (p instanceof Map<?, ?> pm) {
                    actions.add(strings(pm.get("actions")));
                    notActions.add(strings(pm.get("notActions")));
                }
            }
            String name = ArmJson.string(def, "properties.roleName");
            role = new Role(name == null ? "role " + guid : name, actions, notActions);
        }
        roles.put(guid, role);
        return role;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }

    /**
     * Creates the Network Contributor assignment on the subnet under a name derived from scope, principal and role,
     * so that a second run finds it (or gets 409 {@code RoleAssignmentExists}) instead of adding another.
     *
     * @throws RawArmException when ARM refuses it (403 when the caller may not grant roles)
     */
    public String grantNetworkContributor(String subnetId, String principalId) {
        String name = assignmentName(subnetId, principalId, NETWORK_CONTRIBUTOR);
        String id = subnetId + "/providers/Microsoft.Authorization/roleAssignments/" + name;
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("roleDefinitionId", "/subscriptions/" + arm.subscription() + "/providers/Microsoft.Authorization/roleDefinitions/" + NETWORK_CONTRIBUTOR);
        props.put("principalId", principalId);
        props.put("principalType", "ServicePrincipal"); // managed identities are service principals in Entra ID
        ArmSession.Raw r = arm.send(HttpMethod.PUT, id, API, ArmJson.write(Map.of("properties", props)));
        if (!r.ok()) {
            ArmFailure f = ArmFailure.of(r.status(), r.body(), r.retryAfter());
            if (!"RoleAssignmentExists".equals(f.code())) {
                throw new RawArmException("create the role assignment " + id, f);
            }
        }
        return id;
    }

    /** A name-based UUID of scope, principal and role: the same assignment always gets the same name. */
    public static String assignmentName(String scope, String principalId, String roleGuid) {
        String key = ArmPaths.normalize(scope) + "|" + principalId.toLowerCase(Locale.ROOT) + "|" + roleGuid.toLowerCase(Locale.ROOT);
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The command that grants it, as users run it. */
    public static String azCommand(String assignee, String subnetId) {
        return "az role assignment create --assignee " + assignee + " --role \"Network Contributor\" --scope " + subnetId;
    }

    /** Whether {@code outer} is {@code inner} or a parent scope of it. */
    static boolean covers(String outer, String inner) {
        String o = ArmPaths.normalize(outer);
        String i = ArmPaths.normalize(inner);
        return o.isEmpty() || o.equals("/") || i.equals(o) || i.startsWith(o + "/");
    }

    /** Azure RBAC action matching: case-insensitive, {@code *} matches any characters (slashes included). */
    static boolean matches(String pattern, String action) {
        StringBuilder re = new StringBuilder();
        String[] parts = pattern.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append(".*");
            }
            re.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE).matcher(action).matches();
    }
}
