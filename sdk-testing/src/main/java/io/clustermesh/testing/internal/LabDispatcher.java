package io.clustermesh.testing.internal;

import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.Fault;
import io.clustermesh.testing.ExecHandler;
import io.clustermesh.testing.KubeChange;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's hook into fabric8's mock API server: a {@link Dispatcher} wrapped around the CRUD
 * {@link KubernetesMixedDispatcher}. Per request it checks the bearer token, counts, decides faults, makes the
 * CRUD store behave more like a real API server (secret {@code stringData}, cluster IPs, node ports) and delays the
 * answer. Requests carrying the {@link #INTERNAL_HEADER} (the lab's own client) skip token, counting, faults and
 * latency.
 *
 * <p>Runs on Vert.x event-loop threads: it never blocks. Latency and hangs use the mock's body delay (a Vert.x
 * timer); connection resets are answered with {@link LabProxy#RESET_STATUS}, which the {@link LabProxy} turns into
 * a TCP RST.
 */
public final class LabDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
    private static final Logger LOG = LoggerFactory.getLogger(LabDispatcher.class);
    public static final String INTERNAL_HEADER = "X-Clustermesh-Lab-Internal";
    private static final Duration FOREVER = Duration.ofDays(1);
    private static final Pattern SECRET = Pattern.compile("/api/v1/namespaces/[^/]+/secrets(/[^/]+)?");
    private static final Pattern SERVICE = Pattern.compile("/api/v1/namespaces/[^/]+/services(/[^/]+)?");
    private static final Pattern OBJECT = Pattern.compile("/apis?/(?:[^/]+/)?[^/]+/(?:namespaces/[^/]+/)?([^/]+)/([^/]+)(?:/[^/]+)?");

    private final String cluster;
    private final KubernetesMixedDispatcher crud;
    private final RequestCounter counter;
    private final FaultInjector injector;
    private final String token;
    private final String internalToken;
    private final IpCidr serviceCidr;
    private final AtomicLong nextClusterIp = new AtomicLong(11);
    private final AtomicLong nextNodePort = new AtomicLong(30000);
    private final JsonMapper json = JsonMapper.builder().build();
    private final List<Consumer<KubeChange>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;

    public LabDispatcher(String cluster, Map<ServerRequest, Queue<ServerResponse>> responses, RequestCounter counter,
                         FaultInjector injector, String token, String internalToken, String serviceCidr, ExecutorService events) {
        this.cluster = cluster;
        this.crud = new KubernetesMixedDispatcher(responses);
        this.counter = counter;
        this.injector = injector;
        this.token = token;
        this.internalToken = internalToken;
        this.serviceCidr = IpCidr.parse(serviceCidr);
        this.events = events;
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
        if (auth == null || !auth.equals("Bearer " + token)) {
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
        return r.getWebSocketListener() != null ? r : delayed(r);
    }

    private MockResponse handle(RecordedRequest request, String method, String path, boolean write, boolean internal) {
        ExecHandler exec = execHandler;
        if (exec != null && path.endsWith("/exec")) {
            Optional<MockResponse> answer = ExecWebSocket.intercept(request, exec);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        RecordedRequest effective = request;
        if ((method.equals("POST") || method.equals("PUT")) && request.getBody() != null && request.getBody().size() > 0) {
            effective = normalize(request, method, path);
        }
        MockResponse r = crud.dispatch(effective);
        if (r.code() >= 400 && (r.getBody() == null || r.getBody().size() == 0)) {
            r = statusFor(r.code(), path);
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

    /** What a real API server does and the CRUD store does not. */
    private RecordedRequest normalize(RecordedRequest request, String method, String path) {
        boolean secret = SECRET.matcher(path).matches();
        boolean service = method.equals("POST") && SERVICE.matcher(path).matches();
        if (!secret && !service) {
            return request;
        }
        JsonNode body;
        try {
            body = json.readTree(request.getBody().getBytes());
        } catch (JacksonException e) {
            return request;
        }
        if (!(body instanceof ObjectNode o)) {
            return request;
        }
        boolean changed = false;
        if (secret && o.get("stringData") instanceof ObjectNode sd) {
            // the API server merges stringData into data (base64) and never stores stringData
            ObjectNode data = o.get("data") instanceof ObjectNode d ? d : o.putObject("data");
            for (Map.Entry<String, JsonNode> e : sd.properties()) {
                data.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue().asString("").getBytes(StandardCharsets.UTF_8)));
            }
            o.remove("stringData");
            changed = true;
        }
        if (service && o.get("spec") instanceof ObjectNode spec) {
            String type = spec.path("type").asString("ClusterIP");
            if (!type.equals("ExternalName")) {
                String ip = spec.path("clusterIP").asString("");
                if (ip.isEmpty()) {
                    ip = serviceCidr.address(nextClusterIp.getAndIncrement());
                    spec.put("clusterIP", ip);
                    changed = true;
                }
                if (!spec.has("clusterIPs") && !ip.equals("None")) {
                    spec.putArray("clusterIPs").add(ip);
                    changed = true;
                }
            }
            if ((type.equals("NodePort") || type.equals("LoadBalancer")) && spec.get("ports") instanceof ArrayNode ports) {
                for (JsonNode p : ports) {
                    if (p instanceof ObjectNode po && !po.has("nodePort")) {
                        po.put("nodePort", nextNodePort.getAndIncrement());
                        changed = true;
                    }
                }
            }
            if (!spec.has("type")) {
                spec.put("type", "ClusterIP");
                changed = true;
            }
        }
        if (!changed) {
            return request;
        }
        byte[] bytes = json.writeValueAsBytes(o);
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders(), new Buffer(bytes));
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
