package io.clustermesh.testing.arm;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's {@code Microsoft.Authorization} extension resources, reachable below any scope (subscription, resource
 * group, resource): role assignments (PUT, GET, DELETE, list with {@code $filter}) and role definitions (the built-in
 * roles the SDK names, plus custom ones put by a test). Semantics as in the Authorization REST API, api-version
 * 2022-04-01 ({@code specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01}):
 * an assignment applies at its scope and every scope below it; a list with {@code atScope()} returns the assignments
 * at or above the scope, {@code principalId eq '<id>'} or {@code assignedTo('<id>')} those of one principal at, above
 * or below it. Group membership is not modelled. Not thread-safe on its own: the engine calls it under its lock.
 */
final class ArmAuthorization {
    static final String PROVIDER = "/providers/microsoft.authorization/";
    static final String ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";
    static final String DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions";

    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern PRINCIPAL_EQ = Pattern.compile("(?i)principalId\\s+eq\\s+'?([^'\\s)]+)'?");
    private static final Pattern ASSIGNED_TO = Pattern.compile("(?i)assignedTo\\(\\s*'?([^')]+)'?\\s*\\)");

    /** A parsed request below {@code /providers/Microsoft.Authorization/}. */
    record Request(String scope, String collection, String name) {
        boolean assignments() {
            return collection.equals("roleassignments");
        }

        boolean definitions() {
            return collection.equals("roledefinitions");
        }

        String type() {
            return assignments() ? ASSIGNMENT_TYPE : definitions() ? DEFINITION_TYPE : "Microsoft.Authorization/" + collection;
        }
    }

    private record Assignment(String id, String name, String scope, String roleDefinitionId, String principalId,
                              String principalType, String createdOn) {
    }

    record Definition(String guid, String roleName, String type, String description, List<String> actions, List<String> notActions) {
    }

    private final JsonMapper json;
    private final Predicate<String> scopeExists;
    private final Map<String, Assignment> assignments = new LinkedHashMap<>();
    private final Map<String, Definition> definitions = new LinkedHashMap<>();
    private long clock;

    ArmAuthorization(JsonMapper json, Predicate<String> scopeExists) {
        this.json = json;
        this.scopeExists = scopeExists;
        // built-in roles, as published in "Azure built-in roles" (roleDefinitions/<guid>); only what the SDK names
        builtIn(FakeArm.NETWORK_CONTRIBUTOR, "Network Contributor", "Lets you manage networks, but not access to them.",
                List.of("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/*",
                        "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                        "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"), List.of());
        builtIn(FakeArm.READER, "Reader", "View all resources, but does not allow you to make any changes.", List.of("*/read"), List.of());
        builtIn(FakeArm.CONTRIBUTOR, "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
                List.of("*"), List.of("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                        "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                        "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
                        "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
                        "Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action",
                        "Microsoft.Subscription/enable/action"));
        builtIn(FakeArm.OWNER, "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
                List.of("*"), List.of());
        builtIn(FakeArm.USER_ACCESS_ADMINISTRATOR, "User Access Administrator", "Lets you manage user access to Azure resources.",
                List.of("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"), List.of());
    }

    private void builtIn(String guid, String name, String description, List<String> actions, List<String> notActions) {
        definitions.put(guid, new Definition(guid, name, "BuiltInRole", description, actions, notActions));
    }

    /** The request when {@code path} names a Microsoft.Authorization collection or item below a scope; else null. */
    static Request parse(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        int i = lower.lastIndexOf(PROVIDER);
        if (i < 0) {
            return null;
        }
        String scope = trim(path.substring(0, i));
        String[] rest = path.substring(i + PROVIDER.length()).split("/");
        if (rest.length == 0 || rest.length > 2 || rest[0].isEmpty()) {
            return null;
        }
        return new Request(scope, rest[0].toLowerCase(Locale.ROOT), rest.length == 2 && !rest[1].isEmpty() ? rest[1] : null);
    }

    private static String trim(String s) {
        String t = s;
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    static String key(String scope) {
        return trim(scope).toLowerCase(Locale.ROOT);
    }

    /** Whether {@code outer} is {@code inner} or one of its parent scopes. */
    static boolean covers(String outer, String inner) {
        String o = key(outer);
        String in = key(inner);
        return o.isEmpty() || in.equals(o) || in.startsWith(o + "/");
    }

    // --- requests ----------------------------------------------------------------------------------------------------

    ArmResponse handle(String method, Request r, String filter, String body, List<ArmChange> changes, String apiVersion) {
        if (r.assignments()) {
            if (r.name() == null) {
                return method.equals("GET") ? listAssignments(r.scope(), filter) : notAllowed(method, r);
            }
            return switch (method) {
                case "GET" -> getAssignment(r);
                case "PUT" -> putAssignment(r, body, changes, apiVersion, true);
                case "DELETE" -> deleteAssignment(r, changes, apiVersion);
                default -> notAllowed(method, r);
            };
        }
        if (r.definitions()) {
            if (r.name() == null) {
                return method.equals("GET") ? listDefinitions(r.scope(), filter) : notAllowed(method, r);
            }
            return switch (method) {
                case "GET" -> getDefinition(r);
                case "PUT" -> putDefinition(r, body);
                default -> notAllowed(method, r);
            };
        }
        return error(404, "InvalidResourceType", "The fake ARM does not implement Microsoft.Authorization/" + r.collection() + ".");
    }

    private ArmResponse getAssignment(Request r) {
        Assignment a = assignments.get(key(r.scope()) + "|" + r.name().toLowerCase(Locale.ROOT));
        if (a == null) {
            return error(404, "RoleAssignmentNotFound", "The role assignment '" + r.name() + "' is not found.");
        }
        return ok(200, render(a));
    }

    ArmResponse putAssignment(Request r, String body, List<ArmChange> changes, String apiVersion, boolean checkScope) {
        if (!GUID.matcher(r.name()).matches()) {
            return error(400, "InvalidRoleAssignmentId", "The role assignment ID '" + r.name() + "' is not valid. The role assignment ID must be a GUID.");
        }
        JsonNode in;
        try {
            in = body == null || body.isBlank() ? null : json.readTree(body);
        } catch (RuntimeException e) {
            in = null;
        }
        if (in == null || !in.isObject()) {
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: expected a JSON object.");
        }
        JsonNode props = in.path("properties");
        String roleDefinitionId = props.path("roleDefinitionId").asString("");
        String principalId = props.path("principalId").asString("");
        if (roleDefinitionId.isBlank() || principalId.isBlank()) {
            return error(400, "InvalidRequestContent", "A role assignment needs properties.roleDefinitionId and properties.principalId.");
        }
        if (checkScope && !scopeExists.test(r.scope())) {
            return error(404, "ResourceNotFound", "The scope '" + r.scope() + "' of the role assignment does not exist.");
        }
        String guid = roleDefinitionId.substring(roleDefinitionId.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (!definitions.containsKey(guid)) {
            return error(400, "RoleDefinitionDoesNotExist", "The specified role definition with ID '" + guid + "' does not exist.");
        }
        String key = key(r.scope()) + "|" + r.name().toLowerCase(Locale.ROOT);
        Assignment existing = assignments.get(key);
        if (existing != null) {
            if (existing.principalId().equalsIgnoreCase(principalId) && sameRole(existing.roleDefinitionId(), guid)) {
                return ok(200, render(existing));
            }
            return error(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
        }
        for (Assignment a : assignments.values()) {
            if (key(a.scope()).equals(key(r.scope())) && a.principalId().equalsIgnoreCase(principalId) && sameRole(a.roleDefinitionId(), guid)) {
                return error(409, "RoleAssignmentExists", "The role assignment already exists.");
            }
        }
        String principalType = props.path("principalType").asString("ServicePrincipal");
        String created = String.format("2026-01-01T00:%02d:%02d.000000Z", (clock / 60) % 60, clock % 60);
        clock++;
        String id = r.scope() + "/providers/Microsoft.Authorization/roleAssignments/" + r.name();
        Assignment a = new Assignment(id, r.name(), r.scope(), definitionId(r.scope(), guid), principalId, principalType, created);
        assignments.put(key, a);
        ObjectNode rendered = render(a);
        changes.add(new ArmChange(apiVersion == null ? "SEED" : "PUT", id, ASSIGNMENT_TYPE, toMap(rendered), apiVersion));
        return ok(201, rendered);
    }

    private static boolean sameRole(String roleDefinitionId, String guid) {
        return roleDefinitionId.toLowerCase(Locale.ROOT).endsWith("/" + guid);
    }

    private ArmResponse deleteAssignment(Request r, List<ArmChange> changes, String apiVersion) {
        Assignment a = assignments.remove(key(r.scope()) + "|" + r.name().toLowerCase(Locale.ROOT));
        if (a == null) {
            return ArmResponse.empty(204);
        }
        changes.add(new ArmChange("DELETE", a.id(), ASSIGNMENT_TYPE, null, apiVersion));
        return ok(200, render(a));
    }

    private ArmResponse listAssignments(String scope, String filter) {
        boolean atScope = false;
        String principal = null;
        if (filter != null && !filter.isBlank()) {
            for (String atom : filter.trim().split("(?i)\\s+and\\s+")) {
                String t = atom.trim();
                Matcher eq = PRINCIPAL_EQ.matcher(t);
                Matcher to = ASSIGNED_TO.matcher(t);
                if (t.equalsIgnoreCase("atScope()")) {
                    atScope = true;
                } else if (eq.matches()) {
                    principal = eq.group(1);
                } else if (to.matches()) {
                    principal = to.group(1);
                } else {
                    return error(400, "UnsupportedQuery", "The filter '" + filter + "' is not supported. Supported filters are atScope(), "
                            + "principalId eq '{objectId}' and assignedTo('{objectId}').");
                }
            }
        }
        ArrayNode value = json.createArrayNode();
        for (Assignment a : assignments.values()) {
            boolean above = covers(a.scope(), scope);
            boolean below = covers(scope, a.scope());
            if (!(above || !atScope && below)) {
                continue;
            }
            if (principal != null && !a.principalId().equalsIgnoreCase(principal)) {
                continue;
            }
            value.add(render(a));
        }
        ObjectNode out = json.createObjectNode();
        out.set("value", value);
        return ok(200, out);
    }

    private ArmResponse getDefinition(Request r) {
        Definition d = definitions.get(r.name().toLowerCase(Locale.ROOT));
        if (d == null) {
            return error(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '" + r.name() + "' does not exist.");
        }
        return ok(200, render(d, r.scope()));
    }

    private ArmResponse listDefinitions(String scope, String filter) {
        String roleName = null;
        if (filter != null && !filter.isBlank()) {
            Matcher m = Pattern.compile("(?i)roleName\\s+eq\\s+'([^']*)'").matcher(filter.trim());
            if (!m.matches()) {
                return error(400, "UnsupportedQuery", "The filter '" + filter + "' is not supported. Supported: roleName eq '{name}'.");
            }
            roleName = m.group(1);
        }
        ArrayNode value = json.createArrayNode();
        for (Definition d : definitions.values()) {
            if (roleName == null || d.roleName().equalsIgnoreCase(roleName)) {
                value.add(render(d, scope));
            }
        }
        ObjectNode out = json.createObjectNode();
        out.set("value", value);
        return ok(200, out);
    }

    private ArmResponse putDefinition(Request r, String body) {
        if (!GUID.matcher(r.name()).matches()) {
            return error(400, "InvalidRoleDefinitionId", "The role definition ID '" + r.name() + "' is not valid. The role definition ID must be a GUID.");
        }
        JsonNode in;
        try {
            in = json.readTree(body == null ? "" : body);
        } catch (RuntimeException e) {
            in = null;
        }
        if (in == null || !in.isObject()) {
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: expected a JSON object.");
        }
        String guid = r.name().toLowerCase(Locale.ROOT);
        Definition old = definitions.get(guid);
        if (old != null && old.type().equals("BuiltInRole")) {
            return error(403, "RoleDefinitionUpdateNotPermitted", "Built-in role definitions cannot be changed.");
        }
        JsonNode p = in.path("properties");
        List<String> actions = new ArrayList<>();
        List<String> notActions = new ArrayList<>();
        for (JsonNode perm : p.path("permissions")) {
            perm.path("actions").forEach(a -> actions.add(a.asString()));
            perm.path("notActions").forEach(a -> notActions.add(a.asString()));
        }
        Definition d = new Definition(guid, p.path("roleName").asString(guid), "CustomRole", p.path("description").asString(""),
                List.copyOf(actions), List.copyOf(notActions));
        definitions.put(guid, d);
        return ok(old == null ? 201 : 200, render(d, r.scope()));
    }

    // --- seeding and inspection ----------------------------------------------------------------------------------

    /** A role assignment put without checking that the scope exists (seeding order is the caller's). Returns its id. */
    String seedAssignment(String scope, String principalId, String roleDefinition, List<ArmChange> changes) {
        String guid = roleDefinition.substring(roleDefinition.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        String name = UUID.nameUUIDFromBytes(("fake-arm-role-assignment|" + key(scope) + "|" + principalId.toLowerCase(Locale.ROOT) + "|" + guid)
                .getBytes(StandardCharsets.UTF_8)).toString();
        ObjectNode body = json.createObjectNode();
        ObjectNode props = body.putObject("properties");
        props.put("roleDefinitionId", definitionId(scope, guid));
        props.put("principalId", principalId);
        props.put("principalType", "ServicePrincipal");
        ArmResponse r = putAssignment(new Request(trim(scope), "roleassignments", name), json.writeValueAsString(body), changes, null, false);
        if (r.status() >= 300) {
            throw new IllegalStateException("cannot seed the role assignment: " + r.body());
        }
        return json.readTree(r.body()).path("id").asString();
    }

    void seedDefinition(String guid, String roleName, List<String> actions, List<String> notActions) {
        String g = guid.toLowerCase(Locale.ROOT);
        if (!GUID.matcher(g).matches()) {
            throw new IllegalArgumentException("a role definition id must be a GUID: " + guid);
        }
        definitions.put(g, new Definition(g, roleName, "CustomRole", "", List.copyOf(actions), List.copyOf(notActions)));
    }

    List<Map<String, Object>> assignments() {
        List<Map<String, Object>> out = new ArrayList<>();
        assignments.values().forEach(a -> out.add(toMap(render(a))));
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> toMap(JsonNode n) {
        return json.treeToValue(n, LinkedHashMap.class);
    }

    // --- rendering -----------------------------------------------------------------------------------------------------

    private static String subscriptionOf(String scope) {
        String[] parts = trim(scope).split("/");
        return parts.length > 2 && parts[1].equalsIgnoreCase("subscriptions") ? parts[2] : null;
    }

    private static String definitionId(String scope, String guid) {
        String sub = subscriptionOf(scope);
        return (sub == null ? "" : "/subscriptions/" + sub) + "/providers/Microsoft.Authorization/roleDefinitions/" + guid;
    }

    private ObjectNode render(Assignment a) {
        ObjectNode n = json.createObjectNode();
        n.put("id", a.id());
        n.put("name", a.name());
        n.put("type", ASSIGNMENT_TYPE);
        ObjectNode p = n.putObject("properties");
        p.put("roleDefinitionId", a.roleDefinitionId());
        p.put("principalId", a.principalId());
        p.put("principalType", a.principalType());
        p.put("scope", a.scope());
        p.put("createdOn", a.createdOn());
        p.put("updatedOn", a.createdOn());
        return n;
    }

    private ObjectNode render(Definition d, String scope) {
        ObjectNode n = json.createObjectNode();
        n.put("id", definitionId(scope, d.guid()));
        n.put("name", d.guid());
        n.put("type", DEFINITION_TYPE);
        ObjectNode p = n.putObject("properties");
        p.put("roleName", d.roleName());
        p.put("type", d.type());
        p.put("description", d.description());
        p.putArray("assignableScopes").add("/");
        ObjectNode perm = p.putArray("permissions").addObject();
        ArrayNode actions = perm.putArray("actions");
        d.actions().forEach(actions::add);
        ArrayNode notActions = perm.putArray("notActions");
        d.notActions().forEach(notActions::add);
        perm.putArray("dataActions");
        perm.putArray("notDataActions");
        return n;
    }

    private ArmResponse ok(int status, JsonNode body) {
        return ArmResponse.json(status, json.writeValueAsString(body));
    }

    private ArmResponse error(int status, String code, String message) {
        ObjectNode r = json.createObjectNode();
        ObjectNode e = r.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return ArmResponse.json(status, json.writeValueAsString(r));
    }

    private ArmResponse notAllowed(String method, Request r) {
        return error(405, "MethodNotAllowed", "The fake ARM does not support " + method + " on " + r.type() + ".");
    }
}
