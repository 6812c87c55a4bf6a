package io.clustermesh.azure;

import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.azure.internal.AksRules;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.IpCidr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The hub-and-spoke topology a mesh runs on, as {@link AzureTopology} builds it: a Standard
 * Virtual WAN with one hub, one spoke VNet with one subnet per cluster, each connected to the hub, and in each
 * subnet a BYOCNI AKS cluster ({@code networkPlugin: none}) with its own pod CIDR and kube-proxy disabled.
 * {@link #article(String, String)} is the lab of the article the SDK automates.
 *
 * @param subscription the subscription everything is created in
 * @param location     Azure region of every resource, e.g. {@code eastus}
 * @param hub          the Virtual WAN and its hub
 * @param spokes       one spoke per cluster, in mesh order
 */
public record AzureLabTopology(String subscription, String location, Hub hub, List<Spoke> spokes) {

    /**
     * @param resourceGroup resource group of the Virtual WAN and the hub
     * @param virtualWan    Virtual WAN name (created as type Standard)
     * @param name          hub name
     * @param addressPrefix hub address prefix, at least /24 (e.g. {@code 10.100.0.0/23})
     */
    public record Hub(String resourceGroup, String virtualWan, String name, String addressPrefix) {
        public Hub {
            requireText(resourceGroup, "hub.resourceGroup");
            requireText(virtualWan, "hub.virtualWan");
            requireText(name, "hub.name");
            requireText(addressPrefix, "hub.addressPrefix");
        }
    }

    /**
     * @param resourceGroup  resource group of the spoke VNet and the cluster
     * @param virtualNetwork VNet name
     * @param addressPrefix  VNet address space, e.g. {@code 10.1.0.0/16}
     * @param subnet         subnet name for the cluster's nodes
     * @param subnetPrefix   subnet prefix inside the VNet, e.g. {@code 10.1.0.0/24}
     * @param cluster        the AKS cluster in the subnet
     */
    public record Spoke(String resourceGroup, String virtualNetwork, String addressPrefix, String subnet, String subnetPrefix,
                        Cluster cluster) {
        public Spoke {
            requireText(resourceGroup, "spoke.resourceGroup");
            requireText(virtualNetwork, "spoke.virtualNetwork");
            requireText(addressPrefix, "spoke.addressPrefix");
            requireText(subnet, "spoke.subnet");
            requireText(subnetPrefix, "spoke.subnetPrefix");
            Objects.requireNonNull(cluster, "spoke.cluster");
        }
    }

    /**
     * @param meshName          the Cilium cluster name in the mesh ({@code cluster1})
     * @param id                the Cilium cluster id, 1..255
     * @param name              the AKS managed cluster name
     * @param podCidr           the pod CIDR (BYOCNI, {@code networkProfile.podCidr})
     * @param serviceCidr       the service CIDR
     * @param dnsServiceIp      the cluster DNS address inside the service CIDR
     * @param vmSize            system pool VM size
     * @param nodeCount         system pool node count
     * @param kubernetesVersion Kubernetes version, or null for AKS's default
     * @param meshIp            fixed clustermesh-apiserver LB address in the subnet, or null to have one chosen
     */
    public record Cluster(String meshName, int id, String name, String podCidr, String serviceCidr, String dnsServiceIp,
                          String vmSize, int nodeCount, String kubernetesVersion, String meshIp) {
        public Cluster {
            requireText(meshName, "cluster.meshName");
            requireText(name, "cluster.name");
            requireText(podCidr, "cluster.podCidr");
            requireText(serviceCidr, "cluster.serviceCidr");
            requireText(dnsServiceIp, "cluster.dnsServiceIp");
            requireText(vmSize, "cluster.vmSize");
            if (nodeCount < 1) {
                throw new IllegalArgumentException("cluster.nodeCount must be at least 1, got " + nodeCount);
            }
        }

        /** The same cluster with a fixed mesh IP. */
        public Cluster meshIp(String ip) {
            return new Cluster(meshName, id, name, podCidr, serviceCidr, dnsServiceIp, vmSize, nodeCount, kubernetesVersion, ip);
        }
    }

    public AzureLabTopology {
        requireText(subscription, "subscription");
        requireText(location, "location");
        Objects.requireNonNull(hub, "hub");
        spokes = List.copyOf(Objects.requireNonNull(spokes, "spokes"));
    }

    private static void requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /**
     * The article's lab: a Standard Virtual WAN {@code vwan-ciliumlab} with hub {@code hub1} (10.100.0.0/23) in
     * {@code rg-hub}; three spokes 10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16 with /24 subnets {@code aks}; clusters
     * {@code aks-ciliumlab}, {@code aks-ciliumlab2}, {@code aks-ciliumlab3} (mesh names cluster1..3, ids 1..3) with pod
     * CIDRs 10.10/10.20/10.30.0.0/16 and service CIDRs 10.201/10.202/10.203.0.0/16; two Standard_D2s_v5 nodes each.
     */
    public static AzureLabTopology article(String subscription, String location) {
        List<Spoke> spokes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String suffix = i == 1 ? "" : String.valueOf(i);
            spokes.add(new Spoke("rsg-ciliumlab" + suffix, "vnet-ciliumlab" + i, "10." + i + ".0.0/16", "aks", "10." + i + ".0.0/24",
                    new Cluster("cluster" + i, i, "aks-ciliumlab" + suffix, "10." + (10 * i) + ".0.0/16", "10.20" + i + ".0.0/16",
                            "10.20" + i + ".0.10", "Standard_D2s_v5", 2, null, null)));
        }
        return new AzureLabTopology(subscription, location, new Hub("rg-hub", "vwan-ciliumlab", "hub1", "10.100.0.0/23"), spokes);
    }

    /** The mesh's {@code azure} section for this topology. */
    public AzureSpec azureSpec() {
        return new AzureSpec(subscription, new AzureRef(hub.resourceGroup(), hub.name()));
    }

    /** Everything wrong with the topology itself, all at once, before anything is written. No I/O. */
    public List<Finding> validate() {
        List<Finding> f = new ArrayList<>();
        IpCidr hubPrefix = cidr(f, "hub.addressPrefix", hub.addressPrefix(), null);
        if (spokes.isEmpty()) {
            f.add(invalid(null, "spokes", "the topology has no spoke", "add one spoke per cluster"));
        }
        List<Object[]> ranges = new ArrayList<>(); // {label, IpCidr, cluster}
        if (hubPrefix != null) {
            ranges.add(new Object[] {"hub prefix " + hubPrefix, hubPrefix, null});
        }
        Set<String> names = new HashSet<>();
        Set<String> aksNames = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < spokes.size(); i++) {
            Spoke s = spokes.get(i);
            Cluster c = s.cluster();
            String p = "spokes[" + i + "]";
            String n = c.meshName();
            if (!names.add(n)) {
                f.add(invalid(n, p + ".cluster.meshName", "mesh name " + n + " is used twice", "give every cluster its own mesh name"));
            }
            if (!aksNames.add(s.resourceGroup().toLowerCase(java.util.Locale.ROOT) + "/" + c.name().toLowerCase(java.util.Locale.ROOT))) {
                f.add(invalid(n, p + ".cluster.name", "AKS cluster " + s.resourceGroup() + "/" + c.name() + " is used twice",
                        "give every cluster its own AKS name"));
            }
            if (n.length() > AksRules.MAX_CLUSTER_NAME || !AksRules.CLUSTER_NAME.matcher(n).matches()) {
                f.add(invalid(n, p + ".cluster.meshName", "mesh name '" + n + "' is not a valid Cilium cluster name",
                        "use lower-case letters, digits and '-', at most 32 characters"));
            }
            if (c.id() < 1 || c.id() > 511 || !ids.add(c.id())) {
                f.add(invalid(n, p + ".cluster.id", n + ": cluster id " + c.id() + " is outside 1..511 or used twice",
                        "give every cluster a unique id between 1 and 255"));
            }
            IpCidr vnet = cidr(f, p + ".addressPrefix", s.addressPrefix(), n);
            IpCidr subnet = cidr(f, p + ".subnetPrefix", s.subnetPrefix(), n);
            IpCidr pod = cidr(f, p + ".cluster.podCidr", c.podCidr(), n);
            IpCidr svc = cidr(f, p + ".cluster.serviceCidr", c.serviceCidr(), n);
            if (vnet != null && subnet != null && !vnet.contains(subnet)) {
                f.add(invalid(n, p + ".subnetPrefix", "subnet " + subnet + " is not inside its VNet " + vnet,
                        "choose a subnet prefix inside " + vnet));
            }
            if (subnet != null && subnet.prefixLength() > 29) {
                f.add(invalid(n, p + ".subnetPrefix", "subnet " + subnet + " is too small for an AKS node pool",
                        "use at least a /28, e.g. a /24"));
            }
            if (svc != null && IpCidr.isAddress(c.dnsServiceIp()) && !svc.contains(c.dnsServiceIp())) {
                f.add(invalid(n, p + ".cluster.dnsServiceIp", "dnsServiceIp " + c.dnsServiceIp() + " is outside the service CIDR " + svc,
                        "choose an address inside " + svc + ", e.g. its .10"));
            }
            if (c.meshIp() != null && subnet != null) {
                if (!IpCidr.isAddress(c.meshIp()) || !subnet.contains(c.meshIp())) {
                    f.add(new Finding(AzureFindingCodes.MESH_IP_OUTSIDE_SUBNET, Severity.ERROR, n, p + ".cluster.meshIp",
                            n + ": meshIp " + c.meshIp() + " is not an address of subnet " + subnet, "choose a free address inside " + subnet));
                } else if (io.clustermesh.azure.internal.SubnetAddresses.reservedByAzure(subnet, c.meshIp())) {
                    f.add(new Finding(AzureFindingCodes.MESH_IP_RESERVED, Severity.ERROR, n, p + ".cluster.meshIp",
                            n + ": meshIp " + c.meshIp() + " is one of the five addresses Azure reserves in " + subnet,
                            "choose an address from the 5th to the second-to-last of " + subnet));
                }
            }
            if (vnet != null) ranges.add(new Object[] {n + "'s VNet " + vnet, vnet, n});
            if (pod != null) ranges.add(new Object[] {n + "'s pod CIDR " + pod, pod, n});
            if (svc != null) ranges.add(new Object[] {n + "'s service CIDR " + svc, svc, n});
        }
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                IpCidr a = (IpCidr) ranges.get(i)[1];
                IpCidr b = (IpCidr) ranges.get(j)[1];
                String la = (String) ranges.get(i)[0];
                String lb = (String) ranges.get(j)[0];
                boolean bothServices = la.contains("service CIDR") && lb.contains("service CIDR");
                if (!bothServices && a.overlaps(b)) {
                    String who = ranges.get(j)[2] != null ? (String) ranges.get(j)[2] : (String) ranges.get(i)[2];
                    f.add(new Finding(AzureFindingCodes.CIDR_OVERLAP, Severity.ERROR, who, "spokes", la + " overlaps " + lb,
                            "pod CIDRs, service CIDRs, VNet ranges and the hub prefix must all be disjoint"));
                }
            }
            IpCidr r = (IpCidr) ranges.get(i)[1];
            for (IpCidr res : AksRules.RESERVED) {
                if (res.overlaps(r)) {
                    f.add(new Finding(AzureFindingCodes.CIDR_RESERVED, Severity.ERROR, (String) ranges.get(i)[2], "spokes",
                            ranges.get(i)[0] + " overlaps " + res + ", which AKS reserves",
                            "use ranges outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24"));
                }
            }
        }
        return List.copyOf(f);
    }

    private static IpCidr cidr(List<Finding> f, String path, String value, String cluster) {
        try {
            IpCidr c = IpCidr.parse(value);
            if (c.isIpv6()) {
                f.add(invalid(cluster, path, path + " " + value + " is IPv6", "use IPv4 ranges"));
                return null;
            }
            return c;
        } catch (IllegalArgumentException e) {
            f.add(invalid(cluster, path, path + ": " + e.getMessage(), "write it as an IPv4 network such as 10.1.0.0/16"));
            return null;
        }
    }

    private static Finding invalid(String cluster, String path, String message, String fix) {
        return new Finding(AzureFindingCodes.TOPOLOGY_INVALID, Severity.ERROR, cluster, path, message, fix);
    }
}
