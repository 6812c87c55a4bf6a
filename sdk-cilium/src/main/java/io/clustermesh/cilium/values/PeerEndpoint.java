package io.clustermesh.cilium.values;

import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a peer's clustermesh-apiserver answers: one entry of {@code clustermesh.config.clusters}.
 *
 * @param name the peer's Cilium cluster name (the entry's {@code name}, or its key in the map form)
 * @param port the clustermesh-apiserver port, {@value #DEFAULT_PORT} for a LoadBalancer Service
 * @param ips  the addresses the agents and KVStoreMesh connect to ({@code <name>.mesh.cilium.io} resolves to them);
 *             empty while a load balancer IP is still pending: such a peer is left out of the values
 *             (see {@link CiliumValues#pendingPeers(ValuesInput)})
 */
public record PeerEndpoint(String name, int port, List<String> ips) {

    /** The clustermesh-apiserver (etcd) port behind a LoadBalancer Service. */
    public static final int DEFAULT_PORT = 2379;

    public PeerEndpoint {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a peer needs a cluster name");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer " + name + ": port " + port + " is not a TCP port (1..65535)");
        }
        ips = List.copyOf(Objects.requireNonNull(ips, "ips"));
        for (String ip : ips) {
            if (ip.isBlank()) {
                throw new IllegalArgumentException("peer " + name + ": an IP address is blank");
            }
        }
    }

    /** A peer on port {@value #DEFAULT_PORT}. */
    public static PeerEndpoint of(String name, String... ips) {
        return new PeerEndpoint(name, DEFAULT_PORT, List.of(ips));
    }

    /** Whether the peer's address is known, so that it can be listed in the values. */
    public boolean hasAddress() {
        return !ips.isEmpty();
    }

    /**
     * The peers as far as the spec alone knows them: every cluster on port {@value #DEFAULT_PORT} with its fixed
     * {@code meshIp} when the exposure is a load balancer, else without address (to be discovered). When every
     * cluster has a meshIp, the whole mesh converges in one Helm upgrade per cluster.
     */
    public static List<PeerEndpoint> plannedFrom(MeshSpec spec) {
        Objects.requireNonNull(spec, "spec");
        boolean fixedIpHonoured = spec.exposure().type() != Exposure.Type.NODE_PORT;
        List<PeerEndpoint> peers = new ArrayList<>();
        for (MeshCluster c : spec.clusters()) {
            List<String> ips = fixedIpHonoured && c.meshIp() != null ? List.of(c.meshIp()) : List.of();
            peers.add(new PeerEndpoint(c.name(), DEFAULT_PORT, ips));
        }
        return List.copyOf(peers);
    }
}
