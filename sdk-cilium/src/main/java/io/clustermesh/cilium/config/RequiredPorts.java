package io.clustermesh.cilium.config;

import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The traffic to allow between the clusters of a mesh (Cilium docs, "System Requirements", firewall rules for Cluster Mesh), derived from the Cilium options:
 * <ul>
 *   <li>2379/tcp to each clustermesh-apiserver (its LB IP; with NodePort exposure the node port, chart default 32379,
 *       on the node IPs);</li>
 *   <li>4240/tcp (cilium-health) and ICMP echo request 8/0 between nodes;</li>
 *   <li>the tunnel: 8472/udp with VXLAN or 6081/udp with Geneve (routing mode tunnel only);</li>
 *   <li>encryption: 51871/udp with WireGuard, ESP (IP protocol 50) with IPsec.</li>
 * </ul>
 */
public final class RequiredPorts {
    /** etcd of the clustermesh-apiserver. */
    public static final int MESH_APISERVER_PORT = 2379;
    /** The chart's default {@code clustermesh.apiserver.service.nodePort}. */
    public static final int MESH_APISERVER_NODE_PORT = 32379;
    /** cilium-health. */
    public static final int HEALTH_PORT = 4240;
    /** WireGuard's UDP port in Cilium. */
    public static final int WIREGUARD_PORT = 51871;

    private RequiredPorts() {
    }

    /** With the clustermesh-apiservers behind load balancers (the SDK's default exposure). */
    public static List<RequiredPort> of(CiliumOptions options) {
        return of(options, Exposure.azureInternalLoadBalancer());
    }

    public static List<RequiredPort> of(CiliumOptions options, Exposure exposure) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(exposure, "exposure");
        TunnelProtocol t = options.tunnelProtocol();
        return of(exposure, options.routingMode() == RoutingMode.TUNNEL ? t.udpPort() : 0, t == TunnelProtocol.GENEVE,
                options.encryption() == Encryption.WIREGUARD, options.encryption() == Encryption.IPSEC);
    }

    /**
     * The list for a datapath given by its parts (also what {@link LiveCiliumConfig} reads from a running cluster).
     *
     * @param tunnelPort the tunnel's UDP port, 0 with native routing
     */
    static List<RequiredPort> of(Exposure exposure, int tunnelPort, boolean geneve, boolean wireguard, boolean ipsec) {
        List<RequiredPort> out = new ArrayList<>();
        if (exposure.isLoadBalancer()) {
            out.add(RequiredPort.tcp(MESH_APISERVER_PORT, RequiredPort.Target.MESH_APISERVER, "clustermesh-apiserver etcd (load balancer IP)"));
        } else {
            out.add(RequiredPort.tcp(MESH_APISERVER_NODE_PORT, RequiredPort.Target.MESH_APISERVER,
                    "clustermesh-apiserver etcd (node port on every node IP)"));
        }
        out.add(RequiredPort.tcp(HEALTH_PORT, RequiredPort.Target.NODES, "cilium-health checks"));
        out.add(RequiredPort.icmp(8, 0, RequiredPort.Target.NODES, "cilium-health ping"));
        if (tunnelPort > 0) {
            out.add(RequiredPort.udp(tunnelPort, RequiredPort.Target.NODES, (geneve ? "Geneve" : "VXLAN") + " tunnel"));
        }
        if (wireguard) {
            out.add(RequiredPort.udp(WIREGUARD_PORT, RequiredPort.Target.NODES, "WireGuard transparent encryption"));
        }
        if (ipsec) {
            out.add(RequiredPort.esp(RequiredPort.Target.NODES, "IPsec transparent encryption"));
        }
        return List.copyOf(out);
    }

    /** Every port any cluster of the spec needs (per-cluster overrides included), each once. */
    public static List<RequiredPort> of(MeshSpec spec) {
        Objects.requireNonNull(spec, "spec");
        Set<RequiredPort> all = new LinkedHashSet<>(of(spec.cilium(), spec.exposure()));
        for (MeshCluster c : spec.clusters()) {
            all.addAll(of(spec.ciliumFor(c), spec.exposure()));
        }
        return List.copyOf(all);
    }
}
