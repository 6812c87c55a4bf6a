package io.clustermesh.azure;

import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.Discovery;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Discovery against the lab's stateful fake ARM: the spec's missing fields come from AKS, credentials stay in memory. */
class DiscoveryTest {
    private FakeArm arm;
    private Lab.FakeClock clock;
    private AzureCloudProvider azure;

    @BeforeEach
    void start() {
        arm = Lab.fakeArm();
        Lab.seed(arm, 2);
        for (int i = 1; i <= 2; i++) {
            arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), KubeconfigSamples.staticToken(Lab.aks(i)));
        }
        clock = new Lab.FakeClock();
        azure = Lab.provider(arm, clock);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    @Test
    void fillsPodCidrApiServerAndServiceCidrFromAksAndSaysWhereTheyCameFrom() {
        Discovery d = azure.discover(Lab.spec(2));

        assertThat(d.findings()).isEmpty();
        MeshCluster c1 = d.spec().clusters().get(0);
        assertThat(c1.podCidr()).isEqualTo("10.10.0.0/16");
        assertThat(c1.serviceCidr()).isEqualTo("10.201.0.0/16");
        assertThat(c1.apiServer()).isEqualTo(Lab.fqdn(1));
        assertThat(d.spec().clusters().get(1).podCidr()).isEqualTo("10.20.0.0/16");
        assertThat(d.notes()).containsEntry("cluster1.podCidr", "10.10.0.0/16 from AKS networkProfile.podCidr (" + Lab.aksId(1) + ")")
                .containsEntry("cluster1.apiServer", Lab.fqdn(1) + " from AKS fqdn (" + Lab.aksId(1) + ")")
                .containsEntry("cluster2.serviceCidr", "10.202.0.0/16 from AKS networkProfile.serviceCidr (" + Lab.aksId(2) + ")");
        assertThat(d.notes().get("cluster1.subnet")).startsWith(Lab.subnetId(1));
        // the node subnet's prefix: every peer's clustermesh-apiserver admits this cluster alone (loadBalancerSourceRanges)
        assertThat(c1.nodeCidr()).isEqualTo("10.1.0.0/24");
        assertThat(d.notes()).containsEntry("cluster1.nodeCidr", "10.1.0.0/24 from the node subnet's addressPrefix (" + Lab.subnetId(1) + ")");
        assertThat(d.notes().get("cluster1.network")).contains("plugin none");

        // credentials: the kubeconfig from listClusterUserCredential, in memory, never printed
        assertThat(c1.access().kind()).isEqualTo(ClusterAccess.Kind.KUBECONFIG);
        assertThat(c1.access().kubeconfigContent()).contains(KubeconfigSamples.staticToken(Lab.aks(1)));
        assertThat(c1.access().toString()).doesNotContain(KubeconfigSamples.TOKEN);
        assertThat(d.notes().values()).noneMatch(v -> v.contains(KubeconfigSamples.TOKEN));

        // read-only: one GET and one credential POST per cluster, no writes
        assertThat(arm.counts().writes()).isZero();
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(1);
        assertThat(arm.counts().path(Lab.aksId(1) + "/listClusterUserCredential")).isEqualTo(1);
    }

    @Test
    void keepsWhatTheSpecGivesAndWarnsWhenAksDisagrees() {
        MeshSpec spec = Lab.spec(2);
        spec = spec.withClusters(List.of(spec.clusters().get(0).withPodCidr("10.10.0.0/16").withApiServer("api.example.test"),
                spec.clusters().get(1)));
        Discovery d = azure.discover(spec);
        assertThat(d.spec().clusters().get(0).apiServer()).isEqualTo("api.example.test");
        assertThat(d.notes()).doesNotContainKeys("cluster1.podCidr", "cluster1.apiServer");
        assertThat(d.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.SPEC_DIFFERS);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.path()).isEqualTo(Lab.aksId(1));
        });
    }

    @Test
    void aMissingClusterIsAFindingNotAnException() {
        arm.delete(Lab.aksId(2));
        Discovery d = azure.discover(Lab.spec(2));
        // with an error, discovery also runs the Azure checks (a mesh would not call preflight): only this one error
        assertThat(d.findings()).filteredOn(Finding::isError).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.CLUSTER_NOT_FOUND);
            assertThat(f.cluster()).isEqualTo("cluster2");
            assertThat(f.path()).isEqualTo(Lab.aksId(2));
            assertThat(f.message()).contains(Lab.aksId(2)).contains("404");
            assertThat(f.remediation()).contains("spec.clusters[1].azure");
        });
        assertThat(d.findings()).filteredOn(f -> f.code().equals(AzureFindingCodes.CHECKS_SKIPPED) && "cluster2".equals(f.cluster()))
                .isNotEmpty().allSatisfy(f -> assertThat(f.message()).contains("could not be read").contains(Lab.aksId(2)));
        assertThat(d.findings()).extracting(Finding::code).contains(AzureFindingCodes.PORTS_REQUIRED, AzureFindingCodes.MESH_IP_SUGGESTED);
        assertThat(d.spec().clusters().get(1).access().kind()).isEqualTo(ClusterAccess.Kind.AZURE);
        assertThat(d.spec().clusters().get(0).access().kind()).isEqualTo(ClusterAccess.Kind.KUBECONFIG);
    }

    @Test
    void anEntraIdClustersKubeloginKubeconfigGetsInProcessTokensAndIsExplainedOnce() {
        // an AKS-managed Entra ID cluster with local accounts disabled (ManagedClusterAADProfile, disableLocalAccounts)
        java.util.Map<String, Object> aad = Lab.cluster(1);
        java.util.Map<String, Object> props = ArmJson.object(aad, "properties");
        props.put("aadProfile", java.util.Map.of("managed", true, "enableAzureRBAC", true, "tenantID", "33333333-3333-3333-3333-333333333333"));
        props.put("disableLocalAccounts", true);
        Lab.put(arm, Lab.aksId(1), aad);
        arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), KubeconfigSamples.kubelogin(Lab.aks(1)));

        Discovery d = azure.discover(Lab.spec(2));

        assertThat(d.findings()).filteredOn(f -> f.code().equals(AzureFindingCodes.KUBECONFIG_ENTRA_ID)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.cluster()).isEqualTo("cluster1");
            assertThat(f.message()).contains("Microsoft Entra ID with local accounts disabled").contains("in-process")
                    .contains("6dae42f8-4368-4678-94ff-3960e28e3630/.default").contains("'kubelogin' plugin is not run");
            assertThat(f.remediation()).contains("Azure Kubernetes Service RBAC Cluster Admin").contains("cluster-admin");
        });
        assertThat(d.findings()).extracting(Finding::code).doesNotContain(AzureFindingCodes.KUBECONFIG_EXEC);
        ClusterAccess access = d.spec().clusters().get(0).access();
        assertThat(access.kind()).isEqualTo(ClusterAccess.Kind.KUBECONFIG);
        assertThat(access.bearerTokens()).hasValueSatisfying(t -> assertThat(t.describe()).contains("Microsoft Entra ID"));
        assertThat(d.spec().clusters().get(1).access().bearerTokens()).as("a local-account cluster keeps its kubeconfig").isEmpty();
        assertThat(d.notes().get("cluster1.access")).contains("Microsoft Entra ID tokens");
    }

    @Test
    void adminCredentialsAreUsedOnlyWhenAskedForAndRefusedWhereLocalAccountsAreDisabled() {
        java.util.Map<String, Object> aad = Lab.cluster(1);
        ArmJson.object(aad, "properties").put("aadProfile", java.util.Map.of("managed", true, "enableAzureRBAC", true));
        ArmJson.object(aad, "properties").put("disableLocalAccounts", true);
        Lab.put(arm, Lab.aksId(1), aad);
        AzureCloudProvider admin = AzureCloudProvider.builder().armEndpoint(arm.url()).clock(clock).adminCredentials(true).build();
        arm.resetCounts();

        Discovery d = admin.discover(Lab.spec(2));

        assertThat(d.findings()).filteredOn(Finding::isError).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.KUBECONFIG_INVALID);
            assertThat(f.cluster()).isEqualTo("cluster1");
            assertThat(f.message()).contains("admin credentials were asked for").contains("local accounts disabled");
            assertThat(f.remediation()).contains("leave adminCredentials off");
        });
        assertThat(d.notes().get("cluster2.access")).contains("listClusterAdminCredential");
        assertThat(d.spec().clusters().get(1).access().bearerTokens()).isEmpty();
        assertThat(arm.counts().writes()).isZero();
        // the default: user credentials, and Entra ID tokens for the Entra ID cluster
        assertThat(azure.discover(Lab.spec(2)).notes().get("cluster2.access")).contains("listClusterUserCredential");
    }

    @Test
    void anExecPluginOnAClusterWithoutEntraIdIsAWarning() {
        arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), KubeconfigSamples.kubelogin(Lab.aks(1)));
        Discovery d = azure.discover(Lab.spec(2));
        Finding f = d.findings().get(0);
        assertThat(f.code()).isEqualTo(AzureFindingCodes.KUBECONFIG_EXEC);
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.message()).contains("kubelogin");
        assertThat(d.spec().clusters().get(0).access().bearerTokens()).isEmpty();
    }

    @Test
    void theLegacyAzureAuthProviderIsAnError() {
        arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), KubeconfigSamples.authProvider(Lab.aks(1)));
        Discovery d = azure.discover(Lab.spec(2));
        assertThat(d.findings()).filteredOn(Finding::isError).extracting(Finding::code).containsExactly(AzureFindingCodes.KUBECONFIG_AUTH_PROVIDER);
        assertThat(d.spec().clusters().get(0).access().kind()).isEqualTo(ClusterAccess.Kind.AZURE);
    }

    @Test
    void theOfficialExampleCredentialIsNotAKubeconfigAndBecomesAFinding() {
        // ManagedClustersListClusterCredentialResult.json: value "Y3JlZGVudGlhbFZhbHVlMQ==" = "credentialValue1"
        List<Object> kcs = ArmJson.list(Lab.fixture("ManagedClustersListClusterCredentialResult.json"), "kubeconfigs");
        @SuppressWarnings("unchecked")
        String encoded = (String) ((java.util.Map<String, Object>) kcs.get(0)).get("value");
        String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        assertThat(decoded).isEqualTo("credentialValue1");
        arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), decoded);

        Discovery d = azure.discover(Lab.spec(2));
        assertThat(d.findings()).filteredOn(Finding::isError).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.KUBECONFIG_INVALID);
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.path()).isEqualTo(Lab.aksId(1));
            assertThat(f.message()).contains("not a kubeconfig").doesNotContain(decoded);
        });
        assertThat(d.spec().clusters().get(0).access().kind()).isEqualTo(ClusterAccess.Kind.AZURE);
        assertThat(d.findings()).filteredOn(f -> f.code().equals(AzureFindingCodes.CHECKS_SKIPPED) && "cluster1".equals(f.cluster()))
                .singleElement().satisfies(f -> {
                    assertThat(f.message()).contains("in-cluster checks").contains("usable kubeconfig");
                    assertThat(f.remediation()).contains(AzureFindingCodes.KUBECONFIG_INVALID);
                });
    }

    @Test
    void aForbiddenCredentialListingNamesTheRoleAndIsNotRetried() {
        arm.forbidden(".*/managedClusters/aks-ciliumlab2/listClusterUserCredential", "POST");
        Discovery d = azure.discover(Lab.spec(2));
        assertThat(d.findings()).filteredOn(Finding::isError).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureFindingCodes.AUTHORIZATION_FAILED);
            assertThat(f.cluster()).isEqualTo("cluster2");
            assertThat(f.path()).startsWith(Lab.aksId(2));
            assertThat(f.remediation()).contains("Azure Kubernetes Service Cluster User Role").contains(Lab.aksId(2));
        });
        assertThat(arm.counts().path(Lab.aksId(2) + "/listClusterUserCredential")).isEqualTo(1);
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void preflightAfterDiscoveryStillKnowsTheAzureClusters() {
        MeshSpec discovered = azure.discover(Lab.spec(2)).spec();
        assertThat(discovered.clusters()).allSatisfy(c -> assertThat(c.access().kind()).isEqualTo(ClusterAccess.Kind.KUBECONFIG));
        arm.resetCounts();
        List<Finding> findings = azure.preflight(discovered);
        assertThat(findings).filteredOn(Finding::isError).isEmpty();
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(2); // fluent read + preview read of kubeProxyConfig
        assertThat(arm.counts().writes()).isZero();
    }
}
