package io.clustermesh.testing;

import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.internal.Deterministic;

/**
 * The lab's address plan, valid for cluster indexes 1..{@value #MAX_CLUSTERS} (and passing the SDK's overlap and
 * reserved-range checks (docs/findings.md) for every cluster count):
 *
 * <table>
 *   <caption>address plan of cluster {@code i}</caption>
 *   <tr><th>what</th><th>range</th><th>cluster1</th></tr>
 *   <tr><td>pod CIDR</td><td>{@code 10.<i>.0.0/16}</td><td>10.1.0.0/16</td></tr>
 *   <tr><td>service CIDR (AKS default, the same in every cluster)</td><td>{@code 10.0.0.0/16}, DNS 10.0.0.10</td><td>10.0.0.0/16</td></tr>
 *   <tr><td>spoke VNet = node subnet</td><td>{@code 172.<16 + i/256>.<i%256>.0/24} (inside 172.16.0.0/12, below the
 *       AKS-reserved 172.30.0.0/15)</td><td>172.16.1.0/24</td></tr>
 *   <tr><td>node {@code k} (0-based)</td><td>subnet address {@code 4 + k} (Azure reserves .0–.3)</td><td>172.16.1.4</td></tr>
 *   <tr><td>mesh IP (clustermesh-apiserver internal LB)</td><td>subnet address 250</td><td>172.16.1.250</td></tr>
 *   <tr><td>Virtual Hub</td><td>{@code 192.168.0.0/23}</td><td></td></tr>
 * </table>
 *
 * <p>Pod CIDRs are pairwise disjoint and never touch the service CIDR, the spokes or the hub; none of the ranges
 * meets 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 or 192.0.2.0/24.
 */
public final class LabAddressing {
    /** The largest cluster index the plan supports (also Cilium's default maxConnectedClusters). */
    public static final int MAX_CLUSTERS = 255;
    public static final String SERVICE_CIDR = "10.0.0.0/16";
    public static final String DNS_SERVICE_IP = "10.0.0.10";
    public static final String HUB_PREFIX = "192.168.0.0/23";
    public static final String DEFAULT_REGION = "eastus";
    /** Subnet address index of the mesh IP. */
    public static final int MESH_IP_INDEX = 250;
    /** Subnet address index of the first node. */
    public static final int FIRST_NODE_INDEX = 4;

    private LabAddressing() {
    }

    private static int check(int i) {
        if (i < 1 || i > MAX_CLUSTERS) {
            throw new IllegalArgumentException("lab cluster index must be within 1.." + MAX_CLUSTERS + ": " + i);
        }
        return i;
    }

    public static String podCidr(int i) {
        return "10." + check(i) + ".0.0/16";
    }

    /** The spoke VNet's address space; the node subnet is the same /24. */
    public static String subnet(int i) {
        check(i);
        return "172." + (16 + i / 256) + "." + (i % 256) + ".0/24";
    }

    public static String nodeIp(int i, int node) {
        if (node < 0 || FIRST_NODE_INDEX + node >= MESH_IP_INDEX) {
            throw new IllegalArgumentException("node index must be within 0.." + (MESH_IP_INDEX - FIRST_NODE_INDEX - 1) + ": " + node);
        }
        return IpCidr.parse(subnet(i)).address(FIRST_NODE_INDEX + node);
    }

    public static String meshIp(int i) {
        return IpCidr.parse(subnet(i)).address(MESH_IP_INDEX);
    }

    /** The AKS API server FQDN: {@code <name>-<8 hex>.hcp.<region>.azmk8s.io}, stable for a seed. */
    public static String apiServerFqdn(String name, String region, long seed) {
        return name + "-" + String.format("%08x", Deterministic.hash(seed, "fqdn/" + name) & 0xffffffffL) + ".hcp." + region + ".azmk8s.io";
    }

    /** The AKS node name {@code aks-nodepool1-<8 digits>-vmss<6 base-36>}, stable for a seed. */
    public static String nodeName(String cluster, int node, long seed) {
        long digits = Math.floorMod(Deterministic.hash(seed, "vmss/" + cluster), 90_000_000L) + 10_000_000L;
        String instance = Integer.toString(node, 36);
        return "aks-nodepool1-" + digits + "-vmss" + "0".repeat(Math.max(0, 6 - instance.length())) + instance;
    }
}
