package io.clustermesh.azure;

import io.clustermesh.internal.Driver;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.Severity;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report of the issue "AKS as enterprises run it": with Azure's official example payloads, one preflight run
 * (what {@code meshctl preflight} does: {@code Mesh.plan()}) must name every problem it can know, not only the first
 * kind it met. The payloads:
 * <ul>
 *   <li>cluster1 in the shape of Azure's ManagedClustersGet example (Azure REST API specification
 *   {@code specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2024-09-01/examples/ManagedClustersGet.json}):
 *   network plugin kubenet, pod CIDR 10.244.0.0/16, service CIDR 10.0.0.0/16, a service principal
 *   ({@code servicePrincipalProfile.clientId}), no identity, nodes in the AKS-managed VNet;</li>
 *   <li>cluster2 a variant: the same kubenet network profile and pod CIDR, but nodes in a BYO spoke subnet and a
 *   system-assigned identity without a role on that subnet;</li>
 *   <li>the Virtual WAN of type Basic, as in Azure's VirtualWANGet example;</li>
 *   <li>both credentials as in ManagedClustersListClusterCredentialResult.json (shared fixtures): a value that is
 *   not a kubeconfig.</li>
 * </ul>
 */
class OneRunNamesEveryProblemTest {
    private static final String EXAMPLE_POD_CIDR = "10.244.0.0/16";
    private FakeArm arm;
    private AzureCloudProvider azure;

    @BeforeEach
    void start() {
        arm = theReportsArm();
        azure = Lab.provider(arm, new Lab.FakeClock());
    }

    /**
     * A fake ARM holding the report's payloads (two kubenet clusters with the example's pod CIDR, a Basic Virtual WAN,
     * cluster2's identity without its subnet role); the credentials are registered by the test. Also used by meshctl's
     * test of the same run ({@code MeshctlPreflightReportTest} in samples).
     */
    static FakeArm theReportsArm() {
        FakeArm arm = Lab.fakeArm();
        Lab.seed(arm, 2);
        Lab.seedWan(arm, "Basic");
        Lab.put(arm, Lab.aksId(1), exampleKubenetCluster(1));
        Map<String, Object> variant = Lab.cluster(2);
        kubenet(variant);
        Lab.put(arm, Lab.aksId(2), variant);
        arm.delete(String.valueOf(arm.roleAssignments().stream()
                .filter(a -> ArmJson.string(a, "properties.scope").equals(Lab.subnetId(2))).findFirst().orElseThrow().get("id")));
        return arm;
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    /** The managed cluster of Azure's ManagedClustersGet example, under cluster i's id. */
    private static Map<String, Object> exampleKubenetCluster(int i) {
        Map<String, Object> c = Lab.cluster(i);
        c.remove("identity");
        Map<String, Object> props = ArmJson.object(c, "properties");
        props.put("servicePrincipalProfile", Map.of("clientId", "clientid"));
        @SuppressWarnings("unchecked")
        Map<String, Object> pool = (Map<String, Object>) ArmJson.list(c, "properties.agentPoolProfiles").get(0);
        pool.remove("vnetSubnetID");
        kubenet(c);
        Map<String, Object> np = ArmJson.object(c, "properties.networkProfile");
        np.put("serviceCidr", "10.0.0.0/16");
        np.put("serviceCidrs", List.of("10.0.0.0/16"));
        np.put("dnsServiceIP", "10.0.0.10");
        np.remove("kubeProxyConfig");
        return c;
    }

    private static void kubenet(Map<String, Object> cluster) {
        Map<String, Object> np = ArmJson.object(cluster, "properties.networkProfile");
        np.put("networkPlugin", "kubenet");
        np.put("podCidr", EXAMPLE_POD_CIDR);
        np.put("podCidrs", List.of(EXAMPLE_POD_CIDR));
    }

    /** "credentialValue1", the value of the official credential example. */
    static String exampleCredential() {
        List<Object> kcs = ArmJson.list(Lab.fixture("ManagedClustersListClusterCredentialResult.json"), "kubeconfigs");
        @SuppressWarnings("unchecked")
        String encoded = (String) ((Map<String, Object>) kcs.get(0)).get("value");
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }

    private MeshPlan plan(MeshSpec spec) {
        try (Mesh mesh = Mesh.builder().spec(spec).cloudProvider(azure).driver(unused(Driver.class))
                .clusterTransport(unused(ClusterTransport.class)).helmTransport(unused(HelmTransport.class))
                .certificateAuthority(unused(CertificateAuthority.class)).build()) {
            return mesh.plan();
        }
    }

    private static List<Finding> withCode(List<Finding> f, String code) {
        return f.stream().filter(x -> x.code().equals(code)).toList();
    }

    @Test
    void kubenetBasicWanUnusableCredentialsAndOverlappingPodCidrsInOneRun() {
        String credential = exampleCredential();
        for (int i = 1; i <= 2; i++) {
            arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), credential);
        }
        MeshPlan plan = plan(Lab.spec(2));
        List<Finding> f = plan.findings();

        // the four problems of the report, in one run
        assertThat(withCode(f, AzureFindingCodes.KUBECONFIG_INVALID)).extracting(Finding::cluster).containsExactly("cluster1", "cluster2");
        assertThat(withCode(f, AzureFindingCodes.NETWORK_PLUGIN)).extracting(Finding::cluster).containsExactly("cluster1", "cluster2")
                .as("kubenet").allSatisfy(c -> assertThat(c).isNotNull());
        assertThat(withCode(f, AzureFindingCodes.NETWORK_PLUGIN)).allSatisfy(x -> assertThat(x.message()).contains("kubenet"));
        assertThat(withCode(f, AzureFindingCodes.VWAN_BASIC)).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("Basic").contains(Lab.wanId()));
        assertThat(withCode(f, "POD_CIDR_OVERLAP")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains(EXAMPLE_POD_CIDR));
        // and what else ARM shows: cluster1 has no BYO subnet, cluster2's identity no role on its subnet
        assertThat(withCode(f, AzureFindingCodes.SUBNET_MANAGED)).extracting(Finding::cluster).containsExactly("cluster1");
        assertThat(withCode(f, AzureFindingCodes.SUBNET_ROLE_MISSING)).singleElement().satisfies(x -> {
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.remediation()).startsWith("az role assignment create --assignee " + Lab.principal(2)
                    + " --role \"Network Contributor\" --scope " + Lab.subnetId(2));
        });
        assertThat(f).filteredOn(Finding::isError).extracting(Finding::code).containsExactlyInAnyOrder(
                AzureFindingCodes.KUBECONFIG_INVALID, AzureFindingCodes.KUBECONFIG_INVALID,
                AzureFindingCodes.NETWORK_PLUGIN, AzureFindingCodes.NETWORK_PLUGIN, AzureFindingCodes.VWAN_BASIC,
                "POD_CIDR_OVERLAP", AzureFindingCodes.SUBNET_MANAGED, AzureFindingCodes.SUBNET_ROLE_MISSING);

        // what was skipped, and why
        List<Finding> skipped = withCode(f, AzureFindingCodes.CHECKS_SKIPPED);
        assertThat(skipped).allSatisfy(x -> assertThat(x.severity()).isEqualTo(Severity.INFO));
        assertThat(skipped).filteredOn(x -> x.message().contains("in-cluster checks")).extracting(Finding::cluster)
                .containsExactly("cluster1", "cluster2");
        assertThat(skipped).filteredOn(x -> x.message().contains("in-cluster checks")).allSatisfy(x -> {
            assertThat(x.message()).contains("usable kubeconfig");
            assertThat(x.remediation()).contains(AzureFindingCodes.KUBECONFIG_INVALID);
        });
        assertThat(skipped).filteredOn(x -> "cluster1".equals(x.cluster()) && x.message().contains("role on the subnet")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("BYO subnet"));
        // nothing that could be checked was skipped: the hub, its connections and the kube-proxy setting were read
        assertThat(skipped).noneMatch(x -> x.message().contains("Virtual WAN") || x.message().contains("could not be read"));
        assertThat(f).extracting(Finding::code).contains(AzureFindingCodes.PORTS_REQUIRED, AzureFindingCodes.MESH_IP_SUGGESTED);

        assertThat(plan.steps()).isEmpty();
        assertThat(arm.counts().writes()).isZero();
        assertThat(plan.toText() + plan.toJson()).doesNotContain(credential);
    }

    @Test
    void withUsableCredentialsTheOverlapNoLongerHidesTheAzureChecks() {
        for (int i = 1; i <= 2; i++) {
            arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), KubeconfigSamples.staticToken(Lab.aks(i)));
        }
        MeshPlan plan = plan(Lab.spec(2));
        List<Finding> f = plan.findings();
        assertThat(f).filteredOn(Finding::isError).extracting(Finding::code).contains("POD_CIDR_OVERLAP",
                AzureFindingCodes.NETWORK_PLUGIN, AzureFindingCodes.VWAN_BASIC, AzureFindingCodes.SUBNET_MANAGED,
                AzureFindingCodes.SUBNET_ROLE_MISSING).doesNotContain(AzureFindingCodes.KUBECONFIG_INVALID);
        // the in-cluster checks wait for a plan without errors: said once, naming the clusters
        assertThat(withCode(f, AzureFindingCodes.CHECKS_SKIPPED)).filteredOn(x -> x.message().contains("in-cluster checks"))
                .singleElement().satisfies(x -> {
                    assertThat(x.cluster()).isNull();
                    assertThat(x.message()).contains("of cluster1, cluster2");
                });
        assertThat(plan.toText()).doesNotContain(KubeconfigSamples.TOKEN);
        assertThat(arm.counts().writes()).isZero();
    }

    @Test
    void aForbiddenClusterReadSkipsOnlyWhatNeedsTheCluster() {
        // no read permission on cluster2: its own checks are skipped (and said so), the hub, WAN and cluster1 still checked
        arm.forbidden(".*/managedClusters/aks-ciliumlab2", "GET");
        arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), KubeconfigSamples.staticToken(Lab.aks(1)));
        List<Finding> f = plan(Lab.spec(2)).findings();
        assertThat(f).filteredOn(Finding::isError).extracting(Finding::code)
                .contains(AzureFindingCodes.AUTHORIZATION_FAILED, AzureFindingCodes.VWAN_BASIC, AzureFindingCodes.NETWORK_PLUGIN);
        assertThat(withCode(f, AzureFindingCodes.AUTHORIZATION_FAILED)).hasSize(1); // discovery's; preflight's duplicate dropped
        assertThat(withCode(f, AzureFindingCodes.CHECKS_SKIPPED)).filteredOn(x -> "cluster2".equals(x.cluster()))
                .anySatisfy(x -> assertThat(x.message()).contains("network plugin").contains("could not be read")
                        .contains(Lab.aksId(2)));
        assertThat(withCode(f, AzureFindingCodes.NETWORK_PLUGIN)).extracting(Finding::cluster).containsExactly("cluster1");
    }

    /** A provider that must not be used: a plan with errors never reads a cluster. */
    private static <T> T unused(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "toString":
                    return "unused " + type.getSimpleName();
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    throw new AssertionError(type.getSimpleName() + "." + method.getName() + " must not be called");
            }
        }));
    }
}
