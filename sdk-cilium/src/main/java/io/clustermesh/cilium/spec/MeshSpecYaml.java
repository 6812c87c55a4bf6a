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
import io.clustermesh.model.McsApi;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;
import io.clustermesh.Mesh;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the {@code kind: Mesh} spec file (README, "The spec file") into the same {@link MeshSpec} the
 * builder makes. Unknown fields, wrong types, bad values, duplicate keys and empty sections are {@link Finding}s with
 * their path; when there are any, the rules of {@link Mesh#validate} on what could be read are reported with them —
 * all at once, never a stack trace.
 *
 * <p>The file is read as YAML 1.2 node tree (SnakeYAML Engine's composer), so a string field keeps the text written
 * ({@code version: 1.20} is "1.20", not the number 1.2; {@code name: 1e3} is "1e3"); anchors and aliases resolve as
 * YAML defines them, with at most {@value #MAX_COLLECTION_ALIASES} aliases of lists or mappings (an alias bomb is a
 * finding); whole numbers are plain decimal.
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

    /** A spec file is a few KiB; anything above this is not a spec (and is not read). */
    public static final int MAX_BYTES = 1 << 20;
    /** Aliases of lists or mappings per file: enough for shared cilium options, far from an alias bomb. */
    public static final int MAX_COLLECTION_ALIASES = 50;
    private static final Pattern DECIMAL = Pattern.compile("^-?(0|[1-9][0-9]*)$");

    private final List<Finding> findings = new ArrayList<>();
    private final Path baseDir;
    /** Each mapping's fields, read once (an aliased mapping is one node), duplicate keys reported at the first path. */
    private final Map<MappingNode, Map<String, Node>> fieldsOf = new IdentityHashMap<>();
    private boolean clustersComplete = true;

    private MeshSpecYaml(Path baseDir) {
        this.baseDir = baseDir;
    }

    /**
     * Reads a spec file; relative kubeconfig paths are resolved against the file's directory. The file must be a
     * regular file (not a directory, device or FIFO) of at most {@link #MAX_BYTES}, checked before anything is read,
     * in UTF-8 (a byte order mark is skipped).
     */
    public static Result read(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return unreadable(file, e);
        }
        if (attributes.isDirectory()) {
            return new Result(null, List.of(Finding.error("SPEC_NOT_A_FILE", null, file.toString(),
                    "the spec file " + file + " is a directory", "give the path of the spec file itself, e.g. " + file.resolve("mesh.yaml"))));
        }
        if (!attributes.isRegularFile()) {
            return new Result(null, List.of(Finding.error("SPEC_NOT_A_FILE", null, file.toString(),
                    "the spec file " + file + " is not a regular file (a device, FIFO or socket); it is not read",
                    "save the spec to a regular file and give its path")));
        }
        if (attributes.size() > MAX_BYTES) {
            return tooLarge(file.toString(), attributes.size() + " bytes");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            return unreadable(file, e);
        }
        if (bytes.length > MAX_BYTES) {
            return tooLarge(file.toString(), "more than " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Result(null, List.of(Finding.error("SPEC_UNREADABLE", null, file.toString(),
                    "the spec file " + file + " is not UTF-8 text", "save the spec file as UTF-8")));
        }
        Path dir = file.toAbsolutePath().getParent();
        return new MeshSpecYaml(dir).parseText(text);
    }

    private static Result unreadable(Path file, IOException e) {
        String why = io.clustermesh.internal.Causes.describe(e);
        return new Result(null, List.of(Finding.error("SPEC_UNREADABLE", null, file.toString(),
                "cannot read the spec file " + file + ": " + why, "check the path and that the file is readable")));
    }

    private static Result tooLarge(String where, String size) {
        return new Result(null, List.of(Finding.error("SPEC_TOO_LARGE", null, where,
                "the spec is " + size + "; a spec file may have at most 1 MiB (" + MAX_BYTES + " bytes)",
                "check that the path names the mesh spec (a few KiB); a spec that large is not one")));
    }

    /** Parses spec YAML (at most {@link #MAX_BYTES} characters). */
    public static Result parse(String yaml) {
        Objects.requireNonNull(yaml, "yaml");
        if (yaml.length() > MAX_BYTES) {
            return tooLarge("", yaml.length() + " characters");
        }
        return new MeshSpecYaml(null).parseText(yaml);
    }

    private Result parseText(String input) {
        // a byte order mark is allowed at the start of a stream (YAML 1.2 §5.2); CRLF line breaks are line breaks
        String text = input.startsWith("\uFEFF") ? input.substring(1) : input;
        LoadSettings settings = LoadSettings.builder().setLabel("spec").setMaxAliasesForCollections(MAX_COLLECTION_ALIASES)
                .setAllowRecursiveKeys(false).setAllowNonScalarKeys(false).setCodePointLimit(MAX_BYTES + 1).build();
        List<Node> documents = new ArrayList<>();
        try {
            for (Node document : new Compose(settings).composeAllFromString(text)) {
                if (!isNull(document) || documents.isEmpty()) {
                    documents.add(document);
                }
                if (documents.size() > 1) {
                    break;
                }
            }
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("");
            return new Result(null, List.of(Finding.error("SPEC_SYNTAX", null, "", "the spec is not valid YAML" + where + ": "
                    + e.getProblem(), "fix the YAML syntax" + where)));
        } catch (YamlEngineException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("aliases")) {
                return new Result(null, List.of(Finding.error("SPEC_TOO_COMPLEX", null, "",
                        "the spec uses more than " + MAX_COLLECTION_ALIASES + " aliases of lists or mappings (an alias bomb expands "
                                + "exponentially); it is not expanded",
                        "write the repeated parts out, or share fewer lists and mappings through anchors")));
            }
            return new Result(null, List.of(Finding.error("SPEC_SYNTAX", null, "", "the spec is not valid YAML: " + m, "fix the YAML syntax")));
        } catch (StackOverflowError e) {
            return new Result(null, List.of(Finding.error("SPEC_TOO_COMPLEX", null, "", "the spec nests lists or mappings too deeply to be read",
                    "write the spec as the documented kind: Mesh layout (see samples/specs/article.yaml)")));
        }
        if (documents.size() > 1) {
            return new Result(null, List.of(Finding.error("SPEC_MULTIPLE_DOCUMENTS", null, "",
                    "the spec file holds more than one YAML document (separated by ---); a spec is one kind: Mesh document",
                    "keep one kind: Mesh document in the file and move the others to files of their own")));
        }
        if (documents.isEmpty() || isNull(documents.get(0))) {
            return new Result(null, List.of(Finding.error("SPEC_EMPTY", null, "", "the spec is empty",
                    "write a kind: Mesh document (see samples/specs/article.yaml)")));
        }
        MeshSpec spec = mesh(documents.get(0));
        List<Finding> all = new ArrayList<>(findings);
        if (spec != null && clustersComplete && findings.stream().anyMatch(Finding::isError)) {
            // the file has problems of its own, so no spec reaches Mesh.builder(): add the rules that need no I/O on what
            // could be read, so that one run reports every problem of the file (a file without problems of its own
            // gives its spec, which build() validates as any spec)
            for (Finding f : Mesh.validate(spec)) {
                boolean said = findings.stream().anyMatch(r -> !r.path().isEmpty() && (f.path().equals(r.path())
                        || f.path().startsWith(r.path() + ".") || f.path().startsWith(r.path() + "[")));
                if (!said) {
                    all.add(f);
                }
            }
        }
        return new Result(all.stream().anyMatch(Finding::isError) ? null : spec, all);
    }

    // ---------------------------------------------------------------- reading

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    /** A mapping's fields by key text; duplicate and non-scalar keys are findings. */
    private Map<String, Node> fields(MappingNode m, String path) {
        Map<String, Node> known = fieldsOf.get(m);
        if (known != null) {
            return known;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        fieldsOf.put(m, out);
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                findings.add(Finding.error("SPEC_WRONG_TYPE", null, path, "a key at " + label(path) + " is a list or mapping",
                        "write keys as plain names"));
                continue;
            }
            String k = key.getValue();
            if (out.containsKey(k)) {
                String line = key.getStartMark().map(mark -> " (line " + (mark.getLine() + 1) + ")").orElse("");
                findings.add(Finding.error("SPEC_DUPLICATE_KEY", null, join(path, k), "'" + k + "' is given twice at " + label(path) + line
                        + "; YAML keys must be unique", "keep one '" + k + "' at " + label(path) + " and remove the other"));
                continue;
            }
            out.put(k, t.getValueNode());
        }
        return out;
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String label(String path) {
        return path.isEmpty() ? "the top level" : path;
    }

    private void unknown(Map<String, Node> fields, String path, Set<String> known) {
        for (String f : fields.keySet()) {
            if (!known.contains(f)) {
                String suggestion = known.stream().filter(k -> distance(k.toLowerCase(Locale.ROOT), f.toLowerCase(Locale.ROOT)) <= 2)
                        .findFirst().map(k -> "did you mean '" + k + "'? ").orElse("");
                if (f.equals("<<")) {
                    suggestion = "merge keys (<<) are YAML 1.1, not YAML 1.2: write the fields out; ";
                }
                findings.add(Finding.error("SPEC_UNKNOWN_FIELD", null, join(path, f), "unknown field '" + f + "' at " + label(path),
                        suggestion + "remove it; allowed here: " + String.join(", ", new TreeSet<>(known))));
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

    /**
     * The section's fields, or {@code null} when it is absent (no finding), null or empty (a finding naming it: an empty
     * section is a left-over or a mistake), or not a mapping (a finding).
     */
    private Map<String, Node> section(Node node, String path) {
        if (node == null) {
            return null;
        }
        if (isNull(node) || (node instanceof MappingNode m && m.getValue().isEmpty())) {
            findings.add(Finding.error("SPEC_EMPTY_SECTION", null, path, path + " is " + (isNull(node) ? "null" : "an empty mapping"),
                    "give " + path + " its fields, or remove the " + last(path) + ": line"));
            return null;
        }
        if (!(node instanceof MappingNode m)) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, path, path + " must be a mapping, not " + describe(node),
                    "write " + path + " as key: value pairs"));
            return null;
        }
        return fields(m, path);
    }

    private static String last(String path) {
        String p = path.substring(path.lastIndexOf('.') + 1);
        return p.contains("[") ? p.substring(0, p.indexOf('[')) : p;
    }

    private static String describe(Node n) {
        if (n instanceof SequenceNode) return "a list";
        if (n instanceof MappingNode) return "a mapping";
        ScalarNode s = (ScalarNode) n;
        if (s.isPlain() && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT))) return "the number " + s.getValue();
        if (s.isPlain() && s.getTag().equals(Tag.BOOL)) return "the boolean " + s.getValue();
        return "'" + s.getValue() + "'";
    }

    /** The text as written: {@code version: 1.20} is "1.20", {@code name: 1e3} is "1e3". */
    private String string(Map<String, Node> parent, String field, String path, String cluster) {
        Node n = parent.get(field);
        if (n == null || isNull(n)) {
            return null;
        }
        if (!(n instanceof ScalarNode s)) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", cluster, path + "." + field, path + "." + field + " must be a string, not " + describe(n),
                    "write " + field + " as a single value"));
            return null;
        }
        return s.getValue();
    }

    /** A whole number in plain decimal ({@code 010}, {@code 0x1F}, {@code +5} are refused: tools disagree on them). */
    private Integer integer(Map<String, Node> parent, String field, String path, String cluster, String range) {
        Node n = parent.get(field);
        if (n == null || isNull(n)) {
            return null;
        }
        String where = path + "." + field;
        if (n instanceof ScalarNode s) {
            String t = s.getValue();
            if (DECIMAL.matcher(t).matches()) {
                BigInteger v = new BigInteger(t);
                if (v.bitLength() > 31) {
                    findings.add(Finding.error("SPEC_INVALID_VALUE", cluster, where, where + " " + t + " is out of range",
                            "write " + field + " as " + range));
                    return null;
                }
                return v.intValue();
            }
            String ascii = asciiDigits(t);
            if (ascii != null && ascii.matches("^[-+]?[0-9]+$")) {
                String plain = new BigInteger(ascii).toString();
                findings.add(Finding.error("SPEC_INVALID_VALUE", cluster, where, where + " is written '" + t
                                + "'; a number must be plain ASCII decimal without sign or leading zeros (YAML 1.1 reads 010 as 8)",
                        "write " + field + ": " + plain));
                return null;
            }
            if (s.isPlain() && s.getTag().equals(Tag.INT)) {
                findings.add(Finding.error("SPEC_INVALID_VALUE", cluster, where, where + " is written '" + t + "', not in decimal",
                        "write " + field + " in decimal as " + range));
                return null;
            }
        }
        findings.add(Finding.error("SPEC_WRONG_TYPE", cluster, where, where + " must be a whole number, not " + describe(n),
                "write " + field + " as a number, e.g. " + field + ": 1"));
        return null;
    }

    /** The text with digits of any script as ASCII digits, or {@code null} if it has other non-ASCII characters. */
    private static String asciiDigits(String t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 128) {
                b.append((char) cp);
            } else if (Character.isDigit(cp)) {
                b.append((char) ('0' + Character.digit(cp, 10)));
            } else {
                return null;
            }
        }
        return b.toString();
    }

    private Boolean bool(Map<String, Node> parent, String field, String path) {
        Node n = parent.get(field);
        if (n == null || isNull(n)) {
            return null;
        }
        if (n instanceof ScalarNode s && (s.getValue().equals("true") || s.getValue().equals("false"))) {
            return Boolean.parseBoolean(s.getValue());
        }
        if (n instanceof ScalarNode s && s.isPlain() && s.getTag().equals(Tag.BOOL)) {
            return Boolean.parseBoolean(s.getValue().toLowerCase(Locale.ROOT));
        }
        findings.add(Finding.error("SPEC_WRONG_TYPE", null, path + "." + field, path + "." + field + " must be true or false, not " + describe(n),
                "write " + field + ": true or " + field + ": false"));
        return null;
    }

    private <E> E choice(Map<String, Node> parent, String field, String path, String cluster, Function<String, E> parse, String allowed) {
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

    private Duration duration(Map<String, Node> parent, String field, String path) {
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

    private MeshSpec mesh(Node rootNode) {
        if (!(rootNode instanceof MappingNode rootMap)) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, "", "the spec must be a mapping (apiVersion, kind, metadata, spec), not "
                    + describe(rootNode), "write a kind: Mesh document (see samples/specs/article.yaml)"));
            return null;
        }
        Map<String, Node> root = fields(rootMap, "");
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
        Map<String, Node> metadata = section(root.get("metadata"), "metadata");
        if (metadata != null) {
            unknown(metadata, "metadata", Set.of("name"));
            String n = string(metadata, "name", "metadata", null);
            if (n != null) name = n;
        }
        Node specNode = root.get("spec");
        Map<String, Node> spec = section(specNode, "spec");
        if (spec == null) {
            if (specNode == null) {
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
        Node list = spec.get("clusters");
        if (list == null || isNull(list)) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec.clusters", "the spec lists no clusters",
                    "add spec.clusters with at least two clusters"));
            clustersComplete = false;
        } else if (!(list instanceof SequenceNode seq)) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, "spec.clusters", "spec.clusters must be a list, not " + describe(list),
                    "write each cluster as a list item starting with '- name:'"));
            clustersComplete = false;
        } else if (seq.getValue().isEmpty()) {
            findings.add(Finding.error("SPEC_EMPTY_SECTION", null, "spec.clusters", "spec.clusters is an empty list",
                    "list the mesh's clusters under spec.clusters, at least two"));
            clustersComplete = false;
        } else {
            List<Node> items = seq.getValue();
            for (int i = 0; i < items.size(); i++) {
                MeshCluster c = cluster(items.get(i), "spec.clusters[" + i + "]", cilium == null ? CiliumOptions.defaults() : cilium);
                if (c != null) {
                    clusters.add(c);
                } else {
                    clustersComplete = false;
                }
            }
        }
        if (cilium == null || ca == null || exposure == null) {
            return null;
        }
        return MeshSpec.of(name, cilium, ca, exposure, azure, clusters);
    }

    private CiliumOptions cilium(Node node, String path, CiliumOptions base) {
        Map<String, Node> n = section(node, path);
        if (n == null) {
            return base;
        }
        unknown(n, path, Set.of("version", "kubeProxyReplacement", "hubble", "routingMode", "tunnelProtocol", "kvstoremesh",
                "encryption", "maxConnectedClusters", "certificateMethod", "certificateValidity", "renewBefore",
                "policyDefaultLocalCluster", "rolloutBatch", "mcsApi", "defaultGlobalNamespace"));
        CiliumOptions o = base;
        String version = string(n, "version", path, null);
        if (version != null) o = o.withVersion(version);
        Boolean kpr = bool(n, "kubeProxyReplacement", path);
        if (kpr != null) o = o.withKubeProxyReplacement(kpr);
        Boolean hubble = bool(n, "hubble", path);
        if (hubble != null) o = o.withHubble(hubble);
        RoutingMode rm = choice(n, "routingMode", path, null, RoutingMode::fromValue, "tunnel, native");
        if (rm != null) o = o.withRoutingMode(rm);
        TunnelProtocol tp = choice(n, "tunnelProtocol", path, null, TunnelProtocol::fromValue, "vxlan, geneve");
        if (tp != null) o = o.withTunnelProtocol(tp);
        Boolean kvs = bool(n, "kvstoremesh", path);
        if (kvs != null) o = o.withKvstoremesh(kvs);
        Boolean localPolicy = bool(n, "policyDefaultLocalCluster", path);
        if (localPolicy != null) o = o.withPolicyDefaultLocalCluster(localPolicy);
        McsApi mcs = choice(n, "mcsApi", path, null, McsApi::fromValue, "off, on, on-coredns");
        if (mcs != null) o = o.withMcsApi(mcs);
        Boolean globalNs = bool(n, "defaultGlobalNamespace", path);
        if (globalNs != null) o = o.withDefaultGlobalNamespace(globalNs);
        Encryption enc = choice(n, "encryption", path, null, Encryption::fromValue, "none, wireguard, ipsec");
        if (enc != null) o = o.withEncryption(enc);
        Integer max = integer(n, "maxConnectedClusters", path, null, "255 or 511");
        if (max != null) o = o.withMaxConnectedClusters(max);
        CertificateMethod cm = choice(n, "certificateMethod", path, null, CertificateMethod::fromValue, "sdk, helm, cronJob, certmanager");
        if (cm != null) o = o.withCertificateMethod(cm);
        Integer batch = integer(n, "rolloutBatch", path, null, "the number of clusters upgraded at a time, 1 or more");
        if (batch != null && batch < 1) {
            findings.add(Finding.error("SPEC_INVALID_VALUE", null, path + ".rolloutBatch", path + ".rolloutBatch is " + batch
                    + ": a rolling upgrade needs at least one cluster per batch", "set rolloutBatch to 1 (the default) or more"));
        } else if (batch != null) {
            o = o.withRolloutBatch(batch);
        }
        Duration validity = duration(n, "certificateValidity", path);
        Duration renew = duration(n, "renewBefore", path);
        if (validity != null || renew != null) {
            try {
                o = o.withCertificateValidity(validity != null ? validity : o.certificateValidity(), renew != null ? renew : o.renewBefore());
            } catch (IllegalArgumentException e) {
                findings.add(Finding.error("SPEC_INVALID_VALUE", null, path + ".certificateValidity", e.getMessage(),
                        "give a positive certificateValidity and a non-negative renewBefore"));
            }
        }
        return o;
    }

    private CaStrategy ca(Node node) {
        String path = "spec.ca";
        Map<String, Node> n = section(node, path);
        if (n == null) {
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

    private Exposure exposure(Node node) {
        String path = "spec.exposure";
        Map<String, Node> n = section(node, path);
        if (n == null) {
            return Exposure.azureInternalLoadBalancer();
        }
        unknown(n, path, Set.of("type"));
        Exposure.Type t = choice(n, "type", path, null, Exposure.Type::fromValue, "azure-internal-lb, load-balancer, node-port");
        return t == null ? (n.containsKey("type") ? null : Exposure.azureInternalLoadBalancer()) : new Exposure(t);
    }

    private AzureSpec azure(Node node) {
        String path = "spec.azure";
        Map<String, Node> n = section(node, path);
        if (n == null) {
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

    private AzureRef ref(Node node, String path, String cluster) {
        Map<String, Node> n = section(node, path);
        if (n == null) {
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

    private MeshCluster cluster(Node node, String path, CiliumOptions meshCilium) {
        if (node == null || isNull(node) || !(node instanceof MappingNode)) {
            findings.add(Finding.error("SPEC_WRONG_TYPE", null, path, path + " must be a mapping with the cluster's fields, not "
                    + (node == null || isNull(node) ? "empty" : describe(node)), "write the cluster as '- name: <name>' followed by its fields"));
            return null;
        }
        Map<String, Node> n = section(node, path);
        if (n == null) {
            return null;
        }
        unknown(n, path, Set.of("name", "id", "podCidr", "serviceCidr", "nodeCidr", "apiServer", "meshIp", "kubeContext", "kubeconfig",
                "azure", "cilium"));
        String name = string(n, "name", path, null);
        if (name == null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, path + ".name", path + " has no name",
                    "add name: <cluster name> (lower case, at most 32 characters)"));
            name = "";
        }
        Integer id = integer(n, "id", path, name, "a cluster id between 1 and 255 (1 and 511 with maxConnectedClusters: 511)");
        MeshCluster c = MeshCluster.named(name).withId(id == null ? 0 : id)
                .withPodCidr(string(n, "podCidr", path, name))
                .withServiceCidr(string(n, "serviceCidr", path, name))
                .withNodeCidr(string(n, "nodeCidr", path, name))
                .withApiServer(string(n, "apiServer", path, name))
                .withMeshIp(string(n, "meshIp", path, name));
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
            c = c.withAccess(kubeconfig != null ? ClusterAccess.kubeContext(ctx, resolve(kubeconfig)).withExecAllowed(false)
                    : ClusterAccess.kubeContext(ctx));
        } else if (azure != null) {
            c = c.withAccess(ClusterAccess.azure(azure.resourceGroup(), azure.name()));
        } else if (kubeconfig != null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".kubeContext", name + ": a kubeconfig file is given without kubeContext",
                    "add kubeContext: <context name in that file>"));
        }
        Node own = n.get("cilium");
        if (own != null) {
            CiliumOptions o = cilium(own, path + ".cilium", meshCilium);
            if (own instanceof MappingNode m && !m.getValue().isEmpty()) {
                c = c.withCilium(o);
            }
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
            putIf(x, "nodeCidr", c.nodeCidr());
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
        if (o.certificateValidity() != null) {
            m.put("certificateValidity", o.certificateValidity().toDays() + "d");
        }
        m.put("renewBefore", o.renewBefore().toDays() + "d");
        if (o.policyDefaultLocalCluster() != null) {
            m.put("policyDefaultLocalCluster", o.policyDefaultLocalCluster());
        }
        if (o.mcsApi().enabled() || base != null && base.mcsApi().enabled()) m.put("mcsApi", o.mcsApi().value());
        if (o.defaultGlobalNamespace() != null) m.put("defaultGlobalNamespace", o.defaultGlobalNamespace());
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
