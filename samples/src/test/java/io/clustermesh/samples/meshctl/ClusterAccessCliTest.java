package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * meshctl against a running lab the way users reach AKS: a spec naming kube contexts, the lab's one kubeconfig with a
 * context per cluster. A missing context never falls back to the current one; a kubeconfig named in the spec runs its
 * credential plugin only with --allow-exec, announced; plan --exit-code says whether the live mesh differs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterAccessCliTest {
    private MeshLab lab;
    private Path dir;

    @BeforeAll
    void meshUp() throws Exception {
        lab = MeshLab.builder().clusters(2).start();
        dir = Files.createTempDirectory(lab.workDir(), "cli");
        try (Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
        }
    }

    @AfterAll
    void meshDown() {
        if (lab != null) {
            lab.close();
        }
    }

    /** The lab's spec as a file whose clusters name kube contexts (and, for {@code kubeconfigOf2}, a kubeconfig path). */
    private Path spec(String contextOf2, Path kubeconfigOf2) throws Exception {
        StringBuilder y = new StringBuilder("apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: lab}\nspec:\n  clusters:\n");
        for (LabCluster c : lab.clusters()) {
            var mc = lab.spec().cluster(c.name()).orElseThrow();
            boolean two = c.name().equals("cluster2");
            y.append("  - {name: ").append(c.name()).append(", id: ").append(mc.id()).append(", podCidr: ").append(mc.podCidr())
                    .append(", serviceCidr: ").append(mc.serviceCidr()).append(", apiServer: ").append(mc.apiServer())
                    .append(", meshIp: ").append(mc.meshIp()).append(", kubeContext: ").append(two ? contextOf2 : c.name());
            if (two && kubeconfigOf2 != null) {
                y.append(", kubeconfig: ").append(kubeconfigOf2);
            }
            y.append("}\n");
        }
        Path f = Files.createTempFile(dir, "mesh", ".yaml");
        Files.writeString(f, y.toString());
        return f;
    }

    private Path marker() {
        return dir.resolve("plugin-ran");
    }

    /** cluster2's kubeconfig, its token handed out by a credential plugin that leaves a marker when it runs. */
    private Path pluginKubeconfig() throws Exception {
        LabCluster two = lab.cluster("cluster2");
        String kc = two.kubeconfig();
        String token = kc.substring(kc.indexOf("token: \"") + 8, kc.indexOf('"', kc.indexOf("token: \"") + 8));
        Path plugin = dir.resolve("get-token.sh");
        Files.writeString(plugin, "#!/bin/sh\ntouch '" + marker() + "'\nprintf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                + "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"" + token + "\"}}'\n");
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwx------"));
        Path f = dir.resolve("plugin-kubeconfig.yaml");
        Files.writeString(f, kc.replaceAll("    token: \".*\"\\n", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                + "      command: " + plugin + "\n      interactiveMode: Never\n"));
        return f;
    }

    @Test
    void aMissingContextIsAnErrorNamingTheContextsThatExistAndNothingOfTheCurrentOneRuns() throws Exception {
        Files.deleteIfExists(marker());
        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", spec("no-such-context", null).toString(), "--kubeconfig",
                lab.kubeconfigFile().toString(), "--quiet");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Meshctl.INVALID);
        assertThat(r.out() + r.err()).contains("KUBE_CONTEXT_MISSING").contains("no-such-context").contains("cluster1, cluster2");
    }

    @Test
    void aSpecNamedKubeconfigRunsItsPluginOnlyWithAllowExecAndSaysSoFirst() throws Exception {
        Path kubeconfig = pluginKubeconfig();
        Path spec = spec("cluster2", kubeconfig);
        Files.deleteIfExists(marker());

        MeshctlTest.Run refused = MeshctlTest.run("plan", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(), "--quiet");
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(Meshctl.INVALID);
        assertThat(refused.out() + refused.err()).contains("KUBECONFIG_EXEC_NOT_ALLOWED").contains("get-token.sh").contains("--allow-exec");
        assertThat(marker()).as("the plugin did not run").doesNotExist();

        MeshctlTest.Run allowed = MeshctlTest.run("plan", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(),
                "--quiet", "--allow-exec", "--exit-code");
        assertThat(allowed.code()).as(allowed.out() + allowed.err()).isEqualTo(Meshctl.OK);
        assertThat(allowed.err()).contains("cluster2: running the kubeconfig's credential plugin '" + dir.resolve("get-token.sh") + "'");
        assertThat(marker()).as("the plugin ran").exists();
    }

    @Test
    void planExitCodeSaysWhetherTheLiveMeshDiffersFromTheSpec() throws Exception {
        Path spec = spec("cluster2", null);
        MeshctlTest.Run same = MeshctlTest.run("plan", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(),
                "--quiet", "--exit-code");
        assertThat(same.code()).as(same.out() + same.err()).isEqualTo(Meshctl.OK);

        lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").delete();
        MeshctlTest.Run drifted = MeshctlTest.run("plan", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(),
                "--quiet", "--exit-code");
        assertThat(drifted.code()).as(drifted.out() + drifted.err()).isEqualTo(Meshctl.DIFFERS).isEqualTo(5);
        assertThat(drifted.out()).contains("DRIFT_PEER_CONFIG_MISSING");
        assertThat(drifted.err()).contains("the live mesh differs from the spec");
        MeshctlTest.Run diff = MeshctlTest.run("diff", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(), "--quiet");
        assertThat(diff.code()).as("meshctl diff is plan --exit-code: " + diff.out() + diff.err()).isEqualTo(Meshctl.DIFFERS);
        assertThat(diff.out()).contains("DRIFT_PEER_CONFIG_MISSING");

        try (Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
        }
        assertThat(MeshctlTest.run("plan", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(), "--quiet", "--exit-code")
                .code()).isEqualTo(Meshctl.OK);
        assertThat(MeshctlTest.run("diff", "--spec", spec.toString(), "--kubeconfig", lab.kubeconfigFile().toString(), "--quiet")
                .code()).as("diff after the repair").isEqualTo(Meshctl.OK);
    }
}
