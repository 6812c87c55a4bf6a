package io.clustermesh.samples.meshctl;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.IpCidr;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --lab}: the spec is checked before any lab starts, and what the lab supplies (ids, mesh IPs, pod CIDRs of
 * clusters that leave them out) never collides with what the spec gives, so no finding blames the user for an address
 * the lab chose.
 */
class LabSpecCheckTest {
    private static final String HEAD = "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec:\n  clusters:\n";

    @Test
    void anInvalidSpecIsExitTwoWithItsOwnFindingsAndNoLabStarts(@TempDir Path dir) throws Exception {
        Path spec = Files.writeString(dir.resolve("dup.yaml"), HEAD
                + "  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16}\n"
                + "  - {name: cluster2, id: 1, podCidr: 10.10.0.0/16}\n");

        MeshctlTest.Run r = MeshctlTest.run("plan", "--lab", "--spec", spec.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("CLUSTER_ID_DUPLICATE").contains("POD_CIDR_OVERLAP").contains("spec.clusters[1].id")
                .contains("nothing was written");
        assertThat(r.err()).as("the mesh IPs are the lab's, not the user's").doesNotContain("MESH_IP_DUPLICATE");
        assertThat(r.err()).as("the lab needs no access in the spec").doesNotContain("CLUSTER_ACCESS_MISSING");
        assertThat(r.out() + r.err()).as("no lab started").doesNotContain("starting the embedded lab").doesNotContain("waiting for the embedded lab");
    }

    @Test
    void aMeshIpTheSpecGivesIsNeverOneTheLabAssignsToAnotherCluster(@TempDir Path dir) throws Exception {
        // 172.16.2.250 is the lab's own address for a cluster of id 2 (its subnet 172.16.2.0/24)
        Path spec = Files.writeString(dir.resolve("clash.yaml"), HEAD
                + "  - {name: cluster1, id: 1, podCidr: 10.2.0.0/16, meshIp: 172.16.2.250}\n"
                + "  - {name: cluster2, id: 2}\n");

        MeshctlTest.Run r = MeshctlTest.run("plan", "--lab", "--spec", spec.toString(), "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).as("a valid spec starts the lab, saying it lasts this command only").contains("starting the embedded lab")
                .contains("for this command only");
        assertThat(r.out() + r.err()).doesNotContain("MESH_IP_DUPLICATE").doesNotContain("POD_CIDR_OVERLAP");
        assertThat(r.json().path("findings")).noneMatch(f -> f.path("severity").asString().equals("ERROR"));
    }

    @Test
    void whatTheLabFillsInCollidesWithNothingAndWhatTheSpecGivesIsKept() {
        MeshSpec given = MeshSpecYaml.parse(HEAD
                + "  - {name: a, id: 1, podCidr: 10.2.0.0/16, meshIp: 172.16.2.250}\n"
                + "  - {name: b, id: 2}\n"
                + "  - {name: c, id: 3, meshIp: 172.16.1.250}\n"
                + "  - {name: d, id: 4, podCidr: 10.1.0.0/16}\n").orThrow();

        MeshSpec lab = Target.forLab(given);

        assertThat(lab.cluster("a").orElseThrow().meshIp()).isEqualTo("172.16.2.250");
        assertThat(lab.cluster("a").orElseThrow().podCidr()).isEqualTo("10.2.0.0/16");
        assertThat(lab.cluster("c").orElseThrow().meshIp()).isEqualTo("172.16.1.250");
        assertThat(lab.cluster("d").orElseThrow().podCidr()).isEqualTo("10.1.0.0/16");
        // every mesh IP in its own /24 (the lab's node subnet), every pod CIDR apart: computed here, not by the validator
        assertThat(lab.clusters().stream().map(c -> c.meshIp().substring(0, c.meshIp().lastIndexOf('.'))).distinct()).hasSize(4);
        for (MeshCluster x : lab.clusters()) {
            for (MeshCluster y : lab.clusters()) {
                if (x != y) {
                    assertThat(IpCidr.parse(x.podCidr()).overlaps(IpCidr.parse(y.podCidr()))).as(x.name() + " and " + y.name()).isFalse();
                }
            }
        }
        assertThat(Mesh.validate(lab)).noneMatch(Finding::isError);
    }
}
