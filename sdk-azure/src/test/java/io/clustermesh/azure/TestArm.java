package io.clustermesh.azure;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.matching.UrlPathPattern;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.clustermesh.azure.internal.ArmJson;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.request;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * A small stateful fake of Azure Resource Manager on WireMock (loopback only), for the SDK's own tests until the lab's
 * FakeArm is available: PUT stores (long-running, with {@code Azure-AsyncOperation} and {@code Retry-After}), GET
 * returns, VNet subnets are child resources, hub connections can be listed, {@code listClusterUserCredential} returns
 * a kubeconfig per cluster. Faults are WireMock stubs of higher priority, in sequences ({@link #sequence}).
 */
final class TestArm implements AutoCloseable {
    static final String SUB = "00000000-0000-0000-0000-000000000000";

    final WireMockServer wm;
    private final Map<String, Map<String, Object>> store = new ConcurrentHashMap<>();
    private final Map<String, String> kubeconfigs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> operations = new ConcurrentHashMap<>();
    /** Polls of an operation answered InProgress before it succeeds. */
    volatile int inProgressPolls = 1;
    /** Retry-After (seconds) on LRO responses and polls. */
    volatile int retryAfterSeconds = 0;
    /** Whether GET hides networkProfile.kubeProxyConfig (AKS's unreliable read-back). */
    volatile boolean hideKubeProxyConfig;

    TestArm() {
        this(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    }

    TestArm(WireMockConfiguration options) {
        wm = new WireMockServer(options.extensions(new Transformer()));
        wm.start();
        wm.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withTransformers("arm")));
    }

    String url() {
        return "http://127.0.0.1:" + wm.port();
    }

    @Override
    public void close() {
        wm.stop();
    }

    // ---------------------------------------------------------------------------------------------------- state

    static String key(String id) {
        String s = id.trim();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** Stores a resource as given (a deep copy); returns it. */
    Map<String, Object> put(String id, Map<String, Object> body) {
        Map<String, Object> copy = ArmJson.parse(ArmJson.write(body));
        copy.putIfAbsent("id", id);
        copy.putIfAbsent("name", id.substring(id.lastIndexOf('/') + 1));
        store.put(key(id), copy);
        return copy;
    }

    /** Changes a stored resource in place. */
    void edit(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> r = store.get(key(id));
        if (r == null) {
            throw new IllegalStateException("no resource " + id);
        }
        change.accept(r);
    }

    Map<String, Object> get(String id) {
        Map<String, Object> r = store.get(key(id));
        return r == null ? null : render(id, r);
    }

    void remove(String id) {
        store.remove(key(id));
    }

    void kubeconfig(String clusterId, String content) {
        kubeconfigs.put(key(clusterId), content);
    }

    // ---------------------------------------------------------------------------------------------------- counters

    List<LoggedRequest> requests() {
        List<LoggedRequest> out = new ArrayList<>();
        for (ServeEvent e : wm.getAllServeEvents()) {
            out.add(e.getRequest());
        }
        java.util.Collections.reverse(out); // WireMock lists newest first
        return out;
    }

    long count(String method) {
        return requests().stream().filter(r -> r.getMethod().getName().equals(method)).count();
    }

    long count(String method, String pathRegex) {
        return requests().stream().filter(r -> r.getMethod().getName().equals(method) && path(r.getUrl()).matches(pathRegex)).count();
    }

    long writes() {
        return count("PUT") + count("PATCH") + count("DELETE");
    }

    void resetRequests() {
        wm.resetRequests();
    }

    /** Answers the next requests matching method and path with the given responses, in order; then normal again. */
    void sequence(String method, String pathRegex, ResponseDefinitionBuilder... responses) {
        String scenario = "seq-" + UUID.randomUUID();
        UrlPathPattern url = urlPathMatching(pathRegex);
        for (int i = 0; i < responses.length; i++) {
            wm.stubFor(request(method, url).atPriority(1).inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "s" + i).willReturn(responses[i]).willSetStateTo("s" + (i + 1)));
        }
    }

    /** Answers every matching request with the response (until removed). */
    void always(String method, String pathRegex, ResponseDefinitionBuilder response) {
        wm.stubFor(request(method, urlPathMatching(pathRegex)).atPriority(1).willReturn(response));
    }

    static ResponseDefinitionBuilder error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(ArmJson.write(Map.of("error", Map.of("code", code, "message", message))));
    }

    static ResponseDefinitionBuilder authorizationFailed(String action, String scope) {
        return error(403, "AuthorizationFailed", "The client 'ci@example.com' with object id '11111111-1111-1111-1111-111111111111' does not have authorization to perform action '"
                + action + "' over scope '" + scope + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
    }

    static String path(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    static String query(String url, String name) {
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String kv : url.substring(q + 1).split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                return kv.substring(eq + 1);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------- behaviour

    private Map<String, Object> render(String id, Map<String, Object> stored) {
        Map<String, Object> out = ArmJson.parse(ArmJson.write(stored));
        String k = key(id);
        if (k.matches(".*/providers/microsoft.network/virtualnetworks/[^/]+")) {
            List<Object> subnets = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> e : new java.util.TreeMap<>(store).entrySet()) {
                if (e.getKey().startsWith(k + "/subnets/") && e.getKey().indexOf('/', (k + "/subnets/").length()) < 0) {
                    subnets.add(ArmJson.parse(ArmJson.write(e.getValue())));
                }
            }
            ArmJson.ensure(out, "properties").put("subnets", subnets);
        }
        if (hideKubeProxyConfig && k.contains("/managedclusters/")) {
            Map<String, Object> np = ArmJson.object(out, "properties.networkProfile");
            if (np != null) {
                np.remove("kubeProxyConfig");
            }
        }
        return out;
    }

    private synchronized ResponseDefinition handle(LoggedRequest req) {
        String url = req.getUrl();
        String path = path(url);
        String k = key(path);
        String method = req.getMethod().getName();
        if (k.startsWith("/operations/")) {
            AtomicInteger polls = operations.computeIfAbsent(k, x -> new AtomicInteger());
            boolean done = polls.incrementAndGet() > inProgressPolls;
            return json(200, Map.of("status", done ? "Succeeded" : "InProgress"), true);
        }
        if (method.equals("POST") && k.endsWith("/listclusterusercredential")) {
            String cluster = k.substring(0, k.length() - "/listclusterusercredential".length());
            if (!store.containsKey(cluster)) {
                return notFound(path);
            }
            String kc = kubeconfigs.getOrDefault(cluster, staticKubeconfig(cluster));
            String value = Base64.getEncoder().encodeToString(kc.getBytes(StandardCharsets.UTF_8));
            return json(200, Map.of("kubeconfigs", List.of(Map.of("name", "clusterUser", "value", value))), false);
        }
        if (method.equals("GET") && k.endsWith("/hubvirtualnetworkconnections")) {
            List<Object> value = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> e : new java.util.TreeMap<>(store).entrySet()) {
                if (e.getKey().startsWith(k + "/")) {
                    value.add(render(e.getKey(), e.getValue()));
                }
            }
            return json(200, Map.of("value", value), false);
        }
        switch (method) {
            case "GET":
            case "HEAD": {
                Map<String, Object> r = store.get(k);
                if (r == null) {
                    return notFound(path);
                }
                return method.equals("HEAD") ? ResponseDefinitionBuilder.responseDefinition().withStatus(204).build()
                        : json(200, render(path, r), false);
            }
            case "PUT":
                String abs = req.getAbsoluteUrl();
                String base = abs.substring(0, abs.indexOf(url) < 0 ? abs.length() : abs.indexOf(url));
                return putResource(base, path, k, req.getBodyAsString(), query(url, "api-version"));
            case "DELETE":
                store.remove(k);
                return ResponseDefinitionBuilder.responseDefinition().withStatus(200).build();
            default:
                return json(405, Map.of("error", Map.of("code", "MethodNotAllowed", "message", method)), false);
        }
    }

    private ResponseDefinition putResource(String base, String path, String k, String body, String apiVersion) {
        Map<String, Object> in = ArmJson.parse(body);
        boolean existed = store.containsKey(k);
        Map<String, Object> r = new LinkedHashMap<>(in);
        r.put("id", path);
        r.put("name", path.substring(path.lastIndexOf('/') + 1));
        boolean resourceGroup = k.matches("/subscriptions/[^/]+/resourcegroups/[^/]+");
        Map<String, Object> props = ArmJson.ensure(r, "properties");
        props.put("provisioningState", "Succeeded");
        if (k.contains("/providers/microsoft.network/virtualnetworks/") && !k.contains("/subnets/")) {
            Object subnets = props.remove("subnets");
            if (subnets instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> m) {
                        @SuppressWarnings("unchecked") Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) m);
                        String sid = path + "/subnets/" + s.get("name");
                        s.put("id", sid);
                        ArmJson.ensure(s, "properties").put("provisioningState", "Succeeded");
                        store.put(key(sid), s);
                    }
                }
            }
        }
        if (k.contains("/providers/microsoft.containerservice/managedclusters/")) {
            String name = (String) r.get("name");
            String location = String.valueOf(r.getOrDefault("location", "eastus"));
            String rg = path.split("/")[4];
            props.putIfAbsent("fqdn", props.getOrDefault("dnsPrefix", name) + "-" + Integer.toHexString(Math.abs(k.hashCode()) % 0xffff)
                    + ".hcp." + location + ".azmk8s.io");
            props.putIfAbsent("nodeResourceGroup", "MC_" + rg + "_" + name + "_" + location);
            Map<String, Object> identity = ArmJson.ensure(r, "identity");
            identity.putIfAbsent("principalId", UUID.nameUUIDFromBytes(k.getBytes(StandardCharsets.UTF_8)).toString());
            if (apiVersion == null || !apiVersion.endsWith("-preview")) {
                Map<String, Object> stored = store.get(k);
                Object kp = stored == null ? null : ArmJson.at(stored, "properties.networkProfile.kubeProxyConfig");
                if (kp != null) {
                    ArmJson.ensure(r, "properties.networkProfile").put("kubeProxyConfig", kp);
                }
            }
        }
        store.put(k, r);
        if (resourceGroup) {
            return json(existed ? 200 : 201, r, false);
        }
        Map<String, Object> answer = ArmJson.parse(ArmJson.write(render(path, r)));
        ArmJson.ensure(answer, "properties").put("provisioningState", existed ? "Updating" : "Creating");
        String op = "/operations/" + UUID.randomUUID();
        return ResponseDefinitionBuilder.responseDefinition().withStatus(existed ? 200 : 201)
                .withHeader("Content-Type", "application/json")
                .withHeader("Azure-AsyncOperation", base + op)
                .withHeader("Retry-After", String.valueOf(retryAfterSeconds))
                .withBody(ArmJson.write(answer)).build();
    }

    private ResponseDefinition json(int status, Object body, boolean retryAfter) {
        ResponseDefinitionBuilder b = ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(ArmJson.write(body));
        if (retryAfter) {
            b = b.withHeader("Retry-After", String.valueOf(retryAfterSeconds));
        }
        return b.build();
    }

    private static ResponseDefinition notFound(String path) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(404).withHeader("Content-Type", "application/json")
                .withBody(ArmJson.write(Map.of("error", Map.of("code", "ResourceNotFound",
                        "message", "The Resource '" + path + "' was not found.")))).build();
    }

    /** A static-token kubeconfig whose token is a sentinel the log scan looks for. */
    static String staticKubeconfig(String clusterKey) {
        String name = clusterKey.substring(clusterKey.lastIndexOf('/') + 1);
        return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: U0VOVElORUwtQ0EtREFUQQ==\n"
                + "    server: https://" + name + ".hcp.eastus.azmk8s.io:443\n  name: " + name + "\n"
                + "contexts:\n- context:\n    cluster: " + name + "\n    user: clusterUser_" + name + "\n  name: " + name + "\n"
                + "current-context: " + name + "\nusers:\n- name: clusterUser_" + name + "\n  user:\n    token: " + SECRET_TOKEN + "\n";
    }

    /** Appears only in kubeconfig content; must never show up in logs, findings, notes or messages. */
    static final String SECRET_TOKEN = "SENTINEL-kubeconfig-token-7f3a9c";

    private final class Transformer implements ResponseDefinitionTransformerV2 {
        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            return handle(serveEvent.getRequest());
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return "arm";
        }
    }
}
