package io.clustermesh.azure;

/**
 * The stable codes of the findings the Azure provider reports ({@link io.clustermesh.Finding#code()}). Every Azure
 * finding names the resource id it is about in {@link io.clustermesh.Finding#path()}.
 */
public final class AzureFindingCodes {
    private AzureFindingCodes() {
    }

    // ----- access and ARM
    /** A 403 {@code AuthorizationFailed}: the remediation names the missing role and where to grant it. Not retried. */
    public static final String AUTHORIZATION_FAILED = "AZURE_AUTHORIZATION_FAILED";
    /** ARM kept answering 429/5xx or could not be reached after every retry. */
    public static final String ARM_UNAVAILABLE = "AZURE_ARM_UNAVAILABLE";
    /** Any other ARM error while reading. */
    public static final String ARM_ERROR = "AZURE_ARM_ERROR";
    /**
     * INFO: checks that were not run because an input they need failed (a credential, the managed cluster, the hub,
     * the VNet) or because errors were found before the clusters are read; the message lists them and says why.
     */
    public static final String CHECKS_SKIPPED = "AZURE_CHECKS_SKIPPED";

    // ----- clusters
    /** The managed cluster named by {@code azure: {resourceGroup, name}} does not exist. */
    public static final String CLUSTER_NOT_FOUND = "AZURE_CLUSTER_NOT_FOUND";
    /** The managed cluster's provisioning state is not {@code Succeeded}. */
    public static final String CLUSTER_NOT_READY = "AZURE_CLUSTER_NOT_READY";
    /** The network plugin is not {@code none} (kubenet or azure): Cilium must be installed as BYOCNI. */
    public static final String NETWORK_PLUGIN = "AZURE_NETWORK_PLUGIN";
    /** The dataplane is Azure-managed Cilium, which cannot join a self-managed mesh. */
    public static final String DATAPLANE_CILIUM = "AZURE_DATAPLANE_CILIUM";
    /** The cluster uses the Basic load balancer SKU (retired by Azure on 30 September 2025); AKS needs Standard. */
    public static final String LOAD_BALANCER_BASIC = "AZURE_LOAD_BALANCER_BASIC";
    /** ARM reports kube-proxy enabled ({@code networkProfile.kubeProxyConfig.enabled: true}). */
    public static final String KUBE_PROXY_ENABLED = "AZURE_KUBE_PROXY_ENABLED";
    /** ARM's read-back of {@code kubeProxyConfig} is absent or {@code {}}: the in-cluster DaemonSet check decides. */
    public static final String KUBE_PROXY_UNCONFIRMED = "AZURE_KUBE_PROXY_UNCONFIRMED";
    /** AKS knows no pod CIDR and the spec gives none. */
    public static final String POD_CIDR_UNKNOWN = "AZURE_POD_CIDR_UNKNOWN";
    /** The spec's value differs from what AKS reports (pod CIDR, service CIDR, API server). */
    public static final String SPEC_DIFFERS = "AZURE_SPEC_DIFFERS";

    // ----- credentials
    /**
     * The user kubeconfig runs an exec plugin although AKS reports no Entra ID integration: it works only where that
     * plugin is installed and can sign in without a prompt.
     */
    public static final String KUBECONFIG_EXEC = "AZURE_KUBECONFIG_EXEC";
    /**
     * INFO: the cluster uses Microsoft Entra ID ({@code aadProfile}): the SDK gets its Kubernetes API tokens in-process from
     * its Azure credential (scope {@code 6dae42f8-4368-4678-94ff-3960e28e3630/.default}) and refreshes them; kubelogin is
     * not run. The remediation names the role the identity needs.
     */
    public static final String KUBECONFIG_ENTRA_ID = "AZURE_KUBECONFIG_ENTRA_ID";
    /** The user kubeconfig uses the legacy {@code auth-provider: azure}, which current clients no longer support. */
    public static final String KUBECONFIG_AUTH_PROVIDER = "AZURE_KUBECONFIG_AUTH_PROVIDER";
    /** {@code listClusterUserCredential} returned something that is not a kubeconfig (or nothing). */
    public static final String KUBECONFIG_INVALID = "AZURE_KUBECONFIG_INVALID";

    // ----- network
    /** The Virtual WAN is of type Basic, which cannot route VNet to VNet. */
    public static final String VWAN_BASIC = "AZURE_VWAN_BASIC";
    /** The Virtual WAN the hub belongs to does not exist. */
    public static final String VWAN_NOT_FOUND = "AZURE_VWAN_NOT_FOUND";
    /** The Virtual Hub does not exist. */
    public static final String HUB_NOT_FOUND = "AZURE_HUB_NOT_FOUND";
    /** The hub's provisioning state is not {@code Succeeded}. */
    public static final String HUB_NOT_READY = "AZURE_HUB_NOT_READY";
    /** The hub's routing state is not {@code Provisioned}. */
    public static final String HUB_ROUTING_NOT_PROVISIONED = "AZURE_HUB_ROUTING_NOT_PROVISIONED";
    /** A cluster's VNet is neither connected to the hub nor peered with the other clusters' VNets. */
    public static final String VNET_NOT_CONNECTED = "AZURE_VNET_NOT_CONNECTED";
    /** A cluster's VNet has a hub connection that is not {@code Succeeded}. */
    public static final String VNET_CONNECTION_NOT_READY = "AZURE_VNET_CONNECTION_NOT_READY";
    /** The cluster runs in the AKS-managed VNet of its node resource group (no BYO subnet): it cannot join a hub. */
    public static final String SUBNET_MANAGED = "AZURE_SUBNET_MANAGED";
    /** The agent pool's subnet (or its VNet) does not exist. */
    public static final String SUBNET_NOT_FOUND = "AZURE_SUBNET_NOT_FOUND";
    /** Two ranges overlap: pod, service, VNet and hub prefixes must all be disjoint. */
    public static final String CIDR_OVERLAP = "AZURE_CIDR_OVERLAP";
    /** A VNet or hub prefix uses a range AKS reserves. */
    public static final String CIDR_RESERVED = "AZURE_CIDR_RESERVED";
    /** The {@code meshIp} lies outside the cluster's subnet. */
    public static final String MESH_IP_OUTSIDE_SUBNET = "AZURE_MESH_IP_OUTSIDE_SUBNET";
    /** The {@code meshIp} is one of the five addresses Azure reserves in every subnet. */
    public static final String MESH_IP_RESERVED = "AZURE_MESH_IP_RESERVED";
    /** The {@code meshIp} is already used by another NIC or load balancer frontend of the subnet. */
    public static final String MESH_IP_IN_USE = "AZURE_MESH_IP_IN_USE";
    /** The {@code meshIp} is already a frontend of the cluster's own {@code kubernetes-internal} LB (expected after apply). */
    public static final String MESH_IP_ASSIGNED = "AZURE_MESH_IP_ASSIGNED";
    /** No {@code meshIp}: a free subnet address is suggested so the mesh converges in one pass. */
    public static final String MESH_IP_SUGGESTED = "AZURE_MESH_IP_SUGGESTED";
    /**
     * The cluster identity holds no role on its subnet (or a parent scope) that allows
     * {@code Microsoft.Network/virtualNetworks/subnets/join/action} and {@code .../subnets/read}: AKS cannot create
     * the clustermesh-apiserver's internal load balancer there. The remediation is the {@code az role assignment
     * create} that grants Network Contributor on the subnet.
     */
    public static final String SUBNET_ROLE_MISSING = "AZURE_SUBNET_ROLE_MISSING";
    /**
     * WARNING: the cluster identity's role on its subnet could not be checked (a service principal whose object id
     * the payload does not give, or the role assignments could not be read); the remediation says how to check.
     */
    public static final String SUBNET_ROLE_UNVERIFIED = "AZURE_SUBNET_ROLE_UNVERIFIED";
    /**
     * Provisioning could not grant Network Contributor on the subnet (403 on the role assignment PUT): the message
     * says which identity was refused, the remediation who must grant what ({@link ProvisionResult#findings()}).
     */
    public static final String SUBNET_ROLE_DENIED = "AZURE_SUBNET_ROLE_DENIED";
    /** The subnet has no free address left for the clustermesh-apiserver's internal LB. */
    public static final String SUBNET_FULL = "AZURE_SUBNET_FULL";
    /** An {@link AzureLabTopology} is inconsistent (names, ids, prefixes); found before anything is written. */
    public static final String TOPOLOGY_INVALID = "AZURE_TOPOLOGY_INVALID";
    /** INFO: the ports that must be open between all node subnets (docs/findings.md). */
    public static final String PORTS_REQUIRED = "AZURE_PORTS_REQUIRED";
}
