package io.clustermesh.testing.arm;

import java.util.Objects;

/**
 * An AKS managed cluster for {@link FakeArm#managedCluster(ManagedClusterSeed)}, shaped like a BYOCNI cluster
 * ({@code networkProfile.networkPlugin: none}). Immutable; start from {@link #byocni(String, String)}.
 *
 * @param resourceGroup     the cluster's resource group (must exist in the fake)
 * @param name              the cluster name
 * @param location          Azure region; {@code null} = the resource group's
 * @param kubernetesVersion e.g. {@code 1.30.6}
 * @param fqdn              the API server FQDN; {@code null} = {@code <name>-<hash>.hcp.<region>.azmk8s.io}
 * @param podCidr           {@code networkProfile.podCidr}
 * @param serviceCidr       {@code networkProfile.serviceCidr}
 * @param dnsServiceIp      {@code networkProfile.dnsServiceIP}
 * @param nodeResourceGroup {@code null} = {@code MC_<rg>_<name>_<region>}
 * @param nodeCount         nodes of the single system pool {@code nodepool1}
 * @param vnetSubnetId      the pool's {@code vnetSubnetID} (the spoke subnet)
 * @param kubeProxyEnabled  {@code networkProfile.kubeProxyConfig.enabled} (a preview-only field); {@code null} = not set
 * @param subnetRoleAssignment with a {@code vnetSubnetId}: whether the cluster identity holds Network Contributor on
 *                          the subnet (as {@code az aks create} grants it); default true
 * @param authentication    how users sign in to the cluster's API: local accounts (default), Microsoft Entra ID
 *                          ({@code aadProfile}), or Entra ID only ({@code aadProfile} and {@code disableLocalAccounts})
 */
public record ManagedClusterSeed(String resourceGroup, String name, String location, String kubernetesVersion, String fqdn,
                                 String podCidr, String serviceCidr, String dnsServiceIp, String nodeResourceGroup,
                                 int nodeCount, String vnetSubnetId, Boolean kubeProxyEnabled,
                                 boolean subnetRoleAssignment, Authentication authentication) {

    /** How users sign in to the cluster's Kubernetes API (AKS docs, "AKS-managed Microsoft Entra integration"). */
    public enum Authentication {
        /** Local accounts only: {@code listClusterUserCredential} gives a static credential. */
        LOCAL_ACCOUNTS,
        /** {@code aadProfile} (managed, Azure RBAC) with local accounts still enabled. */
        ENTRA_ID,
        /** {@code aadProfile} and {@code disableLocalAccounts: true}: only Entra ID tokens are accepted. */
        ENTRA_ID_ONLY
    }

    public ManagedClusterSeed {
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
        Objects.requireNonNull(authentication, "authentication");
        if (nodeCount < 1) {
            throw new IllegalArgumentException("nodeCount must be at least 1: " + nodeCount);
        }
    }

    /** A BYOCNI cluster with AKS defaults: 3 nodes, service CIDR 10.0.0.0/16, pod CIDR 10.244.0.0/16. */
    public static ManagedClusterSeed byocni(String resourceGroup, String name) {
        return new ManagedClusterSeed(resourceGroup, name, null, "1.30.6", null, "10.244.0.0/16", "10.0.0.0/16", "10.0.0.10",
                null, 3, null, null, true, Authentication.LOCAL_ACCOUNTS);
    }

    public ManagedClusterSeed location(String v) {
        return new ManagedClusterSeed(resourceGroup, name, v, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed kubernetesVersion(String v) {
        return new ManagedClusterSeed(resourceGroup, name, location, v, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed fqdn(String v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, v, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed podCidr(String v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, v, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed serviceCidr(String cidr, String dnsIp) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, cidr, dnsIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed nodeResourceGroup(String v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, v, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed nodeCount(int v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, v, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    public ManagedClusterSeed vnetSubnetId(String v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, v, kubeProxyEnabled, subnetRoleAssignment, authentication);
    }

    /** Whether the cluster identity gets Network Contributor on its {@code vnetSubnetId} (default true). */
    public ManagedClusterSeed subnetRoleAssignment(boolean v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, v, authentication);
    }

    public ManagedClusterSeed kubeProxyEnabled(Boolean v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, v, subnetRoleAssignment, authentication);
    }

    /** How users sign in (default {@link Authentication#LOCAL_ACCOUNTS}). */
    public ManagedClusterSeed authentication(Authentication v) {
        return new ManagedClusterSeed(resourceGroup, name, location, kubernetesVersion, fqdn, podCidr, serviceCidr, dnsServiceIp, nodeResourceGroup, nodeCount, vnetSubnetId, kubeProxyEnabled, subnetRoleAssignment, v);
    }
}
