package io.clustermesh.azure.internal;

import com.azure.resourcemanager.containerservice.fluent.models.ManagedClusterInner;
import com.azure.resourcemanager.containerservice.models.ContainerServiceNetworkProfile;
import com.azure.resourcemanager.containerservice.models.KubernetesCluster;
import com.azure.resourcemanager.containerservice.models.ManagedClusterAgentPoolProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the SDK needs to know about one AKS managed cluster, read through the fluent client.
 *
 * @param resourceId        the managed cluster's id
 * @param provisioningState e.g. {@code Succeeded}
 * @param fqdn              public API FQDN (or the private one for private clusters)
 * @param networkPlugin     {@code none}, {@code kubenet}, {@code azure}; null when absent
 * @param networkPluginMode e.g. {@code overlay}; null when absent
 * @param dataplane         {@code azure} or {@code cilium}; null when absent
 * @param podCidr           {@code networkProfile.podCidr}; null when absent
 * @param serviceCidr       {@code networkProfile.serviceCidr}; null when absent
 * @param nodeResourceGroup the MC_ resource group
 * @param pools             agent pools with their subnet ids (null subnet = AKS-managed VNet)
 * @param aad               whether Entra ID (AAD) integration is on (the SDK then uses in-process Entra ID tokens, see EntraTokens)
 * @param location          Azure region
 * @param loadBalancerSku   {@code networkProfile.loadBalancerSku} ({@code standard} or {@code basic}); null when absent
 * @param identity          the cluster (control plane) identity: the one that creates load balancers in the subnet
 */
public record AksFacts(String resourceId, String provisioningState, String fqdn, String networkPlugin, String networkPluginMode,
                       String dataplane, String podCidr, String serviceCidr, String nodeResourceGroup, List<Pool> pools,
                       boolean aad, String location, String loadBalancerSku, ClusterIdentity identity) {

    /** One agent pool. */
    public record Pool(String name, String mode, String subnetId) {
    }

    public AksFacts {
        pools = List.copyOf(pools);
    }

    public static AksFacts of(KubernetesCluster cluster) {
        Objects.requireNonNull(cluster, "cluster");
        return of(cluster.innerModel(), cluster.id());
    }

    public static AksFacts of(ManagedClusterInner in, String id) {
        ContainerServiceNetworkProfile np = in.networkProfile();
        List<Pool> pools = new ArrayList<>();
        if (in.agentPoolProfiles() != null) {
            for (ManagedClusterAgentPoolProfile p : in.agentPoolProfiles()) {
                pools.add(new Pool(p.name(), p.mode() == null ? null : p.mode().toString(), p.vnetSubnetId()));
            }
        }
        String fqdn = in.fqdn() != null ? in.fqdn() : in.privateFqdn();
        return new AksFacts(id != null ? id : in.id(), in.provisioningState(), fqdn,
                np == null || np.networkPlugin() == null ? null : np.networkPlugin().toString(),
                np == null || np.networkPluginMode() == null ? null : np.networkPluginMode().toString(),
                np == null || np.networkDataplane() == null ? null : np.networkDataplane().toString(),
                np == null ? null : firstNonNull(np.podCidr(), np.podCidrs()),
                np == null ? null : firstNonNull(np.serviceCidr(), np.serviceCidrs()),
                in.nodeResourceGroup(), pools, in.aadProfile() != null, in.location(),
                np == null || np.loadBalancerSku() == null ? null : np.loadBalancerSku().toString(), ClusterIdentity.of(in));
    }

    private static String firstNonNull(String one, List<String> many) {
        if (one != null) {
            return one;
        }
        return many == null || many.isEmpty() ? null : many.get(0);
    }

    /** The subnet of the system pool (else the first pool with a subnet), or null (AKS-managed VNet). */
    public String primarySubnetId() {
        for (Pool p : pools) {
            if (p.subnetId() != null && "System".equalsIgnoreCase(p.mode())) {
                return p.subnetId();
            }
        }
        for (Pool p : pools) {
            if (p.subnetId() != null) {
                return p.subnetId();
            }
        }
        return null;
    }

    /** Whether some pools use a BYO subnet and others the AKS-managed VNet (cannot happen in AKS, but reported). */
    public boolean anyPoolWithoutSubnet() {
        return pools.stream().anyMatch(p -> p.subnetId() == null);
    }
}
