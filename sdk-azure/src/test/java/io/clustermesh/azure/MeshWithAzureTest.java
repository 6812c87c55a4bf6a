package io.clustermesh.azure;

import io.clustermesh.internal.Driver;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.MeshDriver;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The provider behind {@code Mesh}: discovery fills the spec, the spec validation runs on the filled spec, the Azure
 * preflight adds its findings, and a plan with an Azure error stops before touching any cluster.
 */
class MeshWithAzureTest {

    @Test
    void aMeshOnAzureClustersIsDiscoveredValidatedAndPreflighted() {
        try (FakeArm arm = Lab.fakeArm()) {
            Lab.seed(arm, 2);
            for (int i = 1; i <= 2; i++) {
                arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), KubeconfigSamples.staticToken(Lab.aks(i)));
            }
            Lab.seedWan(arm, "Basic");
            AzureCloudProvider azure = Lab.provider(arm, new Lab.FakeClock());
            MeshSpec spec = Lab.spec(2);
            // the Cilium side is never reached: a plan with an Azure error stops before any cluster is read
            try (Mesh mesh = Mesh.builder().spec(spec).cloudProvider(azure).driver(unused(Driver.class))
                    .clusterTransport(unused(ClusterTransport.class)).helmTransport(unused(HelmTransport.class))
                    .certificateAuthority(unused(CertificateAuthority.class)).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.hasErrors()).isTrue();
                assertThat(plan.steps()).isEmpty();
                assertThat(plan.findings()).filteredOn(Finding::isError).extracting(Finding::code)
                        .containsExactly(AzureFindingCodes.VWAN_BASIC);
                assertThat(plan.findings()).extracting(Finding::code).contains(AzureFindingCodes.PORTS_REQUIRED);
                assertThat(plan.notes()).containsEntry("cluster1.podCidr",
                        "10.10.0.0/16 from AKS networkProfile.podCidr (" + Lab.aksId(1) + ")");

                MeshSpec resolved = mesh.resolvedSpec();
                assertThat(resolved.clusters()).extracting(c -> c.podCidr()).containsExactly("10.10.0.0/16", "10.20.0.0/16");
                assertThat(resolved.clusters()).extracting(c -> c.apiServer()).containsExactly(Lab.fqdn(1), Lab.fqdn(2));
                assertThat(resolved.clusters()).allSatisfy(c -> assertThat(c.access().kind()).isEqualTo(ClusterAccess.Kind.KUBECONFIG));
                assertThat(plan.toString()).doesNotContain(KubeconfigSamples.TOKEN);
            }
            assertThat(arm.counts().writes()).isZero();
        }
    }

    /** A provider that must not be used. */
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
