package io.clustermesh.azure;

import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.azure.ProvisionResult.Action;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.testing.arm.ArmChange;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Provisioning the article's lab against the lab's stateful fake ARM: the whole topology, then a run that writes nothing. */
class ProvisioningTest {
    private FakeArm arm;
    private Lab.FakeClock clock;
    private AzureCloudProvider azure;
    private final List<ArmChange> changes = new CopyOnWriteArrayList<>();
    private final AzureLabTopology lab = AzureLabTopology.article(Lab.SUB, "eastus");

    @BeforeEach
    void start() {
        arm = Lab.fakeArm();
        arm.onChange(changes::add);
        clock = new Lab.FakeClock();
        azure = Lab.provider(arm, clock);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    @Test
    void createsTheWholeTopologyThenASecondRunIssuesNoPutOrPatch() {
        ProvisionResult first = azure.topology().apply(lab);

        // resource groups, a Standard Virtual WAN, a hub, three spokes with subnets, three hub connections, three clusters
        assertThat(first.changes()).filteredOn(c -> c.action() == Action.CREATED).extracting(ProvisionResult.ResourceChange::type)
                .containsExactly("resourceGroup", "resourceGroup", "resourceGroup", "resourceGroup", "virtualWan", "virtualHub",
                        "virtualNetwork", "subnet", "virtualNetwork", "subnet", "virtualNetwork", "subnet",
                        "hubVirtualNetworkConnection", "hubVirtualNetworkConnection", "hubVirtualNetworkConnection",
                        "managedCluster", "managedCluster", "managedCluster", "roleAssignment", "roleAssignment", "roleAssignment");
        assertThat(first.changes()).filteredOn(c -> c.type().equals("kubeProxyConfig"))
                .hasSize(3).allSatisfy(c -> assertThat(c.action()).isEqualTo(Action.UPDATED));
        assertThat(first.writes()).isEqualTo(24);
        assertThat(first.findings()).isEmpty();

        Map<String, Object> wan = arm.resource(Lab.wanId()).orElseThrow();
        assertThat(ArmJson.string(wan, "properties.type")).isEqualTo("Standard");
        Map<String, Object> hub = arm.resource(Lab.hubId()).orElseThrow();
        assertThat(ArmJson.string(hub, "properties.addressPrefix")).isEqualTo("10.100.0.0/23");
        assertThat(ArmJson.string(hub, "properties.virtualWan.id")).isEqualTo(Lab.wanId());
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> vnet = arm.resource(Lab.vnetId(i)).orElseThrow();
            assertThat(ArmJson.list(vnet, "properties.addressSpace.addressPrefixes")).containsExactly("10." + i + ".0.0/16");
            Map<String, Object> subnet = arm.resource(Lab.subnetId(i)).orElseThrow();
            assertThat(ArmJson.string(subnet, "properties.addressPrefix")).isEqualTo("10." + i + ".0.0/24");
            Map<String, Object> conn = arm.resource(Lab.connectionId(i)).orElseThrow();
            assertThat(ArmJson.string(conn, "properties.remoteVirtualNetwork.id")).isEqualTo(Lab.vnetId(i));
            Map<String, Object> aks = arm.resource(Lab.aksId(i)).orElseThrow();
            assertThat(ArmJson.string(aks, "properties.networkProfile.networkPlugin")).isEqualTo("none");
            assertThat(ArmJson.string(aks, "properties.networkProfile.podCidr")).isEqualTo("10." + (10 * i) + ".0.0/16");
            assertThat(ArmJson.string(aks, "properties.networkProfile.serviceCidr")).isEqualTo("10.20" + i + ".0.0/16");
            @SuppressWarnings("unchecked")
            Map<String, Object> pool = (Map<String, Object>) ArmJson.list(aks, "properties.agentPoolProfiles").get(0);
            assertThat(pool).containsEntry("mode", "System").containsEntry("vnetSubnetID", Lab.subnetId(i));
            assertThat(ArmJson.at(aks, "properties.networkProfile.kubeProxyConfig.enabled")).isEqualTo(false);
        }

        // fixed mesh IPs: the highest free address of each subnet, deterministic
        assertThat(first.clusters()).extracting(ProvisionResult.Cluster::meshIp).containsExactly("10.1.0.254", "10.2.0.254", "10.3.0.254");
        assertThat(first.notes().get("cluster1.meshIp")).startsWith("10.1.0.254 from highest free address of subnet " + Lab.subnetId(1));
        // each cluster identity holds Network Contributor on its subnet, under a name derived from scope, principal and role
        assertThat(arm.roleAssignments()).hasSize(3);
        for (int i = 1; i <= 3; i++) {
            String principal = ArmJson.string(arm.resource(Lab.aksId(i)).orElseThrow(), "identity.principalId");
            String expected = Lab.subnetId(i) + "/providers/Microsoft.Authorization/roleAssignments/"
                    + io.clustermesh.azure.internal.SubnetRoles.assignmentName(Lab.subnetId(i), principal, FakeArm.NETWORK_CONTRIBUTOR);
            assertThat(arm.roleAssignments()).anySatisfy(a -> {
                assertThat(a.get("id")).isEqualTo(expected);
                assertThat(ArmJson.string(a, "properties.principalId")).isEqualTo(principal);
                assertThat(ArmJson.string(a, "properties.roleDefinitionId")).endsWith("/roleDefinitions/" + FakeArm.NETWORK_CONTRIBUTOR);
            });
        }
        MeshCluster c1 = first.meshClusters().get(0);
        assertThat(c1.name()).isEqualTo("cluster1");
        assertThat(c1.id()).isEqualTo(1);
        assertThat(c1.podCidr()).isEqualTo("10.10.0.0/16");
        assertThat(c1.meshIp()).isEqualTo("10.1.0.254");
        assertThat(c1.apiServer()).endsWith(".hcp.eastus.azmk8s.io");
        assertThat(c1.access()).isEqualTo(ClusterAccess.azure("rsg-ciliumlab", "aks-ciliumlab"));
        assertThat(first.azure().hub().name()).isEqualTo("hub1");

        // the second run reads everything and writes nothing
        arm.resetCounts();
        ProvisionResult second = azure.topology().apply(lab);
        assertThat(second.writes()).isZero();
        assertThat(second.changes()).allSatisfy(c -> assertThat(c.action()).isEqualTo(Action.UNCHANGED));
        assertThat(arm.counts().putsAndPatches()).isZero();
        assertThat(arm.counts().writes()).isZero();
        assertThat(arm.counts().reads()).isPositive();
        assertThat(second.clusters()).extracting(ProvisionResult.Cluster::meshIp).containsExactly("10.1.0.254", "10.2.0.254", "10.3.0.254");
        assertThat(second.changes()).filteredOn(c -> c.type().equals("roleAssignment")).hasSize(3)
                .allSatisfy(c -> assertThat(c.detail()).contains("Network Contributor at /subscriptions/" + Lab.SUB + "/"));
        assertThat(arm.counts().method("PUT")).isZero();
        assertThat(arm.roleAssignments()).hasSize(3);
        // and the preflight of the provisioned mesh finds the role in place
        assertThat(azure.preflight(Lab.spec(3))).extracting(io.clustermesh.Finding::code)
                .doesNotContain(AzureFindingCodes.SUBNET_ROLE_MISSING, AzureFindingCodes.SUBNET_ROLE_UNVERIFIED);
    }

    @Test
    void whenTheSdkMayNotGrantRolesTheRunGoesOnAndSaysWhoMustGrantWhat() {
        arm.forbidRoleAssignmentWrites();
        ProvisionResult r = azure.topology().apply(lab);
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.changes()).filteredOn(c -> c.type().equals("kubeProxyConfig")).hasSize(3); // the rest was done
        assertThat(r.clusters()).hasSize(3);
        assertThat(arm.roleAssignments()).isEmpty();
        String principal2 = ArmJson.string(arm.resource(Lab.aksId(2)).orElseThrow(), "identity.principalId");
        assertThat(r.findings()).hasSize(3).allSatisfy(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.SUBNET_ROLE_DENIED);
            assertThat(f.isError()).isTrue();
            assertThat(f.message()).contains("object id 00000000-0000-0000-0000-00000000c0de")
                    .contains("Microsoft.Authorization/roleAssignments/write");
            assertThat(f.remediation()).contains("Owner, User Access Administrator or Role Based Access Control Administrator");
        });
        assertThat(r.findings()).filteredOn(f -> "cluster2".equals(f.cluster())).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo(Lab.subnetId(2));
            assertThat(f.remediation()).endsWith("az role assignment create --assignee " + principal2
                    + " --role \"Network Contributor\" --scope " + Lab.subnetId(2));
        });

        // preflight then names the missing role with the same fix
        List<io.clustermesh.Finding> preflight = azure.preflight(Lab.spec(3));
        assertThat(preflight).filteredOn(f -> f.code().equals(AzureFindingCodes.SUBNET_ROLE_MISSING)).hasSize(3)
                .anySatisfy(f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.remediation()).startsWith("az role assignment create --assignee " + principal2
                            + " --role \"Network Contributor\" --scope " + Lab.subnetId(2));
                });

        // once someone may grant it, the next run does, and the one after writes nothing
        arm.clearForbidden();
        assertThat(azure.topology().apply(lab).findings()).isEmpty();
        assertThat(arm.roleAssignments()).hasSize(3);
        arm.resetCounts();
        assertThat(azure.topology().apply(lab).writes()).isZero();
        assertThat(arm.counts().method("PUT")).isZero();
    }

    @Test
    void aRoleThatAlreadyAllowsJoiningTheSubnetIsKeptAndNoneIsAdded() {
        // a custom role with exactly the two actions, held on the VNet (a parent scope of the subnet)
        String custom = "0c0ffee0-1111-2222-3333-444444444444";
        arm.roleDefinition(custom, "Subnet joiner", List.of("Microsoft.Network/virtualNetworks/subnets/join/action",
                "Microsoft.Network/virtualNetworks/subnets/read"), List.of());
        azure.topology().apply(lab);
        for (int i = 1; i <= 3; i++) {
            arm.delete(String.valueOf(arm.roleAssignments().get(0).get("id")));
        }
        for (int i = 1; i <= 3; i++) {
            String principal = ArmJson.string(arm.resource(Lab.aksId(i)).orElseThrow(), "identity.principalId");
            arm.roleAssignment(Lab.vnetId(i), principal, custom);
        }
        arm.resetCounts();
        ProvisionResult r = azure.topology().apply(lab);
        assertThat(r.writes()).isZero();
        assertThat(r.changes()).filteredOn(c -> c.type().equals("roleAssignment"))
                .allSatisfy(c -> assertThat(c.detail()).contains("Subnet joiner at ").contains("/virtualNetworks/"));
        assertThat(arm.roleAssignments()).hasSize(3);
    }

    @Test
    void kubeProxyIsDisabledThroughThePreviewApiVersionAndVerified() {
        azure.topology().apply(lab);
        List<ArmChange> puts = changes.stream().filter(c -> c.method().equals("PUT") && c.type().equals("Microsoft.ContainerService/managedClusters")).toList();
        // one stable PUT creating each cluster, one preview PUT disabling kube-proxy
        assertThat(puts).hasSize(6);
        assertThat(puts).filteredOn(c -> "2024-02-02-preview".equals(c.apiVersion())).hasSize(3).allSatisfy(c ->
                assertThat(ArmJson.at(c.resource(), "properties.networkProfile.kubeProxyConfig.enabled")).isEqualTo(false));
        assertThat(puts).filteredOn(c -> !"2024-02-02-preview".equals(c.apiVersion()))
                .allSatisfy(c -> assertThat(c.apiVersion()).doesNotEndWith("-preview"));
        assertThat(arm.apiVersions("Microsoft.ContainerService/managedClusters")).contains("2024-02-02-preview");
        // verified: read back with the preview api-version after the PUT
        assertThat(arm.resource(Lab.aksId(1)).map(r -> ArmJson.at(r, "properties.networkProfile.kubeProxyConfig.enabled")))
                .contains(false);
    }

    @Test
    void kubeProxyAlreadyDisabledIsLeftAlone() {
        Lab.seed(arm, 3); // the article's names: clusters with kubeProxyConfig {enabled: false} already
        // the seeded lab uses the same names as the article lab, but different service CIDRs and pool names: align
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> c = Lab.cluster(i);
            Lab.put(arm, Lab.aksId(i), c);
        }
        arm.resetCounts();
        ProvisionResult r = azure.topology().apply(lab);
        assertThat(r.changes()).filteredOn(c -> c.type().equals("kubeProxyConfig"))
                .allSatisfy(c -> assertThat(c.action()).isEqualTo(Action.UNCHANGED));
        assertThat(r.changes()).filteredOn(c -> c.type().equals("managedCluster"))
                .allSatisfy(c -> assertThat(c.action()).isEqualTo(Action.UNCHANGED));
    }

    @Test
    void onlyWhatIsMissingIsWritten() {
        azure.topology().apply(lab);
        arm.delete(Lab.connectionId(2));
        arm.delete(Lab.subnetId(3));
        arm.resetCounts();
        ProvisionResult r = azure.topology().apply(lab);
        assertThat(r.changes()).filteredOn(c -> c.action() != Action.UNCHANGED)
                .extracting(ProvisionResult.ResourceChange::resourceId)
                .containsExactly(Lab.subnetId(3), Lab.connectionId(2));
        assertThat(arm.counts().putsAndPatches()).isEqualTo(2);
    }

    @Test
    void aBasicWanIsUpgradedToStandard() {
        arm.resourceGroup(Lab.HUB_RG);
        Lab.seedWan(arm, "Basic");
        ProvisionResult r = azure.topology().apply(lab);
        assertThat(r.changes()).filteredOn(c -> c.type().equals("virtualWan")).singleElement()
                .satisfies(c -> {
                    assertThat(c.action()).isEqualTo(Action.UPDATED);
                    assertThat(c.detail()).contains("Basic -> Standard");
                });
        assertThat(ArmJson.string(arm.resource(Lab.wanId()).orElseThrow(), "properties.type")).isEqualTo("Standard");
    }

    @Test
    void anExistingKubenetClusterIsNotRecreated() {
        azure.topology().apply(lab);
        Map<String, Object> c = arm.resource(Lab.aksId(2)).orElseThrow();
        ArmJson.object(c, "properties.networkProfile").put("networkPlugin", "kubenet");
        Lab.put(arm, Lab.aksId(2), c);
        arm.resetCounts();
        assertThatThrownBy(() -> azure.topology().apply(lab)).isInstanceOf(MeshPreconditionException.class)
                .hasMessageContaining("network plugin kubenet").hasMessageContaining(Lab.aksId(2))
                .satisfies(e -> assertThat(((MeshPreconditionException) e).remediation()).contains("delete the cluster"));
        assertThat(arm.counts().putsAndPatches()).isZero();
    }

    @Test
    void theMeshIpStaysOnceTheClustersOwnLoadBalancerHoldsItButAvoidsOthers() {
        azure.topology().apply(lab);
        // after the mesh is up: cluster1's clustermesh-apiserver holds 10.1.0.254 on its own internal LB;
        // in cluster2's subnet a foreign load balancer took 10.2.0.254
        String nodeRg1 = ArmJson.string(arm.resource(Lab.aksId(1)).orElseThrow(), "properties.nodeResourceGroup");
        arm.resourceGroup(nodeRg1);
        String own = arm.internalLoadBalancerFrontend(nodeRg1, "a0b1c2", "10.1.0.254", Lab.subnetId(1));
        arm.resourceGroup("rg-other");
        String foreign = arm.internalLoadBalancerFrontend("rg-other", "fe", "10.2.0.254", Lab.subnetId(2));
        listIpConfiguration(1, own + "/frontendIPConfigurations/a0b1c2");
        listIpConfiguration(2, foreign + "/frontendIPConfigurations/fe");
        arm.resetCounts();

        ProvisionResult again = azure.topology().apply(lab);
        assertThat(again.clusters()).extracting(ProvisionResult.Cluster::meshIp).containsExactly("10.1.0.254", "10.2.0.253", "10.3.0.254");
        assertThat(arm.counts().putsAndPatches()).isZero();
    }

    /** The subnet lists an IP configuration, as ARM does for NICs and LB frontends in it. */
    private void listIpConfiguration(int spoke, String ipConfigurationId) {
        Map<String, Object> vnet = arm.resource(Lab.vnetId(spoke)).orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> subnet = (Map<String, Object>) ArmJson.list(vnet, "properties.subnets").get(0);
        ArmJson.object(subnet, "properties").put("ipConfigurations", List.of(Map.of("id", ipConfigurationId)));
        Lab.put(arm, Lab.vnetId(spoke), vnet);
    }

    @Test
    void aFixedMeshIpFromTheTopologyIsKept() {
        AzureLabTopology t = new AzureLabTopology(lab.subscription(), lab.location(), lab.hub(), List.of(
                new AzureLabTopology.Spoke(lab.spokes().get(0).resourceGroup(), lab.spokes().get(0).virtualNetwork(),
                        lab.spokes().get(0).addressPrefix(), lab.spokes().get(0).subnet(), lab.spokes().get(0).subnetPrefix(),
                        lab.spokes().get(0).cluster().meshIp("10.1.0.250")),
                lab.spokes().get(1)));
        ProvisionResult r = azure.topology().apply(t);
        assertThat(r.clusters()).extracting(ProvisionResult.Cluster::meshIp).containsExactly("10.1.0.250", "10.2.0.254");
        assertThat(r.clusters().get(0).meshIpSource()).isEqualTo("topology");
    }

    @Test
    void anInconsistentTopologyIsRefusedBeforeAnyRequest() {
        AzureLabTopology bad = new AzureLabTopology(lab.subscription(), lab.location(),
                new AzureLabTopology.Hub("rg-hub", "vwan", "hub1", "10.1.0.0/23"), lab.spokes());
        assertThatThrownBy(() -> azure.topology().apply(bad)).isInstanceOf(MeshConfigurationException.class)
                .satisfies(e -> assertThat(((MeshConfigurationException) e).findings())
                        .extracting(io.clustermesh.Finding::code).contains(AzureFindingCodes.CIDR_OVERLAP));
        assertThat(arm.counts().total()).isZero();
    }

    @Test
    void longRunningOperationsArePolledThroughTheClockHonouringRetryAfter() {
        arm.lroRetryAfter(java.time.Duration.ofSeconds(7));
        azure.topology().apply(lab);
        // every wait was the server's Retry-After (7 s), none the default poll interval, and none was real
        assertThat(clock.sleeps).isNotEmpty().allSatisfy(d -> assertThat(d).isEqualTo(java.time.Duration.ofSeconds(7)));
    }
}
