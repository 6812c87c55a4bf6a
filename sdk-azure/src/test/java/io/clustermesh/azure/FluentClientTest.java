package io.clustermesh.azure;

import com.azure.resourcemanager.containerservice.models.KubernetesCluster;
import com.azure.resourcemanager.network.fluent.models.HubVirtualNetworkConnectionInner;
import com.azure.resourcemanager.network.fluent.models.VirtualHubInner;
import com.azure.resourcemanager.network.models.Network;
import io.clustermesh.azure.internal.ArmSession;
import io.clustermesh.spi.CloudProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Azure SDK's fluent client on our pipeline: plain http to loopback, JDK HTTP client, no bearer token, no Netty. */
class FluentClientTest {
    private io.clustermesh.testing.arm.FakeArm arm;

    @BeforeEach
    void start() {
        arm = Lab.fakeArm();
        Lab.seed(arm, 1);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private ArmSession http() {
        AzureCloudProvider.Builder b = AzureCloudProvider.builder().armEndpoint(arm.url()).clock(new Lab.FakeClock());
        return new ArmSession(b.settings(), Lab.SUB);
    }

    @Test
    void fluentClientReadsManagedClusterVnetHubAndConnectionOverPlainHttp() {
        ArmSession s = http();
        KubernetesCluster aks = s.aks().kubernetesClusters().getByResourceGroup(Lab.rg(1), Lab.aks(1));
        assertThat(aks.fqdn()).isEqualTo(Lab.fqdn(1));
        assertThat(aks.networkProfile().networkPlugin().toString()).isEqualTo("none");
        assertThat(aks.networkProfile().podCidr()).isEqualTo("10.10.0.0/16");
        assertThat(aks.nodeResourceGroup()).isEqualTo("MC_rsg-ciliumlab_aks-ciliumlab_eastus");
        assertThat(aks.agentPools().get("system").subnetName()).isEqualTo("aks");

        Network vnet = s.network().networks().getById(Lab.vnetId(1));
        assertThat(vnet.addressSpaces()).containsExactly("10.1.0.0/16");
        assertThat(vnet.subnets().get("aks").addressPrefix()).isEqualTo("10.1.0.0/24");

        VirtualHubInner hub = s.network().serviceClient().getVirtualHubs().getByResourceGroup(Lab.HUB_RG, Lab.HUB);
        assertThat(hub.routingState().toString()).isEqualTo("Provisioned");
        assertThat(hub.virtualWan().id()).isEqualTo(Lab.wanId());

        List<HubVirtualNetworkConnectionInner> conns = new ArrayList<>();
        s.network().serviceClient().getHubVirtualNetworkConnections().list(Lab.HUB_RG, Lab.HUB).forEach(conns::add);
        assertThat(conns).singleElement().satisfies(c -> {
            assertThat(c.remoteVirtualNetwork().id()).isEqualTo(Lab.vnetId(1));
            assertThat(c.provisioningState().toString()).isEqualTo("Succeeded");
        });
        HubVirtualNetworkConnectionInner one = s.network().serviceClient().getHubVirtualNetworkConnections()
                .get(Lab.HUB_RG, Lab.HUB, "conn-vnet-ciliumlab1");
        assertThat(one.remoteVirtualNetwork().id()).isEqualTo(Lab.vnetId(1));

        // the fluent GET of a cluster is one request (no hidden credential listing)
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(1);
        assertThat(arm.counts().method("POST")).isZero();
        assertThat(arm.counts().writes()).isZero();
    }

    @Test
    void pipelineRunsOnTheJdkHttpClientWithoutNettyOrAzureRetry() {
        ArmSession s = http();
        assertThat(s.pipeline().getHttpClient().getClass().getName()).isEqualTo("com.azure.core.http.jdk.httpclient.JdkHttpClient");
        List<String> policies = new ArrayList<>();
        for (int i = 0; i < s.pipeline().getPolicyCount(); i++) {
            policies.add(s.pipeline().getPolicy(i).getClass().getSimpleName());
        }
        assertThat(policies).contains("ArmRetryPolicy").doesNotContain("RetryPolicy", "AuthenticationPolicy", "BearerTokenAuthenticationPolicy");
        // Azure's Netty client is not even on the test class path, and the JDK client is the only one azure-core finds.
        // (io.netty itself is on the *test* class path through the lab's fabric8 mock server; the enforcer's no-netty
        // rule keeps it off sdk-azure's compile and runtime class path.)
        assertThatThrownBy(() -> Class.forName("com.azure.core.http.netty.NettyAsyncHttpClient")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("reactor.netty.http.client.HttpClient")).isInstanceOf(ClassNotFoundException.class);
        List<String> providers = new ArrayList<>();
        ServiceLoader.load(com.azure.core.http.HttpClientProvider.class).forEach(p -> providers.add(p.getClass().getName()));
        assertThat(providers).containsExactly("com.azure.core.http.jdk.httpclient.JdkHttpClientProvider");
    }

    @Test
    void overHttpsTheBearerPolicyIsInstalled() {
        AzureCloudProvider.Builder b = AzureCloudProvider.builder().armEndpoint("https://arm.example.test")
                .credential(request -> reactor.core.publisher.Mono.empty());
        ArmSession s = new ArmSession(b.settings(), Lab.SUB);
        List<String> policies = new ArrayList<>();
        for (int i = 0; i < s.pipeline().getPolicyCount(); i++) {
            policies.add(s.pipeline().getPolicy(i).getClass().getSimpleName());
        }
        assertThat(policies).contains("AuthenticationPolicy", "ArmRetryPolicy").doesNotContain("RetryPolicy");
    }

    @Test
    void serviceLoaderFindsTheProviderAndConstructionDoesNoIo() {
        List<CloudProvider> found = new ArrayList<>();
        ServiceLoader.load(CloudProvider.class).forEach(found::add);
        assertThat(found).singleElement().isInstanceOf(AzureCloudProvider.class);
        CloudProvider p = found.get(0);
        assertThat(p.name()).isEqualTo("azure");
        assertThat(p.supports(Lab.spec(2))).isTrue();
        assertThat(p.supports(io.clustermesh.model.MeshSpec.of("x", io.clustermesh.model.CiliumOptions.defaults(),
                io.clustermesh.model.CaStrategy.generate(), io.clustermesh.model.Exposure.nodePort(), null,
                List.of(io.clustermesh.model.MeshCluster.named("a").withAccess(io.clustermesh.model.ClusterAccess.kubeContext("a")))))).isFalse();
        assertThat(p.toString()).contains("management.azure.com");
    }

    @Test
    void armEndpointMustBeHttpUrl() {
        assertThatThrownBy(() -> AzureCloudProvider.builder().armEndpoint("ftp://x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AzureCloudProvider.builder().pollInterval(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
