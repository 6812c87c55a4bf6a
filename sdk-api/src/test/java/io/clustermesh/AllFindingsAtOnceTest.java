package io.clustermesh;

import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Validation collects every problem before failing, and the exception lists them all. */
class AllFindingsAtOnceTest {

    /** Five different problems: a duplicate name, an id above 255, overlapping pod CIDRs, a bad version, an unknown CA source. */
    private static Mesh.Builder fiveProblems() {
        return Mesh.builder().name("article")
                .cilium(CiliumOptions.version("1.16.x"))
                .ca(CaStrategy.adoptFrom("cluster9"))
                .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withAccess(ClusterAccess.kubeContext("aks-1")))
                .cluster(MeshCluster.named("cluster1").withId(2).withPodCidr("10.20.0.0/16").withAccess(ClusterAccess.kubeContext("aks-2")))
                .cluster(MeshCluster.named("cluster3").withId(300).withPodCidr("10.30.0.0/16").withAccess(ClusterAccess.kubeContext("aks-3")))
                .cluster(MeshCluster.named("cluster4").withId(4).withPodCidr("10.30.128.0/17").withAccess(ClusterAccess.kubeContext("aks-4")));
    }

    @Test
    void fiveProblemsAreReportedTogetherInOneException() {
        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class, () -> fiveProblems().build());

        assertThat(e).as("build() must refuse the spec").isNotNull();
        assertThat(e.findings()).extracting(Finding::code).containsExactlyInAnyOrder(
                "CILIUM_VERSION_INVALID", "CLUSTER_NAME_DUPLICATE", "CLUSTER_ID_OUT_OF_RANGE", "POD_CIDR_OVERLAP",
                "CA_ADOPT_UNKNOWN_CLUSTER");
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.remediation()).contains("fix every finding").contains("nothing was written");
        assertThat(e.getMessage()).startsWith("5 problems in the mesh spec:");
        for (Finding f : e.findings()) {
            assertThat(e.getMessage()).contains("  - " + f);
        }
        assertThat(e.getMessage().lines().filter(l -> l.startsWith("  - ERROR "))).hasSize(5);
    }

    @Test
    void validateReturnsTheSameFiveWithoutThrowing() {
        List<Finding> findings = Mesh.validate(fiveProblems().toSpec());
        assertThat(findings).extracting(Finding::code).containsExactlyInAnyOrder(
                "CILIUM_VERSION_INVALID", "CLUSTER_NAME_DUPLICATE", "CLUSTER_ID_OUT_OF_RANGE", "POD_CIDR_OVERLAP",
                "CA_ADOPT_UNKNOWN_CLUSTER");
        assertThat(findings).extracting(Finding::cluster).containsOnly(null, "cluster1", "cluster3", "cluster4", "cluster9");
    }

    @Test
    void oneProblemIsSingular() {
        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class,
                () -> Mesh.builder().cluster(Fixtures.articleCluster(1)).build());
        assertThat(e.getMessage()).startsWith("1 problem in the mesh spec:\n  - ERROR MESH_TOO_FEW_CLUSTERS spec.clusters: ");
    }

    @Test
    void findingsListErrorsBeforeWarnings() {
        // the ignored meshIps (warnings) are found before the unknown CA source (an error)
        MeshSpec spec = MeshSpec.of("article", CiliumOptions.defaults(), CaStrategy.adoptFrom("cluster9"), Exposure.nodePort(),
                null, List.of(Fixtures.articleCluster(1).withMeshIp("10.1.0.250"), Fixtures.articleCluster(2),
                        Fixtures.articleCluster(3).withMeshIp("10.3.0.250")));
        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class,
                () -> Mesh.builder().spec(spec).build());

        assertThat(e.findings()).extracting(Finding::severity)
                .containsExactly(Severity.ERROR, Severity.WARNING, Severity.WARNING);
        assertThat(e.getMessage()).startsWith("1 problem in the mesh spec:").contains("CA_ADOPT_UNKNOWN_CLUSTER")
                .doesNotContain("MESH_IP_IGNORED");
    }
}
