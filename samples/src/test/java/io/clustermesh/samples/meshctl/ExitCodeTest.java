package io.clustermesh.samples.meshctl;

import io.clustermesh.ErrorCode;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * meshctl's exit codes: for a finished run 0 done, 3 some clusters failed (named), 4 none answered, 1 otherwise; for a
 * plan 3 when some clusters could not be read (named), 4 when none (or ARM) could, 2 for invalid input.
 */
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

    @Test
    void aPlanThatCouldNotReadOneClusterIsThreeNamingItAndExportsNoValues(@TempDir Path dir) throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(2).start()) {
            StringBuilder clusters = new StringBuilder();
            for (LabCluster c : lab.clusters()) {
                Files.writeString(dir.resolve(c.name() + ".kubeconfig"), c.kubeconfig());
                clusters.append("  - {name: ").append(c.name()).append(", id: ").append(lab.spec().cluster(c.name()).orElseThrow().id())
                        .append(", podCidr: ").append(c.spec().podCidr()).append(", meshIp: ").append(lab.meshIp(c.name()))
                        .append(", kubeContext: ").append(c.name()).append(", kubeconfig: ").append(c.name()).append(".kubeconfig}\n");
            }
            Files.writeString(dir.resolve("dead.kubeconfig"), kubeconfig("dead", closedPort()));
            clusters.append("  - {name: cluster3, id: 3, podCidr: 10.99.0.0/16, kubeContext: dead, kubeconfig: dead.kubeconfig}\n");
            Path spec = dir.resolve("mesh.yaml");
            Files.writeString(spec, "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: partial}\nspec:\n  clusters:\n" + clusters);
            Path values = dir.resolve("values");

            MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", spec.toString(), "--values-dir", values.toString(), "-o", "json", "--quiet");

            assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.PARTIAL).isEqualTo(3);
            assertThat(r.json().path("unreadableClusters")).extracting(JsonNode::asString).containsExactly("cluster3");
            assertThat(r.err()).contains("could not read cluster3 (1 of 3 clusters)").contains("no values files were written").contains("fix:")
                    .doesNotContain("wrote ");
            assertThat(values).doesNotExist();
            assertThat(r.err()).as("--quiet: no progress").doesNotContain("waiting for");
        }
    }

    @Test
    void aPlanThatCouldNotReadAnyClusterIsFourNamingThemAndClaimsNoValuesFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("dead.kubeconfig"), kubeconfig("dead1", closedPort()) );
        Files.writeString(dir.resolve("dead2.kubeconfig"), kubeconfig("dead2", closedPort()));
        Path spec = dir.resolve("mesh.yaml");
        Files.writeString(spec, """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: dead}
                spec:
                  clusters:
                  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: dead1, kubeconfig: dead.kubeconfig}
                  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: dead2, kubeconfig: dead2.kubeconfig}
                """);
        Path values = dir.resolve("values");

        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", spec.toString(), "--values-dir", values.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.UNREACHABLE).isEqualTo(4);
        assertThat(r.err()).contains("could not read any cluster (cluster1, cluster2)").contains("no values files were written")
                .doesNotContain("wrote ");
        assertThat(values).doesNotExist();
        // the retries' backoffs alone keep this plan waiting for seconds: the wait is shown, with its deadline
        assertThat(r.err()).contains("waiting for the plan: reading 2 clusters (cluster1, cluster2)").contains("so far")
                .contains("each request gives up after");
    }

    @Test
    void anArmEndpointThatDoesNotAnswerIsFourNotInvalidInput(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("mesh.yaml");
        Files.writeString(spec, """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: az}
                spec:
                  azure: {subscription: 00000000-0000-0000-0000-000000000001}
                  clusters:
                  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, azure: {resourceGroup: rg, name: aks1}}
                  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, azure: {resourceGroup: rg, name: aks2}}
                """);

        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", spec.toString(), "--arm-endpoint", "http://127.0.0.1:" + closedPort());

        assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.UNREACHABLE);
        assertThat(r.err()).contains("AZURE_ARM_UNAVAILABLE").contains("could not read any cluster (cluster1, cluster2)").contains("fix:");
    }

    @Test
    void findingsMapToExitCodes() {
        List<String> three = List.of("cluster1", "cluster2", "cluster3");
        Finding unreachable2 = Finding.warning("CLUSTER_UNREACHABLE", "cluster2", "cluster cluster2", "cluster2: no answer", "fix it");
        Finding input = Finding.error("CLUSTER_ID_DUPLICATE", "cluster3", "spec.clusters[2].id", "dup", "fix it");
        Finding warning = Finding.warning("KUBE_PROXY_PRESENT", "cluster1", "", "kube-proxy", "fix it");
        assertThat(Meshctl.findingsExitCode(List.of(), three)).isEqualTo(Meshctl.OK);
        assertThat(Meshctl.findingsExitCode(List.of(warning), three)).isEqualTo(Meshctl.OK);
        assertThat(Meshctl.findingsExitCode(List.of(input, warning), three)).isEqualTo(Meshctl.INVALID);
        assertThat(Meshctl.findingsExitCode(List.of(unreachable2, warning), three)).isEqualTo(Meshctl.PARTIAL);
        assertThat(Meshctl.findingsExitCode(List.of(unreachable2, input), three)).as("what could not be read comes first").isEqualTo(Meshctl.PARTIAL);
        List<Finding> all = three.stream().map(c -> Finding.warning("CLUSTER_UNREACHABLE", c, "", c, "fix")).toList();
        assertThat(Meshctl.findingsExitCode(all, three)).isEqualTo(Meshctl.UNREACHABLE);
        Finding arm = Finding.error("AZURE_ARM_UNAVAILABLE", null, "/subscriptions/x", "ARM did not answer", "fix");
        assertThat(Meshctl.findingsExitCode(List.of(arm), three)).as("ARM itself, for no one cluster").isEqualTo(Meshctl.UNREACHABLE);
        assertThat(Meshctl.unreadableClusters(List.of(arm), three)).isEqualTo(three);
        Finding armFor1 = Finding.error("AZURE_ARM_UNAVAILABLE", "cluster1", "/subscriptions/x", "ARM did not answer", "fix");
        assertThat(Meshctl.findingsExitCode(List.of(armFor1, unreachable2), three)).isEqualTo(Meshctl.PARTIAL);
        assertThat(Meshctl.unreadableClusters(List.of(unreachable2, armFor1), three)).containsExactly("cluster1", "cluster2");
    }

    /** A loopback port nothing listens on (bound, then closed). */
    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String kubeconfig(String context, int port) {
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: " + context + "\n  cluster: {server: \"https://127.0.0.1:" + port + "\"}\n"
                + "users:\n- name: u\n  user: {token: not-a-secret}\ncontexts:\n- name: " + context + "\n  context: {cluster: " + context
                + ", user: u}\ncurrent-context: " + context + "\n";
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
