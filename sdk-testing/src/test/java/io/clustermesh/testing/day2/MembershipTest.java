package io.clustermesh.testing.day2;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The mesh's own record of its members (each release's peers) against the spec. */
class MembershipTest {

    @Test
    void aClusterDroppedFromTheSpecAndADisconnectUndoneAreSaid() {
        try (MeshLab lab = MeshLab.builder().clusters(3).start()) {
            try (Mesh mesh = lab.meshBuilder().build()) {
                assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
                assertThat(mesh.plan().findings()).extracting(Finding::code).doesNotContain("MESH_MEMBER_NOT_IN_SPEC", "MESH_MEMBER_RECONNECT");
            }
            MeshSpec full = lab.spec();
            MeshSpec withoutThree = full.withClusters(full.clusters().subList(0, 2));
            try (Mesh smaller = lab.meshBuilder().spec(withoutThree).build()) {
                MeshPlan plan = smaller.plan();
                assertThat(plan.findings()).filteredOn(f -> f.code().equals("MESH_MEMBER_NOT_IN_SPEC")).singleElement().satisfies(f -> {
                    assertThat(f.message()).contains("cluster3 is configured as a peer of cluster1, cluster2");
                    assertThat(f.remediation()).contains("disconnect cluster3");
                });
            }
            try (Mesh mesh = lab.meshBuilder().build()) {
                assertThat(mesh.apply(mesh.planDisconnect("cluster3")).succeeded()).isTrue();
                MeshPlan again = mesh.plan();
                assertThat(again.findings()).filteredOn(f -> f.code().equals("MESH_MEMBER_RECONNECT")).singleElement().satisfies(f -> {
                    assertThat(f.cluster()).isEqualTo("cluster3");
                    assertThat(f.message()).contains("it was disconnected").contains("apply connects it again");
                });
            }
        }
    }
}
