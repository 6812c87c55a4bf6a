package io.clustermesh.cilium.spec;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.TunnelProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshSpecYamlTest {

    static final String ARTICLE = """
            apiVersion: clustermesh.io/v1alpha1
            kind: Mesh
            metadata: {name: article}
            spec:
              cilium:
                version: 1.16.19
                kubeProxyReplacement: true
                hubble: true
                routingMode: tunnel
                tunnelProtocol: vxlan
                kvstoremesh: true
                encryption: none
                maxConnectedClusters: 255
              ca: {strategy: generate}
              exposure: {type: azure-internal-lb}
              azure:
                subscription: 00000000-0000-0000-0000-000000000000
                hub: {resourceGroup: rg-hub, name: hub1}
              clusters:
              - name: cluster1
                id: 1
                podCidr: 10.10.0.0/16
                serviceCidr: 10.0.0.0/16
                apiServer: aks-ciliumlab-1a2b.hcp.eastus.azmk8s.io
                meshIp: 10.1.0.250
                kubeContext: aks-ciliumlab
              - name: cluster2
                id: 2
                podCidr: 10.20.0.0/16
                azure: {resourceGroup: rsg-ciliumlab2, name: aks-ciliumlab2}
              - name: cluster3
                id: 3
                podCidr: 10.30.0.0/16
                kubeContext: aks-ciliumlab3
                cilium: {encryption: wireguard}
            """;

    static MeshSpec builderSpec() {
        return Mesh.builder()
                .name("article")
                .cilium(CiliumOptions.version("1.16.19").withKubeProxyReplacement(true).withHubble(true))
                .ca(CaStrategy.generate())
                .exposure(Exposure.azureInternalLoadBalancer())
                .azure(new AzureSpec("00000000-0000-0000-0000-000000000000", new AzureRef("rg-hub", "hub1")))
                .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withServiceCidr("10.0.0.0/16")
                        .withApiServer("aks-ciliumlab-1a2b.hcp.eastus.azmk8s.io").withMeshIp("10.1.0.250")
                        .withAccess(ClusterAccess.kubeContext("aks-ciliumlab")))
                .cluster(MeshCluster.named("cluster2").withId(2).withPodCidr("10.20.0.0/16")
                        .withAccess(ClusterAccess.azure("rsg-ciliumlab2", "aks-ciliumlab2")))
                .cluster(MeshCluster.named("cluster3").withId(3).withPodCidr("10.30.0.0/16")
                        .withAccess(ClusterAccess.kubeContext("aks-ciliumlab3"))
                        .withCilium(CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD)))
                .toSpec();
    }

    @Test
    void builderAndYamlProduceEqualSpecs() {
        MeshSpec fromYaml = MeshSpecYaml.parse(ARTICLE).orThrow();
        assertThat(fromYaml).isEqualTo(builderSpec());
    }

    @Test
    void writtenYamlReadsBackToTheSameSpec() {
        MeshSpec spec = builderSpec();
        String yaml = MeshSpecYaml.write(spec);
        assertThat(MeshSpecYaml.parse(yaml).orThrow()).isEqualTo(spec);
        MeshSpec other = MeshSpec.of("x", CiliumOptions.version("1.20.0").withTunnelProtocol(TunnelProtocol.GENEVE).withMaxConnectedClusters(511)
                .withPolicyDefaultLocalCluster(false).withMcsApi(io.clustermesh.model.McsApi.ON_COREDNS).withDefaultGlobalNamespace(false),
                CaStrategy.adoptFrom("a").allowReplacingExisting(), Exposure.loadBalancer(), null,
                java.util.List.of(MeshCluster.named("a").withId(300).withPodCidr("10.1.0.0/16").withAccess(ClusterAccess.kubeContext("a", Path.of("/tmp/kc"))),
                        MeshCluster.named("b").withId(2).withPodCidr("10.2.0.0/16").withAccess(ClusterAccess.kubeContext("b"))));
        assertThat(MeshSpecYaml.write(other)).contains("policyDefaultLocalCluster: false", "mcsApi: \"on-coredns\"",
                "defaultGlobalNamespace: false");
        assertThat(MeshSpecYaml.parse(MeshSpecYaml.write(other)).orThrow()).isEqualTo(other);
    }

    @Test
    void unknownFieldsAndWrongTypesAreFindingsWithTheirPath() {
        MeshSpecYaml.Result r = MeshSpecYaml.parse("""
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                spec:
                  cilium: {version: 1.16.19, hubbel: true, maxConnectedClusters: lots}
                  exposure: {type: public}
                  clusters:
                  - name: cluster1
                    id: one
                    podCidr: 10.10.0.0/16
                    kubeContext: a
                    color: blue
                  - name: cluster2
                    id: 2
                    podCidr: [10.20.0.0/16]
                    kubeContext: b
                """);
        assertThat(r.ok()).isFalse();
        assertThat(r.findings()).extracting(Finding::code, Finding::path).contains(
                org.assertj.core.groups.Tuple.tuple("SPEC_UNKNOWN_FIELD", "spec.cilium.hubbel"),
                org.assertj.core.groups.Tuple.tuple("SPEC_WRONG_TYPE", "spec.cilium.maxConnectedClusters"),
                org.assertj.core.groups.Tuple.tuple("SPEC_INVALID_VALUE", "spec.exposure.type"),
                org.assertj.core.groups.Tuple.tuple("SPEC_WRONG_TYPE", "spec.clusters[0].id"),
                org.assertj.core.groups.Tuple.tuple("SPEC_UNKNOWN_FIELD", "spec.clusters[0].color"),
                org.assertj.core.groups.Tuple.tuple("SPEC_WRONG_TYPE", "spec.clusters[1].podCidr"));
        Finding hubbel = r.findings().stream().filter(f -> f.path().equals("spec.cilium.hubbel")).findFirst().orElseThrow();
        assertThat(hubbel.remediation()).contains("did you mean 'hubble'");
        assertThatThrownBy(r::orThrow).isInstanceOf(MeshConfigurationException.class);
    }

    @Test
    void syntaxErrorsAndWrongKindAreFindingsNotStackTraces() {
        MeshSpecYaml.Result r = MeshSpecYaml.parse("kind: Mesh\nspec: [unclosed\n");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_SYNTAX");
            assertThat(f.message()).contains("line");
        });
        MeshSpecYaml.Result k = MeshSpecYaml.parse("apiVersion: v1\nkind: ConfigMap\nspec: {clusters: []}\n");
        assertThat(k.findings()).extracting(Finding::code).contains("SPEC_KIND", "SPEC_API_VERSION");
    }

    @Test
    void caAdoptAndDurationsAreRead() {
        MeshSpec s = MeshSpecYaml.parse("""
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                spec:
                  cilium: {certificateMethod: cronJob, certificateValidity: 720h, renewBefore: 7d}
                  ca: {strategy: adopt, from: cluster1, replaceExisting: true}
                  clusters:
                  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a}
                  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: b}
                """).orThrow();
        assertThat(s.ca()).isEqualTo(CaStrategy.adoptFrom("cluster1").allowReplacingExisting());
        assertThat(s.cilium().certificateValidity()).isEqualTo(Duration.ofHours(720));
        assertThat(s.cilium().renewBefore()).isEqualTo(Duration.ofDays(7));
        MeshSpecYaml.Result bad = MeshSpecYaml.parse("""
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                spec:
                  ca: {strategy: adopt}
                  clusters: []
                """);
        assertThat(bad.findings()).extracting(Finding::code).contains("SPEC_MISSING_FIELD");
    }

    @Test
    void relativeKubeconfigPathsResolveAgainstTheSpecFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mesh.yaml");
        Files.writeString(file, """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                spec:
                  clusters:
                  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a, kubeconfig: kube/one.yaml}
                  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: b}
                """);
        MeshSpec s = MeshSpecYaml.read(file).orThrow();
        assertThat(s.clusters().get(0).access().kubeconfigFile()).contains(dir.resolve("kube/one.yaml"));
        assertThat(MeshSpecYaml.read(dir.resolve("missing.yaml")).findings()).extracting(Finding::code).containsExactly("SPEC_UNREADABLE");
    }
}
