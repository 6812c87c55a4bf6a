package io.clustermesh.samples.meshctl;

import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code meshctl status} when clusters cannot be read: exit 4 when none can (docs/cli.md: "no cluster could be read"),
 * 3 when some can; the clusters named on stderr with the fix, also with {@code --quiet}.
 */
class StatusExitTest {
    private static final String HEAD = "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: dead}\nspec:\n  clusters:\n";

    @Test
    void noClusterAnsweringIsExitFourNamingThemWithProgressOnStderr(@TempDir Path dir) throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfig(ExitCodeTest.closedPort(), ExitCodeTest.closedPort()));
        Path spec = Files.writeString(dir.resolve("mesh.yaml"), HEAD
                + "  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: dead1}\n"
                + "  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: dead2}\n");

        MeshctlTest.Run r = MeshctlTest.run("status", "--spec", spec.toString(), "--kubeconfig", kubeconfig.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.UNREACHABLE).isEqualTo(4);
        assertThat(r.err()).contains("could not read any cluster (cluster1, cluster2)").contains("fix:");
        // refused connections fail at once: no wait to show here (Heartbeat shows waits over a second, see HeartbeatTest)
        assertThat(r.out()).contains("cluster1").contains("cluster2");
        // in the user's terms: no Java class name, each cluster named once per line
        assertThat(r.out() + r.err()).doesNotContain("Exception").doesNotContain("cluster1: cluster1:").doesNotContain("cluster2: cluster2:");

        MeshctlTest.Run quiet = MeshctlTest.run("status", "--spec", spec.toString(), "--kubeconfig", kubeconfig.toString(), "--quiet", "-o", "json");
        assertThat(quiet.code()).isEqualTo(Meshctl.UNREACHABLE);
        assertThat(quiet.err()).doesNotContain("waiting for").contains("could not read any cluster");
        assertThat(quiet.json().path("healthy").asBoolean()).isFalse();
    }

    @Test
    void oneClusterAnsweringIsExitThreeAndACleanClusterWithoutCiliumIsNotUnreadable(@TempDir Path dir) throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(1).start()) {
            LabCluster live = lab.clusters().get(0);
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfig(ExitCodeTest.closedPort(), ExitCodeTest.closedPort()));
            Path liveConfig = Files.writeString(dir.resolve("live.kubeconfig"), live.kubeconfig());
            Path spec = Files.writeString(dir.resolve("mesh.yaml"), HEAD
                    + "  - {name: " + live.name() + ", id: 1, podCidr: " + live.spec().podCidr() + ", kubeContext: " + live.name()
                    + ", kubeconfig: " + liveConfig + "}\n"
                    + "  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: dead2}\n");

            MeshctlTest.Run r = MeshctlTest.run("status", "--spec", spec.toString(), "--kubeconfig", kubeconfig.toString(), "-q");

            assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.PARTIAL);
            assertThat(r.err()).contains("could not read cluster2 (1 of 2 clusters)").doesNotContain("could not read " + live.name());
        }
    }

    private static String kubeconfig(int port1, int port2) {
        return "apiVersion: v1\nkind: Config\nclusters:\n"
                + "- {name: dead1, cluster: {server: \"https://127.0.0.1:" + port1 + "\"}}\n"
                + "- {name: dead2, cluster: {server: \"https://127.0.0.1:" + port2 + "\"}}\n"
                + "users:\n- name: u\n  user: {token: not-a-secret}\n"
                + "contexts:\n- {name: dead1, context: {cluster: dead1, user: u}}\n- {name: dead2, context: {cluster: dead2, user: u}}\n"
                + "current-context: dead1\n";
    }
}
