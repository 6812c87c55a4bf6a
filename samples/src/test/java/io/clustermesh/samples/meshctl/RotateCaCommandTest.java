package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code meshctl rotate-ca}: wired to the SDK's rotation plan; a rotation it cannot do is a finding (exit 2), nothing written. */
class RotateCaCommandTest {

    @Test
    void onAMeshThatIsNotUpTheRotationIsAFindingAndNothingIsWritten() {
        MeshctlTest.Run r = MeshctlTest.run("rotate-ca", "--plan-only", "--lab", "--spec", MeshctlTest.ARTICLE.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("CA_ROTATION_NOT_MESHED").contains("apply first").contains("nothing was written")
                .doesNotContain("Exception");

        MeshctlTest.Run json = MeshctlTest.run("rotate-ca", "--lab", "--spec", MeshctlTest.ARTICLE.toString(), "-o", "json");
        assertThat(json.code()).isEqualTo(Meshctl.INVALID);
        assertThat(json.json().path("operation").asString()).isEqualTo("rotate-ca");
        assertThat(json.json().path("findings")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.path("code").asString()).isEqualTo("CA_ROTATION_NOT_MESHED"));
    }
}
