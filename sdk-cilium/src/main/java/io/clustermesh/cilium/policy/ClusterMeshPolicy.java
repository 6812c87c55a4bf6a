package io.clustermesh.cilium.policy;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.internal.MeshContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A {@code cilium.io/v2} {@code CiliumNetworkPolicy} allowing traffic from endpoints of some clusters to endpoints of
 * others, rendered for and applied to every cluster of the mesh (Cilium docs, Cluster Mesh policy: policies are not replicated between
 * clusters).
 *
 * <pre>{@code
 * ClusterMeshPolicy p = ClusterMeshPolicy.named("x-wing-to-rebel-base").namespace("default")
 *         .from(PolicyPeer.labels("name", "x-wing").in("cluster1"))
 *         .to(PolicyPeer.labels("name", "rebel-base").in("cluster2"))
 *         .port(80, "TCP")
 *         .build();
 * PolicyReport r = p.apply(mesh);
 * }</pre>
 *
 * <p>What each cluster gets: where the {@code to} endpoints run, {@code <name>-ingress} selecting them
 * ({@code endpointSelector}) and allowing {@code ingress[].fromEndpoints} from the {@code from} endpoints of each of
 * their clusters; where the {@code from} endpoints run, {@code <name>-egress} selecting them and allowing
 * {@code egress[].toEndpoints} to the {@code to} endpoints. Replies are allowed by Cilium's connection tracking;
 * {@link Builder#bothWays()} also allows new connections the other way ({@code <name>-reverse-ingress|egress}).
 *
 * <p>The cluster label {@value #CLUSTER_LABEL} is always written, on the {@code endpointSelector} (the local cluster)
 * and on every peer selector (the peer's cluster), so the policy means the same with and without
 * {@code policy-default-local-cluster} (from Cilium 1.19 selectors without the label match the local cluster only).
 * Peer selectors also name the peer's namespace ({@value #NAMESPACE_LABEL}). Objects carry the labels
 * {@value #MANAGED_BY_LABEL}={@value #MANAGED_BY} and {@value #POLICY_LABEL}={@code <name>}; applying deletes this
 * policy's objects a cluster no longer needs, and writes nothing where the stored object already matches.
 */
public final class ClusterMeshPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMeshPolicy.class);

    public static final String API_VERSION = "cilium.io/v2";
    public static final String KIND = "CiliumNetworkPolicy";
    /** Every endpoint carries its cluster's name under this label (Cilium {@code k8sConst.PolicyLabelCluster}). */
    public static final String CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";
    /** The endpoint's namespace, as written in Cilium policy examples. */
    public static final String NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "clustermesh";
    public static final String POLICY_LABEL = "clustermesh.io/policy";
    /** The CRD that must exist in every cluster (installed by Cilium). */
    public static final String CRD_NAME = "ciliumnetworkpolicies.cilium.io";
    private static final List<String> SUFFIXES = List.of("-ingress", "-egress", "-reverse-ingress", "-reverse-egress");

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP", "ANY");

    /**
     * A destination port.
     *
     * @param port     1..65535
     * @param protocol {@code TCP}, {@code UDP}, {@code SCTP} or {@code ANY}
     */
    public record Port(int port, String protocol) {
        public Port {
            Objects.requireNonNull(protocol, "protocol");
            protocol = protocol.toUpperCase(Locale.ROOT);
        }
    }

    private final String name;
    private final String namespace;
    private final PolicyPeer from;
    private final PolicyPeer to;
    private final List<Port> ports;
    private final boolean bothWays;

    private ClusterMeshPolicy(Builder b) {
        this.name = b.name;
        this.namespace = b.namespace;
        this.from = b.from;
        this.to = b.to;
        this.ports = List.copyOf(b.ports);
        this.bothWays = b.bothWays;
    }

    /** Starts a policy of that name (the prefix of the objects' names). */
    public static Builder named(String name) {
        return new Builder(Objects.requireNonNull(name, "name"));
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    public PolicyPeer from() {
        return from;
    }

    public PolicyPeer to() {
        return to;
    }

    public List<Port> ports() {
        return ports;
    }

    public boolean bothWays() {
        return bothWays;
    }

    /** Every problem with the policy for a mesh of these clusters, at once (errors only; empty when fine). */
    public List<Finding> validate(List<String> meshClusters) {
        List<Finding> out = new ArrayList<>();
        String path = "CiliumNetworkPolicy/" + namespace + "/" + name;
        int longest = SUFFIXES.stream().mapToInt(String::length).max().orElse(0);
        if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() + longest > 253) {
            out.add(Finding.error("POLICY_NAME_INVALID", null, path + ".metadata.name",
                    "policy name '" + name + "' must be lower-case alphanumerics, '-' and '.', start and end alphanumeric, and leave room for "
                            + "the suffix '-reverse-ingress' within 253 characters", "use a name like 'x-wing-to-rebel-base'"));
        }
        checkNamespace(namespace, path + ".metadata.namespace", out);
        peer("from", from, meshClusters, path, out);
        peer("to", to, meshClusters, path, out);
        for (Port p : ports) {
            if (p.port() < 1 || p.port() > 65535 || !PROTOCOLS.contains(p.protocol())) {
                out.add(Finding.error("POLICY_PORT_INVALID", null, path + ".toPorts",
                        "port " + p.port() + "/" + p.protocol() + " is not a port 1..65535 with protocol TCP, UDP, SCTP or ANY",
                        "give a port between 1 and 65535 and one of TCP, UDP, SCTP, ANY"));
            }
        }
        return out;
    }

    private static void checkNamespace(String ns, String path, List<Finding> out) {
        if (ns == null || !DNS_LABEL.matcher(ns).matches() || ns.length() > 63) {
            out.add(Finding.error("POLICY_NAMESPACE_INVALID", null, path,
                    "namespace '" + ns + "' is not a valid Kubernetes namespace name (lower-case alphanumerics and '-', at most 63 characters)",
                    "give the namespace the endpoints run in, e.g. 'default'"));
        }
    }

    private static void peer(String side, PolicyPeer p, List<String> meshClusters, String path, List<Finding> out) {
        String where = path + "." + side;
        if (p == null) {
            out.add(Finding.error("POLICY_SELECTOR_MISSING", null, where, "the policy has no '" + side + "' endpoints",
                    "call " + side + "(PolicyPeer.labels(...)) on the builder"));
            return;
        }
        if (p.labels().isEmpty()) {
            out.add(Finding.error("POLICY_SELECTOR_EMPTY", null, where + ".labels",
                    "the '" + side + "' selector has no labels and would match every endpoint of the namespace",
                    "give at least one label, e.g. PolicyPeer.labels(\"app\", \"web\")"));
        }
        for (Map.Entry<String, String> e : p.labels().entrySet()) {
            String key = e.getKey();
            String bare = key.startsWith("k8s:") ? key.substring(4) : key.startsWith("any:") ? key.substring(4) : key;
            if (bare.equals(CLUSTER_LABEL)) {
                out.add(Finding.error("POLICY_CLUSTER_LABEL_GIVEN", null, where + ".labels[" + key + "]",
                        "the '" + side + "' selector sets " + CLUSTER_LABEL + " itself; the policy writes it from the peer's clusters",
                        "remove the label and name the clusters with PolicyPeer.in(...)"));
                continue;
            }
            String problem = labelKeyProblem(bare);
            if (problem != null) {
                out.add(Finding.error("POLICY_LABEL_KEY_INVALID", null, where + ".labels[" + key + "]",
                        "label key '" + key + "' in the '" + side + "' selector is invalid: " + problem,
                        "use a key like 'app' or 'example.com/app' (optional DNS prefix, name of at most 63 characters of alphanumerics, '-', '_', '.')"));
            }
            String v = e.getValue();
            if (v == null || v.length() > 63 || (!v.isEmpty() && !LABEL_NAME.matcher(v).matches())) {
                out.add(Finding.error("POLICY_LABEL_VALUE_INVALID", null, where + ".labels[" + key + "]",
                        "label value '" + v + "' of '" + key + "' in the '" + side + "' selector is invalid: at most 63 characters of alphanumerics, "
                                + "'-', '_', '.', starting and ending alphanumeric",
                        "fix the value to match the pods' label"));
            }
        }
        for (String c : p.clusters()) {
            if (!meshClusters.contains(c)) {
                out.add(Finding.error("POLICY_CLUSTER_UNKNOWN", c, where + ".clusters",
                        "'" + c + "' in the '" + side + "' clusters is not a cluster of the mesh",
                        "name clusters of the mesh: " + String.join(", ", meshClusters)));
            }
        }
        if (p.namespace() != null) {
            checkNamespace(p.namespace(), where + ".namespace", out);
        }
    }

    private static String labelKeyProblem(String key) {
        if (key.isEmpty()) {
            return "it is empty";
        }
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null && (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches())) {
            return "the prefix '" + prefix + "' must be a DNS subdomain";
        }
        if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            return "the name part '" + name + "' must be 1 to 63 alphanumerics, '-', '_', '.', starting and ending alphanumeric";
        }
        return null;
    }

    private static List<String> clustersOf(PolicyPeer p, List<String> mesh) {
        return p.clusters().isEmpty() ? mesh : mesh.stream().filter(p.clusters()::contains).toList();
    }

    private String nsOf(PolicyPeer p) {
        return p.namespace() != null ? p.namespace() : namespace;
    }

    /**
     * The objects each cluster of the mesh must hold, in mesh order (a cluster may need none).
     *
     * @throws MeshConfigurationException with every finding, if the policy is invalid for this mesh
     */
    public Map<String, List<Map<String, Object>>> render(List<String> meshClusters) {
        List<Finding> findings = validate(meshClusters);
        if (!findings.isEmpty()) {
            throw new MeshConfigurationException(findings);
        }
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        List<String> fromClusters = clustersOf(from, meshClusters);
        List<String> toClusters = clustersOf(to, meshClusters);
        for (String c : meshClusters) {
            List<Map<String, Object>> objs = new ArrayList<>();
            if (toClusters.contains(c)) objs.add(rule(name + "-ingress", c, to, "ingress", from, fromClusters));
            if (fromClusters.contains(c)) objs.add(rule(name + "-egress", c, from, "egress", to, toClusters));
            if (bothWays) {
                if (fromClusters.contains(c)) objs.add(rule(name + "-reverse-ingress", c, from, "ingress", to, toClusters));
                if (toClusters.contains(c)) objs.add(rule(name + "-reverse-egress", c, to, "egress", from, fromClusters));
            }
            out.put(c, objs);
        }
        return out;
    }

    /** One CNP in {@code cluster}, selecting the local {@code self} endpoints, allowing {@code direction} with {@code peer}. */
    private Map<String, Object> rule(String objectName, String cluster, PolicyPeer self, String direction, PolicyPeer peer, List<String> peerClusters) {
        Map<String, Object> selfLabels = new TreeMap<>(self.labels());
        selfLabels.put(CLUSTER_LABEL, cluster);
        List<Object> peers = new ArrayList<>();
        for (String pc : peerClusters) {
            Map<String, Object> l = new TreeMap<>(peer.labels());
            l.put(CLUSTER_LABEL, pc);
            l.put(NAMESPACE_LABEL, nsOf(peer));
            peers.add(Map.of("matchLabels", l));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(direction.equals("ingress") ? "fromEndpoints" : "toEndpoints", peers);
        if (!ports.isEmpty()) {
            List<Object> ps = ports.stream().<Object>map(p -> Map.of("port", String.valueOf(p.port()), "protocol", p.protocol())).toList();
            r.put("toPorts", List.of(Map.of("ports", ps)));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("description", "clustermesh policy " + name + ": " + (direction.equals("ingress") ? "ingress to " : "egress from ")
                + describe(self) + " in " + cluster + (direction.equals("ingress") ? " from " : " to ") + describe(peer) + " in " + String.join(", ", peerClusters));
        spec.put("endpointSelector", Map.of("matchLabels", selfLabels));
        spec.put(direction, List.of(r));
        Map<String, Object> labels = new TreeMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(POLICY_LABEL, name);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", objectName);
        meta.put("namespace", nsOf(self));
        meta.put("labels", labels);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("apiVersion", API_VERSION);
        o.put("kind", KIND);
        o.put("metadata", meta);
        o.put("spec", spec);
        return o;
    }

    private static String describe(PolicyPeer p) {
        return p.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + "," + b).orElse("(all)");
    }

    /**
     * Applies the policy to every cluster of the mesh: creates or updates what differs, deletes this policy's objects
     * a cluster no longer needs, leaves matching objects alone.
     *
     * @throws MeshConfigurationException if the policy is invalid for the mesh (nothing is written)
     * @throws MeshPreconditionException  if a cluster has no CiliumNetworkPolicy CRD (nothing is written)
     */
    public PolicyReport apply(Mesh mesh) {
        return apply(MeshContexts.of(mesh));
    }

    private PolicyReport apply(MeshContext context) {
        List<String> mesh = context.spec().clusters().stream().map(MeshCluster::name).toList();
        Map<String, List<Map<String, Object>>> desired = render(mesh);
        List<String> withoutCrd = new ArrayList<>();
        for (String c : mesh) {
            try {
                if (context.connection(c).get("apiextensions.k8s.io/v1", "CustomResourceDefinition", null, CRD_NAME).isEmpty()) {
                    withoutCrd.add(c);
                }
            } catch (MeshAccessException e) {
                LOG.debug("{}: cannot read CRDs ({}); assuming {} exists", c, e.getMessage(), CRD_NAME);
            }
        }
        if (!withoutCrd.isEmpty()) {
            throw new MeshPreconditionException(String.join(", ", withoutCrd) + (withoutCrd.size() == 1 ? " has" : " have")
                    + " no CustomResourceDefinition " + CRD_NAME + ": Cilium is not installed there (or not ready yet); nothing was written",
                    Details.inCluster(withoutCrd.get(0))
                            .fix("install Cilium on every cluster of the mesh (mesh.connect()) before applying cross-cluster policies"));
        }
        Set<String> namespaces = new LinkedHashSet<>(List.of(nsOf(from), nsOf(to)));
        List<PolicyReport.ClusterResult> results = new ArrayList<>();
        for (String c : mesh) {
            ClusterConnection conn = context.connection(c);
            List<String> created = new ArrayList<>();
            List<String> updated = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            Set<String> wanted = new LinkedHashSet<>();
            for (Map<String, Object> o : desired.get(c)) {
                Map<?, ?> meta = (Map<?, ?>) o.get("metadata");
                String ns = (String) meta.get("namespace");
                String n = (String) meta.get("name");
                wanted.add(ns + "/" + n);
                var current = conn.get(API_VERSION, KIND, ns, n);
                if (current.isPresent() && same(current.get(), o)) {
                    unchanged.add(ns + "/" + n);
                    continue;
                }
                LOG.info("{}: {} CiliumNetworkPolicy {}/{}", c, current.isPresent() ? "updating" : "creating", ns, n);
                conn.apply(o, false);
                (current.isPresent() ? updated : created).add(ns + "/" + n);
            }
            for (String ns : namespaces) {
                for (Map<String, Object> existing : conn.list(API_VERSION, KIND, ns)) {
                    Map<?, ?> meta = (Map<?, ?>) existing.get("metadata");
                    Map<?, ?> labels = meta.get("labels") instanceof Map<?, ?> l ? l : Map.of();
                    String id = ns + "/" + meta.get("name");
                    if (name.equals(labels.get(POLICY_LABEL)) && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL)) && !wanted.contains(id)) {
                        LOG.info("{}: deleting CiliumNetworkPolicy {} no longer needed", c, id);
                        conn.delete(API_VERSION, KIND, ns, String.valueOf(meta.get("name")));
                        deleted.add(id);
                    }
                }
            }
            results.add(new PolicyReport.ClusterResult(c, created, updated, unchanged, deleted));
        }
        return new PolicyReport(name, results);
    }

    /** Whether the stored object has the desired spec and labels (server-side fields are ignored). */
    static boolean same(Map<String, Object> current, Map<String, Object> desired) {
        Map<?, ?> cm = (Map<?, ?>) current.getOrDefault("metadata", Map.of());
        Map<?, ?> dm = (Map<?, ?>) desired.get("metadata");
        Object cl = cm.get("labels") == null ? Map.of() : cm.get("labels");
        return Objects.equals(current.get("spec"), desired.get("spec")) && Objects.equals(cl, dm.get("labels"));
    }

    @Override
    public String toString() {
        return "ClusterMeshPolicy[" + namespace + "/" + name + ": " + describe(from) + " in " + (from.clusters().isEmpty() ? "all clusters" : from.clusters())
                + " -> " + describe(to) + " in " + (to.clusters().isEmpty() ? "all clusters" : to.clusters()) + (ports.isEmpty() ? "" : " ports " + ports)
                + (bothWays ? ", both ways" : "") + "]";
    }

    /** Builds a {@link ClusterMeshPolicy}; {@link #build()} checks only what needs no mesh, {@link ClusterMeshPolicy#validate} the rest. */
    public static final class Builder {
        private final String name;
        private String namespace = "default";
        private PolicyPeer from;
        private PolicyPeer to;
        private final List<Port> ports = new ArrayList<>();
        private boolean bothWays;

        private Builder(String name) {
            this.name = name;
        }

        /** The namespace of the policy and of both sides' endpoints unless a side names its own (default {@code default}). */
        public Builder namespace(String ns) {
            this.namespace = Objects.requireNonNull(ns, "namespace");
            return this;
        }

        /** Where traffic comes from. */
        public Builder from(PolicyPeer peer) {
            this.from = Objects.requireNonNull(peer, "from");
            return this;
        }

        /** Where traffic goes to. */
        public Builder to(PolicyPeer peer) {
            this.to = Objects.requireNonNull(peer, "to");
            return this;
        }

        /** Limits the allowed traffic to a destination port (may be called several times; default: all ports). */
        public Builder port(int port, String protocol) {
            ports.add(new Port(port, protocol));
            return this;
        }

        /** Also allows new connections from the {@code to} endpoints to the {@code from} endpoints. */
        public Builder bothWays() {
            this.bothWays = true;
            return this;
        }

        /** @throws IllegalStateException if {@code from} or {@code to} is missing */
        public ClusterMeshPolicy build() {
            List<String> missing = new ArrayList<>();
            if (from == null) missing.add("from");
            if (to == null) missing.add("to");
            if (!missing.isEmpty()) {
                throw new IllegalStateException("policy " + name + " needs " + String.join(" and ", missing) + " endpoints");
            }
            return new ClusterMeshPolicy(this);
        }
    }
}
