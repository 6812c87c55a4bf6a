package io.clustermesh.azure;

import com.azure.core.management.SubResource;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.containerservice.fluent.models.ManagedClusterInner;
import com.azure.resourcemanager.containerservice.models.AgentPoolMode;
import com.azure.resourcemanager.containerservice.models.AgentPoolType;
import com.azure.resourcemanager.containerservice.models.ContainerServiceNetworkProfile;
import com.azure.resourcemanager.containerservice.models.ManagedClusterAgentPoolProfile;
import com.azure.resourcemanager.containerservice.models.ManagedClusterIdentity;
import com.azure.resourcemanager.containerservice.models.NetworkPlugin;
import com.azure.resourcemanager.containerservice.models.OSType;
import com.azure.resourcemanager.containerservice.models.ResourceIdentityType;
import com.azure.resourcemanager.network.fluent.models.HubVirtualNetworkConnectionInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualHubInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.fluent.models.VirtualWanInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.Severity;
import io.clustermesh.azure.ProvisionResult.Action;
import io.clustermesh.azure.ProvisionResult.ResourceChange;
import io.clustermesh.azure.internal.AksFacts;
import io.clustermesh.azure.internal.ArmErrors;
import io.clustermesh.azure.internal.ArmFailure;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.azure.internal.ArmPaths;
import io.clustermesh.azure.internal.ArmSession;
import io.clustermesh.azure.internal.AzurePreflight;
import io.clustermesh.azure.internal.ClusterIdentity;
import io.clustermesh.azure.internal.SubnetRoles;
import io.clustermesh.azure.internal.SubnetAddresses;
import io.clustermesh.azure.internal.SubnetUsage;
import io.clustermesh.azure.internal.VnetFacts;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.IpCidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds an {@link AzureLabTopology} in Azure, create-or-update and idempotent: every resource is read first and
 * written only when missing or different, so a second run over the same topology issues no PUT at all. Order:
 * resource groups, Standard Virtual WAN, hub, spoke VNets and subnets, hub connections, BYOCNI AKS clusters (started
 * together, awaited together), each cluster identity's role on its subnet, kube-proxy disabled through the preview
 * api-version and verified, then a fixed mesh IP per cluster (the topology's, or the highest free address of its subnet). Virtual WAN, hub and hub connections go
 * through {@code NetworkManager.serviceClient()} (the fluent API has none). Long operations are polled through the
 * provider's clock, honouring {@code Retry-After}.
 *
 * <p>Role assignments: a cluster created by an ARM PUT gets no role on its subnet (unlike {@code az aks create}), but
 * its identity must place the clustermesh-apiserver's internal load balancer there. After the clusters, each cluster
 * identity that holds no role allowing {@code subnets/join/action} and {@code subnets/read} on its subnet (or a parent
 * scope) is granted Network Contributor on the subnet, under a name derived from scope, principal and role, so a
 * second run finds it and writes nothing. When the SDK's identity may not grant roles (403), the run goes on and
 * {@link ProvisionResult#findings()} says who must grant what ({@code AZURE_SUBNET_ROLE_DENIED}).
 */
public final class AzureTopology {
    private static final Logger LOG = LoggerFactory.getLogger(AzureTopology.class);
    /** Tag written with the kube-proxy change, so an absent read-back is not mistaken for "still enabled". */
    public static final String KUBE_PROXY_TAG = "clustermesh.io/kube-proxy";
    public static final String SYSTEM_POOL = "system";

    private final java.util.function.Function<String, ArmSession> sessions;

    AzureTopology(java.util.function.Function<String, ArmSession> sessions) {
        this.sessions = sessions;
    }

    /** What is wrong with the topology itself (no I/O); {@link #apply} refuses to start when any is an error. */
    public List<Finding> check(AzureLabTopology topology) {
        return topology.validate();
    }

    /**
     * Creates or updates the whole topology and returns what was done.
     *
     * @throws MeshConfigurationException when the topology is inconsistent (nothing is written)
     * @throws io.clustermesh.MeshException  when Azure refuses a step (403 names the missing role) or a resource exists
     *                                      with settings that cannot be changed in place
     */
    public ProvisionResult apply(AzureLabTopology topology) {
        List<Finding> problems = topology.validate();
        if (problems.stream().anyMatch(Finding::isError)) {
            throw new MeshConfigurationException(problems);
        }
        return new Run(sessions.apply(topology.subscription()), topology).run();
    }

    /** One provisioning run. */
    private static final class Run {
        final ArmSession arm;
        final AzureLabTopology t;
        final String sub;
        final List<ResourceChange> changes = new ArrayList<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        final List<Finding> findings = new ArrayList<>();

        Run(ArmSession arm, AzureLabTopology t) {
            this.arm = arm;
            this.t = t;
            this.sub = t.subscription();
        }

        ProvisionResult run() {
            Set<String> groups = new LinkedHashSet<>();
            groups.add(t.hub().resourceGroup());
            t.spokes().forEach(s -> groups.add(s.resourceGroup()));
            groups.forEach(this::resourceGroup);
            String wanId = virtualWan();
            String hubId = hub(wanId);
            List<String> subnetIds = new ArrayList<>();
            for (AzureLabTopology.Spoke s : t.spokes()) {
                subnetIds.add(spoke(s));
            }
            hubConnections();
            List<ManagedClusterInner> clusters = clusters(subnetIds);
            SubnetRoles roles = new SubnetRoles(arm);
            for (int i = 0; i < t.spokes().size(); i++) {
                subnetRole(roles, t.spokes().get(i), clusters.get(i), subnetIds.get(i));
            }
            List<ProvisionResult.Cluster> out = new ArrayList<>();
            Set<String> taken = new HashSet<>();
            for (int i = 0; i < t.spokes().size(); i++) {
                AzureLabTopology.Spoke s = t.spokes().get(i);
                kubeProxy(s);
                out.add(result(s, clusters.get(i), subnetIds.get(i), taken));
            }
            LOG.info("Azure topology: {} written, {} unchanged (hub {})", changes.stream().filter(c -> c.action() != Action.UNCHANGED).count(),
                    changes.stream().filter(c -> c.action() == Action.UNCHANGED).count(), hubId);
            return new ProvisionResult(t.azureSpec(), changes, out, notes, findings);
        }

        private void record(String id, String type, Action action, String detail) {
            ResourceChange c = new ResourceChange(id, type, action, detail);
            changes.add(c);
            if (action == Action.UNCHANGED) {
                LOG.debug("{}", c);
            } else {
                LOG.info("{}", c);
            }
        }

        private <T> Optional<T> read(String id, String what, Supplier<T> get) {
            try {
                return Optional.ofNullable(get.get());
            } catch (RuntimeException e) {
                if (ArmFailure.of(e).notFound()) {
                    return Optional.empty();
                }
                throw ArmErrors.exception(e, null, "reading " + what, id);
            }
        }

        private <T> T write(String id, String what, String cluster, Supplier<T> op) {
            try {
                return arm.withOperationRetry(what + " " + id, op);
            } catch (RuntimeException e) {
                throw ArmErrors.exception(e, cluster, what, id);
            }
        }

        // ---------------------------------------------------------------------------------------- groups, WAN, hub

        void resourceGroup(String name) {
            String id = ArmPaths.resourceGroup(sub, name);
            var client = arm.network().resourceManager().serviceClient().getResourceGroups();
            if (read(id, "resource group", () -> client.get(name)).isPresent()) {
                record(id, "resourceGroup", Action.UNCHANGED, null);
                return;
            }
            write(id, "creating resource group", null, () -> client.createOrUpdate(name, new ResourceGroupInner().withLocation(t.location())));
            record(id, "resourceGroup", Action.CREATED, t.location());
        }

        String virtualWan() {
            AzureLabTopology.Hub h = t.hub();
            String id = ArmPaths.virtualWan(sub, h.resourceGroup(), h.virtualWan());
            var client = arm.network().serviceClient().getVirtualWans();
            Optional<VirtualWanInner> cur = read(id, "Virtual WAN", () -> client.getByResourceGroup(h.resourceGroup(), h.virtualWan()));
            if (cur.isPresent() && "Standard".equalsIgnoreCase(cur.get().typePropertiesType())) {
                record(id, "virtualWan", Action.UNCHANGED, "Standard");
                return id;
            }
            String oldType = cur.map(VirtualWanInner::typePropertiesType).orElse(null);
            VirtualWanInner body = cur.orElseGet(() -> new VirtualWanInner().withLocation(t.location()));
            body.withTypePropertiesType("Standard");
            write(id, cur.isPresent() ? "upgrading Virtual WAN to Standard" : "creating Virtual WAN", null,
                    () -> arm.await(client.beginCreateOrUpdate(h.resourceGroup(), h.virtualWan(), body), "Virtual WAN " + id));
            record(id, "virtualWan", cur.isPresent() ? Action.UPDATED : Action.CREATED,
                    cur.isPresent() ? "type " + oldType + " -> Standard" : "Standard");
            return id;
        }

        String hub(String wanId) {
            AzureLabTopology.Hub h = t.hub();
            String id = ArmPaths.virtualHub(sub, h.resourceGroup(), h.name());
            var client = arm.network().serviceClient().getVirtualHubs();
            Optional<VirtualHubInner> cur = read(id, "Virtual Hub", () -> client.getByResourceGroup(h.resourceGroup(), h.name()));
            if (cur.isPresent()) {
                VirtualHubInner hub = cur.get();
                String wan = hub.virtualWan() == null ? null : hub.virtualWan().id();
                if (!ArmPaths.same(wan, wanId) || !samePrefix(hub.addressPrefix(), h.addressPrefix())) {
                    throw new MeshConflictException("the Virtual Hub " + id + " exists with Virtual WAN " + wan
                            + " and address prefix " + hub.addressPrefix() + ", but the topology wants " + wanId + " and " + h.addressPrefix(),
                            Details.meshWide().atStep("azure")
                                    .fix("a hub's WAN and prefix cannot be changed: use the existing values in the topology or delete the hub")
                                    .retryable(false));
                }
                record(id, "virtualHub", Action.UNCHANGED, h.addressPrefix());
                return id;
            }
            VirtualHubInner body = new VirtualHubInner().withLocation(t.location()).withVirtualWan(new SubResource().withId(wanId))
                    .withAddressPrefix(h.addressPrefix()).withSku("Standard");
            write(id, "creating Virtual Hub", null, () -> arm.await(client.beginCreateOrUpdate(h.resourceGroup(), h.name(), body), "Virtual Hub " + id));
            record(id, "virtualHub", Action.CREATED, h.addressPrefix());
            notes.put("hub", id + ": the hub router takes a while to reach routingState Provisioned; preflight reports it until then");
            return id;
        }

        // ---------------------------------------------------------------------------------------- spokes

        String spoke(AzureLabTopology.Spoke s) {
            String vnetId = ArmPaths.virtualNetwork(sub, s.resourceGroup(), s.virtualNetwork());
            String subnetId = ArmPaths.subnet(sub, s.resourceGroup(), s.virtualNetwork(), s.subnet());
            var vnets = arm.network().serviceClient().getVirtualNetworks();
            Optional<VirtualNetworkInner> cur = read(vnetId, "virtual network", () -> vnets.getByResourceGroup(s.resourceGroup(), s.virtualNetwork()));
            if (cur.isEmpty()) {
                VirtualNetworkInner body = new VirtualNetworkInner().withLocation(t.location())
                        .withAddressSpace(new AddressSpace().withAddressPrefixes(List.of(s.addressPrefix())))
                        .withSubnets(List.of(new SubnetInner().withName(s.subnet()).withAddressPrefix(s.subnetPrefix())));
                write(vnetId, "creating virtual network", s.cluster().meshName(),
                        () -> arm.await(vnets.beginCreateOrUpdate(s.resourceGroup(), s.virtualNetwork(), body), "virtual network " + vnetId));
                record(vnetId, "virtualNetwork", Action.CREATED, s.addressPrefix());
                record(subnetId, "subnet", Action.CREATED, s.subnetPrefix() + " (with its VNet)");
                return subnetId;
            }
            VirtualNetworkInner vnet = cur.get();
            VnetFacts facts = VnetFacts.of(vnet, vnetId);
            if (facts.addressPrefixes().stream().noneMatch(p -> samePrefix(p, s.addressPrefix()))) {
                List<String> prefixes = new ArrayList<>(facts.addressPrefixes());
                prefixes.add(s.addressPrefix());
                vnet.withAddressSpace(new AddressSpace().withAddressPrefixes(prefixes));
                write(vnetId, "adding an address prefix to virtual network", s.cluster().meshName(),
                        () -> arm.await(vnets.beginCreateOrUpdate(s.resourceGroup(), s.virtualNetwork(), vnet), "virtual network " + vnetId));
                record(vnetId, "virtualNetwork", Action.UPDATED, "added " + s.addressPrefix());
            } else {
                record(vnetId, "virtualNetwork", Action.UNCHANGED, s.addressPrefix());
            }
            Optional<VnetFacts.SubnetFacts> sn = facts.subnet(s.subnet());
            if (sn.isPresent()) {
                if (!samePrefix(sn.get().addressPrefix(), s.subnetPrefix())) {
                    throw new MeshConflictException("the subnet " + subnetId + " exists with prefix "
                            + sn.get().addressPrefix() + ", but the topology wants " + s.subnetPrefix(),
                            Details.inCluster(s.cluster().meshName()).atStep("azure")
                                    .fix("use the existing prefix in the topology (a subnet in use cannot be re-addressed)")
                                    .retryable(false));
                }
                record(subnetId, "subnet", Action.UNCHANGED, s.subnetPrefix());
                return subnetId;
            }
            var subnets = arm.network().serviceClient().getSubnets();
            write(subnetId, "creating subnet", s.cluster().meshName(), () -> arm.await(subnets.beginCreateOrUpdate(s.resourceGroup(),
                    s.virtualNetwork(), s.subnet(), new SubnetInner().withAddressPrefix(s.subnetPrefix())), "subnet " + subnetId));
            record(subnetId, "subnet", Action.CREATED, s.subnetPrefix());
            return subnetId;
        }

        void hubConnections() {
            AzureLabTopology.Hub h = t.hub();
            var client = arm.network().serviceClient().getHubVirtualNetworkConnections();
            String hubId = ArmPaths.virtualHub(sub, h.resourceGroup(), h.name());
            List<HubVirtualNetworkConnectionInner> existing = new ArrayList<>();
            try {
                client.list(h.resourceGroup(), h.name()).forEach(existing::add);
            } catch (RuntimeException e) {
                if (!ArmFailure.of(e).notFound()) {
                    throw ArmErrors.exception(e, null, "listing the connections of", hubId);
                }
            }
            for (AzureLabTopology.Spoke s : t.spokes()) {
                String vnetId = ArmPaths.virtualNetwork(sub, s.resourceGroup(), s.virtualNetwork());
                Optional<HubVirtualNetworkConnectionInner> found = existing.stream()
                        .filter(c -> c.remoteVirtualNetwork() != null && ArmPaths.same(c.remoteVirtualNetwork().id(), vnetId)).findFirst();
                String name = "conn-" + s.virtualNetwork();
                if (found.isPresent()) {
                    String n = found.get().name() != null ? found.get().name() : name;
                    record(ArmPaths.hubConnection(sub, h.resourceGroup(), h.name(), n), "hubVirtualNetworkConnection", Action.UNCHANGED, vnetId);
                    continue;
                }
                String id = ArmPaths.hubConnection(sub, h.resourceGroup(), h.name(), name);
                HubVirtualNetworkConnectionInner body = new HubVirtualNetworkConnectionInner()
                        .withRemoteVirtualNetwork(new SubResource().withId(vnetId));
                // one operation at a time on a hub: connections are made one after the other
                write(id, "connecting VNet to the hub", s.cluster().meshName(),
                        () -> arm.await(client.beginCreateOrUpdate(h.resourceGroup(), h.name(), name, body), "hub connection " + id));
                record(id, "hubVirtualNetworkConnection", Action.CREATED, vnetId);
            }
        }

        // ---------------------------------------------------------------------------------------- clusters

        List<ManagedClusterInner> clusters(List<String> subnetIds) {
            var client = arm.aks().serviceClient().getManagedClusters();
            List<ManagedClusterInner> result = new ArrayList<>();
            Map<Integer, SyncPoller<PollResult<ManagedClusterInner>, ManagedClusterInner>> started = new LinkedHashMap<>();
            for (int i = 0; i < t.spokes().size(); i++) {
                AzureLabTopology.Spoke s = t.spokes().get(i);
                AzureLabTopology.Cluster c = s.cluster();
                String id = ArmPaths.managedCluster(sub, s.resourceGroup(), c.name());
                Optional<ManagedClusterInner> cur = read(id, "managed cluster", () -> client.getByResourceGroup(s.resourceGroup(), c.name()));
                if (cur.isPresent()) {
                    verifyCluster(c, id, cur.get(), subnetIds.get(i));
                    record(id, "managedCluster", Action.UNCHANGED, "networkPlugin none, pod CIDR " + c.podCidr());
                    result.add(cur.get());
                    continue;
                }
                ManagedClusterInner body = newCluster(c, subnetIds.get(i));
                // started one after the other, awaited together: AKS creations run in parallel
                SyncPoller<PollResult<ManagedClusterInner>, ManagedClusterInner> poller = write(id, "creating managed cluster", c.meshName(),
                        () -> client.beginCreateOrUpdate(s.resourceGroup(), c.name(), body));
                started.put(i, poller);
                result.add(null);
            }
            for (Map.Entry<Integer, SyncPoller<PollResult<ManagedClusterInner>, ManagedClusterInner>> e : started.entrySet()) {
                AzureLabTopology.Spoke s = t.spokes().get(e.getKey());
                AzureLabTopology.Cluster c = s.cluster();
                String id = ArmPaths.managedCluster(sub, s.resourceGroup(), c.name());
                ManagedClusterInner done = write(id, "creating managed cluster", c.meshName(), () -> arm.await(e.getValue(), "managed cluster " + id));
                if (done == null) {
                    done = read(id, "managed cluster", () -> client.getByResourceGroup(s.resourceGroup(), c.name()))
                            .orElseThrow(() -> new MeshPreconditionException("the managed cluster " + id
                                    + " is missing right after its creation finished",
                                    Details.inCluster(c.meshName()).atStep("azure").fix("run again").retryable(true)));
                }
                result.set(e.getKey(), done);
                record(id, "managedCluster", Action.CREATED, "networkPlugin none, pod CIDR " + c.podCidr() + ", system pool in " + subnetIds.get(e.getKey()));
            }
            return result;
        }

        private ManagedClusterInner newCluster(AzureLabTopology.Cluster c, String subnetId) {
            ManagedClusterInner body = new ManagedClusterInner();
            body.withLocation(t.location());
            body.withDnsPrefix(c.name())
                    .withIdentity(new ManagedClusterIdentity().withType(ResourceIdentityType.SYSTEM_ASSIGNED))
                    .withAgentPoolProfiles(List.of(new ManagedClusterAgentPoolProfile().withName(SYSTEM_POOL)
                            .withMode(AgentPoolMode.SYSTEM).withType(AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS).withOsType(OSType.LINUX)
                            .withCount(c.nodeCount()).withVmSize(c.vmSize()).withVnetSubnetId(subnetId)))
                    .withNetworkProfile(new ContainerServiceNetworkProfile().withNetworkPlugin(NetworkPlugin.NONE)
                            .withPodCidr(c.podCidr()).withServiceCidr(c.serviceCidr()).withDnsServiceIp(c.dnsServiceIp()));
            if (c.kubernetesVersion() != null) {
                body.withKubernetesVersion(c.kubernetesVersion());
            }
            return body;
        }

        private void verifyCluster(AzureLabTopology.Cluster c, String id, ManagedClusterInner in, String subnetId) {
            AksFacts a = AksFacts.of(in, id);
            List<String> diffs = new ArrayList<>();
            if (!"none".equalsIgnoreCase(a.networkPlugin())) {
                diffs.add("network plugin " + a.networkPlugin() + " (wanted none)");
            }
            if (!samePrefix(a.podCidr(), c.podCidr())) {
                diffs.add("pod CIDR " + a.podCidr() + " (wanted " + c.podCidr() + ")");
            }
            if (a.serviceCidr() != null && !samePrefix(a.serviceCidr(), c.serviceCidr())) {
                diffs.add("service CIDR " + a.serviceCidr() + " (wanted " + c.serviceCidr() + ")");
            }
            if (!ArmPaths.same(a.primarySubnetId(), subnetId)) {
                diffs.add("nodes in subnet " + a.primarySubnetId() + " (wanted " + subnetId + ")");
            }
            if (!diffs.isEmpty()) {
                throw new MeshPreconditionException(c.meshName() + ": the managed cluster " + id + " exists with "
                        + String.join(", ", diffs) + "; these cannot be changed in place",
                        Details.inCluster(c.meshName()).atStep("azure")
                                .fix("use the cluster's values in the topology, or delete the cluster and run again"));
            }
        }

        // ---------------------------------------------------------------------------------------- subnet role

        /** Network Contributor on the subnet for the cluster identity, unless a role it holds already allows joining it. */
        void subnetRole(SubnetRoles roles, AzureLabTopology.Spoke s, ManagedClusterInner aks, String subnetId) {
            AzureLabTopology.Cluster c = s.cluster();
            String aksId = ArmPaths.managedCluster(sub, s.resourceGroup(), c.name());
            ClusterIdentity identity = ClusterIdentity.of(aks);
            String type = "roleAssignment";
            if (identity.principalId() == null) {
                String assignee = identity.assignee() != null ? identity.assignee() : "<the cluster identity>";
                findings.add(new Finding(AzureFindingCodes.SUBNET_ROLE_UNVERIFIED, Severity.WARNING, c.meshName(), subnetId,
                        c.meshName() + ": " + aksId + " reports no principal id for " + identity.describe()
                                + ", so its role on subnet " + subnetId + " was neither checked nor granted",
                        SubnetRoles.azCommand(assignee, subnetId)));
                return;
            }
            String principal = identity.principalId();
            SubnetRoles.Check check;
            try {
                check = roles.check(subnetId, principal);
            } catch (RuntimeException e) {
                // reading roles is not what provisioning is for: say what is unknown and go on
                ArmFailure f = ArmFailure.of(e);
                findings.add(new Finding(AzureFindingCodes.SUBNET_ROLE_UNVERIFIED, Severity.WARNING, c.meshName(), subnetId,
                        c.meshName() + ": the role assignments on " + subnetId + " could not be read (ARM answered " + f.summary()
                                + (f.deniedAction() == null ? "" : ", missing " + f.deniedAction()) + "), so whether " + identity.describe()
                                + " may join the subnet was neither checked nor granted",
                        "make sure it holds Network Contributor on the subnet: " + SubnetRoles.azCommand(principal, subnetId)));
                LOG.warn("{}: could not read the role assignments on {}: {}", c.meshName(), subnetId, f.summary());
                return;
            }
            if (check.granted()) {
                record(subnetId + "#" + principal, type, Action.UNCHANGED, String.join(", ", check.via()));
                return;
            }
            try {
                String id = roles.grantNetworkContributor(subnetId, principal);
                record(id, type, Action.CREATED, "Network Contributor for " + identity.describe());
            } catch (RuntimeException e) {
                ArmFailure f = ArmFailure.of(e);
                if (!f.forbidden()) {
                    throw ArmErrors.exception(e, c.meshName(), "granting Network Contributor to " + principal + " on", subnetId);
                }
                String caller = f.message() == null ? null : callerOf(f.message());
                findings.add(new Finding(AzureFindingCodes.SUBNET_ROLE_DENIED, Severity.ERROR, c.meshName(), subnetId,
                        c.meshName() + ": the identity this SDK runs as" + (caller == null ? "" : " (object id " + caller + ")")
                                + " may not grant roles on " + subnetId + " (ARM answered " + f.summary()
                                + (f.deniedAction() == null ? "" : ", missing " + f.deniedAction()) + "), so " + identity.describe()
                                + " did not get Network Contributor on its subnet, which AKS needs to create the clustermesh-apiserver's internal load balancer",
                        "someone who holds Owner, User Access Administrator or Role Based Access Control Administrator on the subnet (or its VNet, resource group "
                                + "or subscription) must run: " + SubnetRoles.azCommand(principal, subnetId)));
                LOG.warn("{}: may not grant Network Contributor on {} to {}: {}", c.meshName(), subnetId, principal, f.summary());
            }
        }

        private static String callerOf(String message) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("object id '([^']+)'").matcher(message);
            return m.find() ? m.group(1) : null;
        }

        // ---------------------------------------------------------------------------------------- kube-proxy

        void kubeProxy(AzureLabTopology.Spoke s) {
            AzureLabTopology.Cluster c = s.cluster();
            String id = ArmPaths.managedCluster(sub, s.resourceGroup(), c.name());
            String api = AzurePreflight.PREVIEW_API;
            Map<String, Object> cur;
            try {
                cur = arm.getJson(id, api, "reading " + id).orElseThrow(() -> new MeshPreconditionException("the managed cluster " + id + " is missing",
                        Details.inCluster(c.meshName()).atStep("azure").fix("run again").retryable(true)));
            } catch (RuntimeException e) {
                throw ArmErrors.exception(e, c.meshName(), "reading kubeProxyConfig (api-version " + api + ") of", id);
            }
            Object enabled = ArmJson.at(cur, "properties.networkProfile.kubeProxyConfig.enabled");
            Map<String, Object> tags = ArmJson.object(cur, "tags");
            Object tag = tags == null ? null : tags.get(KUBE_PROXY_TAG);
            if (isFalse(enabled)) {
                record(id + "#kubeProxyConfig", "kubeProxyConfig", Action.UNCHANGED, "enabled false (api-version " + api + ")");
                return;
            }
            if (enabled == null && "disabled".equals(tag)) {
                record(id + "#kubeProxyConfig", "kubeProxyConfig", Action.UNCHANGED, "disabled by an earlier run (tag " + KUBE_PROXY_TAG + "); ARM's read-back is absent");
                notes.put(c.meshName() + ".kubeProxy", "ARM does not echo kubeProxyConfig for " + id + "; the in-cluster check (no kube-proxy DaemonSet) confirms it");
                return;
            }
            Map<String, Object> body = cur;
            Map<String, Object> kp = ArmJson.ensure(body, "properties.networkProfile.kubeProxyConfig");
            kp.clear();
            kp.put("enabled", Boolean.FALSE);
            ArmJson.ensure(body, "tags").put(KUBE_PROXY_TAG, "disabled");
            Map<String, Object> after = write(id, "disabling kube-proxy (api-version " + api + ") on", c.meshName(),
                    () -> arm.putJsonAndWait(id, api, body, "disabling kube-proxy on " + id));
            Object readBack = ArmJson.at(after, "properties.networkProfile.kubeProxyConfig.enabled");
            if (Boolean.TRUE.equals(readBack) || "true".equals(String.valueOf(readBack))) {
                throw new MeshPreconditionException(c.meshName() + ": kube-proxy is still enabled on " + id
                        + " after the update (networkProfile.kubeProxyConfig.enabled true, api-version " + api + ")",
                        Details.inCluster(c.meshName()).atStep("azure")
                                .fix("check that the subscription can use the preview feature (az feature register --namespace Microsoft.ContainerService "
                                + "--name KubeProxyConfigurationPreview) and run again"));
            }
            record(id + "#kubeProxyConfig", "kubeProxyConfig", Action.UPDATED, "enabled false (api-version " + api + "), "
                    + (readBack == null ? "read-back absent" : "verified"));
            if (readBack == null) {
                notes.put(c.meshName() + ".kubeProxy", "ARM did not echo kubeProxyConfig after the update of " + id
                        + "; the in-cluster check (no kube-proxy DaemonSet) confirms it");
            }
        }

        private static boolean isFalse(Object v) {
            return Boolean.FALSE.equals(v) || "false".equals(String.valueOf(v));
        }

        // ---------------------------------------------------------------------------------------- mesh IP

        ProvisionResult.Cluster result(AzureLabTopology.Spoke s, ManagedClusterInner aks, String subnetId, Set<String> taken) {
            AzureLabTopology.Cluster c = s.cluster();
            String id = ArmPaths.managedCluster(sub, s.resourceGroup(), c.name());
            String meshIp = c.meshIp();
            String source = "topology";
            IpCidr prefix = IpCidr.parse(s.subnetPrefix());
            if (meshIp == null) {
                String vnetId = ArmPaths.vnetOfSubnet(subnetId);
                VnetFacts vnet;
                try {
                    vnet = VnetFacts.of(arm.network().networks().getById(vnetId));
                } catch (RuntimeException e) {
                    throw ArmErrors.exception(e, c.meshName(), "reading the subnet's addresses of", vnetId);
                }
                Set<String> used = new HashSet<>(taken);
                Optional<VnetFacts.SubnetFacts> sn = vnet.subnet(s.subnet());
                int unresolved = 0;
                if (sn.isPresent()) {
                    SubnetUsage.Usage usage = SubnetUsage.read(arm, sn.get());
                    // the address the cluster's own internal LB already holds stays its choice: a re-run picks it again
                    used.addAll(usage.takenByOthers(aks.nodeResourceGroup()));
                    unresolved = usage.unresolved();
                }
                meshIp = SubnetAddresses.highestFree(prefix, used).orElseThrow(() -> new MeshPreconditionException(c.meshName() + ": subnet " + subnetId + " (" + prefix + ") has no free address for the clustermesh-apiserver",
                        Details.inCluster(c.meshName()).atStep("azure").fix("enlarge the subnet or free an address")));
                source = "highest free address of subnet " + subnetId + " (" + prefix + ")"
                        + (unresolved > 0 ? ", " + unresolved + " IP configurations not resolved" : "");
            }
            taken.add(meshIp);
            notes.put(c.meshName() + ".meshIp", meshIp + " from " + source);
            AksFacts a = AksFacts.of(aks, id);
            return new ProvisionResult.Cluster(c.meshName(), c.id(), new AzureRef(s.resourceGroup(), c.name()), id, subnetId,
                    c.podCidr(), c.serviceCidr(), a.fqdn(), meshIp, source);
        }

        private static boolean samePrefix(String a, String b) {
            if (a == null || b == null) {
                return Objects.equals(a, b);
            }
            try {
                return IpCidr.parse(a).equals(IpCidr.parse(b));
            } catch (IllegalArgumentException e) {
                return a.trim().toLowerCase(Locale.ROOT).equals(b.trim().toLowerCase(Locale.ROOT));
            }
        }
    }
}
