package io.clustermesh.testing.arm;

import io.clustermesh.testing.internal.Deterministic;
import io.clustermesh.testing.requests.Fault;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** The state and semantics of the fake ARM; HTTP-free so that the seeding API and requests share one path. */
final class ArmEngine {
    static final String MANAGED_CLUSTERS = "microsoft.containerservice/managedclusters";
    static final String VIRTUAL_NETWORKS = "microsoft.network/virtualnetworks";
    static final String SUBNETS = "microsoft.network/virtualnetworks/subnets";
    static final String VIRTUAL_HUBS = "microsoft.network/virtualhubs";
    static final String VIRTUAL_WANS = "microsoft.network/virtualwans";
    /** The tenant of the lab's subscription and identities. */
    static final String TENANT = "00000000-0000-0000-0000-0000000000aa";

    final JsonMapper json = JsonMapper.builder().build();
    private final long seed;
    private final String defaultLocation;
    private final Supplier<String> baseUrl;
    private final Object lock = new Object();
    private final Map<String, Stored> store = new HashMap<>();
    private final Map<String, Operation> operations = new HashMap<>();
    private final Map<String, Integer> longRunning = new ConcurrentHashMap<>();
    private final Map<String, String> kubeconfigs = new ConcurrentHashMap<>();
    private final List<Forbidden> forbidden = new CopyOnWriteArrayList<>();
    private final List<Consumer<ArmChange>> listeners = new CopyOnWriteArrayList<>();
    private final Set<String> apiVersions = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<String>> apiVersionsByType = new ConcurrentHashMap<>();
    private final ArmAuthorization authorization = new ArmAuthorization(json, this::scopeExists);
    private volatile Duration lroRetryAfter;
    private long etags;
    private long operationIds;

    ArmEngine(long seed, String defaultLocation, Supplier<String> baseUrl, Duration lroRetryAfter) {
        this.seed = seed;
        this.defaultLocation = defaultLocation;
        this.baseUrl = baseUrl;
        this.lroRetryAfter = lroRetryAfter;
    }

    private static final class Stored {
        final String key;
        final String collectionKey;
        final String id;
        final String type;
        final boolean topLevel;
        ObjectNode body;

        Stored(String key, String collectionKey, String id, String type, boolean topLevel, ObjectNode body) {
            this.key = key;
            this.collectionKey = collectionKey;
            this.id = id;
            this.type = type;
            this.topLevel = topLevel;
            this.body = body;
        }
    }

    private static final class Operation {
        final String id;
        final String key;
        final boolean delete;
        int remaining;
        boolean done;

        Operation(String id, String key, boolean delete, int remaining) {
            this.id = id;
            this.key = key;
            this.delete = delete;
            this.remaining = remaining;
        }
    }

    private record Forbidden(Pattern path, Set<String> methods) {
    }

    // --- configuration -------------------------------------------------------------------------------------------

    void longRunning(String type, int polls) {
        longRunning.put(type.equals("*") ? "*" : ArmPath.canonicalTypeName(type), polls);
    }

    void lroRetryAfter(Duration d) {
        lroRetryAfter = d;
    }

    void forbid(String regex, Set<String> methods) {
        forbidden.add(new Forbidden(Pattern.compile(regex), methods));
    }

    void clearForbidden() {
        forbidden.clear();
    }

    void kubeconfig(String resourceGroup, String cluster, String content) {
        kubeconfigs.put(resourceGroup.toLowerCase(Locale.ROOT) + "/" + cluster.toLowerCase(Locale.ROOT), content);
    }

    void listener(Consumer<ArmChange> l) {
        listeners.add(l);
    }

    Set<String> apiVersions() {
        return Set.copyOf(apiVersions);
    }

    Set<String> apiVersions(String type) {
        return Set.copyOf(apiVersionsByType.getOrDefault(ArmPath.canonicalTypeName(type), Set.of()));
    }

    /** A 403 response when a forbidden rule matches; null otherwise. */
    ArmResponse checkForbidden(String method, String path) {
        for (Forbidden f : forbidden) {
            if ((f.methods().isEmpty() || f.methods().contains(method)) && f.path().matcher(path).matches()) {
                ArmPath p = ArmPath.parse(path);
                ArmAuthorization.Request auth = ArmAuthorization.parse(path);
                String type = auth != null ? auth.type()
                        : p.kind == ArmPath.Kind.UNKNOWN || p.kind == ArmPath.Kind.SUBSCRIPTION ? "Microsoft.Resources/subscriptions" : p.type();
                String action = switch (method) {
                    case "GET", "HEAD" -> "read";
                    case "DELETE" -> "delete";
                    case "POST" -> "action";
                    default -> "write";
                };
                String scope = auth == null && (p.kind == ArmPath.Kind.ITEM || p.kind == ArmPath.Kind.RESOURCE_GROUP) ? p.id() : path;
                return error(403, "AuthorizationFailed", "The client '00000000-0000-0000-0000-00000000c0de' with object id "
                        + "'00000000-0000-0000-0000-00000000c0de' does not have authorization to perform action '" + type + "/" + action
                        + "' over scope '" + scope + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
            }
        }
        return null;
    }

    /** The ARM rendering of an injected fault. */
    ArmResponse fault(Fault f, String path) {
        return switch (f.kind()) {
            case THROTTLE -> error(429, "TooManyRequests", "The request is being throttled (injected by the lab); retry after "
                    + f.retryAfterSeconds() + " seconds.").header("Retry-After", String.valueOf(f.retryAfterSeconds()));
            case SERVER_ERROR -> error(500, "InternalServerError", "An internal server error occurred (injected by the lab).");
            case CONFLICT -> {
                ArmPath p = ArmPath.parse(path);
                boolean network = p.namespace != null && p.namespace.equalsIgnoreCase("Microsoft.Network");
                yield network
                        ? error(409, "RetryableErrorDueToAnotherOperation", "Operation on " + path
                                + " is not allowed because another operation is in progress on the resource (injected by the lab).")
                        : error(409, "AnotherOperationInProgress", "Operation is not allowed because there's an in progress operation on "
                                + path + " (injected by the lab). Please try again later.");
            }
            case CONNECTION_RESET -> ArmResponse.wire(f);
            case HANG -> throw new IllegalArgumentException("FakeArm does not inject hangs; use latency");
        };
    }

    // --- request handling ----------------------------------------------------------------------------------------

    ArmResponse handle(String method, String path, String apiVersion, String filter, String body) {
        if (apiVersion == null || apiVersion.isBlank()) {
            return error(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
        }
        apiVersions.add(apiVersion);
        ArmAuthorization.Request auth = ArmAuthorization.parse(path);
        if (auth != null) {
            apiVersionsByType.computeIfAbsent(ArmPath.canonicalTypeName(auth.type()), k -> ConcurrentHashMap.newKeySet()).add(apiVersion);
            List<ArmChange> changes = new ArrayList<>();
            ArmResponse r;
            synchronized (lock) {
                r = authorization.handle(method, auth, filter, body, changes, apiVersion);
            }
            fire(changes);
            return r;
        }
        ArmPath p = ArmPath.parse(path);
        if (p.kind == ArmPath.Kind.ITEM || p.kind == ArmPath.Kind.COLLECTION || p.kind == ArmPath.Kind.RESOURCE_GROUP) {
            apiVersionsByType.computeIfAbsent(ArmPath.canonicalTypeName(p.type()), k -> ConcurrentHashMap.newKeySet()).add(apiVersion);
        }
        List<ArmChange> changes = new ArrayList<>();
        ArmResponse r;
        synchronized (lock) {
            r = dispatch(method, p, path, apiVersion, body, changes);
        }
        fire(changes);
        return r;
    }

    private ArmResponse dispatch(String method, ArmPath p, String path, String apiVersion, String body, List<ArmChange> changes) {
        switch (p.kind) {
            case SUBSCRIPTION:
                if (!method.equals("GET")) {
                    return methodNotAllowed(method, path);
                }
                ObjectNode sub = json.createObjectNode();
                sub.put("id", "/subscriptions/" + p.subscription);
                sub.put("subscriptionId", p.subscription);
                sub.put("tenantId", TENANT);
                sub.put("displayName", "clustermesh lab");
                sub.put("state", "Enabled");
                return ok(200, sub);
            case PROVIDER:
                if (!method.equals("GET") && !(method.equals("POST"))) {
                    return methodNotAllowed(method, path);
                }
                ObjectNode prov = json.createObjectNode();
                prov.put("id", "/subscriptions/" + p.subscription + "/providers/" + p.namespace);
                prov.put("namespace", p.namespace);
                prov.put("registrationState", "Registered");
                prov.putArray("resourceTypes");
                return ok(200, prov);
            case OPERATION_STATUS:
            case OPERATION_RESULT:
                if (!method.equals("GET")) {
                    return methodNotAllowed(method, path);
                }
                return poll(p, changes);
            case RESOURCE_GROUP_COLLECTION:
                if (!method.equals("GET")) {
                    return methodNotAllowed(method, path);
                }
                return list(p.collectionKey(), null);
            case RESOURCE_GROUP:
            case ITEM:
                if (p.kind == ArmPath.Kind.ITEM && p.resourceGroup == null) {
                    return notFound(path);
                }
                return switch (method) {
                    case "GET", "HEAD" -> get(p, apiVersion);
                    case "PUT" -> put(p, apiVersion, body, method, changes);
                    case "PATCH" -> patch(p, apiVersion, body, changes);
                    case "DELETE" -> delete(p, apiVersion, changes);
                    default -> methodNotAllowed(method, path);
                };
            case COLLECTION:
                if (p.resourceGroup == null && !p.subscriptionWide()) {
                    return notFound(path);
                }
                if (method.equals("POST") && !p.names.isEmpty()) {
                    return action(p);
                }
                if (!method.equals("GET")) {
                    return methodNotAllowed(method, path);
                }
                if (!p.subscriptionWide()) {
                    if (!store.containsKey(p.resourceGroupKey())) {
                        return rgNotFound(p.resourceGroup);
                    }
                    if (!p.names.isEmpty() && !store.containsKey(p.key())) {
                        return notFound(path);
                    }
                    return list(p.collectionKey(), apiVersion);
                }
                return listSubscriptionWide(p, apiVersion);
            default:
                return notFound(path);
        }
    }

    private ArmResponse get(ArmPath p, String apiVersion) {
        Stored s = store.get(p.key());
        if (s == null) {
            if (p.kind == ArmPath.Kind.RESOURCE_GROUP) {
                return rgNotFound(p.resourceGroup);
            }
            if (!store.containsKey(p.resourceGroupKey())) {
                return rgNotFound(p.resourceGroup);
            }
            return error(404, "ResourceNotFound", "The Resource '" + p.namespace + "/" + String.join("/", typeNamePairs(p))
                    + "' under resource group '" + p.resourceGroup + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
        }
        return ok(200, view(s, apiVersion));
    }

    private static List<String> typeNamePairs(ArmPath p) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < p.names.size(); i++) {
            out.add(p.types.get(i));
            out.add(p.names.get(i));
        }
        return out;
    }

    private ArmResponse put(ArmPath p, String apiVersion, String body, String method, List<ArmChange> changes) {
        ObjectNode in;
        try {
            JsonNode n = body == null || body.isBlank() ? null : json.readTree(body);
            if (n == null || !n.isObject()) {
                return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: expected a JSON object.");
            }
            in = (ObjectNode) n;
        } catch (JacksonException e) {
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: " + e.getOriginalMessage());
        }
        if (p.kind == ArmPath.Kind.ITEM) {
            if (!store.containsKey(p.resourceGroupKey())) {
                return rgNotFound(p.resourceGroup);
            }
            if (p.names.size() > 1 && !store.containsKey(p.itemKey(p.names.size() - 1))) {
                return error(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '"
                        + p.names.get(p.names.size() - 2) + "' not found.");
            }
        }
        String key = p.key();
        Stored existing = store.get(key);
        Operation op = null;
        Integer polls = method.equals("SEED") ? null : lroPolls(p.type());
        ObjectNode stored = prepare(p, in, existing, apiVersion, polls != null ? (existing == null ? "Creating" : "Updating") : "Succeeded");
        Stored s = new Stored(key, p.collectionKey(), existing != null ? existing.id : p.id(), p.type(),
                p.kind == ArmPath.Kind.RESOURCE_GROUP || p.names.size() == 1, stored);
        store.put(key, s);
        afterPut(p, s, changes, method, apiVersion);
        changes.add(new ArmChange(method.equals("SEED") ? "SEED" : "PUT", s.id, s.type, toMap(view(s, "preview")),
                method.equals("SEED") ? null : apiVersion));
        ArmResponse r = ok(existing == null ? 201 : 200, view(s, apiVersion));
        if (polls != null) {
            op = newOperation(key, false, polls);
            addLroHeaders(r, p, op, apiVersion, false);
        }
        return r;
    }

    private ObjectNode prepare(ArmPath p, ObjectNode in, Stored existing, String apiVersion, String state) {
        ObjectNode b = in.deepCopy();
        b.put("id", existing != null ? existing.id : p.id());
        b.put("name", p.name());
        b.put("type", p.type());
        String canonical = ArmPath.canonicalTypeName(p.type());
        boolean child = p.kind == ArmPath.Kind.ITEM && p.names.size() > 1;
        if (!child && (!b.has("location") || b.path("location").asString("").isBlank())) {
            Stored rg = p.kind == ArmPath.Kind.ITEM ? store.get(p.resourceGroupKey()) : null;
            b.put("location", rg != null ? rg.body.path("location").asString(defaultLocation) : defaultLocation);
        }
        b.put("etag", "W/\"" + uuid(++etags, 0x5eed) + "\"");
        ObjectNode props = b.has("properties") && b.get("properties").isObject() ? (ObjectNode) b.get("properties") : b.putObject("properties");
        props.put("provisioningState", state);
        switch (canonical) {
            case MANAGED_CLUSTERS -> prepareManagedCluster(p, b, props, existing, apiVersion);
            case VIRTUAL_HUBS -> {
                if (!props.has("routingState")) {
                    props.put("routingState", state.equals("Succeeded") ? "Provisioned" : "Provisioning");
                }
                if (!props.has("virtualRouterAsn")) {
                    props.put("virtualRouterAsn", 65515);
                }
            }
            case VIRTUAL_WANS -> {
                if (!props.has("type")) {
                    props.put("type", "Standard");
                }
            }
            default -> {
            }
        }
        return b;
    }

    private void prepareManagedCluster(ArmPath p, ObjectNode b, ObjectNode props, Stored existing, String apiVersion) {
        String location = b.path("location").asString(defaultLocation);
        if (!props.has("dnsPrefix")) {
            props.put("dnsPrefix", p.name());
        }
        if (!props.has("fqdn")) {
            props.put("fqdn", props.path("dnsPrefix").asString() + "-" + String.format("%08x", Deterministic.hash(seed, p.id()) & 0xffffffffL)
                    + ".hcp." + location + ".azmk8s.io");
        }
        if (!props.has("nodeResourceGroup")) {
            props.put("nodeResourceGroup", "MC_" + p.resourceGroup + "_" + p.name() + "_" + location);
        }
        if (!props.has("powerState")) {
            props.putObject("powerState").put("code", "Running");
        }
        identities(p, b, existing);
        // kubeProxyConfig only exists in preview api-versions: a stable write keeps what a preview write set
        JsonNode np = props.get("networkProfile");
        JsonNode previous = existing == null ? null : existing.body.path("properties").path("networkProfile").get("kubeProxyConfig");
        if (np instanceof ObjectNode netProfile) {
            if (!isPreview(apiVersion)) {
                netProfile.remove("kubeProxyConfig");
                if (previous != null) {
                    netProfile.set("kubeProxyConfig", previous.deepCopy());
                }
            }
        } else if (previous != null) {
            props.putObject("networkProfile").set("kubeProxyConfig", previous.deepCopy());
        }
    }

    /**
     * A system-assigned identity gets its {@code principalId} and {@code tenantId}, each user-assigned identity its
     * {@code principalId} and {@code clientId}, as ARM fills them in; stable across updates and deterministic per id.
     */
    private void identities(ArmPath p, ObjectNode b, Stored existing) {
        if (!(b.get("identity") instanceof ObjectNode identity)) {
            return;
        }
        JsonNode before = existing == null ? null : existing.body.get("identity");
        String type = identity.path("type").asString("").toLowerCase(Locale.ROOT);
        if (type.contains("systemassigned")) {
            if (!identity.hasNonNull("principalId")) {
                String kept = before == null ? "" : before.path("principalId").asString("");
                identity.put("principalId", kept.isEmpty() ? principalFor(p.id()) : kept);
            }
            if (!identity.hasNonNull("tenantId")) {
                identity.put("tenantId", TENANT);
            }
        }
        if (identity.get("userAssignedIdentities") instanceof ObjectNode uais) {
            for (Map.Entry<String, JsonNode> e : uais.properties()) {
                if (e.getValue() instanceof ObjectNode ua) {
                    if (!ua.hasNonNull("principalId")) {
                        ua.put("principalId", principalFor(e.getKey()));
                    }
                    if (!ua.hasNonNull("clientId")) {
                        ua.put("clientId", principalFor("client|" + e.getKey()));
                    }
                }
            }
        }
    }

    /** A deterministic object id for an identity of the resource {@code id}. */
    String principalFor(String id) {
        return java.util.UUID.nameUUIDFromBytes(("fake-arm-principal|" + seed + "|" + id.toLowerCase(Locale.ROOT))
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    static boolean isPreview(String apiVersion) {
        return apiVersion != null && apiVersion.toLowerCase(Locale.ROOT).endsWith("-preview");
    }

    /** Embedded children: a VNet's subnets become child resources. */
    private void afterPut(ArmPath p, Stored s, List<ArmChange> changes, String method, String apiVersion) {
        if (!ArmPath.canonicalTypeName(s.type).equals(VIRTUAL_NETWORKS)) {
            return;
        }
        JsonNode subnets = s.body.path("properties").get("subnets");
        if (subnets == null) {
            return;
        }
        String subnetsKey = s.key + "/subnets";
        Set<String> keep = new TreeSet<>();
        if (subnets.isArray()) {
            for (JsonNode sn : subnets) {
                String name = sn.path("name").asString("");
                if (name.isEmpty()) {
                    continue;
                }
                String key = subnetsKey + "/" + name.toLowerCase(Locale.ROOT);
                keep.add(key);
                ObjectNode child = sn.isObject() ? ((ObjectNode) sn).deepCopy() : json.createObjectNode();
                child.put("id", s.id + "/subnets/" + name);
                child.put("name", name);
                child.put("type", s.type + "/subnets");
                child.put("etag", "W/\"" + uuid(++etags, 0x5eed) + "\"");
                ObjectNode cp = child.has("properties") && child.get("properties").isObject() ? (ObjectNode) child.get("properties") : child.putObject("properties");
                cp.put("provisioningState", "Succeeded");
                store.put(key, new Stored(key, subnetsKey, s.id + "/subnets/" + name, s.type + "/subnets", false, child));
            }
        }
        store.values().removeIf(e -> e.collectionKey.equals(subnetsKey) && !keep.contains(e.key));
        ((ObjectNode) s.body.get("properties")).remove("subnets");
    }

    private ArmResponse patch(ArmPath p, String apiVersion, String body, List<ArmChange> changes) {
        Stored s = store.get(p.key());
        if (s == null) {
            return get(p, apiVersion);
        }
        JsonNode patch;
        try {
            patch = json.readTree(body == null ? "{}" : body);
        } catch (JacksonException e) {
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: " + e.getOriginalMessage());
        }
        if (patch == null || !patch.isObject()) {
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: expected a JSON object.");
        }
        ObjectNode merged = s.body.deepCopy();
        mergePatch(merged, (ObjectNode) patch);
        for (String f : List.of("id", "name", "type")) {
            merged.set(f, s.body.get(f));
        }
        merged.put("etag", "W/\"" + uuid(++etags, 0x5eed) + "\"");
        s.body = merged;
        afterPut(p, s, changes, "PATCH", apiVersion);
        changes.add(new ArmChange("PATCH", s.id, s.type, toMap(view(s, "preview")), apiVersion));
        return ok(200, view(s, apiVersion));
    }

    /** RFC 7386 JSON merge patch. */
    private static void mergePatch(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                target.remove(e.getKey());
            } else if (v.isObject() && target.get(e.getKey()) instanceof ObjectNode t) {
                mergePatch(t, (ObjectNode) v);
            } else {
                target.set(e.getKey(), v.deepCopy());
            }
        }
    }

    private ArmResponse delete(ArmPath p, String apiVersion, List<ArmChange> changes) {
        Stored s = store.get(p.key());
        if (s == null) {
            return ArmResponse.empty(204);
        }
        Integer polls = lroPolls(p.type());
        if (polls != null) {
            ((ObjectNode) s.body.get("properties")).put("provisioningState", "Deleting");
            Operation op = newOperation(s.key, true, polls);
            ArmResponse r = ArmResponse.empty(202);
            addLroHeaders(r, p, op, apiVersion, true);
            return r;
        }
        removeTree(s.key, changes, apiVersion);
        return ArmResponse.empty(200);
    }

    private void removeTree(String key, List<ArmChange> changes, String apiVersion) {
        List<Stored> gone = store.values().stream().filter(e -> e.key.equals(key) || e.key.startsWith(key + "/"))
                .sorted(Comparator.comparing((Stored e) -> e.key.length()).reversed()).toList();
        for (Stored e : gone) {
            store.remove(e.key);
            changes.add(new ArmChange("DELETE", e.id, e.type, null, apiVersion));
        }
    }

    private ArmResponse action(ArmPath p) {
        String key = p.key();
        Stored s = store.get(key);
        String action = p.trailing.toLowerCase(Locale.ROOT);
        if (s == null) {
            return error(404, "ResourceNotFound", "The Resource '" + p.namespace + "/" + String.join("/", typeNamePairs(p))
                    + "' under resource group '" + p.resourceGroup + "' was not found.");
        }
        if (!ArmPath.canonicalTypeName(s.type).equals(MANAGED_CLUSTERS)
                || !(action.equals("listclusterusercredential") || action.equals("listclusteradmincredential"))) {
            return error(404, "InvalidResourceType", "The fake ARM does not implement action '" + p.trailing + "' on " + s.type + ".");
        }
        if (action.equals("listclusteradmincredential") && s.body.path("properties").path("disableLocalAccounts").asBoolean(false)) {
            // what AKS answers: with local accounts disabled there is no static (admin) credential
            return error(400, "BadRequest", "Getting static credential is not allowed because this cluster is set to disable local accounts.");
        }
        String content = kubeconfigs.get(p.resourceGroup.toLowerCase(Locale.ROOT) + "/" + p.name().toLowerCase(Locale.ROOT));
        if (content == null) {
            return error(404, "ResourceNotFound", "No kubeconfig is registered in the fake ARM for managed cluster '" + p.name()
                    + "' (FakeArm.registerKubeconfig).");
        }
        ObjectNode r = json.createObjectNode();
        ObjectNode kc = r.putArray("kubeconfigs").addObject();
        kc.put("name", action.equals("listclusteradmincredential") ? "clusterAdmin" : "clusterUser");
        kc.put("value", Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)));
        return ok(200, r);
    }

    private ArmResponse list(String collectionKey, String apiVersion) {
        ArrayNode items = json.createArrayNode();
        store.values().stream().filter(e -> e.collectionKey.equals(collectionKey)).sorted(Comparator.comparing(e -> e.key))
                .forEach(e -> items.add(view(e, apiVersion)));
        ObjectNode r = json.createObjectNode();
        r.set("value", items);
        return ok(200, r);
    }

    private ArmResponse listSubscriptionWide(ArmPath p, String apiVersion) {
        String prefix = p.subscriptionKey() + "/resourcegroups/";
        String suffix = "/providers/" + p.namespace.toLowerCase(Locale.ROOT) + "/" + ArmPath.canonicalType(p.trailing);
        ArrayNode items = json.createArrayNode();
        store.values().stream().filter(e -> e.topLevel && e.collectionKey.startsWith(prefix) && e.collectionKey.endsWith(suffix)
                        && e.collectionKey.indexOf('/', prefix.length()) == e.collectionKey.length() - suffix.length())
                .sorted(Comparator.comparing(e -> e.key)).forEach(e -> items.add(view(e, apiVersion)));
        ObjectNode r = json.createObjectNode();
        r.set("value", items);
        return ok(200, r);
    }

    /** The stored resource as a client of that api-version sees it. */
    private ObjectNode view(Stored s, String apiVersion) {
        ObjectNode b = s.body.deepCopy();
        String canonical = ArmPath.canonicalTypeName(s.type);
        if (canonical.equals(VIRTUAL_NETWORKS)) {
            ArrayNode subnets = json.createArrayNode();
            String subnetsKey = s.key + "/subnets";
            store.values().stream().filter(e -> e.collectionKey.equals(subnetsKey)).sorted(Comparator.comparing(e -> e.key))
                    .forEach(e -> subnets.add(e.body.deepCopy()));
            ((ObjectNode) b.get("properties")).set("subnets", subnets);
        } else if (canonical.equals(MANAGED_CLUSTERS) && !isPreview(apiVersion) && !"preview".equals(apiVersion)) {
            JsonNode np = b.path("properties").get("networkProfile");
            if (np instanceof ObjectNode o) {
                o.remove("kubeProxyConfig");
            }
        }
        return b;
    }

    // --- long-running operations ---------------------------------------------------------------------------------

    private Integer lroPolls(String type) {
        Integer n = longRunning.get(ArmPath.canonicalTypeName(type));
        return n != null ? n : longRunning.get("*");
    }

    private Operation newOperation(String key, boolean delete, int polls) {
        String id = uuid(++operationIds, 0x0b5);
        Operation op = new Operation(id, key, delete, polls);
        operations.put(id, op);
        return op;
    }

    private void addLroHeaders(ArmResponse r, ArmPath p, Operation op, String apiVersion, boolean delete) {
        Stored s = store.get(op.key);
        String location = s != null ? s.body.path("location").asString(defaultLocation) : defaultLocation;
        if (location.isBlank()) {
            location = defaultLocation;
        }
        String base = baseUrl.get() + "/subscriptions/" + p.subscription + "/providers/" + p.namespace + "/locations/"
                + location.toLowerCase(Locale.ROOT).replace(" ", "");
        r.header("Azure-AsyncOperation", base + "/operationStatuses/" + op.id + "?api-version=" + apiVersion);
        if (delete) {
            r.header("Location", base + "/operationResults/" + op.id + "?api-version=" + apiVersion);
        }
        r.header("Retry-After", String.valueOf(retryAfterSeconds()));
    }

    private long retryAfterSeconds() {
        Duration d = lroRetryAfter;
        return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    }

    private ArmResponse poll(ArmPath p, List<ArmChange> changes) {
        Operation op = operations.get(p.operationId);
        if (op == null) {
            return error(404, "OperationNotFound", "The operation '" + p.operationId + "' was not found.");
        }
        if (!op.done) {
            if (op.remaining > 0) {
                op.remaining--;
            } else {
                complete(op, changes);
            }
        }
        if (p.kind == ArmPath.Kind.OPERATION_RESULT) {
            return op.done ? ArmResponse.empty(op.delete ? 204 : 200)
                    : ArmResponse.empty(202).header("Retry-After", String.valueOf(retryAfterSeconds()));
        }
        ObjectNode status = json.createObjectNode();
        status.put("id", p.operationId);
        status.put("name", p.operationId);
        status.put("status", op.done ? "Succeeded" : "InProgress");
        ArmResponse r = ok(200, status);
        if (!op.done) {
            r.header("Retry-After", String.valueOf(retryAfterSeconds()));
        }
        return r;
    }

    private void complete(Operation op, List<ArmChange> changes) {
        op.done = true;
        Stored s = store.get(op.key);
        if (s == null) {
            return;
        }
        if (op.delete) {
            removeTree(op.key, changes, null);
            return;
        }
        ObjectNode props = (ObjectNode) s.body.get("properties");
        props.put("provisioningState", "Succeeded");
        if (ArmPath.canonicalTypeName(s.type).equals(VIRTUAL_HUBS) && props.path("routingState").asString("").equals("Provisioning")) {
            props.put("routingState", "Provisioned");
        }
    }

    // --- seeding and inspection ----------------------------------------------------------------------------------

    /** Seeding writes every field it is given, as a preview api-version would. */
    static final String SEED_API_VERSION = "lab-preview";

    /** Stores a resource as a PUT would (without LRO); returns the id. */
    String seed(String path, ObjectNode body) {
        ArmPath p = ArmPath.parse(path);
        if (p.kind != ArmPath.Kind.ITEM && p.kind != ArmPath.Kind.RESOURCE_GROUP) {
            throw new IllegalArgumentException("not a resource id: " + path);
        }
        List<ArmChange> changes = new ArrayList<>();
        ArmResponse r;
        synchronized (lock) {
            r = put(p, SEED_API_VERSION, json.writeValueAsString(body), "SEED", changes);
        }
        if (r.status() >= 300) {
            throw new IllegalStateException("cannot seed " + path + ": " + r.body());
        }
        fire(changes);
        return json.readTree(r.body()).path("id").asString();
    }

    /** Whether a role assignment may be put at {@code scope}: a subscription, or a stored resource group or resource. */
    private boolean scopeExists(String scope) {
        ArmPath p = ArmPath.parse(scope);
        return switch (p.kind) {
            case SUBSCRIPTION -> true;
            case RESOURCE_GROUP, ITEM -> p.resourceGroup != null && store.containsKey(p.key());
            default -> false;
        };
    }

    String seedRoleAssignment(String scope, String principalId, String roleDefinition) {
        List<ArmChange> changes = new ArrayList<>();
        String id;
        synchronized (lock) {
            id = authorization.seedAssignment(scope, principalId, roleDefinition, changes);
        }
        fire(changes);
        return id;
    }

    void seedRoleDefinition(String guid, String roleName, List<String> actions, List<String> notActions) {
        synchronized (lock) {
            authorization.seedDefinition(guid, roleName, actions, notActions);
        }
    }

    List<Map<String, Object>> roleAssignments() {
        synchronized (lock) {
            return authorization.assignments();
        }
    }

    Optional<ObjectNode> resource(String id, String apiVersion) {
        ArmPath p = ArmPath.parse(id);
        if (p.kind != ArmPath.Kind.ITEM && p.kind != ArmPath.Kind.RESOURCE_GROUP) {
            return Optional.empty();
        }
        synchronized (lock) {
            Stored s = store.get(p.key());
            return s == null ? Optional.empty() : Optional.of(view(s, apiVersion));
        }
    }

    boolean remove(String id) {
        ArmAuthorization.Request auth = ArmAuthorization.parse(id);
        if (auth != null && auth.name() != null) {
            List<ArmChange> changes = new ArrayList<>();
            ArmResponse r;
            synchronized (lock) {
                r = authorization.handle("DELETE", auth, null, null, changes, null);
            }
            fire(changes);
            return r.status() == 200;
        }
        ArmPath p = ArmPath.parse(id);
        List<ArmChange> changes = new ArrayList<>();
        synchronized (lock) {
            if (p.key() == null || !store.containsKey(p.key())) {
                return false;
            }
            removeTree(p.key(), changes, null);
        }
        fire(changes);
        return true;
    }

    List<String> ids() {
        synchronized (lock) {
            return store.values().stream().map(e -> e.id).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> toMap(JsonNode n) {
        return json.treeToValue(n, LinkedHashMap.class);
    }

    private void fire(List<ArmChange> changes) {
        for (ArmChange c : changes) {
            for (Consumer<ArmChange> l : listeners) {
                try {
                    l.accept(c);
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(FakeArm.class).warn("FakeArm change listener failed on {}: {}", c.id(), e.toString());
                }
            }
        }
    }

    // --- responses -------------------------------------------------------------------------------------------------

    private ArmResponse ok(int status, JsonNode body) {
        return ArmResponse.json(status, json.writeValueAsString(body));
    }

    ArmResponse error(int status, String code, String message) {
        ObjectNode r = json.createObjectNode();
        ObjectNode e = r.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return ArmResponse.json(status, json.writeValueAsString(r));
    }

    private ArmResponse rgNotFound(String rg) {
        return error(404, "ResourceGroupNotFound", "Resource group '" + rg + "' could not be found.");
    }

    private ArmResponse notFound(String path) {
        return error(404, "NotFound", "The fake ARM has nothing at " + path + ".");
    }

    private ArmResponse methodNotAllowed(String method, String path) {
        return error(405, "MethodNotAllowed", "The fake ARM does not support " + method + " on " + path + ".");
    }

    private String uuid(long n, long salt) {
        long hi = Deterministic.mix(seed ^ (salt << 32) ^ n);
        long lo = Deterministic.mix(hi ^ n);
        return new java.util.UUID(hi, lo).toString();
    }

    static String requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }
}
