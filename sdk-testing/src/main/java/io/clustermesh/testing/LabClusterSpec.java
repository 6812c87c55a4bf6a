package io.clustermesh.testing;

import io.clustermesh.model.IpCidr;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link LabCluster} looks like: an AKS BYOCNI cluster's names, network and API server. Immutable; start
 * from {@link #of(String, int, long)} (addresses from {@link LabAddressing}) and adjust with the copy methods.
 *
 * @param name              cluster (and AKS resource) name
 * @param index             the lab index used for addresses (and, in a {@link MeshLab}, the Cilium cluster id)
 * @param seed              seed of generated names and fault decisions
 * @param region            Azure region
 * @param resourceGroup     the AKS resource group
 * @param kubernetesVersion reported by {@code /version} and on nodes
 * @param nodeCount         nodes (1..200)
 * @param subnet            node subnet (= spoke VNet address space)
 * @param podCidr           pod CIDR
 * @param serviceCidr       service CIDR (cluster IPs are allocated from it)
 * @param apiServer         API server FQDN ({@code k8sServiceHost})
 * @param kubeProxy         whether the {@code kube-proxy} DaemonSet exists (AKS creates it unless disabled)
 * @param tls               HTTPS with a per-cluster CA in the kubeconfig (default); false = plain HTTP
 */
public record LabClusterSpec(String name, int index, long seed, String region, String resourceGroup, String kubernetesVersion,
                             int nodeCount, String subnet, String podCidr, String serviceCidr, String apiServer,
                             boolean kubeProxy, boolean tls) {

    public LabClusterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
        Objects.requireNonNull(apiServer, "apiServer");
        if (!kubernetesVersion.matches("\\d+\\.\\d+\\.\\d+")) {
            throw new IllegalArgumentException("kubernetesVersion must look like 1.30.6: " + kubernetesVersion);
        }
        if (nodeCount < 1 || nodeCount > 200) {
            throw new IllegalArgumentException("nodeCount must be within 1..200: " + nodeCount);
        }
        IpCidr.parse(Objects.requireNonNull(subnet, "subnet"));
        IpCidr.parse(Objects.requireNonNull(podCidr, "podCidr"));
        IpCidr.parse(Objects.requireNonNull(serviceCidr, "serviceCidr"));
    }

    /** An AKS-like cluster with the lab's address plan for index {@code index}. */
    public static LabClusterSpec of(String name, int index, long seed) {
        return new LabClusterSpec(name, index, seed, LabAddressing.DEFAULT_REGION, "rg-" + name, "1.30.6", 3,
                LabAddressing.subnet(index), LabAddressing.podCidr(index), LabAddressing.SERVICE_CIDR,
                LabAddressing.apiServerFqdn(name, LabAddressing.DEFAULT_REGION, seed), true, true);
    }

    public LabClusterSpec nodeCount(int n) {
        return new LabClusterSpec(name, index, seed, region, resourceGroup, kubernetesVersion, n, subnet, podCidr, serviceCidr, apiServer, kubeProxy, tls);
    }

    public LabClusterSpec kubeProxy(boolean on) {
        return new LabClusterSpec(name, index, seed, region, resourceGroup, kubernetesVersion, nodeCount, subnet, podCidr, serviceCidr, apiServer, on, tls);
    }

    public LabClusterSpec tls(boolean on) {
        return new LabClusterSpec(name, index, seed, region, resourceGroup, kubernetesVersion, nodeCount, subnet, podCidr, serviceCidr, apiServer, kubeProxy, on);
    }

    public LabClusterSpec kubernetesVersion(String v) {
        return new LabClusterSpec(name, index, seed, region, resourceGroup, v, nodeCount, subnet, podCidr, serviceCidr, apiServer, kubeProxy, tls);
    }

    public LabClusterSpec podCidr(String cidr) {
        return new LabClusterSpec(name, index, seed, region, resourceGroup, kubernetesVersion, nodeCount, subnet, cidr, serviceCidr, apiServer, kubeProxy, tls);
    }

    public LabClusterSpec resourceGroup(String rg) {
        return new LabClusterSpec(name, index, seed, region, rg, kubernetesVersion, nodeCount, subnet, podCidr, serviceCidr, apiServer, kubeProxy, tls);
    }

    /** Moves the cluster to another region (the FQDN follows). */
    public LabClusterSpec region(String r) {
        return new LabClusterSpec(name, index, seed, r, resourceGroup, kubernetesVersion, nodeCount, subnet, podCidr, serviceCidr,
                LabAddressing.apiServerFqdn(name, r, seed), kubeProxy, tls);
    }

    /** AKS's node resource group: {@code MC_<rg>_<name>_<region>}. */
    public String nodeResourceGroup() {
        return "MC_" + resourceGroup + "_" + name + "_" + region;
    }

    /** The default mesh IP: address 250 of the subnet. */
    public String meshIp() {
        return IpCidr.parse(subnet).address(LabAddressing.MESH_IP_INDEX);
    }

    public String dnsServiceIp() {
        return IpCidr.parse(serviceCidr).address(10);
    }

    public List<String> nodeNames() {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < nodeCount; k++) {
            out.add(LabAddressing.nodeName(name, k, seed));
        }
        return out;
    }

    public List<String> nodeIps() {
        IpCidr s = IpCidr.parse(subnet);
        List<String> out = new ArrayList<>();
        for (int k = 0; k < nodeCount; k++) {
            out.add(s.address(LabAddressing.FIRST_NODE_INDEX + k));
        }
        return out;
    }
}
