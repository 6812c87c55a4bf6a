package io.clustermesh.cilium.config;

import io.clustermesh.model.Exposure;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a cluster's {@code kube-system/cilium-config} ConfigMap says about the datapath the mesh depends on. Keys as
 * the chart renders them ({@code install/kubernetes/cilium/templates/cilium-configmap.yaml}): {@code routing-mode},
 * {@code tunnel-protocol}, {@code tunnel-port}, {@code enable-wireguard} / {@code enable-ipsec} (from
 * {@code encryption.type}), {@code encrypt-node}, {@code kube-proxy-replacement}, {@code policy-default-local-cluster}.
 *
 * @param cluster                   the cluster
 * @param routingMode               {@code tunnel} or {@code native} (chart default tunnel)
 * @param tunnelProtocol            {@code vxlan} or {@code geneve} (default vxlan)
 * @param tunnelPort                the tunnel's UDP port: {@code tunnel-port}, else the protocol's default
 * @param encryption                {@code none}, {@code wireguard}, {@code ipsec}, {@code ztunnel}, or several joined by
 *                                  {@code +} when more than one is switched on
 * @param nodeEncryption            {@code encrypt-node}
 * @param kubeProxyReplacement      {@code kube-proxy-replacement} is {@code true}
 * @param policyDefaultLocalCluster {@code policy-default-local-cluster} is {@code true}
 */
public record LiveCiliumConfig(String cluster, String routingMode, String tunnelProtocol, int tunnelPort, String encryption,
                               boolean nodeEncryption, boolean kubeProxyReplacement, boolean policyDefaultLocalCluster) {

    public LiveCiliumConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(routingMode, "routingMode");
        Objects.requireNonNull(tunnelProtocol, "tunnelProtocol");
        Objects.requireNonNull(encryption, "encryption");
    }

    /** Reads the ConfigMap's data. */
    public static LiveCiliumConfig of(String cluster, Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        String routing = lower(d.getOrDefault("routing-mode", "tunnel"));
        String tunnel = lower(d.getOrDefault("tunnel-protocol", "vxlan"));
        TunnelProtocol t = TunnelProtocol.fromValue(tunnel);
        int port = t == null ? 0 : t.udpPort();
        String tp = d.get("tunnel-port");
        if (tp != null && !tp.isBlank() && !tp.trim().equals("0")) {
            try {
                port = Integer.parseInt(tp.trim());
            } catch (NumberFormatException e) {
                // keep the protocol's default; the agent would refuse the value anyway
            }
        }
        List<String> modes = new ArrayList<>();
        if (on(d, "enable-wireguard")) modes.add("wireguard");
        if (on(d, "enable-ipsec")) modes.add("ipsec");
        if (on(d, "enable-ztunnel")) modes.add("ztunnel");
        String enc = modes.isEmpty() ? "none" : String.join("+", modes);
        return new LiveCiliumConfig(cluster, routing, tunnel, port, enc, on(d, "encrypt-node"),
                on(d, "kube-proxy-replacement"), on(d, "policy-default-local-cluster"));
    }

    private static boolean on(Map<String, String> d, String key) {
        return "true".equals(lower(d.get(key)));
    }

    private static String lower(String s) {
        return s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The traffic this cluster's datapath needs between node subnets and to the clustermesh-apiservers, as configured
     * live (a custom {@code tunnel-port} included).
     */
    public List<RequiredPort> requiredPorts(Exposure exposure) {
        return RequiredPorts.of(exposure, RoutingMode.TUNNEL.value().equals(routingMode) ? tunnelPort : 0, tunnelProtocol.equals("geneve"),
                encryption.contains("wireguard"), encryption.contains("ipsec"));
    }
}
