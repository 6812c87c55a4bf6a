package io.clustermesh.azure.reliability;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.azure.AzureCloudProvider;
import io.clustermesh.azure.AzureFindingCodes;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Azure rows of the bad-input catalog (the Kubernetes and spec rows: sdk-testing's {@code BadInputCatalogTest}):
 * a 2-cluster lab whose topology lives in the fake ARM, the mesh's clusters given only as AKS resources, so that
 * discovery fetches their credentials and the Azure preflight runs. Each row breaks the topology (or the spec), must
 * yield its finding code, and neither a cluster nor ARM may receive a write. The ARM state is restored after each row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureBadInputCatalogTest {
    private MeshLab lab;
    private FakeArm arm;
    private Map<String, String> pristine;

    @BeforeAll
    void startLab() {
        lab = MeshLab.builder().clusters(2).nodesPerCluster(1).seed(20_260_801L).arm(true).start();
        arm = lab.arm().orElseThrow();
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void remember() {
        pristine = new LinkedHashMap<>();
        for (String id : arm.ids()) {
            arm.resourceJson(id).ifPresent(json -> pristine.put(id, json));
        }
        lab.clusters().forEach(LabCluster::resetCounts);
        arm.resetCounts();
    }

    /** Puts ARM back as it was: no row sees another's changes. */
    @AfterEach
    void restore() {
        arm.clearForbidden();
        for (String id : arm.ids()) {
            if (!pristine.containsKey(id)) {
                arm.delete(id);
            }
        }
        pristine.forEach(arm::put);
    }

    // ------------------------------------------------------------------------------------------------ the catalog

    /** One row: what is wrong in Azure, the code, how to break it, and what else the finding must say. */
    record Row(String name, String code, Consumer<AzureBadInputCatalogTest> breakIt, UnaryOperator<MeshSpec> spec,
               Consumer<Finding> check) {
        @Override
        public String toString() {
            return name + " -> " + code;
        }
    }

    Stream<Row> catalog() {
        List<Row> rows = new ArrayList<>();
        rows.add(row("a Basic Virtual WAN (cannot route VNet to VNet)", AzureFindingCodes.VWAN_BASIC,
                t -> t.edit(t.wanId(), r -> ArmJson.object(r, "properties").put("type", "Basic")),
                f -> assertThat(f.remediation()).contains("Standard")));
        rows.add(row("a kubenet cluster (not BYOCNI)", AzureFindingCodes.NETWORK_PLUGIN,
                t -> t.edit(t.aksId("cluster2"), r -> ArmJson.object(r, "properties.networkProfile").put("networkPlugin", "kubenet")),
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.message()).contains("kubenet");
                }));
        rows.add(row("Azure CNI powered by Cilium (managed Cilium, not BYOCNI)", AzureFindingCodes.DATAPLANE_CILIUM,
                t -> t.edit(t.aksId("cluster1"), r -> {
                    Map<String, Object> np = ArmJson.object(r, "properties.networkProfile");
                    np.put("networkPlugin", "azure");
                    np.put("networkPluginMode", "overlay");
                    np.put("networkDataplane", "cilium");
                }), f -> assertThat(f.cluster()).isEqualTo("cluster1")));
        rows.add(row("overlapping VNets", AzureFindingCodes.CIDR_OVERLAP,
                t -> t.edit(t.vnetId("cluster2"), r -> ArmJson.object(r, "properties").put("addressSpace",
                        Map.of("addressPrefixes", List.of(t.lab.cluster("cluster2").spec().subnet(), t.lab.cluster("cluster1").spec().subnet())))),
                f -> assertThat(f.message()).contains(lab.cluster("cluster1").spec().subnet())));
        rows.add(row("a pod CIDR inside another cluster's VNet", AzureFindingCodes.CIDR_OVERLAP,
                // the lower half of cluster2's /24 VNet (its mesh IP, .250, stays outside: that would be a spec error first)
                t -> t.edit(t.aksId("cluster1"), r -> ArmJson.object(r, "properties.networkProfile").put("podCidr",
                        t.lab.cluster("cluster2").spec().subnet().replace("/24", "/25"))), f -> assertThat(f.message()).contains("pod CIDR")));
        rows.add(row("a spoke VNet not connected to the hub", AzureFindingCodes.VNET_NOT_CONNECTED,
                t -> t.arm.delete(t.hubId() + "/hubVirtualNetworkConnections/conn-cluster2"),
                f -> assertThat(f.cluster()).isEqualTo("cluster2")));
        rows.add(row("the hub does not exist", AzureFindingCodes.HUB_NOT_FOUND, t -> t.arm.delete(t.hubId()), f -> { }));
        rows.add(row("the hub's routing is not provisioned", AzureFindingCodes.HUB_ROUTING_NOT_PROVISIONED,
                t -> t.edit(t.hubId(), r -> ArmJson.object(r, "properties").put("routingState", "Provisioning")), f -> { }));
        rows.add(row("the Virtual WAN does not exist", AzureFindingCodes.VWAN_NOT_FOUND, t -> t.arm.delete(t.wanId()), f -> { }));
        rows.add(row("a cluster in the AKS-managed VNet", AzureFindingCodes.SUBNET_MANAGED, t -> t.edit(t.aksId("cluster2"), r -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> pool = (Map<String, Object>) ArmJson.list(r, "properties.agentPoolProfiles").get(0);
            pool.remove("vnetSubnetID");
        }), f -> assertThat(f.remediation()).contains("--vnet-subnet-id")));
        rows.add(new Row("an AKS cluster that does not exist", AzureFindingCodes.CLUSTER_NOT_FOUND, t -> { },
                s -> withCluster(s, 1, c -> c.withAccess(ClusterAccess.azure("rg-cluster2", "aks-typo"))),
                f -> assertThat(f.message()).contains("aks-typo")));
        rows.add(row("no permission to read the managed clusters (403)", AzureFindingCodes.AUTHORIZATION_FAILED,
                t -> t.arm.forbidden(".*/managedClusters/cluster1", "GET"),
                f -> assertThat(f.remediation()).contains("Azure Kubernetes Service Cluster User Role")));
        rows.add(row("the Basic load balancer SKU", AzureFindingCodes.LOAD_BALANCER_BASIC,
                t -> t.edit(t.aksId("cluster1"), r -> ArmJson.object(r, "properties.networkProfile").put("loadBalancerSku", "basic")),
                f -> assertThat(f.cluster()).isEqualTo("cluster1")));
        rows.add(row("a cluster identity without a role on its subnet", AzureFindingCodes.SUBNET_ROLE_MISSING,
                // another identity than the one the lab granted Network Contributor on the subnet
                t -> t.edit(t.aksId("cluster2"), r -> ArmJson.object(r, "identity").put("principalId", "99999999-0000-0000-0000-000000000002")),
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.remediation()).startsWith("az role assignment create --assignee 99999999-0000-0000-0000-000000000002 --role \"Network Contributor\" --scope ");
                }));
        rows.add(new Row("a mesh IP outside the cluster's subnet", AzureFindingCodes.MESH_IP_OUTSIDE_SUBNET, t -> { },
                s -> withCluster(s, 0, c -> c.withMeshIp("172.16.9.250")), f -> assertThat(f.cluster()).isEqualTo("cluster1")));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalog")
    void badAzureInputIsReportedWithItsCodeAndNothingIsWritten(Row row) {
        row.breakIt().accept(this);
        List<Finding> findings;
        try (Mesh mesh = lab.meshBuilder().spec(row.spec().apply(azureSpec())).cloudProvider(provider()).build()) {
            MeshPlan plan = mesh.plan();
            findings = plan.findings();
            assertThat(plan.hasErrors()).as(plan.toText()).isTrue();
            assertThat(plan.steps()).isEmpty();
            assertThatThrownBy(() -> mesh.apply(plan)).isInstanceOf(MeshConfigurationException.class);
        }
        assertThat(findings).as(row.name()).extracting(Finding::code).contains(row.code());
        Finding f = findings.stream().filter(x -> x.code().equals(row.code())).findFirst().orElseThrow();
        assertThat(f.isError()).isTrue();
        assertThat(f.remediation()).isNotBlank();
        row.check().accept(f);
        assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().writes()).as(c.name() + " writes").isZero());
        assertThat(arm.counts().writes()).as("ARM writes").isZero();
    }

    /** The harness is not vacuous: the unbroken lab discovers, passes the preflight and plans steps. */
    @Test
    void theUnbrokenTopologyPlansCleanly() {
        try (Mesh mesh = lab.meshBuilder().spec(azureSpec()).cloudProvider(provider()).build()) {
            MeshPlan plan = mesh.plan();
            assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
            assertThat(plan.writeSteps()).isPositive();
            assertThat(mesh.resolvedSpec().clusters()).extracting(MeshCluster::podCidr)
                    .containsExactly(lab.cluster("cluster1").spec().podCidr(), lab.cluster("cluster2").spec().podCidr());
        }
        assertThat(arm.counts().reads()).isPositive();
        assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().reads()).isPositive());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Row row(String name, String code, Consumer<AzureBadInputCatalogTest> breakIt, Consumer<Finding> check) {
        return new Row(name, code, breakIt, UnaryOperator.identity(), check);
    }

    /** The lab's mesh with every cluster given only as an AKS resource (credentials, CIDRs and FQDN come from ARM). */
    MeshSpec azureSpec() {
        MeshSpec s = lab.spec();
        List<MeshCluster> clusters = new ArrayList<>();
        for (MeshCluster c : s.clusters()) {
            clusters.add(MeshCluster.named(c.name()).withId(c.id()).withMeshIp(c.meshIp())
                    .withAccess(ClusterAccess.azure(lab.cluster(c.name()).spec().resourceGroup(), c.name())));
        }
        return s.withClusters(clusters);
    }

    private static MeshSpec withCluster(MeshSpec s, int index, UnaryOperator<MeshCluster> change) {
        List<MeshCluster> cs = new ArrayList<>(s.clusters());
        cs.set(index, change.apply(cs.get(index)));
        return s.withClusters(cs);
    }

    private AzureCloudProvider provider() {
        return AzureCloudProvider.builder().armEndpoint(arm.url()).clock(new NoWaitClock()).pollInterval(Duration.ofMillis(50)).build();
    }

    void edit(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> r = arm.resource(id).orElseThrow(() -> new AssertionError("no " + id + " in " + arm.ids()));
        change.accept(r);
        arm.put(id, ArmJson.write(r));
    }

    String wanId() {
        return arm.resourceGroupId(MeshLab.HUB_RESOURCE_GROUP) + "/providers/Microsoft.Network/virtualWans/" + MeshLab.VIRTUAL_WAN;
    }

    String hubId() {
        return arm.resourceGroupId(MeshLab.HUB_RESOURCE_GROUP) + "/providers/Microsoft.Network/virtualHubs/" + MeshLab.HUB;
    }

    String vnetId(String cluster) {
        return arm.resourceGroupId(lab.cluster(cluster).spec().resourceGroup()) + "/providers/Microsoft.Network/virtualNetworks/vnet-" + cluster;
    }

    String aksId(String cluster) {
        return arm.resourceGroupId(lab.cluster(cluster).spec().resourceGroup()) + "/providers/Microsoft.ContainerService/managedClusters/" + cluster;
    }

    /** Sleeping moves the clock; nothing waits for real. */
    static final class NoWaitClock implements MeshClock {
        private Instant now = Instant.parse("2026-08-01T00:00:00Z");

        @Override
        public synchronized Instant now() {
            return now;
        }

        @Override
        public synchronized void sleep(Duration d) {
            now = now.plus(d);
        }
    }
}
