package io.clustermesh.testing.internal;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the lab's API server answers on its non-resource paths, in the JSON shapes of a Kubernetes 1.30 API server:
 * {@code /version} (k8s.io/apimachinery/pkg/version {@code Info}), legacy discovery ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<group>[/<version>]}: {@code APIVersions}, {@code APIGroupList}, {@code APIGroup},
 * {@code APIResourceList}), the OpenAPI v3 index and per-group-version documents, and the health endpoints.
 *
 * <p>Aggregated discovery ({@code Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList}) is not
 * served: the answers are always {@code Content-Type: application/json}, which client-go
 * (k8s.io/client-go/discovery/discovery_client.go) reads as the legacy {@code APIGroupList} and then fetches each
 * group version, as it does with API servers before 1.26.
 *
 * <p>OpenAPI: the v3 documents hold, for every built-in resource, the real paths with their {@code patch} operation,
 * its {@code x-kubernetes-group-version-kind} and the query parameters the API server accepts (among them
 * {@code fieldValidation}), and no schemas. That is what kubectl's and Helm's client-side validation asks first
 * (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go): an API server that takes {@code fieldValidation} is
 * trusted to validate fields itself, so client-go skips its own schema validation (k8s.io/kubectl/pkg/validation
 * {@code paramVerifyingSchema}). OpenAPI v2 ({@code /openapi/v2}, protobuf) answers 404.
 */
public final class ApiDiscovery {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The query parameters of a PATCH of a Kubernetes 1.30 API server. */
    private static final List<String> PATCH_PARAMETERS = List.of("dryRun", "fieldManager", "fieldValidation", "force", "pretty");

    private final String gitVersion;
    private final String serverAddress;

    /**
     * @param kubernetesVersion e.g. {@code 1.30.6}
     * @param serverAddress     {@code host:port} clients are told in {@code serverAddressByClientCIDRs}
     */
    public ApiDiscovery(String kubernetesVersion, String serverAddress) {
        this.gitVersion = "v" + kubernetesVersion;
        this.serverAddress = serverAddress;
    }

    /** The answer's status code and JSON body, or empty when the path is not one of these. */
    public record Answer(int code, String contentType, String body) {
    }

    /**
     * @param path          request path without query
     * @param customGroups  group versions the CRUD store serves for custom resources ({@code group -> versions})
     */
    public Optional<Answer> answer(String path, Map<String, List<String>> customGroups) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        switch (p) {
            case "/version":
                return json(version());
            case "/api":
                return json(apiVersions());
            case "/apis":
                return json(groupList(customGroups));
            case "/openapi/v3":
                return json(openApiIndex());
            case "/healthz", "/livez", "/readyz":
                return Optional.of(new Answer(200, "text/plain; charset=utf-8", "ok"));
            case "/openapi/v2", "/swagger-2.0.0.pb-v1", "/swagger.json":
                return Optional.of(new Answer(404, "application/json", notFound()));
            default:
                break;
        }
        if (p.equals("/api/v1")) {
            return json(resourceList("", "v1"));
        }
        String[] s = p.substring(1).split("/");
        if (s[0].equals("apis") && (s.length == 2 || s.length == 3)) {
            Map<String, List<String>> builtIn = ApiResources.groupVersions();
            if (!builtIn.containsKey(s[1])) {
                return Optional.empty();
            }
            if (s.length == 2) {
                return json(group(s[1], builtIn.get(s[1])));
            }
            return builtIn.get(s[1]).contains(s[2]) ? json(resourceList(s[1], s[2])) : Optional.empty();
        }
        if (p.startsWith("/openapi/v3/")) {
            String gv = p.substring("/openapi/v3/".length());
            return openApiDocument(gv).map(d -> new Answer(200, "application/json", write(d)));
        }
        return Optional.empty();
    }

    private static Optional<Answer> json(JsonNode body) {
        return Optional.of(new Answer(200, "application/json", write(body)));
    }

    private static String write(JsonNode n) {
        return JSON.writeValueAsString(n);
    }

    ObjectNode version() {
        String[] v = gitVersion.substring(1).split("\\.");
        ObjectNode o = JSON.createObjectNode();
        o.put("major", v[0]);
        o.put("minor", v[1]);
        o.put("gitVersion", gitVersion);
        o.put("gitCommit", "0000000000000000000000000000000000000000");
        o.put("gitTreeState", "clean");
        o.put("buildDate", "2024-11-12T00:00:00Z");
        o.put("goVersion", "go1.22.8");
        o.put("compiler", "gc");
        o.put("platform", "linux/amd64");
        return o;
    }

    private ObjectNode apiVersions() {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        ObjectNode addr = o.putArray("serverAddressByClientCIDRs").addObject();
        addr.put("clientCIDR", "0.0.0.0/0");
        addr.put("serverAddress", serverAddress);
        return o;
    }

    private ObjectNode groupList(Map<String, List<String>> customGroups) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "APIGroupList");
        o.put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        Set<String> seen = new LinkedHashSet<>();
        ApiResources.groupVersions().forEach((g, versions) -> {
            if (!g.isEmpty()) {
                seen.add(g);
                groups.add(group(g, versions));
            }
        });
        customGroups.forEach((g, versions) -> {
            if (!g.isEmpty() && seen.add(g) && !versions.isEmpty()) {
                groups.add(group(g, versions));
            }
        });
        return o;
    }

    private static ObjectNode group(String name, List<String> versions) {
        ObjectNode g = JSON.createObjectNode();
        g.put("kind", "APIGroup");
        g.put("apiVersion", "v1");
        g.put("name", name);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            ObjectNode gv = vs.addObject();
            gv.put("groupVersion", name + "/" + v);
            gv.put("version", v);
        }
        ObjectNode preferred = g.putObject("preferredVersion");
        preferred.put("groupVersion", name + "/" + versions.get(0));
        preferred.put("version", versions.get(0));
        return g;
    }

    private static ObjectNode resourceList(String group, String version) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode list = o.putArray("resources");
        for (ApiResources.Resource r : ApiResources.of(group, version)) {
            ObjectNode e = list.addObject();
            e.put("name", r.plural());
            e.put("singularName", ApiResources.singular(r));
            e.put("namespaced", r.namespaced());
            e.put("kind", r.kind());
            ArrayNode verbs = e.putArray("verbs");
            r.verbs().forEach(verbs::add);
            if (!r.shortNames().isEmpty()) {
                ArrayNode sn = e.putArray("shortNames");
                r.shortNames().forEach(sn::add);
            }
            e.put("storageVersionHash", hash(r.apiVersion() + "/" + r.kind()).substring(0, 11));
            for (String sub : r.subresources()) {
                ObjectNode se = list.addObject();
                se.put("name", r.plural() + "/" + sub);
                se.put("singularName", "");
                se.put("namespaced", r.namespaced());
                switch (sub) {
                    case "scale" -> {
                        se.put("group", "autoscaling");
                        se.put("version", "v1");
                        se.put("kind", "Scale");
                    }
                    case "eviction" -> {
                        se.put("group", "policy");
                        se.put("version", "v1");
                        se.put("kind", "Eviction");
                    }
                    case "token" -> {
                        se.put("group", "authentication.k8s.io");
                        se.put("version", "v1");
                        se.put("kind", "TokenRequest");
                    }
                    case "exec" -> se.put("kind", "PodExecOptions");
                    case "attach" -> se.put("kind", "PodAttachOptions");
                    case "portforward" -> se.put("kind", "PodPortForwardOptions");
                    case "proxy" -> se.put("kind", r.kind() + "ProxyOptions");
                    case "binding" -> se.put("kind", "Binding");
                    default -> se.put("kind", r.kind());
                }
                ArrayNode sv = se.putArray("verbs");
                ApiResources.subresourceVerbs(sub).forEach(sv::add);
            }
        }
        return o;
    }

    private ObjectNode openApiIndex() {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode paths = o.putObject("paths");
        for (Map.Entry<String, List<String>> e : ApiResources.groupVersions().entrySet()) {
            for (String v : e.getValue()) {
                String gv = e.getKey().isEmpty() ? "api/" + v : "apis/" + e.getKey() + "/" + v;
                String doc = write(openApiDocument(gv).orElseThrow());
                paths.putObject(gv).put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash(doc).toUpperCase(Locale.ROOT));
            }
        }
        return o;
    }

    /** The OpenAPI v3 document of one group version ({@code api/v1}, {@code apis/apps/v1}): paths and PATCH parameters only. */
    Optional<ObjectNode> openApiDocument(String gvPath) {
        String[] s = gvPath.split("/");
        String group;
        String version;
        if (s.length == 2 && s[0].equals("api")) {
            group = "";
            version = s[1];
        } else if (s.length == 3 && s[0].equals("apis")) {
            group = s[1];
            version = s[2];
        } else {
            return Optional.empty();
        }
        List<ApiResources.Resource> resources = ApiResources.of(group, version);
        if (resources.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("openapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Kubernetes");
        info.put("version", gitVersion);
        ObjectNode paths = doc.putObject("paths");
        for (ApiResources.Resource r : resources) {
            String item = r.collectionPath() + "/{name}";
            ObjectNode pathItem = paths.putObject(item);
            ObjectNode patch = pathItem.putObject("patch");
            patch.put("description", "partially update the specified " + r.kind());
            patch.put("operationId", "patch" + operationGroup(r) + (r.namespaced() ? "Namespaced" : "") + r.kind());
            patch.put("x-kubernetes-action", "patch");
            ObjectNode gvk = patch.putObject("x-kubernetes-group-version-kind");
            gvk.put("group", r.group());
            gvk.put("version", r.version());
            gvk.put("kind", r.kind());
            ArrayNode params = patch.putArray("parameters");
            for (String name : PATCH_PARAMETERS) {
                ObjectNode param = params.addObject();
                param.put("name", name);
                param.put("in", "query");
                param.putObject("schema").put("type", name.equals("force") ? "boolean" : "string");
            }
            ObjectNode content = patch.putObject("requestBody").putObject("content");
            for (String type : List.of("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
                    "application/strategic-merge-patch+json")) {
                content.putObject(type);
            }
            ArrayNode pathParams = pathItem.putArray("parameters");
            ObjectNode name = pathParams.addObject();
            name.put("name", "name");
            name.put("in", "path");
            name.put("required", true);
            name.putObject("schema").put("type", "string");
            if (r.namespaced()) {
                ObjectNode ns = pathParams.addObject();
                ns.put("name", "namespace");
                ns.put("in", "path");
                ns.put("required", true);
                ns.putObject("schema").put("type", "string");
            }
        }
        doc.putObject("components");
        return Optional.of(doc);
    }

    private static String operationGroup(ApiResources.Resource r) {
        String g = r.group().isEmpty() ? "Core" : r.group().replace(".k8s.io", "");
        StringBuilder b = new StringBuilder();
        for (String part : g.split("[.-]")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b + r.version().substring(0, 1).toUpperCase(Locale.ROOT) + r.version().substring(1);
    }

    private static String notFound() {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", "the server could not find the requested resource");
        s.put("reason", "NotFound");
        s.putObject("details");
        s.put("code", 404);
        return write(s);
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
