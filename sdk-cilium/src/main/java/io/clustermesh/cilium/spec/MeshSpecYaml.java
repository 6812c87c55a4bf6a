package io.clustermesh.cilium.spec;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the {@code kind: Mesh} spec file (DESIGN.md "The spec file") into the same {@link MeshSpec} the
 * builder makes. Unknown fields, wrong types and bad values are {@link Finding}s with their path, all at once —
 * never a stack trace.
 */
public final class MeshSpecYaml {
    public static final String API_VERSION = "clustermesh.io/v1alpha1";
    public static final String KIND = "Mesh";

    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(d|h|m|s)$");

    /** The outcome of reading: a spec when there were no errors, and every finding. */
    public record Result(MeshSpec spec, List<Finding> findings) {
        public Result {
            findings = List.copyOf(findings);
        }

        public boolean ok() {
            return spec != null && findings.stream().noneMatch(Finding::isError);
        }

        /** The spec, or a {@link MeshConfigurationException} with every finding. */
        public MeshSpec orThrow() {
            if (!ok()) {
                throw new MeshConfigurationException(findings);
            }
            return spec;
        }
    }

    private final List<Finding> findings = new ArrayList<>();
    private final Path baseDir;

    private MeshSpecYaml(Path baseDir) {
        this.baseDir = baseDir;
    }

    /** Reads a spec file; relative kubeconfig paths are resolved against the file's directory. */
    public static Result read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Result(null, List.of(Finding.error("SPEC_UNREADABLE", null, file.toString(),
                    "cannot read the spec file " + file + ": " + e.getClass().getSimpleName(),
                    "check the path and that the file is readable")));
        }
        Path dir = file.toAbsolutePath().getParent();
        return new MeshSpecYaml(dir).parseText(text);
    }

    /** Parses spec YAML. */
    public static Result parse(String yaml) {
        return new MeshSpecYaml(null).parseText(yaml);
    }

    private Result parseText(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return new Result(null, List.of(Finding.error("SPEC_SYNTAX", null, "", "the spec is not valid YAML" + where + ": "
                    + e.getOriginalMessage(), "fix the YAML syntax" + where)));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Result(null, List.of(Finding.error("SPEC_EMPTY", null, "", "the spec is empty",
                    "write a kind: Mesh document (see samples/specs/article.yaml)")));
        }
        MeshSpec spec = mesh(root);
        return new Result(findings.stream().anyMatch(Finding::isError) ? null : spec, findings);
    }

    // ---------------------------------------------------------------- reading

    private void unknown(JsonNode node, String path, Set<String> known) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (String f : node.propertyNames()) {
            if (!known.contains(f)) {
                String suggestion = known.stream().filter(k -> distance(k.toLowerCase(Locale.ROOT), f.toLowerCase(Locale.ROOT)) <= 2)
                        .findFirst().map(k -> "did you mean '" + k + "'? ").orElse("");
                findings.add(Finding.error("SPEC_UNKNOWN_FIELD", null, path + "." + f, "unknown field '" + f + "' at " + path,
                        suggestion + "remove it; allowed here: " + String.join(", ", known)));
            }
        }
    }

    /** Levenshtein distance, for "did you mean" hints. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private boolean object(JsonNode node, String path) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return false;
        }
        if (!node.isObject()) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, path, path + " must be a mapping, not " + describe(node),
                    "write " + path + " as key: value pairs"));
            return false;
        }
        return true;
    }

    private static String describe(JsonNode n) {
        if (n.isArray()) return "a list";
        if (n.isObject()) return "a mapping";
        if (n.isNumber()) return "the number " + n.asString();
        if (n.isBoolean()) return "the boolean " + n.asString();
        return "'" + n.asString() + "'";
    }

    private String string(JsonNode parent, String field, String path, String cluster) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject() || n.isArray()) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", cluster, path + "." + field, path + "." + field + " must be a string, not " + describe(n),
                    "write " + field + " as a single value"));
            return null;
        }
        return n.asString();
    }

    private Integer integer(JsonNode parent, String field, String path, String cluster) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return n.intValue();
        }
        if (n.isString() && n.asString().matches("^-?\\d{1,9}$")) {
            return Integer.parseInt(n.asString());
        }
        findings.add(Finding.error("SPEC_WRONG_TYPE", cluster, path + "." + field, path + "." + field + " must be a whole number, not " + describe(n),
                "write " + field + " as a number, e.g. " + field + ": 1"));
        return null;
    }

    private Boolean bool(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isString() && (n.asString().equals("true") || n.asString().equals("false"))) {
            return Boolean.parseBoolean(n.asString());
        }
        findings.add(Finding.error("SPEC_WRONG_TYPE", null, path + "." + field, path + "." + field + " must be true or false, not " + describe(n),
                "write " + field + ": true or " + field + ": false"));
        return null;
    }

    private <E> E choice(JsonNode parent, String field, String path, String cluster, Function<String, E> parse, String allowed) {
        String s = string(parent, field, path, cluster);
        if (s == null) {
            return null;
        }
        E v = parse.apply(s);
        if (v == null) {
            findings.add(Finding.error("SPEC_INVALID_VALUE", cluster, path + "." + field, path + "." + field + " is '" + s + "'",
                    "use one of: " + allowed));
        }
        return v;
    }

    private Duration duration(JsonNode parent, String field, String path) {
        String s = string(parent, field, path, null);
        if (s == null) {
            return null;
        }
        Matcher m = DURATION.matcher(s.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(s.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            findings.add(Finding.error("SPEC_INVALID_VALUE", null, path + "." + field, path + "." + field + " '" + s + "' is not a duration",
                    "write a duration like 1095d, 720h or P30D"));
            return null;
        }
    }

    private MeshSpec mesh(JsonNode root) {
        if (!object(root, "")) {
            return null;
        }
        unknown(root, "", Set.of("apiVersion", "kind", "metadata", "spec"));
        String apiVersion = string(root, "apiVersion", "", null);
        String kind = string(root, "kind", "", null);
        if (!KIND.equals(kind)) {
            findings.add(Finding.error("SPEC_KIND", null, "kind", "kind is " + (kind == null ? "missing" : "'" + kind + "'") + ", expected Mesh",
                    "start the file with apiVersion: " + API_VERSION + " and kind: Mesh"));
        }
        if (apiVersion != null && !API_VERSION.equals(apiVersion)) {
            findings.add(Finding.error("SPEC_API_VERSION", null, "apiVersion", "apiVersion '" + apiVersion + "' is not supported",
                    "use apiVersion: " + API_VERSION));
        }
        String name = MeshSpec.DEFAULT_NAME;
        JsonNode metadata = root.get("metadata");
        if (object(metadata, "metadata")) {
            unknown(metadata, "metadata", Set.of("name"));
            String n = string(metadata, "name", "metadata", null);
            if (n != null) name = n;
        }
        JsonNode spec = root.get("spec");
        if (!object(spec, "spec")) {
            if (spec == null) {
                findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec", "the spec has no 'spec' section",
                        "add spec: with clusters (see samples/specs/article.yaml)"));
            }
            return null;
        }
        unknown(spec, "spec", Set.of("cilium", "ca", "exposure", "azure", "clusters"));
        CiliumOptions cilium = cilium(spec.get("cilium"), "spec.cilium", CiliumOptions.defaults());
        CaStrategy ca = ca(spec.get("ca"));
        Exposure exposure = exposure(spec.get("exposure"));
        AzureSpec azure = azure(spec.get("azure"));
        List<MeshCluster> clusters = new ArrayList<>();
        JsonNode list = spec.get("clusters");
        if (list == null || list.isNull()) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec.clusters", "the spec lists no clusters",
                    "add spec.clusters with at least two clusters"));
        } else if (!list.isArray()) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, "spec.clusters", "spec.clusters must be a list, not " + describe(list),
                    "write each cluster as a list item starting with '- name:'"));
        } else {
            for (int i = 0; i < list.size(); i++) {
                MeshCluster c = cluster(list.get(i), "spec.clusters[" + i + "]", cilium);
                if (c != null) clusters.add(c);
            }
        }
        if (cilium == null || ca == null || exposure == null) {
            return null;
        }
        return new MeshSpec(name, cilium, ca, exposure, azure, clusters);
    }

    private CiliumOptions cilium(JsonNode n, String path, CiliumOptions base) {
        if (!object(n, path)) {
            return base;
        }
        unknown(n, path, Set.of("version", "kubeProxyReplacement", "hubble", "routingMode", "tunnelProtocol", "kvstoremesh",
                "encryption", "maxConnectedClusters", "certificateMethod", "certificateValidity", "renewBefore"));
        CiliumOptions o = base;
        String version = string(n, "version", path, null);
        if (version != null) o = o.withVersion(version);
        Boolean kpr = bool(n, "kubeProxyReplacement", path);
        if (kpr != null) o = o.kubeProxyReplacement(kpr);
        Boolean hubble = bool(n, "hubble", path);
        if (hubble != null) o = o.hubble(hubble);
        RoutingMode rm = choice(n, "routingMode", path, null, RoutingMode::fromValue, "tunnel, native");
        if (rm != null) o = o.routingMode(rm);
        TunnelProtocol tp = choice(n, "tunnelProtocol", path, null, TunnelProtocol::fromValue, "vxlan, geneve");
        if (tp != null) o = o.tunnelProtocol(tp);
        Boolean kvs = bool(n, "kvstoremesh", path);
        if (kvs != null) o = o.kvstoremesh(kvs);
        Encryption enc = choice(n, "encryption", path, null, Encryption::fromValue, "none, wireguard, ipsec");
        if (enc != null) o = o.encryption(enc);
        Integer max = integer(n, "maxConnectedClusters", path, null);
        if (max != null) o = o.maxConnectedClusters(max);
        CertificateMethod cm = choice(n, "certificateMethod", path, null, CertificateMethod::fromValue, "sdk, helm, cronJob, certmanager");
        if (cm != null) o = o.certificateMethod(cm);
        Duration validity = duration(n, "certificateValidity", path);
        Duration renew = duration(n, "renewBefore", path);
        if (validity != null || renew != null) {
            try {
                o = o.certificateValidity(validity != null ? validity : o.certificateValidity(), renew != null ? renew : o.renewBefore());
            } catch (IllegalArgumentException e) {
                findings.add(Finding.error("SPEC_INVALID_VALUE", null, path + ".certificateValidity", e.getMessage(),
                        "give a positive certificateValidity and a non-negative renewBefore"));
            }
        }
        return o;
    }

    private CaStrategy ca(JsonNode n) {
        String path = "spec.ca";
        if (!object(n, path)) {
            return CaStrategy.generate();
        }
        unknown(n, path, Set.of("strategy", "from", "validity", "replaceExisting"));
        String strategy = string(n, "strategy", path, null);
        String from = string(n, "from", path, null);
        Duration validity = duration(n, "validity", path);
        Boolean replace = bool(n, "replaceExisting", path);
        CaStrategy ca;
        if (strategy == null || strategy.equals("generate")) {
            if (from != null) {
                findings.add(Finding.error("SPEC_INVALID_VALUE", from, path + ".from", "spec.ca.from is only used with strategy: adopt",
                        "write strategy: adopt to take " + from + "'s CA, or remove from"));
                return null;
            }
            ca = CaStrategy.generate(validity != null ? validity : CaStrategy.DEFAULT_VALIDITY);
        } else if (strategy.equals("adopt")) {
            if (from == null) {
                findings.add(Finding.error("SPEC_MISSING_FIELD", null, path + ".from", "strategy adopt needs the cluster to adopt the CA from",
                        "add from: <cluster name> under spec.ca"));
                return null;
            }
            ca = CaStrategy.adoptFrom(from);
        } else {
            findings.add(Finding.error("SPEC_INVALID_VALUE", null, path + ".strategy", "spec.ca.strategy is '" + strategy + "'",
                    "use one of: generate, adopt"));
            return null;
        }
        return Boolean.TRUE.equals(replace) ? ca.allowReplacingExisting() : ca;
    }

    private Exposure exposure(JsonNode n) {
        String path = "spec.exposure";
        if (!object(n, path)) {
            return Exposure.azureInternalLoadBalancer();
        }
        unknown(n, path, Set.of("type"));
        Exposure.Type t = choice(n, "type", path, null, Exposure.Type::fromValue, "azure-internal-lb, load-balancer, node-port");
        return t == null ? (n.has("type") ? null : Exposure.azureInternalLoadBalancer()) : new Exposure(t);
    }

    private AzureSpec azure(JsonNode n) {
        String path = "spec.azure";
        if (!object(n, path)) {
            return null;
        }
        unknown(n, path, Set.of("subscription", "hub"));
        String sub = string(n, "subscription", path, null);
        if (sub == null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, path + ".subscription", "spec.azure needs the subscription id",
                    "add subscription: <id> under spec.azure"));
            return null;
        }
        AzureRef hub = ref(n.get("hub"), path + ".hub", null);
        return new AzureSpec(sub, hub);
    }

    private AzureRef ref(JsonNode n, String path, String cluster) {
        if (!object(n, path)) {
            return null;
        }
        unknown(n, path, Set.of("resourceGroup", "name"));
        String rg = string(n, "resourceGroup", path, cluster);
        String name = string(n, "name", path, cluster);
        if (rg == null || name == null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", cluster, path, path + " needs resourceGroup and name",
                    "write " + path + ": {resourceGroup: <group>, name: <name>}"));
            return null;
        }
        return new AzureRef(rg, name);
    }

    private MeshCluster cluster(JsonNode n, String path, CiliumOptions meshCilium) {
        if (!object(n, path)) {
            return null;
        }
        unknown(n, path, Set.of("name", "id", "podCidr", "serviceCidr", "apiServer", "meshIp", "kubeContext", "kubeconfig",
                "azure", "cilium"));
        String name = string(n, "name", path, null);
        if (name == null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, path + ".name", path + " has no name",
                    "add name: <cluster name> (lower case, at most 32 characters)"));
            name = "";
        }
        Integer id = integer(n, "id", path, name);
        MeshCluster c = MeshCluster.named(name).id(id == null ? 0 : id)
                .podCidr(string(n, "podCidr", path, name))
                .serviceCidr(string(n, "serviceCidr", path, name))
                .apiServer(string(n, "apiServer", path, name))
                .meshIp(string(n, "meshIp", path, name));
        String ctx = string(n, "kubeContext", path, name);
        String kubeconfig = string(n, "kubeconfig", path, name);
        AzureRef azure = ref(n.get("azure"), path + ".azure", name);
        if (ctx != null && azure != null) {
            findings.add(Finding.error("SPEC_CONFLICT", name, path, name + ": both kubeContext and azure are given",
                    "give either kubeContext (with an optional kubeconfig file) or azure: {resourceGroup, name}"));
        }
        if (ctx != null) {
            // a kubeconfig named inside a spec file is not the caller's own choice: its credential plugin (exec) may run only
            // when the caller allows it (ClusterAccess#execAllowed)
            c = c.access(kubeconfig != null ? ClusterAccess.kubeContext(ctx, resolve(kubeconfig)).withExecAllowed(false)
                    : ClusterAccess.kubeContext(ctx));
        } else if (azure != null) {
            c = c.access(ClusterAccess.azure(azure.resourceGroup(), azure.name()));
        } else if (kubeconfig != null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".kubeContext", name + ": a kubeconfig file is given without kubeContext",
                    "add kubeContext: <context name in that file>"));
        }
        if (n.has("cilium") && !n.get("cilium").isNull()) {
            c = c.cilium(cilium(n.get("cilium"), path + ".cilium", meshCilium));
        }
        return c;
    }

    private Path resolve(String file) {
        Path p = Path.of(file.startsWith("~/") ? System.getProperty("user.home") + file.substring(1) : file);
        return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize();
    }

    // ---------------------------------------------------------------- writing

    /** The spec as YAML. Kubeconfig content is never written (such clusters get a comment-free placeholder). */
    public static String write(MeshSpec spec) {
        ObjectNode root = YAML.createObjectNode();
        root.put("apiVersion", API_VERSION);
        root.put("kind", KIND);
        root.putObject("metadata").put("name", spec.name());
        ObjectNode s = root.putObject("spec");
        s.set("cilium", ciliumNode(spec.cilium(), null));
        ObjectNode ca = s.putObject("ca");
        ca.put("strategy", spec.ca().kind() == CaStrategy.Kind.ADOPT ? "adopt" : "generate");
        if (spec.ca().fromCluster() != null) ca.put("from", spec.ca().fromCluster());
        if (!spec.ca().validity().equals(CaStrategy.DEFAULT_VALIDITY)) ca.put("validity", spec.ca().validity().toString());
        if (spec.ca().replaceExisting()) ca.put("replaceExisting", true);
        s.putObject("exposure").put("type", spec.exposure().type().value());
        if (spec.azure() != null) {
            ObjectNode az = s.putObject("azure");
            az.put("subscription", spec.azure().subscription());
            if (spec.azure().hub() != null) {
                az.putObject("hub").put("resourceGroup", spec.azure().hub().resourceGroup()).put("name", spec.azure().hub().name());
            }
        }
        var arr = s.putArray("clusters");
        for (MeshCluster c : spec.clusters()) {
            ObjectNode x = arr.addObject();
            x.put("name", c.name());
            if (c.id() != 0) x.put("id", c.id());
            putIf(x, "podCidr", c.podCidr());
            putIf(x, "serviceCidr", c.serviceCidr());
            putIf(x, "apiServer", c.apiServer());
            putIf(x, "meshIp", c.meshIp());
            if (c.access() != null) {
                switch (c.access().kind()) {
                    case KUBE_CONTEXT -> {
                        x.put("kubeContext", c.access().context().orElseThrow());
                        c.access().kubeconfigFile().ifPresent(f -> x.put("kubeconfig", f.toString()));
                    }
                    case AZURE -> {
                        AzureRef r = c.access().azureRef().orElseThrow();
                        x.putObject("azure").put("resourceGroup", r.resourceGroup()).put("name", r.name());
                    }
                    default -> {
                        // in-memory kubeconfig content is a secret and has no file form
                    }
                }
            }
            if (c.cilium() != null) x.set("cilium", ciliumNode(c.cilium(), spec.cilium()));
        }
        return YAML.writeValueAsString(root);
    }

    private static void putIf(ObjectNode n, String k, String v) {
        if (v != null) n.put(k, v);
    }

    private static ObjectNode ciliumNode(CiliumOptions o, CiliumOptions base) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", o.version());
        m.put("kubeProxyReplacement", o.kubeProxyReplacement());
        m.put("hubble", o.hubble());
        m.put("routingMode", o.routingMode().value());
        m.put("tunnelProtocol", o.tunnelProtocol().value());
        m.put("kvstoremesh", o.kvstoremesh());
        m.put("encryption", o.encryption().value());
        m.put("maxConnectedClusters", o.maxConnectedClusters());
        m.put("certificateMethod", o.certificateMethod().value());
        m.put("certificateValidity", o.certificateValidity().toDays() + "d");
        m.put("renewBefore", o.renewBefore().toDays() + "d");
        ObjectNode n = YAML.createObjectNode();
        Map<String, Object> baseMap = base == null ? Map.of() : YAML.convertValue(ciliumNode(base, null), Map.class);
        for (Iterator<Map.Entry<String, Object>> it = m.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Object> e = it.next();
            if (base != null && String.valueOf(baseMap.get(e.getKey())).equals(String.valueOf(e.getValue()))) {
                continue;
            }
            n.putPOJO(e.getKey(), e.getValue());
        }
        return n;
    }
}
