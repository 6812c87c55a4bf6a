package io.clustermesh.model;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.report.Change;
import io.clustermesh.report.PlanStep;
import io.clustermesh.internal.StepAction;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The naming rule for copies: a {@code with*} method returns a changed copy and leaves the original as it was. */
class CopyMethodsTest {

    private static final StepAction OK = ctx -> StepResult.unchanged("ok");

    @Test
    void meshClusterCopiesLeaveTheOriginalUnchanged() {
        MeshCluster original = MeshCluster.named("cluster1");
        MeshCluster copy = original.withId(1).withPodCidr("10.1.0.0/16").withServiceCidr("10.0.0.0/16")
                .withApiServer("aks-1.hcp.eastus.azmk8s.io").withMeshIp("10.224.0.200").withAccess(ClusterAccess.kubeContext("aks-1"))
                .withCilium(CiliumOptions.version("1.18.11")).withNodeCidr("10.224.0.0/16");

        assertThat(copy).isNotSameAs(original).isNotEqualTo(original);
        assertThat(original.id()).isZero();
        assertThat(original.podCidr()).isNull();
        assertThat(original.serviceCidr()).isNull();
        assertThat(original.apiServer()).isNull();
        assertThat(original.meshIp()).isNull();
        assertThat(original.access()).isNull();
        assertThat(original.cilium()).isNull();
        assertThat(original.nodeCidr()).isNull();

        assertThat(copy.name()).isEqualTo("cluster1");
        assertThat(copy.id()).isEqualTo(1);
        assertThat(copy.podCidr()).isEqualTo("10.1.0.0/16");
        assertThat(copy.serviceCidr()).isEqualTo("10.0.0.0/16");
        assertThat(copy.apiServer()).isEqualTo("aks-1.hcp.eastus.azmk8s.io");
        assertThat(copy.meshIp()).isEqualTo("10.224.0.200");
        assertThat(copy.meshIp()).isEqualTo("10.224.0.200");
        assertThat(copy.access()).isEqualTo(ClusterAccess.kubeContext("aks-1"));
        assertThat(copy.cilium()).isEqualTo(CiliumOptions.version("1.18.11"));
        assertThat(copy.nodeCidr()).isEqualTo("10.224.0.0/16");

        MeshCluster same = MeshCluster.named("cluster1").withNodeCidr("10.224.0.0/16").withCilium(CiliumOptions.version("1.18.11"))
                .withAccess(ClusterAccess.kubeContext("aks-1")).withMeshIp("10.224.0.200").withApiServer("aks-1.hcp.eastus.azmk8s.io")
                .withServiceCidr("10.0.0.0/16").withPodCidr("10.1.0.0/16").withId(1);
        assertThat(same).isEqualTo(copy).hasSameHashCodeAs(copy).hasToString(copy.toString());
        assertThat(copy.withId(2)).isNotEqualTo(copy);
        assertThat(copy.withNodeCidr(null)).isNotEqualTo(copy);
    }

    @Test
    void ciliumOptionsCopiesLeaveTheOriginalUnchanged() {
        CiliumOptions original = CiliumOptions.defaults();
        CiliumOptions copy = original.withVersion("1.18.11").withKubeProxyReplacement(false).withHubble(false)
                .withRoutingMode(RoutingMode.NATIVE).withTunnelProtocol(TunnelProtocol.GENEVE).withKvstoremesh(false)
                .withEncryption(Encryption.WIREGUARD).withMaxConnectedClusters(511).withCertificateMethod(CertificateMethod.HELM)
                .withCertificateValidity(Duration.ofDays(90), Duration.ofDays(10)).withPolicyDefaultLocalCluster(true)
                .withRolloutBatch(2).withMcsApi(McsApi.ON).withDefaultGlobalNamespace(false);

        assertThat(copy).isNotSameAs(original).isNotEqualTo(original);
        assertThat(original).isEqualTo(CiliumOptions.defaults()).hasSameHashCodeAs(CiliumOptions.defaults());
        assertThat(original.version()).isEqualTo(CiliumOptions.DEFAULT_VERSION);
        assertThat(original.kubeProxyReplacement()).isTrue();
        assertThat(original.hubble()).isTrue();
        assertThat(original.routingMode()).isEqualTo(RoutingMode.TUNNEL);
        assertThat(original.tunnelProtocol()).isEqualTo(TunnelProtocol.VXLAN);
        assertThat(original.kvstoremesh()).isTrue();
        assertThat(original.encryption()).isEqualTo(Encryption.NONE);
        assertThat(original.maxConnectedClusters()).isEqualTo(255);
        assertThat(original.certificateMethod()).isEqualTo(CertificateMethod.SDK);
        assertThat(original.certificateValidity()).isNull();
        assertThat(original.renewBefore()).isEqualTo(Duration.ofDays(30));
        assertThat(original.policyDefaultLocalCluster()).isNull();
        assertThat(original.rolloutBatch()).isEqualTo(1);
        assertThat(original.mcsApi()).isEqualTo(McsApi.OFF);
        assertThat(original.defaultGlobalNamespace()).isNull();

        assertThat(copy.version()).isEqualTo("1.18.11");
        assertThat(copy.kubeProxyReplacement()).isFalse();
        assertThat(copy.hubble()).isFalse();
        assertThat(copy.routingMode()).isEqualTo(RoutingMode.NATIVE);
        assertThat(copy.tunnelProtocol()).isEqualTo(TunnelProtocol.GENEVE);
        assertThat(copy.kvstoremesh()).isFalse();
        assertThat(copy.encryption()).isEqualTo(Encryption.WIREGUARD);
        assertThat(copy.maxConnectedClusters()).isEqualTo(511);
        assertThat(copy.certificateMethod()).isEqualTo(CertificateMethod.HELM);
        assertThat(copy.certificateValidity()).isEqualTo(Duration.ofDays(90));
        assertThat(copy.renewBefore()).isEqualTo(Duration.ofDays(10));
        assertThat(copy.policyDefaultLocalCluster()).isTrue();
        assertThat(copy.rolloutBatch()).isEqualTo(2);
        assertThat(copy.mcsApi()).isEqualTo(McsApi.ON);
        assertThat(copy.defaultGlobalNamespace()).isFalse();

        assertThat(CiliumOptions.version("1.18.11")).isEqualTo(CiliumOptions.defaults().withVersion("1.18.11"))
                .hasSameHashCodeAs(CiliumOptions.defaults().withVersion("1.18.11"))
                .hasToString(CiliumOptions.defaults().withVersion("1.18.11").toString());
        assertThat(CiliumOptions.defaults().withMcsApi(null)).isEqualTo(CiliumOptions.defaults());
        assertThat(original.withHubble(false)).isNotEqualTo(original);
    }

    @Test
    void meshSpecAndPlanStepCopiesLeaveTheOriginalUnchanged() {
        MeshCluster c1 = MeshCluster.named("cluster1").withId(1);
        MeshSpec spec = MeshSpec.of("m", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null,
                List.of(c1));
        MeshSpec two = spec.withClusters(List.of(c1, MeshCluster.named("cluster2").withId(2)));
        assertThat(spec.clusters()).containsExactly(c1);
        assertThat(two.clusters()).hasSize(2);
        assertThat(spec.withClusters(List.of(c1))).isNotSameAs(spec).isEqualTo(spec).hasSameHashCodeAs(spec)
                .hasToString(spec.toString());
        assertThat(two).isNotEqualTo(spec);

        PlanStep step = PlanSteps.of("cluster1/helm-upgrade", "cluster1", "helm-upgrade", "upgrade", OK);
        PlanStep changed = step.withDependsOn("cluster1/read").withAfter(List.of("cluster2/read"))
                .withChanges(List.of(new Change("helm release cilium", "chart", "1.16.19", "1.18.11")))
                .withTimeout(Duration.ofMinutes(5));
        assertThat(step.dependsOn()).isEmpty();
        assertThat(step.after()).isEmpty();
        assertThat(step.changes()).isEmpty();
        assertThat(step.timeout()).isNull();
        assertThat(changed.dependsOn()).containsExactly("cluster1/read");
        assertThat(changed.after()).containsExactly("cluster2/read");
        assertThat(changed.changes()).hasSize(1);
        assertThat(changed.timeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theValueTypesHaveNoPublicConstructor() {
        for (Class<?> type : List.of(MeshCluster.class, CiliumOptions.class, MeshSpec.class)) {
            assertThat(Modifier.isFinal(type.getModifiers())).as(type.getSimpleName() + " is final").isTrue();
            assertThat(Arrays.stream(type.getDeclaredConstructors()).filter(c -> Modifier.isPublic(c.getModifiers())))
                    .as(type.getSimpleName() + "'s public constructors").isEmpty();
        }
    }
}
