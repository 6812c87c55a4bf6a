package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.McsApi;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.spi.PemCredential;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The complete Helm values of the Cilium chart for one cluster of the mesh, in the shape of its chart line
 * (1.15, 1.16–1.18, 1.19, 1.20). Always the whole document, never a partial {@code --set}: an upgrade without
 * {@code clustermesh.config} wipes the mesh (the chart's {@code clustermesh.config}, cilium/cilium#35975).
 *
 * <p>What it contains:
 * <ul>
 *   <li>the AKS BYOCNI base (Cilium docs, "Installation using Helm", AKS BYOCNI): {@code aksbyocni}, {@code nodeinit}, {@code kubeProxyReplacement}
 *       (the strings {@code "true"}/{@code "false"}; {@code "strict"} is deprecated from 1.15 and does not enable
 *       what {@code "true"} does), {@code k8sServiceHost}/{@code k8sServicePort} ({@code "443"}), cluster-pool IPAM
 *       with the cluster's pod CIDR, {@code cluster.name/id}, Hubble, routing, tunnel, encryption,
 *       {@code clustermesh.maxConnectedClusters};</li>
 *   <li>the shared CA as {@code tls.ca.cert/key} (base64 PEM);</li>
 *   <li>the mesh: {@code clustermesh.useAPIServer}, {@code clustermesh.config} with every peer except the cluster
 *       itself — a <b>list</b> {@code [{name, port, ips}]} below 1.20, a <b>map</b> {@code {name: {port, ips}}} from
 *       1.20 — the clustermesh-apiserver Service, KVStoreMesh and certificates;</li>
 *   <li>with the mesh disabled, the CLI's {@code disable} shape: {@code useAPIServer=false},
 *       {@code config.enabled=false}, no clusters (in the line's shape).</li>
 * </ul>
 *
 * <p>Peers whose address is not known yet (load balancer IP pending) are left out: an entry without {@code ips} and
 * {@code address} makes the chart fail ({@code missing clustermesh.apiserver.config.clusters.address}). The driver
 * asks {@link #pendingPeers(ValuesInput)} and upgrades again once they are known.
 *
 * <p>Certificates: with {@link CertificateMethod#SDK} ({@code clustermesh.apiserver.tls.auto.enabled=false}) the leaf
 * certificates are values up to chart 1.19 ({@code .server}, {@code .admin}, {@code .remote}, and {@code .client} up to
 * 1.18) and Secrets the SDK creates before the upgrade from 1.20 ({@link #certificatesAsSecrets(ChartVersion)}; the
 * values are deprecated there and {@code tls.enableSecrets=false} keeps the chart's {@code tls-provided} templates
 * from requiring them), and {@code clustermesh.apiserver.tls.authMode} follows the remote certificate's common name
 * ({@code remote-<cluster>} → {@code cluster}, {@code remote} → {@code migration}). The other methods let the chart
 * issue them ({@code auto.method} {@code helm}, {@code cronJob}, {@code certmanager}) in {@code migration} mode, which
 * accepts both kinds of remote certificates, with {@code auto.certValidityDuration} set to the option's leaf lifetime
 * ({@link CiliumOptions#effectiveCertificateValidity()}) and the mesh IP added to the server certificate's names at the
 * line's value path ({@link #serverNamesPath(ChartVersion)}). See {@link #notes(ValuesInput)} for what the chart does
 * not do by itself.
 *
 * <p>Deprecated values are not written where the line deprecates or removes them: the KVStoreMesh toggle only up to
 * 1.17, or when it is turned off ({@link #writesKvstoremeshToggle(CiliumOptions)}); {@code tls.client} up to 1.18;
 * {@code externalWorkloads} never (removed in 1.18); {@code enableMCSAPISupport} up to 1.18.
 * {@code clustermesh.useAPIServer} and {@code clustermesh.config.enabled} are always written together: on 1.19+ the
 * chart renders the {@code clustermesh-remote-users} ConfigMap only with {@code config.enabled} while the
 * clustermesh-apiserver Deployment mounts it whenever {@code useAPIServer} is on and {@code tls.authMode} is not
 * {@code legacy} (cilium/cilium#44181), so the SDK never writes one without the other.
 *
 * <p>The documents hold private keys: print only {@link #redacted(Map)} or a {@link ValuesDiff}.
 */
public final class CiliumValues {

    /** {@code clustermesh.config.domain}: peers are reached as {@code <name>.mesh.cilium.io}. */
    public static final String MESH_DOMAIN = "mesh.cilium.io";
    /** Annotation asking AKS for an internal load balancer. */
    public static final String AZURE_INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";
    /** Annotation asking AKS for a fixed IPv4 address of the load balancer. */
    public static final String AZURE_LB_IPV4_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-ipv4";
    /** {@code k8sServicePort}: the AKS API server listens on 443. */
    public static final String AKS_API_SERVER_PORT = "443";
    /**
     * The Secret (namespace kube-system, key {@code keys}) the chart's agents mount with IPsec encryption. The
     * chart does not create it: the user creates it in every cluster, with the same key, before the upgrade.
     */
    public static final String IPSEC_KEYS_SECRET = "cilium-ipsec-keys";
    /**
     * The Secret the agents connect to the local KVStoreMesh with. The chart issues it only with
     * {@code tls.auto.enabled=true}; with {@link CertificateMethod#SDK} there is no value for it, so it must be
     * created next to the release.
     */
    public static final String LOCAL_CERT_SECRET = "clustermesh-apiserver-local-cert";

    /**
     * {@code clustermesh.apiserver.tls.authMode=migration}: remote clients authenticate as {@code remote}, and the
     * per-cluster users {@code remote-<peer>} exist too, so peers in either mode can connect.
     */
    public static final String AUTH_MODE_MIGRATION = "migration";
    /** {@code clustermesh.apiserver.tls.authMode=cluster}: remote clients authenticate as {@code remote-<cluster>}. */
    public static final String AUTH_MODE_CLUSTER = "cluster";

    /**
     * The Secrets the clustermesh-apiserver mounts for its server and client certificates. From chart 1.20 they must
     * exist before the upgrade when the chart does not issue them (values.yaml {@code clustermesh.apiserver.tls.auto.enabled}).
     */
    public static final List<String> LEAF_SECRETS = List.of("clustermesh-apiserver-server-cert",
            "clustermesh-apiserver-admin-cert", "clustermesh-apiserver-remote-cert");

    /** The two shapes of {@code clustermesh.config.clusters}. */
    public enum ClustersShape {
        /** {@code [{name, port, ips}]}: charts below 1.20. */
        LIST,
        /** {@code {<name>: {port, ips}}}: charts from 1.20 (1.19 reads both). */
        MAP
    }

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .disable(YAMLWriteFeature.SPLIT_LINES)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    private CiliumValues() {
    }

    /** The shape of {@code clustermesh.config.clusters} that the SDK writes for a chart version. */
    public static ClustersShape clustersShape(ChartVersion version) {
        return version.atLeast(1, 20) ? ClustersShape.MAP : ClustersShape.LIST;
    }

    /**
     * Whether SDK-issued leaf certificates go to the cluster as Secrets created before the upgrade instead of values:
     * from chart 1.20, whose values.yaml marks {@code clustermesh.apiserver.tls.server/admin/remote.cert} deprecated
     * ("secrets will always need to be created externally if {@code auto} is disabled").
     */
    public static boolean certificatesAsSecrets(ChartVersion version) {
        return version.atLeast(1, 20);
    }

    /**
     * The value path under which the line reads the extra names of a chart-issued server certificate
     * ({@code .extraDnsNames}, {@code .extraIpAddresses}): {@code clustermesh.apiserver.tls.server} on every supported
     * line, 1.20.0-pre.3 included (its templates/clustermesh-apiserver/tls-helm/server-secret.yaml and
     * tls-certmanager/server-secret.yaml still read it there).
     */
    public static String serverNamesPath(ChartVersion version) {
        Objects.requireNonNull(version, "version");
        return "clustermesh.apiserver.tls.server";
    }

    /**
     * Whether the values carry {@code clustermesh.apiserver.kvstoremesh.enabled}: up to chart 1.17, and later only to
     * turn KVStoreMesh off, since 1.18 deprecates the toggle (values.yaml: "KVStoreMesh will always be enabled once the
     * option is removed") and its default is on.
     */
    public static boolean writesKvstoremeshToggle(CiliumOptions o) {
        return !o.chartVersion().atLeast(1, 18) || !o.kvstoremesh();
    }

    /**
     * The complete values of the input's cluster: a new document of nested {@link LinkedHashMap}s in a fixed order,
     * owned by the caller.
     */
    public static Map<String, Object> values(ValuesInput in) {
        Objects.requireNonNull(in, "in");
        CiliumOptions o = in.options();
        ChartVersion version = o.chartVersion();
        MeshCluster c = in.cluster();
        Map<String, Object> v = new LinkedHashMap<>();

        put(v, "aksbyocni.enabled", true);
        put(v, "nodeinit.enabled", true);
        put(v, "kubeProxyReplacement", String.valueOf(o.kubeProxyReplacement()));
        if (c.apiServer() != null) {
            put(v, "k8sServiceHost", c.apiServer());
            put(v, "k8sServicePort", AKS_API_SERVER_PORT);
        }
        put(v, "ipam.mode", "cluster-pool");
        put(v, "ipam.operator.clusterPoolIPv4PodCIDRList", new ArrayList<>(List.of(c.podCidr())));
        put(v, "cluster.name", c.name());
        put(v, "cluster.id", c.id());
        put(v, "routingMode", o.routingMode().value());
        if (o.routingMode() == RoutingMode.TUNNEL) {
            put(v, "tunnelProtocol", o.tunnelProtocol().value());
        }
        put(v, "encryption.enabled", o.encryption() != Encryption.NONE);
        if (o.encryption() != Encryption.NONE) {
            put(v, "encryption.type", o.encryption().value());
        }
        // the chart refuses relay without hubble.enabled and the UI without relay
        put(v, "hubble.enabled", o.hubble());
        put(v, "hubble.relay.enabled", o.hubble());
        put(v, "hubble.ui.enabled", o.hubble());
        put(v, "tls.ca.cert", base64(in.ca().certificatePem()));
        put(v, "tls.ca.key", base64(in.ca().privateKeyPem()));

        put(v, "clustermesh.useAPIServer", in.meshEnabled());
        put(v, "clustermesh.maxConnectedClusters", o.maxConnectedClusters());
        put(v, "clustermesh.config.enabled", in.meshEnabled());
        put(v, "clustermesh.config.domain", MESH_DOMAIN);
        put(v, "clustermesh.config.clusters", in.meshEnabled()
                ? clusters(clustersShape(version), listedPeers(in))
                : clusters(clustersShape(version), List.of()));
        if (o.policyDefaultLocalCluster() != null && version.atLeast(1, 18)) {
            // chart 1.18+: values.yaml clustermesh.policyDefaultLocalCluster (cilium-config policy-default-local-cluster)
            put(v, "clustermesh.policyDefaultLocalCluster", o.policyDefaultLocalCluster());
        }
        mcsApi(v, o, version);
        if (writesKvstoremeshToggle(o)) {
            put(v, "clustermesh.apiserver.kvstoremesh.enabled", o.kvstoremesh());
        }
        service(v, in);
        apiserverTls(v, in, version);
        return v;
    }

    /**
     * Multi-Cluster Services API: {@code clustermesh.enableMCSAPISupport} on charts 1.16 to 1.18 (cilium-config
     * {@code clustermesh-enable-mcs-api}), {@code clustermesh.mcsapi.{enabled,installCRDs,corednsAutoConfigure.enabled}}
     * from 1.19 (1.19 still reads the old key, 1.20 does not; each line's values.yaml and cilium-configmap.yaml).
     * Global namespaces: {@code clustermesh.defaultGlobalNamespace} from 1.20 (cilium-config
     * {@code clustermesh-default-global-namespace}).
     */
    private static void mcsApi(Map<String, Object> v, CiliumOptions o, ChartVersion version) {
        if (o.mcsApi().enabled() && version.atLeast(1, 19)) {
            put(v, "clustermesh.mcsapi.enabled", true);
            put(v, "clustermesh.mcsapi.installCRDs", true);
            put(v, "clustermesh.mcsapi.corednsAutoConfigure.enabled", o.mcsApi() == McsApi.ON_COREDNS);
        } else if (o.mcsApi().enabled() && version.atLeast(1, 16)) {
            put(v, "clustermesh.enableMCSAPISupport", true);
        }
        if (o.defaultGlobalNamespace() != null && version.atLeast(1, 20)) {
            put(v, "clustermesh.defaultGlobalNamespace", o.defaultGlobalNamespace());
        }
    }

    /** The peers the values list: known addresses, the cluster itself left out, ordered by name. */
    public static List<PeerEndpoint> listedPeers(ValuesInput in) {
        return in.peers().stream()
                .filter(p -> !p.name().equals(in.cluster().name()))
                .filter(PeerEndpoint::hasAddress)
                .sorted(Comparator.comparing(PeerEndpoint::name))
                .toList();
    }

    /** The names of peers left out because their address is not known yet; the driver upgrades again later. */
    public static List<String> pendingPeers(ValuesInput in) {
        if (!in.meshEnabled()) {
            return List.of();
        }
        return in.peers().stream()
                .filter(p -> !p.name().equals(in.cluster().name()))
                .filter(p -> !p.hasAddress())
                .map(PeerEndpoint::name)
                .sorted()
                .toList();
    }

    /**
     * What the user or the driver must do that the values cannot: one sentence each, no secrets. Empty when nothing
     * is needed.
     */
    public static List<String> notes(ValuesInput in) {
        CiliumOptions o = in.options();
        String who = in.cluster().name();
        List<String> notes = new ArrayList<>();
        if (o.encryption() == Encryption.IPSEC) {
            notes.add(who + ": IPsec needs Secret kube-system/" + IPSEC_KEYS_SECRET + " (key 'keys', the same in every "
                    + "cluster) before the upgrade; the chart does not create it");
        }
        if (in.meshEnabled() && o.certificateMethod() == CertificateMethod.CERT_MANAGER) {
            CertManagerIssuer i = in.certManagerIssuer();
            notes.add(who + ": cert-manager " + i.kind() + " " + i.name() + " must exist and sign with the shared "
                    + "Cilium CA, else the clusters do not trust each other's clustermesh certificates");
        }
        if (in.meshEnabled() && o.certificateMethod() == CertificateMethod.CRON_JOB) {
            notes.add(who + ": with method cronJob the chart issues the clustermesh certificates once; they are "
                    + "renewed only if clustermesh.apiserver.tls.auto.schedule is set");
        }
        if (in.meshEnabled() && o.certificateMethod() == CertificateMethod.SDK && certificatesAsSecrets(o.chartVersion())) {
            notes.add(who + ": chart " + o.chartVersion().line() + " takes no certificates as values: Secrets kube-system/"
                    + String.join(", ", LEAF_SECRETS) + " must exist before the upgrade (the SDK's apply writes them)");
        }
        if (in.meshEnabled() && o.certificateMethod() == CertificateMethod.SDK && o.kvstoremesh()) {
            notes.add(who + ": with SDK-issued certificates and KVStoreMesh, Secret kube-system/" + LOCAL_CERT_SECRET
                    + " (CN local-" + who + ") must be created besides the release: the chart has no value for it");
        }
        if (o.mcsApi() == McsApi.ON) {
            notes.add(who + ": with mcsApi on, CoreDNS must serve clusterset.local (multicluster plugin, CoreDNS 1.12.2 "
                    + "or later) for ServiceImport names to resolve; mcsApi on-coredns lets the chart configure it (1.19+)");
        }
        for (String peer : pendingPeers(in)) {
            notes.add(who + ": peer " + peer + " has no address yet (load balancer IP pending); it is left out of "
                    + "clustermesh.config.clusters until known");
        }
        return List.copyOf(notes);
    }

    /**
     * What a network policy selector without {@code io.cilium.k8s.policy.cluster} matches on the cluster's chart line
     * ({@code clustermesh.policyDefaultLocalCluster}, chart 1.18 and later; default true from 1.19), for the plan.
     */
    public static String policyDefaultNote(CiliumOptions o, String cluster) {
        boolean local = o.effectivePolicyDefaultLocalCluster();
        return "chart " + o.version() + ": a network policy selector without io.cilium.k8s.policy.cluster matches "
                + (local ? "only endpoints of " + cluster : "endpoints of every cluster of the mesh")
                + " (clustermesh.policyDefaultLocalCluster " + local
                + (o.policyDefaultLocalCluster() == null ? ", the line's default" : ", as set") + ")";
    }

    /**
     * The peers configured in an existing values document (e.g. a release's), in either shape, in document order.
     * Entries with {@code enabled: false} are left out (the chart does not render them); a missing port reads as
     * {@value PeerEndpoint#DEFAULT_PORT}; an entry with only an {@code address} reads without IPs.
     *
     * @throws IllegalArgumentException if {@code clustermesh.config.clusters} is neither a list nor a map
     */
    public static List<PeerEndpoint> clusterEntries(Map<String, ?> values) {
        Object clusters = get(values, "clustermesh.config.clusters");
        List<PeerEndpoint> peers = new ArrayList<>();
        if (clusters == null) {
            return List.of();
        }
        if (clusters instanceof List<?> list) {
            for (Object entry : list) {
                if (entry instanceof Map<?, ?> m && m.get("name") != null) {
                    addEntry(peers, String.valueOf(m.get("name")), m);
                }
            }
        } else if (clusters instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    addEntry(peers, String.valueOf(e.getKey()), m);
                }
            }
        } else {
            throw new IllegalArgumentException("clustermesh.config.clusters is a " + clusters.getClass().getSimpleName()
                    + "; the chart reads a list or a map");
        }
        return List.copyOf(peers);
    }

    /** A deep copy safe to print: private keys {@code <redacted>}, certificates as SHA-256 fingerprint prefixes. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> redacted(Map<String, ?> values) {
        return (Map<String, Object>) Redaction.redact(List.of(), Objects.requireNonNull(values, "values"));
    }

    /**
     * The document as YAML, for a values file (GitOps export). Not redacted: the file holds the keys, like the
     * release does. Strings that YAML would read as something else ({@code "true"}, {@code "443"}) stay quoted.
     */
    public static String toYaml(Map<String, ?> values) {
        Objects.requireNonNull(values, "values");
        try {
            return YAML.writeValueAsString(values);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the values cannot be written as YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** A values document read from YAML (nested {@link LinkedHashMap}s); an empty text is an empty document. */
    public static Map<String, Object> fromYaml(String yaml) {
        Objects.requireNonNull(yaml, "yaml");
        if (yaml.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            Map<String, Object> m = YAML.readValue(yaml, new TypeReference<LinkedHashMap<String, Object>>() {
            });
            return m == null ? new LinkedHashMap<>() : m;
        } catch (JacksonException e) {
            // the parser's message may quote the document, which can hold keys: keep only the location
            throw new IllegalArgumentException("the text is not a YAML values document"
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
    }

    // ---- parts of the document

    private static Object clusters(ClustersShape shape, List<PeerEndpoint> peers) {
        if (shape == ClustersShape.MAP) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (PeerEndpoint p : peers) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("port", p.port());
                entry.put("ips", new ArrayList<>(p.ips()));
                map.put(p.name(), entry);
            }
            return map;
        }
        List<Object> list = new ArrayList<>();
        for (PeerEndpoint p : peers) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", p.name());
            entry.put("port", p.port());
            entry.put("ips", new ArrayList<>(p.ips()));
            list.add(entry);
        }
        return list;
    }

    private static void service(Map<String, Object> v, ValuesInput in) {
        String meshIp = in.cluster().meshIp();
        switch (in.spec().exposure().type()) {
            case AZURE_INTERNAL_LB -> {
                put(v, "clustermesh.apiserver.service.type", "LoadBalancer");
                Map<String, Object> annotations = new LinkedHashMap<>();
                annotations.put(AZURE_INTERNAL_LB_ANNOTATION, "true");
                if (meshIp != null) {
                    annotations.put(AZURE_LB_IPV4_ANNOTATION, meshIp);
                }
                put(v, "clustermesh.apiserver.service.annotations", annotations);
            }
            case LOAD_BALANCER -> {
                put(v, "clustermesh.apiserver.service.type", "LoadBalancer");
                if (meshIp != null) {
                    put(v, "clustermesh.apiserver.service.loadBalancerIP", meshIp);
                }
            }
            case NODE_PORT -> put(v, "clustermesh.apiserver.service.type", "NodePort");
        }
        if (in.spec().exposure().isLoadBalancer()) {
            List<String> ranges = sourceRanges(in);
            if (!ranges.isEmpty()) {
                put(v, "clustermesh.apiserver.service.loadBalancerSourceRanges", new ArrayList<>(ranges));
            }
        }
    }

    /**
     * The ranges the cluster's clustermesh-apiserver load balancer accepts connections from (chart 1.17+:
     * {@code clustermesh.apiserver.service.loadBalancerSourceRanges}): the node ranges of every peer, sorted, once
     * each. Empty — no restriction — when the chart line has no such value, the mesh is disabled, or any peer's node
     * range is unknown (a peer left out would be cut off; the plan says so).
     */
    public static List<String> sourceRanges(ValuesInput in) {
        if (!in.meshEnabled() || !in.options().chartVersion().atLeast(1, 17)) {
            return List.of();
        }
        java.util.TreeSet<String> ranges = new java.util.TreeSet<>();
        for (PeerEndpoint p : in.peers()) {
            if (p.name().equals(in.cluster().name())) {
                continue;
            }
            String cidr = in.spec().clusters().stream().filter(c -> c.name().equals(p.name())).findFirst()
                    .map(MeshCluster::nodeCidr).orElse(null);
            if (cidr == null) {
                return List.of();
            }
            ranges.add(cidr);
        }
        return List.copyOf(ranges);
    }

    private static void apiserverTls(Map<String, Object> v, ValuesInput in, ChartVersion version) {
        CertificateMethod method = in.options().certificateMethod();
        if (method != CertificateMethod.SDK) {
            put(v, "clustermesh.apiserver.tls.authMode", AUTH_MODE_MIGRATION);
            put(v, "clustermesh.apiserver.tls.auto.enabled", true);
            put(v, "clustermesh.apiserver.tls.auto.method", method.value());
            // the leaf lifetime is the option's, not whatever the line's chart defaults to
            put(v, "clustermesh.apiserver.tls.auto.certValidityDuration", validityDays(in.options()));
            if (method == CertificateMethod.CERT_MANAGER && in.certManagerIssuer() != null) {
                put(v, "clustermesh.apiserver.tls.auto.certManagerIssuerRef", in.certManagerIssuer().toValues());
            }
            if (in.meshEnabled() && in.cluster().meshIp() != null) {
                // peers dial <name>.mesh.cilium.io (a default name); the mesh IP is kept for clients that dial the address
                put(v, serverNamesPath(version) + ".extraIpAddresses", new ArrayList<>(List.of(in.cluster().meshIp())));
            }
            return;
        }
        ApiserverCertificates certs = in.certificates();
        put(v, "clustermesh.apiserver.tls.authMode",
                certs == null ? AUTH_MODE_MIGRATION : authMode(in.cluster().name(), certs.remote()));
        put(v, "clustermesh.apiserver.tls.auto.enabled", false);
        if (certs == null) {
            return; // mesh disabled: the chart renders no clustermesh-apiserver, so no certificates are needed
        }
        if (certificatesAsSecrets(version)) {
            // 1.20: the SDK creates LEAF_SECRETS before the upgrade; without this the tls-provided templates would
            // require the deprecated .cert/.key values (the only switch the 1.20.0-pre.3 templates read for it)
            put(v, "clustermesh.apiserver.tls.enableSecrets", false);
            return;
        }
        leaf(v, "server", certs.server());
        leaf(v, "admin", certs.admin());
        leaf(v, "remote", certs.remote());
        if (certs.client() != null && certs.client().hasKey() && !version.atLeast(1, 19)) {
            leaf(v, "client", certs.client());
        }
    }

    /** The option's leaf lifetime in whole days (the chart's {@code certValidityDuration} unit), at least 1. */
    private static long validityDays(CiliumOptions o) {
        return Math.max(1, o.effectiveCertificateValidity().toDays());
    }

    private static void leaf(Map<String, Object> v, String name, PemCredential credential) {
        put(v, "clustermesh.apiserver.tls." + name + ".cert", base64(credential.certificatePem()));
        put(v, "clustermesh.apiserver.tls." + name + ".key", base64(credential.privateKeyPem()));
    }

    /** {@code cluster} for a remote certificate with CN {@code remote-<cluster>}, {@code migration} for CN {@code remote}. */
    private static String authMode(String clusterName, PemCredential remote) {
        String cn = commonName(clusterName, remote.certificatePem());
        if (cn.equals("remote")) {
            return AUTH_MODE_MIGRATION;
        }
        if (cn.equals("remote-" + clusterName)) {
            return AUTH_MODE_CLUSTER;
        }
        throw new IllegalArgumentException(clusterName + ": the remote certificate's common name is '" + cn
                + "'; the clustermesh-apiserver accepts 'remote' or 'remote-" + clusterName + "'");
    }

    private static String commonName(String clusterName, String pem) {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return "";
        } catch (CertificateException | InvalidNameException | ClassCastException e) {
            throw new IllegalArgumentException(clusterName + ": the remote certificate is not a PEM X.509 certificate", e);
        }
    }

    // ---- helpers

    private static void addEntry(List<PeerEndpoint> peers, String name, Map<?, ?> entry) {
        if (Boolean.FALSE.equals(entry.get("enabled")) || "false".equals(entry.get("enabled"))) {
            return;
        }
        int port = PeerEndpoint.DEFAULT_PORT;
        Object p = entry.get("port");
        if (p instanceof Number n) {
            port = n.intValue();
        } else if (p instanceof String s && !s.isBlank()) {
            try {
                port = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("clustermesh.config.clusters entry " + name + ": port '" + s
                        + "' is not a number");
            }
        }
        List<String> ips = new ArrayList<>();
        if (entry.get("ips") instanceof List<?> list) {
            for (Object ip : list) {
                if (ip != null && !String.valueOf(ip).isBlank()) {
                    ips.add(String.valueOf(ip));
                }
            }
        }
        peers.add(new PeerEndpoint(name, port, ips));
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> root, String dottedPath, Object value) {
        String[] parts = dottedPath.split("\\.");
        Map<String, Object> node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        node.put(parts[parts.length - 1], value);
    }

    private static Object get(Map<String, ?> root, String dottedPath) {
        Object node = root;
        for (String part : dottedPath.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(part);
        }
        return node;
    }
}
