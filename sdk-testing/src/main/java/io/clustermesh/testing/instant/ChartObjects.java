package io.clustermesh.testing.instant;

import io.clustermesh.spi.SecretData;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.WorkloadStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Cluster Mesh objects the Cilium chart renders for a values document, built in Java instead of rendered — what
 * the instant world's Helm materialises. It follows the chart's templates for the objects the SDK and the agents
 * read (Cilium {@code install/kubernetes/cilium/templates/}: {@code cilium-configmap.yaml},
 * {@code cilium-ca-secret.yaml}, {@code clustermesh-apiserver/service.yaml}, {@code deployment.yaml},
 * {@code tls-provided/*.yaml}, {@code clustermesh-config/*.yaml}, {@code cilium-agent/daemonset.yaml}); the lab's
 * own chart (sdk-testing resources {@code sim/chart}) renders the same objects with Helm.
 *
 * <p>Not modelled: certificates the chart would issue itself ({@code tls.auto.enabled} with method {@code helm},
 * {@code cronJob} or {@code certmanager}) — the instant world then has no clustermesh-apiserver certificates and its
 * agents report the peers unreachable, which is the honest outcome of a world that cannot issue them; a chart CA made
 * by {@code genCA} (no {@code tls.ca} in the values and none in the cluster) — then there is no {@code cilium-ca}.
 *
 * @param secrets     by namespace/name
 * @param configMaps  by namespace/name
 * @param services    by namespace/name
 * @param deployments by namespace/name
 * @param daemonSets  by namespace/name
 * @param templates   a fingerprint of each workload's pod template (a change is a new generation)
 * @param hostAliases the agents' and KVStoreMesh's {@code hostAliases}: peer host name to IPs
 */
record ChartObjects(Map<String, SecretData> secrets, Map<String, Map<String, String>> configMaps, Map<String, ServiceInfo> services,
                    Map<String, WorkloadStatus> deployments, Map<String, WorkloadStatus> daemonSets, Map<String, String> templates,
                    Map<String, List<String>> hostAliases) {
    static final ChartObjects NONE = new ChartObjects(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    static final String NS = "kube-system";
    static final String AZURE_LB_IPV4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4";
    static final String DOMAIN_DEFAULT = "mesh.cilium.io";

    /** A peer of {@code clustermesh.config.clusters}. */
    record Peer(String name, int port, List<String> ips) {
    }

    /**
     * The objects for {@code values} in {@code cluster}.
     *
     * @param existingCa the {@code cilium-ca} already in the cluster (what the chart's {@code lookup} finds), or null
     * @param lbAddress  the address the cluster's load balancer gives a LoadBalancer Service without a requested IP
     */
    static ChartObjects render(InstantCluster cluster, Map<String, Object> values, SecretData existingCa, String lbAddress) {
        Map<String, SecretData> secrets = new LinkedHashMap<>();
        Map<String, Map<String, String>> configMaps = new LinkedHashMap<>();
        Map<String, ServiceInfo> services = new LinkedHashMap<>();
        Map<String, WorkloadStatus> deployments = new LinkedHashMap<>();
        Map<String, WorkloadStatus> daemonSets = new LinkedHashMap<>();
        Map<String, String> templates = new LinkedHashMap<>();
        Map<String, List<String>> hostAliases = new LinkedHashMap<>();

        String clusterName = str(values, "cluster.name", "default");
        String clusterId = str(values, "cluster.id", "0");
        boolean useApiServer = bool(values, "clustermesh.useAPIServer", false);
        boolean configEnabled = bool(values, "clustermesh.config.enabled", false);
        boolean kvstoremesh = useApiServer && bool(values, "clustermesh.apiserver.kvstoremesh.enabled", true);
        String domain = str(values, "clustermesh.config.domain", DOMAIN_DEFAULT);

        // cilium-config (cilium-configmap.yaml)
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("cluster-name", clusterName);
        cfg.put("cluster-id", clusterId);
        cfg.put("max-connected-clusters", str(values, "clustermesh.maxConnectedClusters", "255"));
        cfg.put("identity-allocation-mode", "crd");
        if (useApiServer || configEnabled) {
            cfg.put("clustermesh-config", "/var/lib/cilium/clustermesh/");
        }
        configMaps.put(NS + "/cilium-config", cfg);

        // the CA (cilium-ca-secret.yaml): the values' tls.ca, else the one in the cluster
        String caCert = decode(str(values, "tls.ca.cert", ""));
        String caKey = decode(str(values, "tls.ca.key", ""));
        if (caCert.isEmpty() && existingCa != null) {
            caCert = Objects.toString(existingCa.string("ca.crt"), "");
            caKey = Objects.toString(existingCa.string("ca.key"), "");
        }
        if (!caCert.isEmpty()) {
            secrets.put(NS + "/cilium-ca", secret("cilium-ca", "Opaque", Map.of("ca.crt", caCert, "ca.key", caKey)));
        }

        // every peer's entry, rendered to text and digested once for both pod templates' fingerprints (N-1 entries)
        String meshConfig = fingerprint(List.of(String.valueOf(get(values, "clustermesh.config"))));
        List<Peer> peers = configEnabled ? peers(values) : List.of();
        for (Peer p : peers) {
            if (!p.ips().isEmpty()) {
                hostAliases.put(p.name() + "." + domain, p.ips());
            }
        }
        if (useApiServer) {
            // clustermesh-apiserver/service.yaml: a LoadBalancer gets its address at once
            String type = str(values, "clustermesh.apiserver.service.type", "NodePort");
            Map<String, String> annotations = new LinkedHashMap<>();
            if (get(values, "clustermesh.apiserver.service.annotations") instanceof Map<?, ?> a) {
                a.forEach((k, v) -> annotations.put(String.valueOf(k), String.valueOf(v)));
            }
            List<String> ingress = new ArrayList<>();
            if ("LoadBalancer".equals(type)) {
                String requested = annotations.getOrDefault(AZURE_LB_IPV4, str(values, "clustermesh.apiserver.service.loadBalancerIP", ""));
                ingress.add(requested.isEmpty() ? lbAddress : requested);
            }
            services.put(NS + "/clustermesh-apiserver", new ServiceInfo(NS, "clustermesh-apiserver", type, annotations, List.of(2379), ingress,
                    "10.0." + (cluster.index() / 256) + "." + (cluster.index() % 256)));
            // clustermesh-apiserver/deployment.yaml
            List<String> containers = new ArrayList<>(List.of("etcd", "apiserver"));
            if (kvstoremesh) {
                containers.add("kvstoremesh");
            }
            int replicas = Integer.parseInt(str(values, "clustermesh.apiserver.replicas", "1"));
            deployments.put(NS + "/clustermesh-apiserver", new WorkloadStatus("clustermesh-apiserver", replicas, 0, 0, 0, 0, containers));
            templates.put(NS + "/clustermesh-apiserver", fingerprint(List.of(clusterName, clusterId, String.valueOf(get(values, "clustermesh.apiserver.tls")),
                    caCert, kvstoremesh, meshConfig, cfg.get("max-connected-clusters"))));
            // tls-provided: the certificates given in the values (auto.enabled false)
            if (!bool(values, "clustermesh.apiserver.tls.auto.enabled", true)) {
                for (String leaf : List.of("server", "admin", "remote", "client")) {
                    String crt = decode(str(values, "clustermesh.apiserver.tls." + leaf + ".cert", ""));
                    String key = decode(str(values, "clustermesh.apiserver.tls." + leaf + ".key", ""));
                    if (!crt.isEmpty()) {
                        String n = "clustermesh-apiserver-" + leaf + "-cert";
                        secrets.put(NS + "/" + n, secret(n, "kubernetes.io/tls", Map.of("ca.crt", caCert, "tls.crt", crt, "tls.key", key)));
                    }
                }
            }
        }
        if (configEnabled) {
            // clustermesh-config: the remote etcd configurations, read by KVStoreMesh (or the agents without it)
            Map<String, String> remote = new LinkedHashMap<>();
            for (Peer p : peers) {
                // the peer's name resolves through the hostAliases above (charts up to 1.19 write it this way)
                remote.put(p.name(), etcdConfig("https://" + p.name() + "." + domain + ":" + p.port(), "common-etcd-client"));
            }
            String n = kvstoremesh ? "cilium-kvstoremesh" : "cilium-clustermesh";
            secrets.put(NS + "/" + n, secret(n, "Opaque", remote));
            if (kvstoremesh) {
                Map<String, String> local = new LinkedHashMap<>();
                String toLocal = etcdConfig("https://clustermesh-apiserver." + NS + ".svc:2379", "local-etcd-client"); // the same for every peer
                for (Peer p : peers) {
                    local.put(p.name(), toLocal);
                }
                secrets.put(NS + "/cilium-clustermesh", secret("cilium-clustermesh", "Opaque", local));
            }
        }
        // cilium-agent/daemonset.yaml: a change of cilium-config or of the remote clusters rolls the agents
        daemonSets.put(NS + "/cilium", new WorkloadStatus("cilium", cluster.nodeCount(), 0, 0, 0, 0, List.of("cilium-agent")));
        templates.put(NS + "/cilium", fingerprint(List.of(cfg.toString(), meshConfig)));
        return new ChartObjects(secrets, configMaps, services, deployments, daemonSets, templates, hostAliases);
    }

    /** {@code clustermesh.config.clusters}, list (charts before 1.20) or map form; {@code enabled: false} entries left out. */
    static List<Peer> peers(Map<String, Object> values) {
        List<Peer> out = new ArrayList<>();
        Object clusters = get(values, "clustermesh.config.clusters");
        if (clusters instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    peer(out, String.valueOf(m.get("name")), m);
                }
            }
        } else if (clusters instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if (v instanceof Map<?, ?> m) {
                    peer(out, String.valueOf(k), m);
                }
            });
        }
        return out;
    }

    private static void peer(List<Peer> out, String name, Map<?, ?> m) {
        if ("false".equals(String.valueOf(m.get("enabled")))) {
            return;
        }
        int port = m.get("port") == null ? 2379 : Integer.parseInt(String.valueOf(m.get("port")).trim());
        List<String> ips = new ArrayList<>();
        if (m.get("ips") instanceof List<?> l) {
            l.forEach(ip -> ips.add(String.valueOf(ip)));
        }
        out.add(new Peer(name, port, ips));
    }

    /** An etcd client configuration as the chart writes it for the agents. */
    private static String etcdConfig(String endpoint, String files) {
        return "endpoints:\n- " + endpoint + "\ntrusted-ca-file: /var/lib/cilium/clustermesh/" + files + "-ca.crt\n"
                + "key-file: /var/lib/cilium/clustermesh/" + files + ".key\ncert-file: /var/lib/cilium/clustermesh/" + files + ".crt\n";
    }

    private static SecretData secret(String name, String type, Map<String, String> data) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, byte[]> encoded = new java.util.HashMap<>(); // a text repeated for many keys is encoded once
        data.forEach((k, v) -> bytes.put(k, encoded.computeIfAbsent(v, t -> t.getBytes(StandardCharsets.UTF_8))));
        return new SecretData(name, null, type, Map.of(), bytes);
    }

    private static String fingerprint(List<?> parts) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(d.digest(parts.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A base64 value of the chart (certificates and keys are given base64-encoded), decoded; empty stays empty. */
    private static String decode(String b64) {
        if (b64.isBlank()) {
            return "";
        }
        return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    static Object get(Map<String, Object> values, String path) {
        Object cur = values;
        for (String p : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(p);
        }
        return cur;
    }

    private static String str(Map<String, Object> values, String path, String dflt) {
        Object v = get(values, path);
        return v == null ? dflt : String.valueOf(v);
    }

    private static boolean bool(Map<String, Object> values, String path, boolean dflt) {
        Object v = get(values, path);
        return v == null ? dflt : Boolean.parseBoolean(String.valueOf(v));
    }
}
