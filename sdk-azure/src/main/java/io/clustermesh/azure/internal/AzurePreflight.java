package io.clustermesh.azure.internal;

import com.azure.resourcemanager.containerservice.models.KubernetesCluster;
import com.azure.resourcemanager.network.fluent.models.HubVirtualNetworkConnectionInner;
import com.azure.resourcemanager.network.fluent.models.VirtualHubInner;
import com.azure.resourcemanager.network.fluent.models.VirtualWanInner;
import com.azure.resourcemanager.network.models.Network;
import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.azure.AzureFindingCodes;

import io.clustermesh.model.AzureRef;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.IpCidr;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The Azure preflight: everything the network and the clusters must provide for a mesh, read-only, reported all at
 * once as findings that each name the resource id (in {@link Finding#path()} and in the message). A read that fails
 * skips only the checks that need what it would have returned; an {@code AZURE_CHECKS_SKIPPED} finding (INFO) names
 * those checks and the failure, every other check still runs.
 */
public final class AzurePreflight {
    /**
     * The preview api-version that carries {@code networkProfile.kubeProxyConfig} (feature KubeProxyConfigurationPreview;
     * no stable api-version has the field).
     */
    public static final String PREVIEW_API = "2024-02-02-preview";
    /** Name of the load balancer AKS creates for internal LoadBalancer Services. */
    public static final String AKS_INTERNAL_LB = "kubernetes-internal";

    private static final String CLUSTER_CHECKS = "the cluster's network plugin and dataplane, provisioning state, kube-proxy configuration, "
            + "load balancer SKU, subnet and VNet, hub connection, the cluster identity's role on the subnet and the mesh IP";

    private final ArmSession arm;
    private final MeshSpec spec;
    private final Function<String, AzureRef> refOf;
    private final SubnetRoles roles;
    private final List<Finding> findings = new ArrayList<>();
    /** The spec names a hub that could not be read: connectivity through it is unknown, not missing. */
    private boolean hubUnknown;
    private Map<String, Finding> unreadable = Map.of();

    private AzurePreflight(ArmSession arm, MeshSpec spec, Function<String, AzureRef> refOf) {
        this.arm = arm;
        this.spec = spec;
        this.refOf = refOf;
        this.roles = new SubnetRoles(arm);
    }

    /** @param refOf the Azure managed cluster of a cluster whose access was replaced by kubeconfig content in discovery */
    public static List<Finding> run(ArmSession arm, MeshSpec spec, Function<String, AzureRef> refOf) {
        return run(arm, spec, refOf, Map.of());
    }

    /**
     * @param refOf      the Azure managed cluster of a cluster whose access was replaced by kubeconfig content in discovery
     * @param unreadable clusters whose managed cluster discovery could not read, with the finding it reported: not read
     *                   again (a throttled or forbidden read would only fail again, after as many retries)
     */
    public static List<Finding> run(ArmSession arm, MeshSpec spec, Function<String, AzureRef> refOf, Map<String, Finding> unreadable) {
        AzurePreflight p = new AzurePreflight(arm, spec, refOf);
        p.unreadable = unreadable;
        p.run();
        return List.copyOf(p.findings);
    }

    /** One cluster's state as learned here. */
    private static final class ClusterState {
        final int index;
        final MeshCluster cluster;
        AksFacts aks;
        String vnetId;
        /** The VNet could not be read or the subnet is missing: connectivity and VNet ranges are unknown. */
        boolean vnetUnknown;
        VnetFacts vnet;
        VnetFacts.SubnetFacts subnet;

        ClusterState(int index, MeshCluster cluster) {
            this.index = index;
            this.cluster = cluster;
        }

        String name() {
            return cluster.name();
        }
    }

    private record Hub(String id, String addressPrefix, List<HubVirtualNetworkConnectionInner> connections) {
    }

    private void run() {
        Hub hub = readHub();
        List<ClusterState> states = new ArrayList<>();
        for (int i = 0; i < spec.clusters().size(); i++) {
            MeshCluster c = spec.clusters().get(i);
            ClusterState st = new ClusterState(i, c);
            states.add(st);
            AzureRef ref = refOf(c);
            if (ref == null) {
                continue;
            }
            Finding known = unreadable.get(c.name());
            if (known != null) {
                skipped(c.name(), known.path(), CLUSTER_CHECKS, "they need the managed cluster " + known.path() + ", which could not be read",
                        known.code());
                continue;
            }
            readCluster(st, ref);
        }
        for (ClusterState st : states) {
            if (st.vnet != null && !hubUnknown) {
                checkConnectivity(st, hub, states);
            }
        }
        checkRanges(states, hub);
        for (ClusterState st : states) {
            checkMeshIp(st);
        }
        portsInfo();
    }

    private AzureRef refOf(MeshCluster c) {
        if (c.access() != null && c.access().kind() == ClusterAccess.Kind.AZURE) {
            return c.access().azureRef().orElse(null);
        }
        return refOf.apply(c.name());
    }

    private String sub() {
        return arm.subscription();
    }

    private void add(String code, Severity severity, String cluster, String resourceId, String message, String fix) {
        findings.add(new Finding(code, severity, cluster, resourceId, message, fix));
    }

    /** The checks that were not run, what they need and why that failed (the finding {@code cause} reported it). */
    private void skipped(String cluster, String resourceId, String checks, String because, String cause) {
        findings.add(skippedFinding(cluster, resourceId, checks, because, cause));
    }

    /** {@code AZURE_CHECKS_SKIPPED}: which checks were not run and why; shared with discovery. */
    public static Finding skippedFinding(String cluster, String resourceId, String checks, String because, String cause) {
        return new Finding(AzureFindingCodes.CHECKS_SKIPPED, Severity.INFO, cluster, resourceId,
                (cluster == null ? "" : cluster + ": ") + "not checked: " + checks + "; " + because
                        + (cause == null ? "" : " (" + cause + ")"),
                cause == null ? "fix the errors above and run preflight again: these checks run then"
                        : "fix " + cause + " and run preflight again: these checks run then");
    }

    /** The code of the last finding added (the failure a skip refers to). */
    private String lastCode() {
        return findings.isEmpty() ? null : findings.get(findings.size() - 1).code();
    }

    // ------------------------------------------------------------------------------------------------ hub and WAN

    private Hub readHub() {
        if (spec.azure() == null || spec.azure().hub() == null) {
            return null;
        }
        AzureRef h = spec.azure().hub();
        String hubId = ArmPaths.virtualHub(sub(), h.resourceGroup(), h.name());
        VirtualHubInner hub;
        try {
            hub = arm.network().serviceClient().getVirtualHubs().getByResourceGroup(h.resourceGroup(), h.name());
        } catch (RuntimeException e) {
            findings.add(ArmErrors.finding(ArmFailure.of(e), null, hubId, "read the Virtual Hub", AzureFindingCodes.HUB_NOT_FOUND,
                    "create the Virtual Hub (a Standard Virtual WAN hub) or correct spec.azure.hub"));
            hubUnknown = true;
            skipped(null, hubId, "the Virtual WAN's type, the hub's provisioning and routing state, the spoke VNets' hub connections "
                    + "(or peerings) and overlaps with the hub prefix", "they need the Virtual Hub " + hubId + ", which could not be read", lastCode());
            return null;
        }
        String state = hub.provisioningState() == null ? null : hub.provisioningState().toString();
        if (!"Succeeded".equalsIgnoreCase(state)) {
            add(AzureFindingCodes.HUB_NOT_READY, Severity.ERROR, null, hubId,
                    "the Virtual Hub " + hubId + " is in provisioning state " + state + ", not Succeeded",
                    "wait for the hub to finish provisioning (or fix its failure in the Azure portal) and run again");
        }
        String routing = hub.routingState() == null ? null : hub.routingState().toString();
        if (!"Provisioned".equalsIgnoreCase(routing)) {
            add(AzureFindingCodes.HUB_ROUTING_NOT_PROVISIONED, Severity.ERROR, null, hubId,
                    "the Virtual Hub " + hubId + " has routing state " + routing + ", not Provisioned: its router cannot carry traffic between the spokes yet",
                    "wait until the hub router is provisioned (routingState Provisioned, about 30 minutes after creation) and run again");
        }
        String wanId = hub.virtualWan() == null ? null : hub.virtualWan().id();
        if (wanId != null) {
            checkWan(wanId);
        } else {
            skipped(null, hubId, "the Virtual WAN's type (Standard is needed to route VNet to VNet)",
                    "the hub " + hubId + " names no virtualWan", null);
        }
        List<HubVirtualNetworkConnectionInner> connections = new ArrayList<>();
        try {
            arm.network().serviceClient().getHubVirtualNetworkConnections().list(h.resourceGroup(), h.name()).forEach(connections::add);
        } catch (RuntimeException e) {
            findings.add(ArmErrors.finding(ArmFailure.of(e), null, hubId + "/hubVirtualNetworkConnections",
                    "list the connections of the Virtual Hub", null, null));
            skipped(null, hubId + "/hubVirtualNetworkConnections", "whether each cluster's VNet is connected to the hub",
                    "they need the hub's connections, which could not be listed", lastCode());
            connections = null;
        }
        return new Hub(hubId, hub.addressPrefix(), connections);
    }

    private void checkWan(String wanId) {
        String rg = ArmPaths.segment(wanId, "resourceGroups");
        String name = ArmPaths.segment(wanId, "virtualWans");
        VirtualWanInner wan;
        try {
            wan = arm.network().serviceClient().getVirtualWans().getByResourceGroup(rg, name);
        } catch (RuntimeException e) {
            ArmFailure f = ArmFailure.of(e);
            findings.add(ArmErrors.finding(f, null, wanId, "read the Virtual WAN", AzureFindingCodes.VWAN_NOT_FOUND,
                    "the hub refers to a Virtual WAN that does not exist: recreate the hub in a Standard Virtual WAN"));
            if (!f.notFound()) {
                skipped(null, wanId, "the Virtual WAN's type (Standard is needed to route VNet to VNet)",
                        "it needs the Virtual WAN " + wanId + ", which could not be read", lastCode());
            }
            return;
        }
        String type = wan.typePropertiesType();
        if (type != null && !"Standard".equalsIgnoreCase(type)) {
            add(AzureFindingCodes.VWAN_BASIC, Severity.ERROR, null, wanId,
                    "the Virtual WAN " + wanId + " is of type " + type + ": a Basic Virtual WAN cannot route traffic between VNets (VNet-to-VNet), so the clusters cannot reach each other through the hub",
                    "upgrade the Virtual WAN to Standard (az network vwan update --type Standard; an upgrade cannot be undone)");
        }
    }

    // ------------------------------------------------------------------------------------------------ clusters

    private void readCluster(ClusterState st, AzureRef ref) {
        String name = st.name();
        String aksId = ArmPaths.managedCluster(sub(), ref.resourceGroup(), ref.name());
        try {
            KubernetesCluster kc = arm.aks().kubernetesClusters().getByResourceGroup(ref.resourceGroup(), ref.name());
            st.aks = AksFacts.of(kc);
        } catch (RuntimeException e) {
            findings.add(ArmErrors.finding(ArmFailure.of(e), name, aksId, "read the managed cluster", AzureFindingCodes.CLUSTER_NOT_FOUND,
                    "create the AKS cluster or correct spec.clusters[" + st.index + "].azure (resourceGroup " + ref.resourceGroup()
                            + ", name " + ref.name() + ")"));
            skipped(name, aksId, CLUSTER_CHECKS, "they need the managed cluster " + aksId + ", which could not be read", lastCode());
            return;
        }
        AksFacts a = st.aks;
        if (!"Succeeded".equalsIgnoreCase(a.provisioningState())) {
            boolean failed = "Failed".equalsIgnoreCase(a.provisioningState());
            add(AzureFindingCodes.CLUSTER_NOT_READY, failed ? Severity.ERROR : Severity.WARNING, name, aksId,
                    name + ": the managed cluster " + aksId + " is in provisioning state " + a.provisioningState(),
                    failed ? "fix the cluster's failed operation (az aks update or reconcile in the portal) and run again"
                            : "wait for the running operation on the cluster to finish and run again");
        }
        if (a.networkPlugin() == null || !"none".equalsIgnoreCase(a.networkPlugin())) {
            add(AzureFindingCodes.NETWORK_PLUGIN, Severity.ERROR, name, aksId,
                    name + ": the managed cluster " + aksId + " uses network plugin " + (a.networkPlugin() == null ? "(not set)" : a.networkPlugin())
                            + (a.networkPluginMode() == null ? "" : " (mode " + a.networkPluginMode() + ")")
                            + "; a self-managed Cilium Cluster Mesh needs a BYOCNI cluster (networkProfile.networkPlugin none), where Cilium is the only CNI and is installed with Helm",
                    "create the cluster with --network-plugin none and --pod-cidr <its pod CIDR> (BYOCNI); an existing kubenet or Azure CNI cluster cannot be switched to none");
        }
        if ("cilium".equalsIgnoreCase(a.dataplane())) {
            add(AzureFindingCodes.DATAPLANE_CILIUM, Severity.ERROR, name, aksId,
                    name + ": the managed cluster " + aksId + " runs Azure CNI powered by Cilium (networkDataplane cilium): that Cilium is managed by Azure and cannot join a self-managed Cluster Mesh, and Azure's own cross-cluster option excludes BYOCNI",
                    "use a BYOCNI cluster (--network-plugin none) for the mesh, or keep this cluster out of it");
        }
        if (a.podCidr() != null && st.cluster.podCidr() != null && !sameCidr(a.podCidr(), st.cluster.podCidr())) {
            add(AzureFindingCodes.SPEC_DIFFERS, Severity.WARNING, name, aksId,
                    name + ": the spec's pod CIDR " + st.cluster.podCidr() + " differs from AKS networkProfile.podCidr " + a.podCidr() + " (" + aksId + ")",
                    "use the same pod CIDR in the spec as the cluster was created with, or leave podCidr out to take AKS's");
        }
        checkLoadBalancerSku(st, aksId);
        checkKubeProxy(st, aksId);
        String subnetId = a.primarySubnetId();
        if (subnetId == null) {
            add(AzureFindingCodes.SUBNET_MANAGED, Severity.ERROR, name, aksId,
                    name + ": the managed cluster " + aksId + " has no BYO subnet (agentPoolProfiles[].vnetSubnetID is empty): its nodes run in the VNet AKS manages in node resource group "
                            + a.nodeResourceGroup() + ", which cannot be connected to a Virtual Hub",
                    "recreate the cluster with --vnet-subnet-id <a subnet of a spoke VNet you own>");
            skipped(name, aksId, "the subnet and VNet, the hub connection, the cluster identity's role on the subnet and the mesh IP",
                    "they need a BYO subnet, and the cluster has none", AzureFindingCodes.SUBNET_MANAGED);
            return;
        }
        st.vnetId = ArmPaths.vnetOfSubnet(subnetId);
        Network vnet;
        try {
            vnet = arm.network().networks().getById(st.vnetId);
        } catch (RuntimeException e) {
            ArmFailure f = ArmFailure.of(e);
            findings.add(ArmErrors.finding(f, name, subnetId, "read the virtual network of the subnet",
                    AzureFindingCodes.SUBNET_NOT_FOUND, "the cluster's agent pool points at a subnet whose VNet " + st.vnetId
                            + " does not exist: recreate the VNet and subnet or the cluster"));
            st.vnetUnknown = true;
            String cause = lastCode();
            if (f.notFound()) {
                skipped(name, subnetId, "the hub connection or peering, the VNet's ranges, the cluster identity's role on the subnet and the mesh IP",
                        "they need the subnet, which does not exist", cause);
                return;
            }
            skipped(name, subnetId, "the hub connection or peering, the VNet's ranges and the mesh IP",
                    "they need the VNet " + st.vnetId + ", which could not be read", cause);
            checkSubnetRole(st, subnetId);
            return;
        }
        st.vnet = VnetFacts.of(vnet);
        String subnetName = ArmPaths.segment(subnetId, "subnets");
        Optional<VnetFacts.SubnetFacts> sn = subnetName == null ? Optional.empty() : st.vnet.subnet(subnetName);
        if (sn.isEmpty()) {
            add(AzureFindingCodes.SUBNET_NOT_FOUND, Severity.ERROR, name, subnetId,
                    name + ": the agent pool's subnet " + subnetId + " does not exist in VNet " + st.vnetId,
                    "recreate the subnet " + subnetName + " in " + st.vnetId + " with the prefix the nodes use, or recreate the cluster");
            skipped(name, subnetId, "the cluster identity's role on the subnet and the mesh IP", "they need the subnet, which does not exist",
                    AzureFindingCodes.SUBNET_NOT_FOUND);
            return;
        }
        st.subnet = sn.get();
        checkSubnetRole(st, subnetId);
    }

    // ------------------------------------------------------------------------------------------------ load balancer

    private void checkLoadBalancerSku(ClusterState st, String aksId) {
        String sku = st.aks.loadBalancerSku();
        if (sku != null && sku.equalsIgnoreCase("basic")) {
            String name = st.name();
            add(AzureFindingCodes.LOAD_BALANCER_BASIC, Severity.ERROR, name, aksId,
                    name + ": the managed cluster " + aksId + " uses the Basic load balancer SKU (networkProfile.loadBalancerSku basic), which Azure retired on "
                            + "30 September 2025; a Basic internal load balancer is not reachable from other regions' VNets, so the clustermesh-apiserver may be unreachable from the other clusters",
                    "move the cluster to the Standard load balancer (az aks update -g <resource group> -n <cluster> --load-balancer-sku standard), or create it with --load-balancer-sku standard");
        }
    }

    // ------------------------------------------------------------------------------------------------ subnet role

    /**
     * The cluster identity creates the clustermesh-apiserver's internal load balancer in the subnet: it needs
     * {@code subnets/join/action} and {@code subnets/read} there (Network Contributor, or a role with both).
     */
    private void checkSubnetRole(ClusterState st, String subnetId) {
        if (!spec.exposure().isLoadBalancer()) {
            return;
        }
        String name = st.name();
        ClusterIdentity id = st.aks.identity();
        String what = "whether " + id.describe() + " may place the clustermesh-apiserver's internal load balancer in subnet " + subnetId;
        if (id.principalId() == null) {
            String assignee = id.assignee() != null ? id.assignee() : "<the cluster identity's object or application id>";
            String why = id.kind() == ClusterIdentity.Kind.SERVICE_PRINCIPAL
                    ? "the cluster uses a service principal, whose object id the managed cluster does not give (only its application id), so its role assignments cannot be listed"
                    : "the managed cluster payload gives no principal id for its identity";
            add(AzureFindingCodes.SUBNET_ROLE_UNVERIFIED, Severity.WARNING, name, subnetId,
                    name + ": not checked: " + what + "; " + why,
                    "make sure it holds Network Contributor (or subnets/join/action and subnets/read) on the subnet or a parent scope: "
                            + "az role assignment list --assignee " + assignee + " --scope " + subnetId + " --include-inherited; grant it with "
                            + SubnetRoles.azCommand(assignee, subnetId));
            return;
        }
        SubnetRoles.Check check;
        try {
            check = roles.check(subnetId, id.principalId());
        } catch (RuntimeException e) {
            ArmFailure f = ArmFailure.of(e);
            String action = f.deniedAction();
            add(AzureFindingCodes.SUBNET_ROLE_UNVERIFIED, Severity.WARNING, name, subnetId,
                    name + ": not checked: " + what + "; reading the role assignments on the subnet answered " + f.summary()
                            + (action == null ? "" : " (missing permission " + action + ")"),
                    (f.forbidden() ? "grant Reader on " + subnetId + " to the identity the SDK runs as (it includes Microsoft.Authorization/*/read), or check yourself: "
                            : "run preflight again, or check yourself: ")
                            + "az role assignment list --assignee " + id.principalId() + " --scope " + subnetId + " --include-inherited");
            return;
        }
        if (!check.granted()) {
            add(AzureFindingCodes.SUBNET_ROLE_MISSING, Severity.ERROR, name, subnetId,
                    name + ": " + id.describe() + " holds no role on subnet " + subnetId + " (or its VNet, resource group or subscription) that allows "
                            + String.join(" and ", check.missing())
                            + (check.seen().isEmpty() ? "" : "; it holds " + String.join(", ", check.seen()))
                            + ": AKS cannot create the clustermesh-apiserver's internal load balancer in the subnet, so the other clusters cannot reach it"
                            + " (roles held through a group are not seen)",
                    SubnetRoles.azCommand(id.principalId(), subnetId) + " (AzureTopology grants it when the SDK's identity may assign roles)");
        }
    }

    private void checkKubeProxy(ClusterState st, String aksId) {
        String name = st.name();
        Map<String, Object> body;
        try {
            Optional<Map<String, Object>> got = arm.getJson(aksId, PREVIEW_API, "read kubeProxyConfig of " + aksId);
            if (got.isEmpty()) {
                return;
            }
            body = got.get();
        } catch (RuntimeException e) {
            Finding f = ArmErrors.finding(ArmFailure.of(e), name, aksId, "read networkProfile.kubeProxyConfig (api-version " + PREVIEW_API + ") of", null, null);
            findings.add(f.isError() && !f.code().equals(AzureFindingCodes.AUTHORIZATION_FAILED)
                    ? new Finding(f.code(), Severity.WARNING, f.cluster(), f.path(), f.message(), f.remediation()) : f);
            return;
        }
        Object enabled = ArmJson.at(body, "properties.networkProfile.kubeProxyConfig.enabled");
        CiliumOptions o = spec.ciliumFor(st.cluster);
        if (Boolean.TRUE.equals(enabled) || "true".equals(String.valueOf(enabled))) {
            add(AzureFindingCodes.KUBE_PROXY_ENABLED, o.kubeProxyReplacement() ? Severity.ERROR : Severity.WARNING, name, aksId,
                    name + ": ARM reports kube-proxy enabled on " + aksId + " (networkProfile.kubeProxyConfig.enabled true, api-version " + PREVIEW_API
                            + ")" + (o.kubeProxyReplacement() ? "; with kubeProxyReplacement Cilium must be the only service proxy" : ""),
                    "disable kube-proxy with a PUT of networkProfile.kubeProxyConfig {\"enabled\": false} (api-version " + PREVIEW_API
                            + "; the SDK's AzureTopology does it), then confirm no kube-proxy DaemonSet is left in kube-system");
        } else if (!Boolean.FALSE.equals(enabled) && !"false".equals(String.valueOf(enabled))) {
            add(AzureFindingCodes.KUBE_PROXY_UNCONFIRMED, Severity.INFO, name, aksId,
                    name + ": ARM's read-back of networkProfile.kubeProxyConfig on " + aksId + " is "
                            + (ArmJson.at(body, "properties.networkProfile.kubeProxyConfig") == null ? "absent" : "{}")
                            + " (a known AKS behaviour): whether kube-proxy runs is confirmed in the cluster (no kube-proxy DaemonSet in kube-system)",
                    "nothing to do if kube-proxy was disabled; otherwise PUT networkProfile.kubeProxyConfig {\"enabled\": false} with api-version " + PREVIEW_API);
        }
    }

    // ------------------------------------------------------------------------------------------------ connectivity

    private void checkConnectivity(ClusterState st, Hub hub, List<ClusterState> all) {
        String name = st.name();
        if (hub != null && hub.connections() != null) {
            for (HubVirtualNetworkConnectionInner c : hub.connections()) {
                String remote = c.remoteVirtualNetwork() == null ? null : c.remoteVirtualNetwork().id();
                if (ArmPaths.same(remote, st.vnetId)) {
                    String state = c.provisioningState() == null ? null : c.provisioningState().toString();
                    if (!"Succeeded".equalsIgnoreCase(state)) {
                        String connId = c.id() != null ? c.id() : hub.id() + "/hubVirtualNetworkConnections/" + c.name();
                        boolean failed = "Failed".equalsIgnoreCase(state);
                        add(AzureFindingCodes.VNET_CONNECTION_NOT_READY, failed ? Severity.ERROR : Severity.WARNING, name, connId,
                                name + ": the hub connection " + connId + " of VNet " + st.vnetId + " is in provisioning state " + state + ", not Succeeded",
                                failed ? "delete and recreate the hub virtual network connection" : "wait for the hub connection to finish and run again");
                    }
                    return;
                }
            }
        }
        if (hub != null && hub.connections() == null) {
            return; // listing the hub's connections failed; reported (with what it skips) already
        }
        List<String> missingPeers = new ArrayList<>();
        boolean othersElsewhere = false;
        for (ClusterState other : all) {
            if (other == st || other.vnetId == null || ArmPaths.same(other.vnetId, st.vnetId)) {
                continue;
            }
            othersElsewhere = true;
            if (!st.vnet.peeredWith(other.vnetId)) {
                missingPeers.add(other.name() + " (" + other.vnetId + ")");
            }
        }
        if (!othersElsewhere || missingPeers.isEmpty()) {
            return; // alone in its VNet, or peered with every other cluster's VNet
        }
        add(AzureFindingCodes.VNET_NOT_CONNECTED, Severity.ERROR, name, st.vnetId,
                name + ": the VNet " + st.vnetId + " is " + (hub == null ? "" : "not connected to the Virtual Hub " + hub.id() + " and ")
                        + "not peered with " + String.join(", ", missingPeers) + ": the cluster's nodes cannot reach the other clusters",
                hub != null ? "create a hub virtual network connection from " + hub.id() + " to " + st.vnetId
                        + " (az network vhub connection create), or peer the VNets"
                        : "peer the VNet with every other cluster's VNet (both directions) or connect them all to a Virtual Hub (spec.azure.hub)");
    }

    // ------------------------------------------------------------------------------------------------ ranges

    private enum Kind {
        POD("pod CIDR"), SERVICE("service CIDR"), VNET("VNet address space"), HUB("hub address prefix");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private record Range(Kind kind, IpCidr cidr, ClusterState owner, String resourceId) {
        String describe() {
            return (owner == null ? "" : owner.name() + "'s ") + kind.label + " " + cidr
                    + (resourceId == null ? "" : " (" + resourceId + ")");
        }
    }

    private void checkRanges(List<ClusterState> states, Hub hub) {
        List<Range> ranges = new ArrayList<>();
        for (ClusterState st : states) {
            parse(st.cluster.podCidr() != null ? st.cluster.podCidr() : st.aks == null ? null : st.aks.podCidr())
                    .ifPresent(c -> ranges.add(new Range(Kind.POD, c, st, st.aks == null ? null : st.aks.resourceId())));
            parse(st.cluster.serviceCidr() != null ? st.cluster.serviceCidr() : st.aks == null ? null : st.aks.serviceCidr())
                    .ifPresent(c -> ranges.add(new Range(Kind.SERVICE, c, st, st.aks == null ? null : st.aks.resourceId())));
            if (st.vnet != null) {
                boolean seen = ranges.stream().anyMatch(r -> r.kind == Kind.VNET && ArmPaths.same(r.resourceId, st.vnetId));
                if (!seen) {
                    for (String p : st.vnet.addressPrefixes()) {
                        parse(p).ifPresent(c -> ranges.add(new Range(Kind.VNET, c, st, st.vnetId)));
                    }
                }
            }
        }
        if (hub != null) {
            parse(hub.addressPrefix()).ifPresent(c -> ranges.add(new Range(Kind.HUB, c, null, hub.id())));
        }
        Set<String> reported = new java.util.HashSet<>();
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                Range a = ranges.get(i);
                Range b = ranges.get(j);
                if (!relevant(a, b) || !a.cidr.overlaps(b.cidr)) {
                    continue;
                }
                Range first = a.kind.ordinal() <= b.kind.ordinal() ? a : b;
                Range second = first == a ? b : a;
                String key = first.describe() + "|" + second.describe();
                if (!reported.add(key)) {
                    continue;
                }
                ClusterState who = first.owner != null ? first.owner : second.owner;
                String id = first.resourceId != null ? first.resourceId : second.resourceId;
                add(AzureFindingCodes.CIDR_OVERLAP, Severity.ERROR, who == null ? null : who.name(), id == null ? "" : id,
                        first.describe() + " overlaps " + second.describe()
                                + ": pod CIDRs, service CIDRs, VNet ranges and the hub prefix must all be disjoint, or traffic is routed to the wrong place",
                        fixFor(first, second));
            }
        }
        for (Range r : ranges) {
            if (r.kind != Kind.VNET && r.kind != Kind.HUB) {
                continue; // pod and service CIDRs are checked against reserved ranges by the spec validation
            }
            for (IpCidr res : AksRules.RESERVED) {
                if (res.overlaps(r.cidr)) {
                    add(AzureFindingCodes.CIDR_RESERVED, Severity.ERROR, r.owner == null ? null : r.owner.name(), r.resourceId,
                            r.describe() + " overlaps " + res + ", which AKS reserves",
                            "use address ranges outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24");
                }
            }
        }
    }

    /** Pairs the spec validation does not already check (pod vs pod and pod vs service are its job). */
    private static boolean relevant(Range a, Range b) {
        Kind x = a.kind;
        Kind y = b.kind;
        if ((x == Kind.POD || x == Kind.SERVICE) && (y == Kind.POD || y == Kind.SERVICE)) {
            return false;
        }
        if (x == Kind.VNET && y == Kind.VNET) {
            return !ArmPaths.same(a.resourceId, b.resourceId);
        }
        return true;
    }

    private static String fixFor(Range first, Range second) {
        if (first.kind == Kind.POD) {
            return "give " + (first.owner == null ? "the cluster" : first.owner.name()) + " a pod CIDR outside every VNet range, service CIDR and the hub prefix (BYOCNI pod CIDRs are only routed inside the cluster)";
        }
        if (first.kind == Kind.SERVICE) {
            return "give " + (first.owner == null ? "the cluster" : first.owner.name()) + " a service CIDR outside every VNet range and the hub prefix (it is fixed at cluster creation)";
        }
        if (second.kind == Kind.HUB) {
            return "use a hub address prefix outside every spoke VNet (it cannot be changed: recreate the hub) or re-address the VNet";
        }
        return "re-address one of the VNets: VNets connected through one hub (or peered) must not overlap";
    }

    private static Optional<IpCidr> parse(String cidr) {
        if (cidr == null) {
            return Optional.empty();
        }
        try {
            IpCidr c = IpCidr.parse(cidr);
            return c.isIpv6() ? Optional.empty() : Optional.of(c);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // the spec validation reports malformed CIDRs
        }
    }

    private static boolean sameCidr(String a, String b) {
        Optional<IpCidr> x = parse(a);
        Optional<IpCidr> y = parse(b);
        return x.isPresent() && y.isPresent() ? x.get().equals(y.get()) : a.trim().equals(b.trim());
    }

    // ------------------------------------------------------------------------------------------------ mesh IP

    private void checkMeshIp(ClusterState st) {
        if (st.subnet == null || !spec.exposure().isLoadBalancer()) {
            return;
        }
        Optional<IpCidr> prefix = parse(st.subnet.addressPrefix());
        if (prefix.isEmpty()) {
            return;
        }
        IpCidr subnet = prefix.get();
        String name = st.name();
        String ip = st.cluster.meshIp();
        if (ip != null && !IpCidr.isAddress(ip)) {
            return; // the spec validation reports it
        }
        if (ip != null && !subnet.contains(ip)) {
            add(AzureFindingCodes.MESH_IP_OUTSIDE_SUBNET, Severity.ERROR, name, st.subnet.id(),
                    name + ": meshIp " + ip + " is outside the cluster's subnet " + st.subnet.id() + " (" + subnet
                            + "): an internal load balancer takes its frontend address from the nodes' subnet",
                    "choose a free address inside " + subnet + " (not the first four or the last), e.g. "
                            + SubnetAddresses.highestFree(subnet, Set.of()).orElse("one of the subnet's"));
            return;
        }
        if (ip != null && SubnetAddresses.reservedByAzure(subnet, ip)) {
            add(AzureFindingCodes.MESH_IP_RESERVED, Severity.ERROR, name, st.subnet.id(),
                    name + ": meshIp " + ip + " is one of the five addresses Azure reserves in subnet " + st.subnet.id() + " (" + subnet + ")",
                    "choose an address from the 5th to the second-to-last of " + subnet);
            return;
        }
        SubnetUsage.Usage usage = SubnetUsage.read(arm, st.subnet);
        if (ip != null) {
            String owner = usage.owners().get(ip);
            if (owner != null) {
                if (ownInternalLb(st, owner)) {
                    add(AzureFindingCodes.MESH_IP_ASSIGNED, Severity.INFO, name, owner,
                            name + ": meshIp " + ip + " is already a frontend of the cluster's own internal load balancer (" + owner
                                    + "), as expected once the clustermesh-apiserver Service exists",
                            "nothing to do; if another internal Service holds the address, move it");
                } else {
                    add(AzureFindingCodes.MESH_IP_IN_USE, Severity.ERROR, name, owner,
                            name + ": meshIp " + ip + " of subnet " + st.subnet.id() + " is already used by " + owner,
                            "choose a free address of " + subnet + ", e.g. "
                                    + SubnetAddresses.highestFree(subnet, usage.owners().keySet()).orElse("(the subnet is full)"));
                }
            }
            return;
        }
        Optional<String> free = SubnetAddresses.highestFree(subnet, usage.takenByOthers(st.aks == null ? null : st.aks.nodeResourceGroup()));
        if (free.isEmpty()) {
            add(AzureFindingCodes.SUBNET_FULL, Severity.ERROR, name, st.subnet.id(),
                    name + ": subnet " + st.subnet.id() + " (" + subnet + ") has no free address for the clustermesh-apiserver's internal load balancer",
                    "enlarge the subnet or free an address");
            return;
        }
        add(AzureFindingCodes.MESH_IP_SUGGESTED, Severity.INFO, name, st.subnet.id(),
                name + ": no meshIp given; " + free.get() + " is free in subnet " + st.subnet.id() + " (" + subnet + ")"
                        + (usage.unresolved() > 0 ? " as far as ARM shows (" + usage.unresolved() + " IP configurations not resolved)" : ""),
                "set spec.clusters[" + st.index + "].meshIp: " + free.get() + " so every peer address is known in advance and the mesh converges in one pass");
    }

    private static boolean ownInternalLb(ClusterState st, String ownerId) {
        return st.aks != null && SubnetUsage.ownInternalLb(ownerId, st.aks.nodeResourceGroup());
    }

    // ------------------------------------------------------------------------------------------------ ports

    private void portsInfo() {
        Map<String, String> ports = new LinkedHashMap<>();
        ports.put("2379/tcp", "to each clustermesh-apiserver load balancer");
        ports.put("4240/tcp", "health checks");
        ports.put("ICMP 8/0", "health pings");
        for (MeshCluster c : spec.clusters()) {
            CiliumOptions o = spec.ciliumFor(c);
            ports.put(o.tunnelProtocol().udpPort() + "/udp", o.tunnelProtocol().value().toUpperCase(java.util.Locale.ROOT) + " tunnel");
            if (o.encryption() != Encryption.NONE) {
                ports.put(o.encryption().requiredPorts(), "for transparent encryption");
            }
        }
        StringBuilder sb = new StringBuilder("open between the node subnets of all clusters (NSGs, firewalls, hub routing): ");
        boolean first = true;
        for (Map.Entry<String, String> e : ports.entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
            first = false;
        }
        sb.append("; Azure's MTU between VNets is 1500, so VXLAN leaves at most 1450 bytes for pods");
        add(AzureFindingCodes.PORTS_REQUIRED, Severity.INFO, null, spec.azure() != null && spec.azure().hub() != null
                        ? ArmPaths.virtualHub(sub(), spec.azure().hub().resourceGroup(), spec.azure().hub().name()) : "spec.cilium",
                sb.toString(), "allow these ports in every NSG on the node subnets and in any firewall between the spokes");
    }
}
