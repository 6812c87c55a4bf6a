package io.clustermesh.azure;

import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Azure preflight against the lab's fake ARM seeded with the official example payloads (hub, VNet, subnet, hub
 * connection, load balancer), each variant of a payload triggering its finding. Every finding names the resource id.
 */
class PreflightTest {
    private FakeArm arm;
    private AzureCloudProvider azure;

    @BeforeEach
    void start() {
        arm = Lab.fakeArm();
        Lab.seed(arm, 2);
        azure = Lab.provider(arm, new Lab.FakeClock());
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private List<Finding> preflight() {
        return preflight(Lab.spec(2));
    }

    private List<Finding> preflight(MeshSpec spec) {
        arm.resetCounts();
        List<Finding> f = azure.preflight(spec);
        assertThat(arm.counts().writes()).as("preflight is read-only").isZero();
        assertThat(f).allSatisfy(x -> assertThat(x.path()).as("every finding names a resource: " + x).isNotBlank());
        return f;
    }

    private static List<Finding> errors(List<Finding> f) {
        return f.stream().filter(Finding::isError).toList();
    }

    private static Finding only(List<Finding> findings, String code) {
        List<Finding> f = findings.stream().filter(x -> x.code().equals(code)).toList();
        assertThat(f).as(code + " in " + findings).hasSize(1);
        return f.get(0);
    }

    @Test
    void aHealthyLabHasNoErrorsOnlyThePortsAndMeshIpSuggestions() {
        List<Finding> f = preflight();
        assertThat(errors(f)).isEmpty();
        Finding ports = only(f, AzureFindingCodes.PORTS_REQUIRED);
        assertThat(ports.severity()).isEqualTo(Severity.INFO);
        assertThat(ports.message()).contains("2379/tcp", "4240/tcp", "ICMP 8/0", "8472/udp", "1450");
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.MESH_IP_SUGGESTED)).hasSize(2)
                .anySatisfy(x -> assertThat(x.message()).contains("10.1.0.254").contains(Lab.subnetId(1)))
                .anySatisfy(x -> assertThat(x.remediation()).contains("spec.clusters[1].meshIp: 10.2.0.254"));
    }

    @Test
    void portsFollowTunnelProtocolAndEncryption() {
        MeshSpec spec = Lab.spec(2);
        spec = MeshSpec.of(spec.name(), CiliumOptions.defaults().withTunnelProtocol(io.clustermesh.model.TunnelProtocol.GENEVE)
                .withEncryption(Encryption.WIREGUARD), spec.ca(), spec.exposure(), spec.azure(), spec.clusters());
        Finding ports = only(preflight(spec), AzureFindingCodes.PORTS_REQUIRED);
        assertThat(ports.message()).contains("6081/udp", "51871/udp").doesNotContain("8472/udp");
    }

    @Test
    void aBasicVirtualWanCannotRouteVnetToVnet() {
        Lab.seedWan(arm, "Basic");
        Finding f = only(errors(preflight()), AzureFindingCodes.VWAN_BASIC);
        assertThat(f.path()).isEqualTo(Lab.wanId());
        assertThat(f.message()).contains("Basic").contains(Lab.wanId());
        assertThat(f.remediation()).contains("Standard");
    }

    @Test
    void hubRoutingNotProvisionedIsReported() {
        Map<String, Object> hub = arm.resource(Lab.hubId()).orElseThrow();
        ArmJson.object(hub, "properties").put("routingState", "Provisioning");
        Lab.put(arm, Lab.hubId(), hub);
        Finding f = only(errors(preflight()), AzureFindingCodes.HUB_ROUTING_NOT_PROVISIONED);
        assertThat(f.path()).isEqualTo(Lab.hubId());
    }

    @Test
    void aMissingHubIsReported() {
        arm.delete(Lab.hubId());
        Finding f = only(errors(preflight()), AzureFindingCodes.HUB_NOT_FOUND);
        assertThat(f.path()).isEqualTo(Lab.hubId());
    }

    @Test
    void kubenetAndAzureManagedCiliumAreExplained() {
        Map<String, Object> kubenet = Lab.cluster(1);
        ArmJson.object(kubenet, "properties.networkProfile").put("networkPlugin", "kubenet");
        Lab.put(arm, Lab.aksId(1), kubenet);
        Map<String, Object> cilium = Lab.cluster(2);
        ArmJson.object(cilium, "properties.networkProfile").put("networkPlugin", "azure");
        ArmJson.object(cilium, "properties.networkProfile").put("networkPluginMode", "overlay");
        ArmJson.object(cilium, "properties.networkProfile").put("networkDataplane", "cilium");
        Lab.put(arm, Lab.aksId(2), cilium);

        List<Finding> f = errors(preflight());
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.NETWORK_PLUGIN)).hasSize(2)
                .anySatisfy(x -> {
                    assertThat(x.cluster()).isEqualTo("cluster1");
                    assertThat(x.path()).isEqualTo(Lab.aksId(1));
                    assertThat(x.message()).contains("kubenet").contains("BYOCNI");
                    assertThat(x.remediation()).contains("--network-plugin none");
                });
        Finding managed = only(f, AzureFindingCodes.DATAPLANE_CILIUM);
        assertThat(managed.cluster()).isEqualTo("cluster2");
        assertThat(managed.message()).contains("Azure CNI powered by Cilium");
    }

    @Test
    void aClusterInTheAksManagedVnetCannotJoinAHub() {
        Map<String, Object> c = Lab.cluster(2);
        @SuppressWarnings("unchecked")
        Map<String, Object> pool = (Map<String, Object>) ArmJson.list(c, "properties.agentPoolProfiles").get(0);
        pool.remove("vnetSubnetID");
        Lab.put(arm, Lab.aksId(2), c);
        Finding f = only(errors(preflight()), AzureFindingCodes.SUBNET_MANAGED);
        assertThat(f.path()).isEqualTo(Lab.aksId(2));
        assertThat(f.message()).contains("MC_rsg-ciliumlab2_aks-ciliumlab2_eastus");
        assertThat(f.remediation()).contains("--vnet-subnet-id");
    }

    @Test
    void aMissingSubnetIsReported() {
        // the VNet of the SubnetGet/VirtualNetworkGet shapes without the cluster's subnet
        Map<String, Object> vnet = arm.resource(Lab.vnetId(2)).orElseThrow();
        ArmJson.object(vnet, "properties").put("subnets", List.of());
        arm.delete(Lab.vnetId(2));
        Lab.put(arm, Lab.vnetId(2), vnet);
        Finding f = only(errors(preflight()), AzureFindingCodes.SUBNET_NOT_FOUND);
        assertThat(f.path()).isEqualTo(Lab.subnetId(2));
        assertThat(f.cluster()).isEqualTo("cluster2");
    }

    @Test
    void aMissingVnetIsReportedAsMissingSubnet() {
        arm.delete(Lab.connectionId(2));
        arm.delete(Lab.vnetId(2));
        Finding f = only(errors(preflight()), AzureFindingCodes.SUBNET_NOT_FOUND);
        assertThat(f.path()).isEqualTo(Lab.subnetId(2));
        assertThat(f.message()).contains("404");
    }

    @Test
    void aVnetNeitherConnectedNorPeeredIsReported() {
        arm.delete(Lab.connectionId(2));
        Finding f = only(errors(preflight()), AzureFindingCodes.VNET_NOT_CONNECTED);
        assertThat(f.cluster()).isEqualTo("cluster2");
        assertThat(f.path()).isEqualTo(Lab.vnetId(2));
        assertThat(f.message()).contains(Lab.hubId()).contains("cluster1");
        assertThat(f.remediation()).contains("az network vhub connection create");
    }

    @Test
    void peeredVnetsNeedNoHubConnection() {
        arm.delete(Lab.connectionId(1));
        arm.delete(Lab.connectionId(2));
        for (int i = 1; i <= 2; i++) {
            int other = 3 - i;
            Map<String, Object> vnet = arm.resource(Lab.vnetId(i)).orElseThrow();
            ArmJson.object(vnet, "properties").put("virtualNetworkPeerings", List.of(Map.of("name", "to-" + other,
                    "properties", Map.of("remoteVirtualNetwork", Map.of("id", Lab.vnetId(other)), "peeringState", "Connected",
                            "allowVirtualNetworkAccess", true))));
            Lab.put(arm, Lab.vnetId(i), vnet);
        }
        assertThat(errors(preflight())).extracting(Finding::code).doesNotContain(AzureFindingCodes.VNET_NOT_CONNECTED);
    }

    @Test
    void aHubConnectionStillBeingCreatedIsAWarning() {
        arm.delete(Lab.connectionId(2));
        Lab.seedConnection(arm, 2, "Creating");
        List<Finding> f = preflight();
        Finding c = only(f, AzureFindingCodes.VNET_CONNECTION_NOT_READY);
        assertThat(c.severity()).isEqualTo(Severity.WARNING);
        assertThat(c.path()).endsWith("/hubVirtualNetworkConnections/conn-vnet-ciliumlab2");
        assertThat(errors(f)).isEmpty();
    }

    @Test
    void overlapsBetweenPodServiceVnetAndHubRangesAreReported() {
        // cluster1's pod CIDR inside cluster2's VNet, cluster2's service CIDR inside the hub prefix
        Map<String, Object> c1 = Lab.cluster(1);
        ArmJson.object(c1, "properties.networkProfile").put("podCidr", "10.2.128.0/17");
        Lab.put(arm, Lab.aksId(1), c1);
        Map<String, Object> c2 = Lab.cluster(2);
        ArmJson.object(c2, "properties.networkProfile").put("serviceCidr", "10.100.0.0/24");
        Lab.put(arm, Lab.aksId(2), c2);

        List<Finding> f = errors(preflight());
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.CIDR_OVERLAP)).hasSize(2)
                .anySatisfy(x -> {
                    assertThat(x.cluster()).isEqualTo("cluster1");
                    assertThat(x.message()).contains("cluster1's pod CIDR 10.2.128.0/17").contains("cluster2's VNet address space 10.2.0.0/16");
                    assertThat(x.path()).isEqualTo(Lab.aksId(1));
                })
                .anySatisfy(x -> {
                    assertThat(x.message()).contains("cluster2's service CIDR 10.100.0.0/24").contains("hub address prefix 10.100.0.0/23");
                    assertThat(x.path()).isEqualTo(Lab.aksId(2));
                });
    }

    @Test
    void overlappingVnetsAndReservedRangesAreReported() {
        Map<String, Object> vnet = arm.resource(Lab.vnetId(2)).orElseThrow();
        ArmJson.object(vnet, "properties").put("addressSpace", Map.of("addressPrefixes", List.of("10.2.0.0/16", "10.1.128.0/17", "172.31.0.0/16")));
        Lab.put(arm, Lab.vnetId(2), vnet);
        List<Finding> f = errors(preflight());
        assertThat(only(f, AzureFindingCodes.CIDR_OVERLAP).message()).contains("10.1.0.0/16").contains("10.1.128.0/17");
        Finding reserved = only(f, AzureFindingCodes.CIDR_RESERVED);
        assertThat(reserved.path()).isEqualTo(Lab.vnetId(2));
        assertThat(reserved.message()).contains("172.31.0.0/16");
    }

    @Test
    void meshIpOutsideTheSubnetReservedOrTakenIsReported() {
        MeshSpec spec = Lab.spec(2);
        spec = spec.withClusters(List.of(spec.clusters().get(0).withMeshIp("10.2.0.250"), spec.clusters().get(1).withMeshIp("10.2.0.3")));
        List<Finding> f = errors(preflight(spec));
        Finding outside = only(f, AzureFindingCodes.MESH_IP_OUTSIDE_SUBNET);
        assertThat(outside.cluster()).isEqualTo("cluster1");
        assertThat(outside.path()).isEqualTo(Lab.subnetId(1));
        assertThat(outside.remediation()).contains("10.1.0.0/24").contains("10.1.0.254");
        assertThat(only(f, AzureFindingCodes.MESH_IP_RESERVED).cluster()).isEqualTo("cluster2");
    }

    @Test
    void aMeshIpUsedByAnotherLoadBalancerIsTakenButTheClustersOwnFrontendIsExpected() {
        // LoadBalancerGet.json: frontend fe-lb with privateIPAddress 10.0.1.4 -> moved into cluster1's subnet as 10.1.0.200
        Map<String, Object> lb = Lab.fixture("LoadBalancerGet.json");
        String lbId = io.clustermesh.azure.internal.ArmPaths.network(Lab.SUB, Lab.rg(1), "loadBalancers", "lb");
        @SuppressWarnings("unchecked")
        Map<String, Object> fe = (Map<String, Object>) ArmJson.list(lb, "properties.frontendIPConfigurations").get(0);
        fe.put("id", lbId + "/frontendIPConfigurations/fe-lb");
        ArmJson.object(fe, "properties").put("privateIPAddress", "10.1.0.200");
        ArmJson.object(fe, "properties").put("subnet", Map.of("id", Lab.subnetId(1)));
        ArmJson.object(lb, "properties").remove("loadBalancingRules");
        ArmJson.object(lb, "properties").remove("probes");
        ArmJson.object(lb, "properties").remove("inboundNatRules");
        ArmJson.object(lb, "properties").remove("backendAddressPools");
        ArmJson.object(lb, "properties").remove("outboundRules");
        @SuppressWarnings("unchecked")
        List<Object> fes = ArmJson.list(lb, "properties.frontendIPConfigurations");
        ArmJson.object(lb, "properties").put("frontendIPConfigurations", List.of(fes.get(0)));
        Lab.put(arm, lbId, lb);
        // cluster2's own internal LB (as AKS makes it for the clustermesh-apiserver Service)
        arm.resourceGroup("MC_rsg-ciliumlab2_aks-ciliumlab2_eastus");
        String own = arm.internalLoadBalancerFrontend("MC_rsg-ciliumlab2_aks-ciliumlab2_eastus", "a1b2c3", "10.2.0.250", Lab.subnetId(2));
        // the subnets list those IP configurations, as in VirtualNetworkGet.json
        for (int i = 1; i <= 2; i++) {
            Map<String, Object> vnet = arm.resource(Lab.vnetId(i)).orElseThrow();
            @SuppressWarnings("unchecked")
            Map<String, Object> subnet = (Map<String, Object>) ArmJson.list(vnet, "properties.subnets").get(0);
            String feId = i == 1 ? lbId + "/frontendIPConfigurations/fe-lb" : own + "/frontendIPConfigurations/a1b2c3";
            ArmJson.object(subnet, "properties").put("ipConfigurations", List.of(Map.of("id", feId)));
            Lab.put(arm, Lab.vnetId(i), vnet);
        }
        MeshSpec spec = Lab.spec(2);
        spec = spec.withClusters(List.of(spec.clusters().get(0).withMeshIp("10.1.0.200"), spec.clusters().get(1).withMeshIp("10.2.0.250")));
        List<Finding> f = preflight(spec);
        Finding taken = only(errors(f), AzureFindingCodes.MESH_IP_IN_USE);
        assertThat(taken.cluster()).isEqualTo("cluster1");
        assertThat(taken.path()).isEqualTo(lbId + "/frontendIPConfigurations/fe-lb");
        assertThat(taken.remediation()).contains("10.1.0.254");
        Finding mine = only(f, AzureFindingCodes.MESH_IP_ASSIGNED);
        assertThat(mine.severity()).isEqualTo(Severity.INFO);
        assertThat(mine.cluster()).isEqualTo("cluster2");
    }

    @Test
    void kubeProxyAsArmReportsIt() {
        Map<String, Object> on = Lab.cluster(1);
        ArmJson.object(on, "properties.networkProfile").put("kubeProxyConfig", Map.of("enabled", true));
        Lab.put(arm, Lab.aksId(1), on);
        Map<String, Object> unknown = Lab.cluster(2);
        ArmJson.object(unknown, "properties.networkProfile").put("kubeProxyConfig", Map.of());
        Lab.put(arm, Lab.aksId(2), unknown);
        List<Finding> f = preflight();
        Finding enabled = only(f, AzureFindingCodes.KUBE_PROXY_ENABLED);
        assertThat(enabled.severity()).isEqualTo(Severity.ERROR);
        assertThat(enabled.path()).isEqualTo(Lab.aksId(1));
        assertThat(enabled.remediation()).contains("2024-02-02-preview");
        Finding unconfirmed = only(f, AzureFindingCodes.KUBE_PROXY_UNCONFIRMED);
        assertThat(unconfirmed.severity()).isEqualTo(Severity.INFO);
        assertThat(unconfirmed.message()).contains("{}").contains("DaemonSet");
        assertThat(arm.apiVersions("Microsoft.ContainerService/managedClusters")).contains("2024-02-02-preview");
    }

    @Test
    void forbiddenReadsNameTheMissingRoleAndTheResourceAndAreNotRetried() {
        arm.forbidden(".*/virtualNetworks/vnet-ciliumlab2", "GET");
        arm.forbidden(".*/managedClusters/aks-ciliumlab", "GET");
        List<Finding> f = errors(preflight());
        List<Finding> denied = f.stream().filter(x -> x.code().equals(AzureFindingCodes.AUTHORIZATION_FAILED)).toList();
        assertThat(denied).hasSize(2);
        assertThat(denied).anySatisfy(x -> {
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.path()).isEqualTo(Lab.subnetId(2));
            assertThat(x.message()).contains("Microsoft.Network/virtualNetworks/read");
            assertThat(x.remediation()).contains("Reader").contains(Lab.vnetId(2)).contains("Network Contributor");
        });
        assertThat(denied).anySatisfy(x -> {
            assertThat(x.cluster()).isEqualTo("cluster1");
            assertThat(x.path()).isEqualTo(Lab.aksId(1));
            assertThat(x.remediation()).contains("Azure Kubernetes Service Cluster User Role");
        });
        assertThat(arm.counts().path(Lab.vnetId(2))).isEqualTo(1);
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(1);
    }

    @Test
    void clustersOutsideAzureOnlyTakePartInRangeChecks() {
        MeshSpec spec = Lab.spec(2);
        List<MeshCluster> cs = new ArrayList<>(spec.clusters());
        cs.add(MeshCluster.named("onprem").withId(3).withPodCidr("10.1.64.0/18")
                .withAccess(io.clustermesh.model.ClusterAccess.kubeContext("onprem")));
        List<Finding> f = errors(preflight(spec.withClusters(cs)));
        Finding overlap = only(f, AzureFindingCodes.CIDR_OVERLAP);
        assertThat(overlap.cluster()).isEqualTo("onprem");
        assertThat(overlap.message()).contains("onprem's pod CIDR 10.1.64.0/18");
    }

    @Test
    void withoutAHubTheVnetsMustBePeered() {
        MeshSpec spec = Lab.spec(2);
        spec = MeshSpec.of(spec.name(), spec.cilium(), spec.ca(), spec.exposure(), new AzureSpec(Lab.SUB, null), spec.clusters());
        List<Finding> f = errors(preflight(spec));
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.VNET_NOT_CONNECTED)).hasSize(2)
                .allSatisfy(x -> assertThat(x.remediation()).contains("peer"));
    }

    // ------------------------------------------------------------------------------------------------ subnet role

    /** The (first) role assignment of cluster i's identity. */
    private String roleAssignmentOn(int i) {
        return String.valueOf(arm.roleAssignments().stream()
                .filter(a -> Lab.principal(i).equals(ArmJson.string(a, "properties.principalId"))).findFirst().orElseThrow().get("id"));
    }

    @Test
    void aClusterIdentityWithoutARoleOnItsSubnetIsNamedWithTheFix() {
        arm.delete(roleAssignmentOn(2));
        arm.roleAssignment(Lab.subnetId(2), Lab.principal(2), FakeArm.READER); // Reader cannot join the subnet
        Finding f = only(errors(preflight()), AzureFindingCodes.SUBNET_ROLE_MISSING);
        assertThat(f.cluster()).isEqualTo("cluster2");
        assertThat(f.path()).isEqualTo(Lab.subnetId(2));
        assertThat(f.message()).contains(Lab.principal(2)).contains("Microsoft.Network/virtualNetworks/subnets/join/action")
                .contains("it holds Reader at " + Lab.subnetId(2)).contains("internal load balancer");
        assertThat(f.remediation()).startsWith("az role assignment create --assignee " + Lab.principal(2)
                + " --role \"Network Contributor\" --scope " + Lab.subnetId(2));
    }

    @Test
    void aRoleOnAParentScopeOrACustomRoleWithBothActionsIsEnough() {
        arm.delete(roleAssignmentOn(1));
        arm.delete(roleAssignmentOn(2));
        // cluster1: Network Contributor on its resource group; cluster2: a custom role with join and read on the VNet
        arm.roleAssignment(io.clustermesh.azure.internal.ArmPaths.resourceGroup(Lab.SUB, Lab.rg(1)), Lab.principal(1), FakeArm.NETWORK_CONTRIBUTOR);
        String custom = "0c0ffee0-1111-2222-3333-444444444444";
        arm.roleDefinition(custom, "Subnet joiner", List.of("Microsoft.Network/virtualNetworks/subnets/*/action",
                "Microsoft.Network/virtualNetworks/subnets/read"), List.of());
        arm.roleAssignment(Lab.vnetId(2), Lab.principal(2), custom);
        assertThat(preflight()).extracting(Finding::code).doesNotContain(AzureFindingCodes.SUBNET_ROLE_MISSING,
                AzureFindingCodes.SUBNET_ROLE_UNVERIFIED);
        // Contributor on the subscription allows it as well; a custom role whose notActions exclude join does not
        arm.delete(roleAssignmentOn(1));
        assertThat(preflight()).extracting(Finding::code).contains(AzureFindingCodes.SUBNET_ROLE_MISSING);
        arm.roleAssignment("/subscriptions/" + Lab.SUB, Lab.principal(1), FakeArm.CONTRIBUTOR);
        assertThat(preflight()).extracting(Finding::code).doesNotContain(AzureFindingCodes.SUBNET_ROLE_MISSING);
        String noJoin = "0c0ffee0-1111-2222-3333-555555555555";
        arm.roleDefinition(noJoin, "Network reader", List.of("Microsoft.Network/*"), List.of("Microsoft.Network/*/join/action"));
        arm.delete(roleAssignmentOn(2));
        arm.roleAssignment(Lab.subnetId(2), Lab.principal(2), noJoin);
        Finding f = only(errors(preflight()), AzureFindingCodes.SUBNET_ROLE_MISSING);
        assertThat(f.cluster()).isEqualTo("cluster2");
        assertThat(f.message()).contains("subnets/join/action").doesNotContain("subnets/read and");
    }

    @Test
    void aServicePrincipalClusterCannotBeCheckedAndSaysHowToCheckIt() {
        Map<String, Object> sp = Lab.cluster(2);
        sp.remove("identity");
        ArmJson.object(sp, "properties").put("servicePrincipalProfile", Map.of("clientId", "clientid"));
        Lab.put(arm, Lab.aksId(2), sp);
        Finding f = only(preflight(), AzureFindingCodes.SUBNET_ROLE_UNVERIFIED);
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.message()).contains("service principal (application id clientid)").contains("not checked");
        assertThat(f.remediation()).contains("az role assignment list --assignee clientid --scope " + Lab.subnetId(2))
                .contains("az role assignment create --assignee clientid --role \"Network Contributor\" --scope " + Lab.subnetId(2));
    }

    @Test
    void unreadableRoleAssignmentsAreAWarningNotAGuess() {
        arm.forbidden("(?i).*/providers/Microsoft.Authorization/roleAssignments", "GET");
        List<Finding> f = preflight();
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.SUBNET_ROLE_UNVERIFIED)).hasSize(2)
                .allSatisfy(x -> {
                    assertThat(x.severity()).isEqualTo(Severity.WARNING);
                    assertThat(x.message()).contains("403").contains("Microsoft.Authorization/roleAssignments/read");
                    assertThat(x.remediation()).contains("Reader");
                });
        assertThat(errors(f)).isEmpty();
    }

    @Test
    void theBasicLoadBalancerSkuIsReported() {
        Map<String, Object> c = Lab.cluster(1);
        ArmJson.object(c, "properties.networkProfile").put("loadBalancerSku", "basic");
        Lab.put(arm, Lab.aksId(1), c);
        Finding f = only(errors(preflight()), AzureFindingCodes.LOAD_BALANCER_BASIC);
        assertThat(f.path()).isEqualTo(Lab.aksId(1));
        assertThat(f.remediation()).contains("--load-balancer-sku standard");
    }

    @Test
    void anUnreadableHubSkipsOnlyWhatNeedsTheHub() {
        arm.forbidden(".*/virtualHubs/hub1", "GET");
        Map<String, Object> kubenet = Lab.cluster(1);
        ArmJson.object(kubenet, "properties.networkProfile").put("networkPlugin", "kubenet");
        Lab.put(arm, Lab.aksId(1), kubenet);
        List<Finding> f = preflight();
        assertThat(errors(f)).extracting(Finding::code).containsExactlyInAnyOrder(AzureFindingCodes.AUTHORIZATION_FAILED,
                AzureFindingCodes.NETWORK_PLUGIN);
        // not "VNet not connected": whether it is connected is unknown, and said so
        Finding skipped = only(f, AzureFindingCodes.CHECKS_SKIPPED);
        assertThat(skipped.path()).isEqualTo(Lab.hubId());
        assertThat(skipped.message()).contains("Virtual WAN's type").contains("hub connections").contains("could not be read");
        assertThat(skipped.remediation()).contains(AzureFindingCodes.AUTHORIZATION_FAILED);
        assertThat(f).extracting(Finding::code).contains(AzureFindingCodes.MESH_IP_SUGGESTED);
    }

    @Test
    void anUnreadableVnetStillChecksTheRoleOnTheSubnet() {
        arm.forbidden(".*/virtualNetworks/vnet-ciliumlab2", "GET");
        arm.delete(roleAssignmentOn(2));
        List<Finding> f = preflight();
        assertThat(errors(f)).extracting(Finding::code).containsExactlyInAnyOrder(AzureFindingCodes.AUTHORIZATION_FAILED,
                AzureFindingCodes.SUBNET_ROLE_MISSING);
        assertThat(only(f, AzureFindingCodes.CHECKS_SKIPPED).message()).contains("hub connection or peering").contains("mesh IP")
                .doesNotContain("role");
    }
}
