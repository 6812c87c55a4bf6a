package io.clustermesh.internal;

import io.clustermesh.Finding;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.IpCidr;
import io.clustermesh.model.McsApi;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The spec checks that need no I/O (docs/findings.md). Returns every finding at once; never throws on bad input.
 * Codes are stable (documented in docs/findings.md).
 */
public final class Validator {
    public static final Pattern NAME = Pattern.compile("^([a-z0-9][-a-z0-9]*)?[a-z0-9]$");
    public static final int MAX_NAME_LENGTH = 32;
    /** Ranges AKS reserves (AKS docs, "Configure Azure CNI networking" / "kubenet": address ranges that cannot be used). */
    public static final List<IpCidr> AKS_RESERVED = List.of(IpCidr.parse("169.254.0.0/16"), IpCidr.parse("172.30.0.0/16"),
            IpCidr.parse("172.31.0.0/16"), IpCidr.parse("192.0.2.0/24"));
    /** RFC 6598: refused for mesh IPs (not RFC 1918), allowed for pod CIDRs, which never leave the cluster's overlay. */
    private static final IpCidr SHARED_ADDRESS_SPACE = IpCidr.parse("100.64.0.0/10");
    /** The private ranges of RFC 1918: an internal load balancer's frontend address comes from one of them. */
    public static final List<IpCidr> PRIVATE = List.of(IpCidr.parse("10.0.0.0/8"), IpCidr.parse("172.16.0.0/12"),
            IpCidr.parse("192.168.0.0/16"));
    /**
     * Special-purpose ranges no pod, service or mesh address may use besides {@link #AKS_RESERVED} (RFC 6890; the
     * Azure Cloud Adoption Framework page "Plan for IP addressing" lists multicast, broadcast, loopback, link-local and
     * 168.63.129.16/32 as ranges not to use in a VNet). Shared address space (RFC 6598) is not private in that page's
     * sense: only RFC 1918 is recommended, so a mesh IP there is refused as well.
     */
    public static final Map<IpCidr, String> SPECIAL_PURPOSE = special();
    /**
     * The largest prefix a pod CIDR may have: Cilium's cluster-pool IPAM hands each node a block of
     * {@code ipam.operator.clusterPoolIPv4MaskSize} bits, 24 by default (the chart's values.yaml), which the SDK does
     * not change. A smaller pod CIDR than one node's block leaves the operator nothing to hand out.
     */
    public static final int POD_CIDR_MAX_PREFIX = 24;

    private final MeshSpec spec;
    private final List<Finding> findings = new ArrayList<>();

    private static Map<IpCidr, String> special() {
        Map<IpCidr, String> m = new LinkedHashMap<>();
        m.put(IpCidr.parse("0.0.0.0/8"), "'this network'; 0.0.0.0 is the unspecified address");
        m.put(IpCidr.parse("127.0.0.0/8"), "loopback");
        m.put(SHARED_ADDRESS_SPACE, "shared address space (carrier-grade NAT, RFC 6598)");
        m.put(IpCidr.parse("168.63.129.16/32"), "Azure platform (DNS, DHCP and health probes)");
        m.put(IpCidr.parse("224.0.0.0/4"), "multicast");
        m.put(IpCidr.parse("255.255.255.255/32"), "broadcast");
        m.put(IpCidr.parse("240.0.0.0/4"), "reserved for future use");
        return java.util.Collections.unmodifiableMap(m);
    }

    private Validator(MeshSpec spec) {
        this.spec = spec;
    }

    public static List<Finding> validate(MeshSpec spec) {
        Validator v = new Validator(spec);
        v.run();
        return List.copyOf(v.findings);
    }

    /** The mesh name becomes the CA's subject ("Cilium CA <name>", CN at most 64 characters: RFC 5280) and a Lease name. */
    static final int MESH_NAME_MAX = 64 - "Cilium CA ".length();

    private void checkMeshName(String name) {
        if (name == null || name.isEmpty()) {
            error("MESH_NAME_INVALID", null, "metadata.name", "the mesh has no name", "give the mesh a name, e.g. metadata.name: article");
        } else if (name.length() > MESH_NAME_MAX) {
            error("MESH_NAME_INVALID", null, "metadata.name", "the mesh name is " + name.length() + " characters long; at most " + MESH_NAME_MAX
                            + " fit the CA's subject (\"Cilium CA <name>\", a common name of at most 64 characters, RFC 5280)",
                    "shorten metadata.name to " + MESH_NAME_MAX + " characters or fewer");
        } else if (!name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            error("MESH_NAME_INVALID", null, "metadata.name", "the mesh name '" + name + "' is not a lower-case DNS name (it names the mesh's"
                            + " Lease object and labels)",
                    "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, e.g. "
                            + name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[-.]+|[-.]+$", ""));
        }
    }

    private static String path(int i, String field) {
        return "spec.clusters[" + i + "]" + (field.isEmpty() ? "" : "." + field);
    }

    private void error(String code, String cluster, String path, String message, String fix) {
        findings.add(Finding.error(code, cluster, path, message, fix));
    }

    private void warning(String code, String cluster, String path, String message, String fix) {
        findings.add(Finding.warning(code, cluster, path, message, fix));
    }

    private void run() {
        List<MeshCluster> clusters = spec.clusters();
        if (clusters.size() < 2) {
            error("MESH_TOO_FEW_CLUSTERS", null, "spec.clusters",
                    "a mesh needs at least two clusters, the spec has " + clusters.size(),
                    "add another cluster under spec.clusters");
        }
        checkMeshName(spec.name());
        checkCilium(spec.cilium(), null, "spec.cilium");
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            if (c.cilium() != null) {
                checkCilium(c.cilium(), c.name(), path(i, "cilium"));
            }
        }
        int maxClusters = validMax(spec.cilium().maxConnectedClusters()) ? spec.cilium().maxConnectedClusters() : 255;
        Map<String, Integer> names = new HashMap<>();
        Map<Integer, Integer> ids = new HashMap<>();
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            String n = c.name();
            checkName(i, c);
            Integer prev = names.putIfAbsent(n, i);
            if (prev != null && !n.isEmpty()) {
                error("CLUSTER_NAME_DUPLICATE", n, path(i, "name"),
                        "remote and local cluster have the same, non-unique name: " + n + " (clusters[" + prev + "] and clusters[" + i + "])",
                        "give every cluster a unique name");
            }
            int max = validMax(spec.ciliumFor(c).maxConnectedClusters()) ? spec.ciliumFor(c).maxConnectedClusters() : maxClusters;
            if (c.id() == 0) {
                error("CLUSTER_ID_MISSING", n, path(i, "id"), n + ": cluster id is not set (0 is reserved)",
                        "set a unique id between 1 and " + max);
            } else if (c.id() < 1 || c.id() > max) {
                error("CLUSTER_ID_OUT_OF_RANGE", n, path(i, "id"),
                        n + ": cluster id " + c.id() + " is outside 1.." + max + " (maxConnectedClusters " + max + ")",
                        max == 255 && c.id() > 255 && c.id() <= 511
                                ? "use an id between 1 and 255, or set spec.cilium.maxConnectedClusters: 511 on a fresh install"
                                : "use an id between 1 and " + max);
            } else {
                Integer prevId = ids.putIfAbsent(c.id(), i);
                if (prevId != null) {
                    error("CLUSTER_ID_DUPLICATE", n, path(i, "id"),
                            "remote and local cluster have the same, non-unique ID: " + c.id() + " (" + clusters.get(prevId).name() + " and " + n + ")",
                            "give every cluster a unique id between 1 and " + max);
                }
            }
            checkAccess(i, c);
            checkApiServer(i, c);
        }
        checkCidrs(clusters);
        checkConsistency(clusters);
        checkPolicyDefault(clusters);
        checkCa(clusters);
    }

    private static boolean validMax(int m) {
        return m == 255 || m == 511;
    }

    private void checkCilium(CiliumOptions o, String cluster, String path) {
        String who = cluster == null ? "" : cluster + ": ";
        try {
            ChartVersion v = o.chartVersion();
            if (!v.supported()) {
                error("CILIUM_VERSION_UNSUPPORTED", cluster, path + ".version",
                        who + "Cilium chart " + o.version() + " is not supported (supported lines: 1.15 to 1.20)",
                        "use a chart version from 1.15 to 1.20, e.g. " + CiliumOptions.DEFAULT_VERSION);
            }
        } catch (IllegalArgumentException e) {
            error("CILIUM_VERSION_INVALID", cluster, path + ".version", who + e.getMessage(),
                    "give a chart version such as " + CiliumOptions.DEFAULT_VERSION);
        }
        if (!validMax(o.maxConnectedClusters())) {
            error("MAX_CONNECTED_CLUSTERS_INVALID", cluster, path + ".maxConnectedClusters",
                    who + "maxConnectedClusters is " + o.maxConnectedClusters() + ", but Cilium only allows 255 or 511",
                    "set maxConnectedClusters to 255 (default) or 511");
        }
        if (Boolean.TRUE.equals(o.policyDefaultLocalCluster()) && supportedBelow(o, 1, 18)) {
            error("CILIUM_OPTION_NOT_ON_LINE", cluster, path + ".policyDefaultLocalCluster",
                    who + "policyDefaultLocalCluster: true needs Cilium chart 1.18 or later; chart " + o.version()
                            + " has no such value, and its policy selectors without io.cilium.k8s.policy.cluster match every cluster",
                    "use chart 1.18 or later for this cluster, or remove policyDefaultLocalCluster");
        }
        checkLineOptions(o, cluster, path, who);
        if (o.routingMode() != RoutingMode.TUNNEL) {
            error("ROUTING_MODE_NOT_TUNNEL", cluster, path + ".routingMode",
                    who + "RoutingMode must be set to tunnel when aksbyocni.enabled=true (AKS BYOCNI clusters)",
                    "set routingMode: tunnel");
        }
    }

    private void checkName(int i, MeshCluster c) {
        String n = c.name();
        if (n.isEmpty()) {
            error("CLUSTER_NAME_EMPTY", null, path(i, "name"), "cluster #" + (i + 1) + " has no name",
                    "give the cluster a name such as cluster" + (i + 1));
            return;
        }
        if (n.length() > MAX_NAME_LENGTH) {
            error("CLUSTER_NAME_TOO_LONG", n, path(i, "name"),
                    n + ": cluster name has " + n.length() + " characters, Cilium allows at most " + MAX_NAME_LENGTH,
                    "shorten the name to 32 characters or fewer");
        }
        if (!NAME.matcher(n).matches()) {
            error("CLUSTER_NAME_INVALID", n, path(i, "name"),
                    "cluster name '" + n + "' must consist of lower case alphanumerics and '-', starting and ending with an alphanumeric",
                    "use a name like 'cluster-1' (regex ^([a-z0-9][-a-z0-9]*)?[a-z0-9]$)");
        }
        if ("default".equals(n) && c.id() != 0) {
            error("CLUSTER_NAME_DEFAULT_WITH_ID", n, path(i, "name"),
                    "the cluster name 'default' is not allowed with a non-zero cluster id (" + c.id() + ")",
                    "rename the cluster: 'default' is reserved for clusters outside a mesh");
        }
    }

    private void checkAccess(int i, MeshCluster c) {
        if (c.access() == null) {
            error("CLUSTER_ACCESS_MISSING", c.name(), path(i, "kubeContext"),
                    c.name() + ": no way to reach the cluster's Kubernetes API is given",
                    "set kubeContext (a kubeconfig context) or azure: {resourceGroup, name} for the cluster");
        } else if (c.access().kind() == ClusterAccess.Kind.AZURE && spec.azure() == null) {
            error("AZURE_SECTION_MISSING", c.name(), path(i, "azure"),
                    c.name() + ": the cluster is given as an Azure resource but the spec has no azure section",
                    "add spec.azure.subscription (and the hub) or use kubeContext");
        }
    }

    private void checkApiServer(int i, MeshCluster c) {
        String s = c.apiServer();
        if (s == null) {
            return;
        }
        if (s.contains("://") || s.contains("/") || s.contains(" ") || s.isBlank()) {
            error("API_SERVER_INVALID", c.name(), path(i, "apiServer"),
                    c.name() + ": apiServer '" + s + "' must be a host name (it becomes k8sServiceHost)",
                    "give the API server's FQDN only, e.g. aks-ciliumlab-1a2b.hcp.eastus.azmk8s.io (no https://, no port)");
            return;
        }
        Optional<String> canonical = IpCidr.canonicalForm(s);
        if (canonical.isPresent()) {
            error("API_SERVER_INVALID", c.name(), path(i, "apiServer"),
                    c.name() + ": apiServer '" + s + "' is an IP address not written canonically (it becomes k8sServiceHost as written)",
                    "write " + path(i, "apiServer") + ": " + canonical.get());
        } else if (!s.chars().allMatch(ch -> ch < 128 && (Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == ':'))) {
            error("API_SERVER_INVALID", c.name(), path(i, "apiServer"),
                    c.name() + ": apiServer '" + s + "' has characters a host name cannot have (only ASCII letters, digits, '-' and '.')",
                    "give the API server's FQDN in ASCII (an internationalised name in its xn-- form)");
        }
    }

    private IpCidr cidr(int i, MeshCluster c, String field, String value) {
        if (value == null) {
            return null;
        }
        IpCidr parsed;
        try {
            parsed = IpCidr.parse(value);
        } catch (IllegalArgumentException e) {
            Optional<String> canonical = IpCidr.canonicalForm(value);
            if (canonical.isPresent()) {
                error("CIDR_NOT_CANONICAL", c.name(), path(i, field), c.name() + ": " + field + " " + e.getMessage(),
                        "write " + path(i, field) + ": " + canonical.get());
            } else {
                error("CIDR_INVALID", c.name(), path(i, field), c.name() + ": " + field + " " + e.getMessage(),
                        "write " + field + " as an IPv4 network such as 10.10.0.0/16");
            }
            return null;
        }
        if (parsed.isIpv6()) {
            error("CIDR_IPV6_UNSUPPORTED", c.name(), path(i, field),
                    c.name() + ": " + field + " " + value + " is IPv6; the SDK supports IPv4 meshes only for now",
                    "use an IPv4 " + field);
            return null;
        }
        for (IpCidr r : AKS_RESERVED) {
            if (r.overlaps(parsed)) {
                error("CIDR_RESERVED", c.name(), path(i, field),
                        c.name() + ": " + field + " " + parsed + " overlaps " + r + ", which AKS reserves",
                        "choose a " + field + " outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24");
            }
        }
        List<String> special = new ArrayList<>();
        SPECIAL_PURPOSE.forEach((r, what) -> {
            if (r.overlaps(parsed) && !r.equals(SHARED_ADDRESS_SPACE)) {
                special.add(r + " (" + what + ")");
            }
        });
        if (!special.isEmpty()) {
            error("CIDR_SPECIAL_PURPOSE", c.name(), path(i, field),
                    c.name() + ": " + field + " " + parsed + " overlaps " + String.join(", ", special) + ", which no cluster range may use",
                    "choose a private " + field + " (RFC 1918: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) outside the AKS-reserved ranges");
        }
        if (field.equals("podCidr") && parsed.prefixLength() > POD_CIDR_MAX_PREFIX) {
            error("POD_CIDR_TOO_SMALL", c.name(), path(i, field),
                    c.name() + ": pod CIDR " + parsed + " is smaller than one node's block (/" + POD_CIDR_MAX_PREFIX
                            + ", Cilium's ipam.operator.clusterPoolIPv4MaskSize), so no node would get pod addresses",
                    "give the cluster a pod CIDR of /" + POD_CIDR_MAX_PREFIX + " or larger, e.g. /16 for up to 256 nodes ("
                            + path(i, field) + ")");
        }
        return parsed;
    }

    private void checkCidrs(List<MeshCluster> clusters) {
        Map<Integer, IpCidr> pods = new LinkedHashMap<>();
        Map<Integer, IpCidr> services = new LinkedHashMap<>();
        Map<Integer, IpCidr> nodes = new LinkedHashMap<>();
        Map<IpCidr, Integer> meshIps = new HashMap<>();
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            if (c.podCidr() == null) {
                if (c.access() == null || c.access().kind() != ClusterAccess.Kind.AZURE) {
                    error("POD_CIDR_MISSING", c.name(), path(i, "podCidr"),
                            c.name() + ": no pod CIDR; the chart default 10.0.0.0/8 would collide with every other cluster",
                            "set a pod CIDR distinct from every other cluster's, e.g. 10." + (10 * (i + 1) % 250) + ".0.0/16");
                }
            } else {
                IpCidr p = cidr(i, c, "podCidr", c.podCidr());
                if (p != null) pods.put(i, p);
            }
            IpCidr s = cidr(i, c, "serviceCidr", c.serviceCidr());
            if (s != null) services.put(i, s);
            IpCidr n = cidr(i, c, "nodeCidr", c.nodeCidr());
            if (n != null) nodes.put(i, n);
        }
        List<Integer> idx = new ArrayList<>(pods.keySet());
        for (int a = 0; a < idx.size(); a++) {
            for (int b = a + 1; b < idx.size(); b++) {
                int i = idx.get(a);
                int j = idx.get(b);
                if (pods.get(i).overlaps(pods.get(j))) {
                    MeshCluster ci = clusters.get(i);
                    MeshCluster cj = clusters.get(j);
                    error("POD_CIDR_OVERLAP", cj.name(), path(j, "podCidr"),
                            cj.name() + ": pod CIDR " + pods.get(j) + " overlaps " + ci.name() + "'s " + pods.get(i),
                            "give each cluster a distinct range (" + path(j, "podCidr") + ")");
                }
            }
        }
        for (Map.Entry<Integer, IpCidr> p : pods.entrySet()) {
            for (Map.Entry<Integer, IpCidr> s : services.entrySet()) {
                if (p.getValue().overlaps(s.getValue())) {
                    MeshCluster cp = clusters.get(p.getKey());
                    MeshCluster cs = clusters.get(s.getKey());
                    String whose = cp == cs ? "its own" : cs.name() + "'s";
                    error("POD_CIDR_OVERLAPS_SERVICE_CIDR", cp.name(), path(p.getKey(), "podCidr"),
                            cp.name() + ": pod CIDR " + p.getValue() + " overlaps " + whose + " service CIDR " + s.getValue(),
                            "choose a pod CIDR outside every service CIDR (" + path(p.getKey(), "podCidr") + ")");
                }
            }
        }
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            if (c.meshIp() == null) {
                continue;
            }
            Optional<String> canonical = IpCidr.canonicalForm(c.meshIp());
            if (canonical.isPresent()) {
                String why;
                try {
                    IpCidr.host(c.meshIp());
                    why = "";
                } catch (IllegalArgumentException e) {
                    why = e.getMessage();
                }
                error("MESH_IP_NOT_CANONICAL", c.name(), path(i, "meshIp"), c.name() + ": meshIp " + why
                                + " (it becomes the load balancer's address and peers' clustermesh.config as written)",
                        "write " + path(i, "meshIp") + ": " + canonical.get());
                continue;
            }
            if (!IpCidr.isAddress(c.meshIp()) || c.meshIp().contains("/")) {
                error("MESH_IP_INVALID", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp '" + c.meshIp() + "' is not an IP address",
                        "give a free IPv4 address of the cluster's subnet, e.g. 10.1.0.250, or leave meshIp out");
                continue;
            }
            IpCidr ip = IpCidr.host(c.meshIp());
            if (ip.isIpv6()) {
                error("CIDR_IPV6_UNSUPPORTED", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp " + c.meshIp() + " is IPv6; the SDK supports IPv4 meshes only for now", "use an IPv4 address");
                continue;
            }
            Integer prev = meshIps.putIfAbsent(ip, i);
            if (prev != null) {
                error("MESH_IP_DUPLICATE", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp " + c.meshIp() + " is also " + clusters.get(prev).name() + "'s",
                        "give every cluster its own meshIp from its own subnet");
            }
            if (nodes.containsKey(i) && !nodes.get(i).contains(ip) && spec.exposure().isLoadBalancer()) {
                error("MESH_IP_OUTSIDE_NODE_CIDR", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp " + c.meshIp() + " is outside the cluster's node range " + nodes.get(i)
                                + "; the internal load balancer takes its address from the cluster's own subnet",
                        "choose a free address of " + nodes.get(i) + ", or correct " + path(i, "nodeCidr"));
            }
            checkIpAgainst(i, c, ip, pods, clusters, "pod CIDR");
            checkIpAgainst(i, c, ip, services, clusters, "service CIDR");
            boolean reserved = false;
            for (IpCidr r : AKS_RESERVED) {
                if (r.contains(ip)) {
                    reserved = true;
                    String what = r.equals(AKS_RESERVED.get(0)) ? " (link-local; 169.254.169.254 is Azure's instance metadata service)" : "";
                    error("MESH_IP_RESERVED", c.name(), path(i, "meshIp"), c.name() + ": meshIp " + c.meshIp() + " lies in " + r + ", which AKS reserves" + what,
                            "choose a free address of the cluster's node subnet");
                }
            }
            if (!reserved && PRIVATE.stream().noneMatch(r -> r.contains(ip))) {
                String kind = SPECIAL_PURPOSE.entrySet().stream().filter(e -> e.getKey().contains(ip)).findFirst()
                        .map(e -> "not a private address: it lies in " + e.getKey() + " (" + e.getValue() + ")").orElse("a public address");
                error("MESH_IP_NOT_PRIVATE", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp " + c.meshIp() + " is " + kind + "; the clustermesh-apiserver's internal load balancer "
                                + "takes a private address of the cluster's subnet",
                        "choose a free address of the cluster's node subnet in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918)");
            }
            if (!spec.exposure().isLoadBalancer()) {
                warning("MESH_IP_IGNORED", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp is ignored with exposure " + spec.exposure().type().value(),
                        "remove meshIp or use exposure azure-internal-lb");
            }
        }
    }

    private void checkIpAgainst(int i, MeshCluster c, IpCidr ip, Map<Integer, IpCidr> ranges, List<MeshCluster> clusters, String what) {
        for (Map.Entry<Integer, IpCidr> e : ranges.entrySet()) {
            if (e.getValue().contains(ip)) {
                String whose = e.getKey() == i ? "its own" : clusters.get(e.getKey()).name() + "'s";
                error("MESH_IP_IN_CLUSTER_RANGE", c.name(), path(i, "meshIp"),
                        c.name() + ": meshIp " + ip.networkAddress() + " lies in " + whose + " " + what + " " + e.getValue(),
                        "choose a free address of the cluster's node subnet, outside pod and service CIDRs");
            }
        }
    }

    private void checkConsistency(List<MeshCluster> clusters) {
        mixed(clusters, "routingMode", o -> o.routingMode().value(), "ROUTING_MODE_MIXED",
                "all clusters must use the same routing mode");
        mixed(clusters, "tunnelProtocol", o -> o.tunnelProtocol().value(), "TUNNEL_PROTOCOL_MIXED",
                "all clusters must use the same tunnel protocol (VXLAN 8472/udp or Geneve 6081/udp)");
        mixed(clusters, "encryption", o -> o.encryption().value(), "ENCRYPTION_MIXED",
                "transparent encryption must be the same on all clusters");
        mixed(clusters, "maxConnectedClusters", o -> String.valueOf(o.maxConnectedClusters()), "MAX_CONNECTED_CLUSTERS_MIXED",
                "remote and local clusters have different max connected clusters");
    }

    /**
     * From Cilium 1.19 a policy selector without {@code io.cilium.k8s.policy.cluster} matches the local cluster only
     * ({@code clustermesh.policyDefaultLocalCluster}, default true from 1.19, false before): a mesh whose clusters
     * differ here gives the same user policy different meanings per cluster.
     */
    private void checkPolicyDefault(List<MeshCluster> clusters) {
        Map<Boolean, List<String>> byDefault = new TreeMap<>();
        for (MeshCluster c : clusters) {
            CiliumOptions o = spec.ciliumFor(c);
            try {
                if (!o.chartVersion().supported()) {
                    return; // reported by checkCilium
                }
            } catch (IllegalArgumentException e) {
                return; // an invalid chart version is reported by checkCilium
            }
            byDefault.computeIfAbsent(o.effectivePolicyDefaultLocalCluster(), k -> new ArrayList<>()).add(c.name());
        }
        if (byDefault.size() > 1) {
            warning("POLICY_DEFAULT_LOCAL_CLUSTER_MIXED", null, "spec.cilium.policyDefaultLocalCluster",
                    "policy selectors without io.cilium.k8s.policy.cluster match only the local cluster on "
                            + String.join(", ", byDefault.get(true)) + " but every cluster on " + String.join(", ", byDefault.get(false))
                            + " (clustermesh.policyDefaultLocalCluster: the default is true from chart 1.19, false before)",
                    "set spec.cilium.policyDefaultLocalCluster to the same value for every cluster (chart 1.18 or later), "
                            + "and write io.cilium.k8s.policy.cluster in every cross-cluster selector (ClusterMeshPolicy does)");
        }
    }

    /**
     * MCS-API ({@code clustermesh.enableMCSAPISupport} from chart 1.16, {@code clustermesh.mcsapi.*} with the CoreDNS
     * auto-configuration job from 1.19) and global namespaces ({@code clustermesh.defaultGlobalNamespace}, 1.20) exist
     * only on some lines (each line's values.yaml).
     */
    private void checkLineOptions(CiliumOptions o, String cluster, String path, String who) {
        if (o.mcsApi().enabled() && supportedBelow(o, 1, 16)) {
            error("CILIUM_OPTION_NOT_ON_LINE", cluster, path + ".mcsApi",
                    who + "mcsApi: " + o.mcsApi().value() + " needs Cilium chart 1.16 or later; chart " + o.version()
                            + " has no Multi-Cluster Services API support",
                    "use chart 1.16 or later for this cluster, or set mcsApi: off");
        } else if (o.mcsApi() == McsApi.ON_COREDNS && supportedBelow(o, 1, 19)) {
            error("CILIUM_OPTION_NOT_ON_LINE", cluster, path + ".mcsApi",
                    who + "mcsApi: on-coredns needs Cilium chart 1.19 or later; chart " + o.version()
                            + " has no CoreDNS auto-configuration (clustermesh.mcsapi.corednsAutoConfigure)",
                    "use chart 1.19 or later for this cluster, or set mcsApi: on and configure CoreDNS for clusterset.local yourself");
        }
        if (o.defaultGlobalNamespace() != null && supportedBelow(o, 1, 20)) {
            error("CILIUM_OPTION_NOT_ON_LINE", cluster, path + ".defaultGlobalNamespace",
                    who + "defaultGlobalNamespace needs Cilium chart 1.20 or later; on chart " + o.version()
                            + " every namespace is global",
                    "use chart 1.20 or later for this cluster, or remove defaultGlobalNamespace");
        }
    }

    private static boolean supportedBelow(CiliumOptions o, int major, int minor) {
        try {
            return !o.chartVersion().atLeast(major, minor);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void mixed(List<MeshCluster> clusters, String field, Function<CiliumOptions, String> get, String code, String why) {
        if (clusters.isEmpty()) {
            return;
        }
        String meshValue = get.apply(spec.cilium());
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            if (c.cilium() == null) {
                continue;
            }
            String v = get.apply(c.cilium());
            if (!v.equals(meshValue)) {
                error(code, c.name(), path(i, "cilium." + field),
                        c.name() + ": " + field + " is " + v + " but the mesh uses " + meshValue + ": " + why,
                        "set " + field + ": " + meshValue + " on " + c.name() + " or remove its override");
            }
        }
    }

    private void checkCa(List<MeshCluster> clusters) {
        CaStrategy ca = spec.ca();
        if (ca.kind() == CaStrategy.Kind.ADOPT && clusters.stream().noneMatch(c -> c.name().equals(ca.fromCluster()))) {
            error("CA_ADOPT_UNKNOWN_CLUSTER", ca.fromCluster(), "spec.ca.from",
                    "the CA is to be adopted from '" + ca.fromCluster() + "', which is not a cluster of the mesh",
                    "set spec.ca.from to one of: " + String.join(", ", clusters.stream().map(MeshCluster::name).toList()));
        }
    }
}
