package io.clustermesh.cilium.config;

import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks that the clusters' live {@code cilium-config} agree where the mesh needs them to (Cilium docs: Cluster Mesh requirements, policy, firewall rules):
 * pure functions over the ConfigMaps, so they run the same on a plan's snapshots, in status and in tests.
 *
 * <ul>
 *   <li>{@value #ENCRYPTION_MIXED} (error): transparent encryption differs between clusters (the spec-level check
 *       of {@code Validator} uses the same code);</li>
 *   <li>{@value #NODE_ENCRYPTION_MIXED} (warning): {@code encrypt-node} differs;</li>
 *   <li>{@value #ENCRYPTION_DRIFT} (warning): a cluster runs another encryption than the spec asks for (the next
 *       apply changes it, and the agents restart);</li>
 *   <li>{@value #TUNNEL_MIXED} (error): routing mode, tunnel protocol or tunnel port differ;</li>
 *   <li>{@value #POLICY_DEFAULT_LOCAL_CLUSTER_MIXED} (warning): selectors without a cluster label mean "any cluster"
 *       on some clusters and "this cluster" on others.</li>
 * </ul>
 */
public final class LiveConfigChecks {
    public static final String ENCRYPTION_MIXED = "ENCRYPTION_MIXED";
    public static final String NODE_ENCRYPTION_MIXED = "NODE_ENCRYPTION_MIXED";
    public static final String ENCRYPTION_DRIFT = "ENCRYPTION_DRIFT";
    public static final String TUNNEL_MIXED = "TUNNEL_MIXED";
    public static final String POLICY_DEFAULT_LOCAL_CLUSTER_MIXED = "POLICY_DEFAULT_LOCAL_CLUSTER_MIXED";
    /** Where the findings point. */
    public static final String PATH = "configmap/kube-system/cilium-config";

    private LiveConfigChecks() {
    }

    /**
     * Every disagreement between the clusters' ConfigMaps. Clusters without a ConfigMap are left out of the map
     * (Cilium not installed yet).
     *
     * @param ciliumConfigs each cluster's {@code cilium-config} data, in mesh order
     */
    public static List<Finding> check(Map<String, Map<String, String>> ciliumConfigs) {
        List<LiveCiliumConfig> configs = parse(ciliumConfigs);
        List<Finding> out = new ArrayList<>();
        mixed(configs, LiveCiliumConfig::encryption, ENCRYPTION_MIXED, Severity.ERROR, "transparent encryption",
                "set the same encryption (spec.cilium.encryption: none, wireguard or ipsec) on every cluster and apply; nodes of clusters"
                        + " with different settings cannot exchange encrypted traffic", out);
        mixed(configs, c -> c.nodeEncryption() ? "on" : "off", NODE_ENCRYPTION_MIXED, Severity.WARNING, "node-to-node encryption (encrypt-node)",
                "set encryption.nodeEncryption the same on every cluster", out);
        mixed(configs, c -> c.routingMode() + (c.routingMode().equals("tunnel") ? " " + c.tunnelProtocol() + " " + c.tunnelPort() + "/udp" : ""),
                TUNNEL_MIXED, Severity.ERROR, "routing (mode, tunnel protocol, tunnel port)",
                "use the same routingMode, tunnelProtocol and tunnel port on every cluster", out);
        mixed(configs, c -> String.valueOf(c.policyDefaultLocalCluster()), POLICY_DEFAULT_LOCAL_CLUSTER_MIXED, Severity.WARNING,
                "policy-default-local-cluster",
                "set clustermesh.policyDefaultLocalCluster the same everywhere, and write io.cilium.k8s.policy.cluster in every cross-cluster"
                        + " selector (ClusterMeshPolicy always does)", out);
        return out;
    }

    /** Clusters whose live encryption is not what the spec asks for. */
    public static List<Finding> drift(MeshSpec spec, Map<String, Map<String, String>> ciliumConfigs) {
        Objects.requireNonNull(spec, "spec");
        List<Finding> out = new ArrayList<>();
        for (LiveCiliumConfig c : parse(ciliumConfigs)) {
            MeshCluster mc = spec.cluster(c.cluster()).orElse(null);
            if (mc == null) {
                continue;
            }
            String wanted = spec.ciliumFor(mc).encryption().value();
            if (!wanted.equals(c.encryption())) {
                out.add(Finding.warning(ENCRYPTION_DRIFT, c.cluster(), PATH,
                        c.cluster() + " runs with transparent encryption " + c.encryption() + " but the spec asks for " + wanted
                                + "; the next apply changes it and restarts the agents",
                        "apply during a maintenance window, or set spec.cilium.encryption: " + c.encryption() + " to keep it"));
            }
        }
        return out;
    }

    private static List<LiveCiliumConfig> parse(Map<String, Map<String, String>> ciliumConfigs) {
        Objects.requireNonNull(ciliumConfigs, "ciliumConfigs");
        return ciliumConfigs.entrySet().stream().map(e -> LiveCiliumConfig.of(e.getKey(), e.getValue())).toList();
    }

    /**
     * One finding per cluster that differs from the most common value (ties: the first cluster's value), each naming
     * every cluster's value.
     */
    private static void mixed(List<LiveCiliumConfig> configs, Function<LiveCiliumConfig, String> get, String code, Severity severity,
                              String what, String fix, List<Finding> out) {
        Map<String, String> values = new LinkedHashMap<>();
        configs.forEach(c -> values.put(c.cluster(), get.apply(c)));
        if (values.values().stream().distinct().count() < 2) {
            return;
        }
        Map<String, Long> counts = values.values().stream().collect(Collectors.groupingBy(v -> v, LinkedHashMap::new, Collectors.counting()));
        long max = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        String reference = counts.entrySet().stream().filter(e -> e.getValue() == max).map(Map.Entry::getKey).findFirst().orElseThrow();
        String all = values.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        values.forEach((cluster, v) -> {
            if (!v.equals(reference)) {
                out.add(new Finding(code, severity, cluster, PATH,
                        cluster + ": " + what + " is " + v + ", unlike the rest of the mesh (" + all + ")", fix));
            }
        });
    }
}
