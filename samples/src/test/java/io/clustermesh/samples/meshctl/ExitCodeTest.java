package io.clustermesh.samples.meshctl;

import io.clustermesh.ErrorCode;
import io.clustermesh.Mesh;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.StepOutcome;
import io.clustermesh.StepReport;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** meshctl's exit codes for a finished run: 0 done, 3 some clusters failed (named), 4 none answered, 1 otherwise. */
class ExitCodeTest {

    @Test
    void oneDeadClusterIsExitCodeThreeAndTheReportNamesIt() {
        MeshTimeouts lab = MeshLab.timeouts();
        MeshTimeouts quick = new MeshTimeouts(lab.step(), lab.loadBalancerIp(), lab.rollout(), lab.connection(), Duration.ofMillis(2500),
                lab.pollInterval());
        try (MeshLab dead = MeshLab.builder().clusters(3).unreachable("cluster2").start();
             Mesh mesh = dead.meshBuilder().timeouts(quick).retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1)))
                     .build()) {
            MeshReport report = mesh.apply(mesh.plan());

            assertThat(Meshctl.exitCode(report, 3)).as(report.toText()).isEqualTo(Meshctl.PARTIAL).isEqualTo(3);
            assertThat(report.failedClusters()).containsExactly("cluster2");
            assertThat(report.toText()).contains("FAILED for cluster2");
        }
    }

    @Test
    void noClusterAnsweringIsFourOtherFailuresOneSuccessZero() {
        StepReport ok = step("cluster1", StepOutcome.SUCCEEDED, null);
        assertThat(Meshctl.exitCode(report(ok), 1)).isEqualTo(Meshctl.OK);
        assertThat(Meshctl.exitCode(report(step("cluster1", StepOutcome.FAILED, ErrorCode.UNREACHABLE),
                step("cluster2", StepOutcome.FAILED, ErrorCode.TIMEOUT)), 2)).isEqualTo(Meshctl.UNREACHABLE);
        assertThat(Meshctl.exitCode(report(step("cluster1", StepOutcome.FAILED, ErrorCode.OPERATION)), 1)).isEqualTo(Meshctl.FAILED);
    }

    private static StepReport step(String cluster, StepOutcome outcome, ErrorCode code) {
        Instant t = Instant.EPOCH;
        return new StepReport(cluster + "/helm-upgrade", cluster, "helm-upgrade", outcome, false, 1, t, t, "",
                code, code == null ? null : cluster + ": failed", code == null ? null : "fix it");
    }

    private static MeshReport report(StepReport... steps) {
        return new MeshReport("m", "apply", Instant.EPOCH, Instant.EPOCH, List.of(steps), List.of());
    }
}
