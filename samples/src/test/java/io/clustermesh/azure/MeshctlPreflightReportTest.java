package io.clustermesh.azure;

import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.samples.meshctl.Meshctl;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report of the issue "AKS as enterprises run it", as a user runs it: {@code meshctl preflight} against a fake ARM
 * holding Azure's official example payloads (kubenet clusters, a Basic Virtual WAN, a credential value that is not a
 * kubeconfig, both clusters with the example's pod CIDR) names all four problems in one run and exits 2, without a
 * stack trace or an exception class name, and writes nothing. The payloads are those of
 * {@code OneRunNamesEveryProblemTest} (clustermesh-azure's tests), which checks the same run through the SDK.
 */
class MeshctlPreflightReportTest {

    @Test
    void onePreflightRunNamesKubenetTheBasicWanTheCredentialAndTheOverlapAndExitsTwo(@TempDir Path dir) throws Exception {
        try (FakeArm arm = OneRunNamesEveryProblemTest.theReportsArm()) {
            String credential = OneRunNamesEveryProblemTest.exampleCredential();
            for (int i = 1; i <= 2; i++) {
                arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), credential);
            }
            Path spec = dir.resolve("mesh.yaml");
            Files.writeString(spec, MeshSpecYaml.write(Lab.spec(2)));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Meshctl.run(new String[]{"preflight", "--spec", spec.toString(), "--arm-endpoint", arm.url().toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);

            assertThat(code).as(text).isEqualTo(Meshctl.INVALID);
            assertThat(text).contains(AzureFindingCodes.NETWORK_PLUGIN).contains("kubenet")
                    .contains(AzureFindingCodes.VWAN_BASIC).contains("Basic")
                    .contains(AzureFindingCodes.KUBECONFIG_INVALID)
                    .contains("POD_CIDR_OVERLAP").contains("10.244.0.0/16")
                    .contains("fix:");
            assertThat(text).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(credential);
            assertThat(arm.counts().writes()).as("preflight writes nothing").isZero();
        }
    }
}
