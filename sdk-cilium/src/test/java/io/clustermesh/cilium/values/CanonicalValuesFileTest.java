package io.clustermesh.cilium.values;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.cilium.helm.HelmValuesYaml;
import io.clustermesh.cilium.helm.ValuesFileHelmTransport;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.HelmRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.clustermesh.cilium.values.ArticleMesh.CERTS;
import static io.clustermesh.cilium.values.ArticleMesh.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What was validated is what is written: the bytes of a values file written by the values-only transport hold the
 * pod CIDR, the load balancer address and the peers' addresses exactly as the spec gave and validation accepted them;
 * a non-canonical address is refused by validation (builder and spec file) and cannot be rendered at all.
 */
class CanonicalValuesFileTest {

    @Test
    void theValuesFileHoldsTheAddressesAsValidated(@TempDir Path dir) throws Exception {
        MeshSpec spec = ArticleMesh.spec("1.16.19");
        assertThat(Mesh.validate(spec)).isEmpty();
        String text = write(dir, spec, "cluster2");

        assertThat(text).contains("  clusterPoolIPv4PodCIDRList:\n    - \"10.20.0.0/16\"\n")
                .contains(CiliumValues.AZURE_LB_IPV4_ANNOTATION + ": \"10.2.0.250\"\n")
                .contains("- \"10.1.0.250\"\n").contains("- \"10.3.0.250\"\n");
        Map<String, Object> read = HelmValuesYaml.read(text);
        assertThat(Values.at(read, "ipam.operator.clusterPoolIPv4PodCIDRList")).isEqualTo(List.of("10.20.0.0/16"));
        assertThat(Values.at(read, "clustermesh.apiserver.service.annotations"))
                .isEqualTo(Map.of(CiliumValues.AZURE_INTERNAL_LB_ANNOTATION, "true", CiliumValues.AZURE_LB_IPV4_ANNOTATION, "10.2.0.250"));
    }

    @Test
    void aSpecFileWithFullWidthOrLeadingZeroAddressesNeverReachesTheValues() {
        String yaml = MeshSpecYaml.write(ArticleMesh.spec("1.16.19"))
                .replace("10.20.0.0/16", "１０.２０.０.０/１６")
                .replace("10.2.0.250", "010.002.000.250");
        MeshSpecYaml.Result r = MeshSpecYaml.parse(yaml);
        assertThat(r.findings()).isEmpty(); // valid YAML; the addresses are the rules' business
        assertThatThrownBy(() -> Mesh.builder().spec(r.spec()).build()).isInstanceOfSatisfying(MeshConfigurationException.class,
                e -> assertThat(e.findings()).extracting(Finding::code, Finding::path, Finding::remediation).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("CIDR_NOT_CANONICAL", "spec.clusters[1].podCidr",
                                "write spec.clusters[1].podCidr: 10.20.0.0/16"),
                        org.assertj.core.groups.Tuple.tuple("MESH_IP_NOT_CANONICAL", "spec.clusters[1].meshIp",
                                "write spec.clusters[1].meshIp: 10.2.0.250")));
    }

    @Test
    void nonCanonicalAddressesCannotBeRenderedEvenPastValidation() {
        MeshSpec spec = ArticleMesh.spec("1.16.19");
        assertThatIllegalArgumentException().isThrownBy(() -> ArticleMesh.input(with(spec, c -> c.withMeshIp("010.2.0.250")), "cluster2", true))
                .withMessageContaining("cluster2: meshIp '010.2.0.250'").withMessageContaining("write 10.2.0.250");
        assertThatIllegalArgumentException().isThrownBy(() -> ArticleMesh.input(with(spec, c -> c.withPodCidr("١٠.٢٠.٠.٠/١٦")), "cluster2", true))
                .withMessageContaining("cluster2: pod CIDR").withMessageContaining("write 10.20.0.0/16");
        ValuesInput in = ArticleMesh.input(spec, "cluster2", true);
        assertThatIllegalArgumentException().isThrownBy(() -> in.withPeers(List.of(PeerEndpoint.of("cluster1", " 10.1.0.250"))))
                .withMessageContaining("peer cluster1").withMessageContaining("write 10.1.0.250");
    }

    private static String write(Path dir, MeshSpec spec, String cluster) throws Exception {
        MeshCluster c = spec.cluster(cluster).orElseThrow();
        ValuesInput in = ValuesInput.of(spec, c, PeerEndpoint.plannedFrom(spec), PKI.ca(), CERTS.get(cluster), true);
        ValuesFileHelmTransport transport = new ValuesFileHelmTransport(dir);
        transport.upgradeInstall(null, c, new HelmRequest("kube-system", "cilium", "cilium/cilium", null, "1.16.19",
                CiliumValues.values(in), null));
        return new String(Files.readAllBytes(transport.file(cluster)), StandardCharsets.UTF_8);
    }

    private static MeshSpec with(MeshSpec spec, UnaryOperator<MeshCluster> change) {
        List<MeshCluster> cs = new ArrayList<>(spec.clusters());
        cs.set(1, change.apply(cs.get(1)));
        return spec.withClusters(cs);
    }
}
