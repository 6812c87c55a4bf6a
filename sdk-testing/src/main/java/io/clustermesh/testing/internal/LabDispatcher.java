package io.clustermesh.testing.internal;

import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.requests.ExecHandler;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.KubeChange;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's hook into fabric8's mock API server: a {@link Dispatcher} wrapped around the CRUD
 * {@link KubernetesMixedDispatcher}. Per request it checks the bearer token, counts, decides faults, makes the
 * CRUD store behave like a real API server and delays the answer. Like an API server it answers {@code /version},
 * discovery and OpenAPI v3 ({@link ApiDiscovery}); applies PATCHes itself ({@link Patches}, strategic merge included)
 * and stores the result like an update; on writes sets defaults and {@code managedFields} ({@link ServerFields}),
 * merges Secret {@code stringData}, allocates cluster IPs and node ports, reads protobuf Secret/ConfigMap bodies
 * ({@link KubeProtobuf}); answers lists as {@code <Kind>List} and errors as {@code Status} (409 AlreadyExists or
 * Conflict, 404, 415). Writes are applied one at a time (a short in-memory lock), so that a PATCH reads and stores
 * without another write in between. docs/lab.md lists what it does not do. Requests carrying the {@link #INTERNAL_HEADER} (the lab's own client) skip token, counting, faults and
 * latency.
 *
 * <p>Runs on Vert.x event-loop threads: it never blocks on I/O. Latency and hangs use the mock's body delay (a Vert.x
 * timer); connection resets are answered with {@link LabProxy#RESET_STATUS}, which the {@link LabProxy} turns into
 * a TCP RST.
 */
public final class LabDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
    private static final Logger LOG = LoggerFactory.getLogger(LabDispatcher.class);
    public static final String INTERNAL_HEADER = "X-Clustermesh-Lab-Internal";
    private static final Duration FOREVER = Duration.ofDays(1);
    private static final Pattern OBJECT = Pattern.compile("/apis?/(?:[^/]+/)?[^/]+/(?:namespaces/[^/]+/)?([^/]+)/([^/]+)(?:/[^/]+)?");

    private final String cluster;
    private final KubernetesMixedDispatcher crud;
    private final RequestCounter counter;
    private final FaultInjector injector;
    /** Decides whether a request's bearer token is accepted (default: the cluster's kubeconfig token). */
    private volatile java.util.function.Predicate<String> bearer;
    private final String internalToken;
    private final IpCidr serviceCidr;
    private final AtomicLong nextClusterIp = new AtomicLong(11);
    private final AtomicLong nextNodePort = new AtomicLong(30000);
    private final JsonMapper json = JsonMapper.builder().build();
    private static final JsonMapper JSON_WRITER = JsonMapper.builder().build();
    private static final Pattern FIELD_MANAGER = Pattern.compile("[?&]fieldManager=([^&]+)");
    /** Writes are applied one at a time, so that a PATCH reads and stores without another write in between. */
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock();
    private final ApiDiscovery discovery;
    private final List<Consumer<KubeChange>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;

    public LabDispatcher(String cluster, Map<ServerRequest, Queue<ServerResponse>> responses, RequestCounter counter,
                         FaultInjector injector, String token, String internalToken, String serviceCidr, ExecutorService events,
                         String kubernetesVersion, String serverAddress) {
        this.cluster = cluster;
        this.crud = new KubernetesMixedDispatcher(responses);
        this.counter = counter;
        this.injector = injector;
        this.bearer = token::equals;
        this.internalToken = internalToken;
        this.serviceCidr = IpCidr.parse(serviceCidr);
        this.events = events;
        this.discovery = new ApiDiscovery(kubernetesVersion, serverAddress);
    }

    /** Replaces the bearer token check: from now on a request is served only if {@code accepts} its token. */
    public void authenticate(java.util.function.Predicate<String> accepts) {
        this.bearer = java.util.Objects.requireNonNull(accepts, "accepts");
    }

    public void listener(Consumer<KubeChange> l) {
        listeners.add(l);
    }

    private volatile ExecHandler execHandler;

    /** Who answers exec requests (the simulated kubelet/agents); without one, exec gets the CRUD store's answer. */
    public void execHandler(ExecHandler handler) {
        this.execHandler = handler;
    }

    /** Reserves the first cluster IPs (e.g. the {@code kubernetes} Service's .1 and DNS .10). */
    public String clusterIp(long index) {
        return serviceCidr.address(index);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        try {
            return dispatchOrFail(request);
        } catch (RuntimeException e) {
            // an exception on the event loop would leave the client waiting for an answer forever
            LOG.warn("{}: {} {} failed in the lab's API server: {}", cluster, request.getMethod(), request.getPath(), e.toString());
            return status(500, "InternalError", "Internal error occurred: the clustermesh lab could not handle the request: "
                    + e.getClass().getSimpleName(), null);
        }
    }

    private MockResponse dispatchOrFail(RecordedRequest request) {
        String method = request.getMethod() == null ? "GET" : request.getMethod().toUpperCase(java.util.Locale.ROOT);
        String fullPath = request.getPath() == null ? "/" : request.getPath();
        int q = fullPath.indexOf('?');
        String path = q < 0 ? fullPath : fullPath.substring(0, q);
        boolean write = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        boolean internal = internalToken.equals(request.getHeader(INTERNAL_HEADER));
        if (internal) {
            return handle(request, method, path, write, true);
        }
        long n = counter.record(method, path, write);
        String auth = request.getHeader("Authorization");
        String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
        if (!bearer.test(presented)) {
            counter.fault();
            return delayed(status(401, "Unauthorized", "Unauthorized", null));
        }
        Optional<Fault> fault = injector.decide(n, method, path);
        if (fault.isPresent()) {
            counter.fault();
            LOG.debug("{}: {} {} -> injected {}", cluster, method, path, fault.get());
            return faultResponse(fault.get(), path);
        }
        MockResponse r = handle(request, method, path, write, false);
        LOG.trace("{}: {} {} -> {}", cluster, method, fullPath, r.code());
        return r.getWebSocketListener() != null ? r : delayed(r);
    }

    /**
     * A watch's listener whose end (closed or failed) runs off the event loop. The mock's watch listener
     * ({@code io.fabric8.kubernetes.client.server.mock.WatchEventsListener}) waits in {@code onClosed}/{@code onFailure}
     * for its send queue to drain, and a send waits (up to 30 s) for the event loop to write it: when a client closes
     * a watch while an event is on its way, that wait held the event loop, and with it every request to the cluster,
     * for 30 s.
     */
    private WebSocketListener closedOffTheEventLoop(WebSocketListener watch) {
        return new WebSocketListener() {
            @Override
            public void onBeforeAccept(WebSocket ws, Response response) {
                watch.onBeforeAccept(ws, response);
            }

            @Override
            public void onOpen(WebSocket ws, Response response) {
                watch.onOpen(ws, response);
            }

            @Override
            public void onMessage(WebSocket ws, String text) {
                watch.onMessage(ws, text);
            }

            @Override
            public void onMessage(WebSocket ws, ByteString bytes) {
                watch.onMessage(ws, bytes);
            }

            @Override
            public void onMessage(WebSocket ws, byte[] bytes) {
                watch.onMessage(ws, bytes);
            }

            @Override
            public void onPing(WebSocket ws, byte[] bytes) {
                watch.onPing(ws, bytes);
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                watch.onClosing(ws, code, reason);
            }

            @Override
            public void onClosed(WebSocket ws, int code, String reason) {
                offTheEventLoop(() -> watch.onClosed(ws, code, reason));
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response response) {
                offTheEventLoop(() -> watch.onFailure(ws, t, response));
            }
        };
    }

    private void offTheEventLoop(Runnable end) {
        try {
            events.execute(end);
        } catch (RejectedExecutionException e) {
            // the cluster is closing: nothing else waits for this event loop
            end.run();
        }
    }

    private MockResponse handle(RecordedRequest request, String method, String path, boolean write, boolean internal) {
        ExecHandler exec = execHandler;
        if (exec != null && path.endsWith("/exec")) {
            Optional<MockResponse> answer = ExecWebSocket.intercept(request, exec);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        if (method.equals("GET")) {
            Optional<ApiDiscovery.Answer> answer = discovery.answer(path, path.equals("/apis") ? customGroups() : Map.of());
            if (answer.isPresent()) {
                ApiDiscovery.Answer a = answer.get();
                return new MockResponse().setResponseCode(a.code()).setHeader("Content-Type", a.contentType()).setBody(a.body());
            }
        }
        MockResponse r;
        KubeChange target = KubeChange.of(method, path, 0, internal);
        boolean objectWrite = target.resource() != null && (method.equals("POST")
                || ((method.equals("PUT") || method.equals("PATCH")) && target.name() != null
                && (target.subresource() == null || target.subresource().equals("status"))));
        if (objectWrite) {
            writeLock.lock();
            try {
                r = switch (method) {
                    case "POST" -> create(request, path, target);
                    case "PUT" -> replace(request, path, target);
                    default -> patch(request, path, target);
                };
            } finally {
                writeLock.unlock();
            }
        } else if (write) {
            writeLock.lock();
            try {
                r = crud.dispatch(request);
            } finally {
                writeLock.unlock();
            }
        } else {
            r = crud.dispatch(request);
            if (r.getWebSocketListener() != null) {
                r.withWebSocketUpgrade(closedOffTheEventLoop(r.getWebSocketListener()));
            } else if (method.equals("GET") && target.name() == null && target.resource() != null && r.code() == 200) {
                r = typedList(r, target);
            }
        }
        if (r.code() >= 400 && (r.getBody() == null || r.getBody().size() == 0)) {
            r = statusFor(r.code(), path);
        }
        if (r.getBody() != null && r.getBody().size() > 0 && r.header("Content-Type") == null) {
            r.setHeader("Content-Type", "application/json");
        }
        if (write && r.code() >= 200 && r.code() < 300 && !listeners.isEmpty()) {
            KubeChange parsed = KubeChange.of(method, path, r.code(), internal);
            if (parsed.name() == null && method.equals("POST") && r.getBody() != null) {
                try {
                    String created = json.readTree(r.getBody().getBytes()).path("metadata").path("name").asString(null);
                    parsed = new KubeChange(method, path + (created == null ? "" : "/" + created), r.code(), internal, parsed.group(),
                            parsed.version(), parsed.namespace(), parsed.resource(), created, null);
                } catch (JacksonException e) {
                    // keep the collection path
                }
            }
            KubeChange change = parsed;
            events.execute(() -> {
                for (Consumer<KubeChange> l : listeners) {
                    try {
                        l.accept(change);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: change listener failed on {} {}: {}", cluster, method, path, e.toString());
                    }
                }
            });
        }
        return r;
    }

    // --- writes: what a real API server does around the CRUD store --------------------------------------------------

    /**
     * POST: stringData merged into data, the kind's defaults, a cluster IP and node ports for a Service, a managedFields
     * entry; then the CRUD store (uid, resourceVersion, creationTimestamp, generation 1). A POST to a subresource
     * (eviction, binding, token) goes to the store as it is.
     */
    private MockResponse create(RecordedRequest request, String path, KubeChange target) {
        if (target.name() != null) {
            return crud.dispatch(request);
        }
        Optional<ObjectNode> body = readObject(request);
        if (body.isEmpty()) {
            return isProtobuf(request) ? unsupportedProtobuf() : crud.dispatch(request);
        }
        ObjectNode o = body.get();
        JsonNode written = o.deepCopy();
        completeTypeMeta(o, target);
        serverSide(o, null);
        ServerFields.managedFields(o, written, null, manager(request), null, Instant.now());
        MockResponse r = crud.dispatch(withBody(request, HttpMethod.POST, request.getPath(), o));
        if (r.code() == 409) {
            String name = o.path("metadata").path("name").asString("");
            return status(409, "AlreadyExists", qualified(target) + " \"" + name + "\" already exists",
                    Map.of("name", name, "group", target.group(), "kind", target.resource()));
        }
        return r;
    }

    /** PUT of an object or its status: like POST, keeping what the server allocated and the other managers' fields. */
    private MockResponse replace(RecordedRequest request, String path, KubeChange target) {
        Optional<ObjectNode> body = readObject(request);
        if (body.isEmpty()) {
            return isProtobuf(request) ? unsupportedProtobuf() : crud.dispatch(request);
        }
        Optional<ObjectNode> current = stored(request, target);
        if (current.isEmpty()) {
            return statusFor(404, path);
        }
        return store(request, target, current.get(), body.get(), body.get().deepCopy());
    }

    /**
     * PATCH: the stored object patched (JSON patch, merge patch or strategic merge patch, see {@link Patches}) and
     * stored like a PUT with the stored resourceVersion (unless the patch names one: then a stale one gets 409).
     * Answered 200 with the stored object, like the API server.
     */
    private MockResponse patch(RecordedRequest request, String path, KubeChange target) {
        Optional<ObjectNode> current = stored(request, target);
        if (current.isEmpty()) {
            return statusFor(404, path);
        }
        JsonNode patch;
        try {
            patch = json.readTree(request.getBody().getBytes());
        } catch (JacksonException e) {
            return status(400, "BadRequest", "the patch is not valid JSON: " + e.getOriginalMessage(), null);
        }
        JsonNode patched;
        try {
            patched = Patches.apply(request.getHeader("Content-Type"), current.get(), patch);
        } catch (Patches.UnsupportedPatchException e) {
            return status(e.code(), e.code() == 415 ? "UnsupportedMediaType" : "Invalid", e.getMessage(), null);
        }
        if (!(patched instanceof ObjectNode p)) {
            return status(422, "Invalid", "the patched object is not a JSON object", null);
        }
        JsonNode written = patch instanceof ObjectNode ? patch : p;
        MockResponse r = store(request, target, current.get(), p, written);
        return r.code() == 201 ? r.setResponseCode(200) : r;
    }

    /** Stores {@code body} over {@code current} through the CRUD store's PUT of the object's own path. */
    private MockResponse store(RecordedRequest request, KubeChange target, ObjectNode current, ObjectNode body, JsonNode written) {
        boolean status = "status".equals(target.subresource());
        ObjectNode o;
        if (status) {
            // a status write changes the status only: the rest is the stored object's
            o = current.deepCopy();
            JsonNode st = body.get("status");
            if (st == null || st.isNull()) {
                o.remove("status");
            } else {
                o.set("status", st.deepCopy());
            }
            String rv = body.path("metadata").path("resourceVersion").asString(null);
            if (rv != null && !rv.isEmpty()) {
                ((ObjectNode) o.get("metadata")).put("resourceVersion", rv);
            }
        } else {
            o = body;
            completeTypeMeta(o, target);
            serverSide(o, current);
        }
        ServerFields.managedFields(o, written, current, manager(request), status ? "status" : null, Instant.now());
        // a custom resource's status goes to the store's own /status path: for a CRD with the status subresource the
        // store keeps the stored status on a PUT of the object path (as the API server ignores status there); on that
        // path the store takes the status only (not managedFields) and checks no resourceVersion, so the lab does
        boolean customStatus = status && ApiResources.byPlural(target.group(), target.version(), target.resource()).isEmpty();
        String rv = o.path("metadata").path("resourceVersion").asString("");
        boolean stale = customStatus && !rv.isEmpty() && !rv.equals(current.path("metadata").path("resourceVersion").asString(""));
        String objectPath = objectPath(request.getPath(), target) + (customStatus ? "/status" : "");
        MockResponse r = stale ? new MockResponse().setResponseCode(409) : crud.dispatch(withBody(request, HttpMethod.PUT, objectPath, o));
        if (r.code() == 409) {
            return status(409, "Conflict", "Operation cannot be fulfilled on " + qualified(target) + " \"" + target.name()
                    + "\": the object has been modified; please apply your changes to the latest version and try again",
                    Map.of("name", target.name(), "group", target.group(), "kind", target.resource()));
        }
        return r;
    }

    /** The defaults and the fields a real API server sets on a create or an update of the object itself. */
    private void serverSide(ObjectNode o, ObjectNode current) {
        String kind = o.path("kind").asString("");
        if (kind.equals("Secret") && o.get("stringData") instanceof ObjectNode sd) {
            // the API server merges stringData into data (base64) and never stores stringData
            ObjectNode data = o.get("data") instanceof ObjectNode d ? d : o.putObject("data");
            for (Map.Entry<String, JsonNode> e : sd.properties()) {
                data.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue().asString("").getBytes(StandardCharsets.UTF_8)));
            }
            o.remove("stringData");
        }
        if (kind.equals("Service") && o.get("spec") instanceof ObjectNode spec) {
            allocate(spec, current == null ? null : current.path("spec"));
        }
        ServerFields.defaults(o);
        if (current != null && o.get("metadata") instanceof ObjectNode meta) {
            // generation, uid, creationTimestamp are the store's; a client's managedFields are not taken over
            meta.remove("managedFields");
        }
    }

    /** Cluster IPs and node ports, kept on update (k8s.io/kubernetes/pkg/registry/core/service/storage patchAllocatedValues). */
    private void allocate(ObjectNode spec, JsonNode old) {
        String type = spec.path("type").asString("ClusterIP");
        if (old != null && !old.isMissingNode()) {
            if (spec.path("clusterIP").asString("").isEmpty() && old.hasNonNull("clusterIP")) {
                spec.set("clusterIP", old.get("clusterIP").deepCopy());
            }
            if (!spec.has("clusterIPs") && old.has("clusterIPs")) {
                spec.set("clusterIPs", old.get("clusterIPs").deepCopy());
            }
            if (spec.get("ports") instanceof ArrayNode ports && old.get("ports") instanceof ArrayNode oldPorts) {
                for (JsonNode p : ports) {
                    if (p instanceof ObjectNode po && !po.has("nodePort")) {
                        for (JsonNode op : oldPorts) {
                            if (op.path("port").equals(po.path("port")) && op.has("nodePort")
                                    && op.path("protocol").asString("TCP").equals(po.path("protocol").asString("TCP"))) {
                                po.set("nodePort", op.get("nodePort").deepCopy());
                            }
                        }
                    }
                }
            }
        }
        if (!type.equals("ExternalName")) {
            String ip = spec.path("clusterIP").asString("");
            if (ip.isEmpty()) {
                ip = serviceCidr.address(nextClusterIp.getAndIncrement());
                spec.put("clusterIP", ip);
            }
            if (!spec.has("clusterIPs") && !ip.equals("None")) {
                spec.putArray("clusterIPs").add(ip);
            } else if (!spec.has("clusterIPs")) {
                spec.putArray("clusterIPs").add("None");
            }
        }
        if ((type.equals("NodePort") || type.equals("LoadBalancer")) && spec.get("ports") instanceof ArrayNode ports) {
            for (JsonNode p : ports) {
                if (p instanceof ObjectNode po && !po.has("nodePort")) {
                    po.put("nodePort", nextNodePort.getAndIncrement());
                }
            }
        }
    }

    /** The API server fills apiVersion and kind from the URL when the body lacks them. */
    private static void completeTypeMeta(ObjectNode o, KubeChange target) {
        Optional<ApiResources.Resource> r = ApiResources.byPlural(target.group(), target.version(), target.resource());
        if (r.isPresent()) {
            if (!o.hasNonNull("apiVersion")) {
                o.put("apiVersion", r.get().apiVersion());
            }
            if (!o.hasNonNull("kind")) {
                o.put("kind", r.get().kind());
            }
        }
    }

    private Optional<ObjectNode> stored(RecordedRequest request, KubeChange target) {
        MockResponse r = crud.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, objectPath(request.getPath(), target),
                Headers.builder().build(), new Buffer()));
        if (r.code() != 200 || r.getBody() == null) {
            return Optional.empty();
        }
        try {
            return json.readTree(r.getBody().getBytes()) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    private Optional<ObjectNode> readObject(RecordedRequest request) {
        if (request.getBody() == null || request.getBody().size() == 0) {
            return Optional.empty();
        }
        if (isProtobuf(request)) {
            return KubeProtobuf.toJson(request.getBody().getBytes());
        }
        try {
            return json.readTree(request.getBody().getBytes()) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    private static boolean isProtobuf(RecordedRequest request) {
        String type = request.getHeader("Content-Type");
        return type != null && type.startsWith(KubeProtobuf.CONTENT_TYPE);
    }

    private MockResponse unsupportedProtobuf() {
        return status(415, "UnsupportedMediaType", "the clustermesh lab reads protobuf request bodies of Secrets and ConfigMaps only; "
                + "send JSON (application/json)", null);
    }

    /** The object's own path (without subresource and query): where the CRUD store keeps it. */
    private static String objectPath(String fullPath, KubeChange target) {
        int q = fullPath.indexOf('?');
        String path = q < 0 ? fullPath : fullPath.substring(0, q);
        if (target.subresource() != null) {
            path = path.substring(0, path.length() - target.subresource().length() - 1);
        }
        return path;
    }

    private static RecordedRequest withBody(RecordedRequest request, HttpMethod method, String path, ObjectNode body) {
        Headers headers = request.getHeaders().newBuilder().set("Content-Type", "application/json").build();
        return new RecordedRequest(request.getHttpVersion(), method, path, headers, new Buffer(JSON_WRITER.writeValueAsBytes(body)));
    }

    /** The field manager: the {@code fieldManager} parameter, else the user agent's program name, as the API server takes it. */
    private static String manager(RecordedRequest request) {
        String p = request.getPath() == null ? "" : request.getPath();
        Matcher m = FIELD_MANAGER.matcher(p);
        if (m.find()) {
            return java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        }
        String ua = request.getHeader("User-Agent");
        if (ua == null || ua.isBlank()) {
            return "unknown";
        }
        String first = ua.split("[/ ]")[0];
        return first.isEmpty() ? "unknown" : first;
    }

    private static String qualified(KubeChange target) {
        return target.group() == null || target.group().isEmpty() ? target.resource() : target.resource() + "." + target.group();
    }

    /**
     * A list answered like the API server: {@code kind: <Kind>List} of the resource's group version (the CRUD store
     * answers {@code kind: List}, which typed client-go clients do not take for a {@code SecretList}).
     */
    private MockResponse typedList(MockResponse r, KubeChange target) {
        Optional<ApiResources.Resource> resource = ApiResources.byPlural(target.group(), target.version(), target.resource());
        if (resource.isEmpty() || r.getBody() == null || r.getBody().size() == 0) {
            return r;
        }
        try {
            if (json.readTree(r.getBody().getBytes()) instanceof ObjectNode list && list.has("items")) {
                list.put("apiVersion", resource.get().apiVersion());
                list.put("kind", resource.get().kind() + "List");
                return r.setBody(JSON_WRITER.writeValueAsBytes(list));
            }
        } catch (JacksonException e) {
            // leave the store's answer
        }
        return r;
    }

    /** The custom resources' group versions the CRUD store serves (from its own {@code /apis} answer). */
    private Map<String, List<String>> customGroups() {
        MockResponse r = crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, "/apis", Headers.builder().build(), new Buffer()));
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        if (r.code() != 200 || r.getBody() == null || r.getBody().size() == 0) {
            return out;
        }
        try {
            JsonNode groups = json.readTree(r.getBody().getBytes()).path("groups");
            for (JsonNode g : groups) {
                List<String> versions = new java.util.ArrayList<>();
                g.path("versions").forEach(v -> versions.add(v.path("version").asString("")));
                if (!g.path("name").asString("").isEmpty()) {
                    out.put(g.path("name").asString(), versions);
                }
            }
        } catch (JacksonException e) {
            // no custom groups
        }
        return out;
    }

    private MockResponse delayed(MockResponse r) {
        if (r.getBody() != null && r.getBody().size() > 0 && r.header("Content-Type") == null) {
            r.setHeader("Content-Type", "application/json");
        }
        Duration d = injector.latency();
        if (!d.isZero() && r.getBody() != null && r.getBody().size() > 0) {
            r.setBodyDelay(d);
        }
        return r;
    }

    private MockResponse faultResponse(Fault f, String path) {
        return switch (f.kind()) {
            case THROTTLE -> delayed(status(429, "TooManyRequests", "Too many requests, please try again later.",
                    Map.of("retryAfterSeconds", f.retryAfterSeconds()))).setHeader("Retry-After", String.valueOf(f.retryAfterSeconds()));
            case SERVER_ERROR -> delayed(status(500, "InternalError", "Internal error occurred: injected by the clustermesh lab", null));
            case CONFLICT -> {
                Matcher m = OBJECT.matcher(path);
                String what = m.matches() ? m.group(1) + " \"" + m.group(2) + "\"" : path;
                yield delayed(status(409, "Conflict", "Operation cannot be fulfilled on " + what
                        + ": the object has been modified; please apply your changes to the latest version and try again", null));
            }
            case CONNECTION_RESET -> delayed(new MockResponse().setResponseCode(LabProxy.RESET_STATUS).setBody("{}"));
            case HANG -> new MockResponse().setResponseCode(200).setBody("{}").setBodyDelay(FOREVER);
        };
    }

    /** The CRUD store answers some errors without a body; the real API server always sends a Status. */
    private MockResponse statusFor(int code, String path) {
        Matcher m = OBJECT.matcher(path);
        String resource = m.matches() ? m.group(1) : null;
        String name = m.matches() ? m.group(2) : null;
        return switch (code) {
            case 404 -> status(404, "NotFound", resource != null ? resource + " \"" + name + "\" not found" : "the server could not find the requested resource",
                    resource != null ? Map.of("name", name, "kind", resource) : null);
            case 409 -> status(409, "Conflict", "Operation cannot be fulfilled on " + (resource != null ? resource + " \"" + name + "\"" : path)
                    + ": the object has been modified; please apply your changes to the latest version and try again", null);
            case 400 -> status(400, "BadRequest", "the request is invalid", null);
            case 405 -> status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
            case 422 -> status(422, "Invalid", "the object is invalid", null);
            default -> status(code, code >= 500 ? "InternalError" : "BadRequest", "HTTP " + code, null);
        };
    }

    private MockResponse status(int code, String reason, String message, Map<String, Object> details) {
        ObjectNode s = json.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", message);
        s.put("reason", reason);
        if (details != null) {
            ObjectNode d = s.putObject("details");
            details.forEach((k, v) -> d.set(k, json.valueToTree(v)));
        }
        s.put("code", code);
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(json.writeValueAsString(s));
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }

    @Override
    public void releaseResources() {
        crud.releaseResources();
    }

    @Override
    public void reset() {
        crud.reset();
    }

    @Override
    public void expectCustomResource(CustomResourceDefinitionContext rdc) {
        crud.expectCustomResource(rdc);
    }
}
