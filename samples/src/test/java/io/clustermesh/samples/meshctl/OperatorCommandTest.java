package io.clustermesh.samples.meshctl;

import io.clustermesh.operator.ClusterMeshReconciler;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code meshctl operator}: its options checked before any work, and the controller run against a lab management cluster. */
class OperatorCommandTest {

    @Test
    void everyWrongOptionIsReportedAtOnceWithItsFix(@TempDir Path dir) {
        MeshctlTest.Run r = MeshctlTest.run("operator", "--kubeconfig", dir.resolve("missing.kubeconfig").toString(), "--resync", "soon",
                "--workers", "0", "--health-port", "70000");
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("--kubeconfig").contains("does not exist").contains("--resync").contains("soon")
                .contains("--workers").contains("--health-port").contains("fix:").contains("nothing was written")
                .doesNotContain("Exception");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theControllerRunsOutOfClusterFromAKubeconfigUntilStopped(@TempDir Path dir) throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(1).start()) {
            KubernetesClient mgmt = lab.cluster("cluster1").client();   // the lab's own view of the management cluster
            try (var crd = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
                mgmt.apiextensions().v1().customResourceDefinitions().load(crd).create();
            }
            Path kubeconfig = Files.writeString(dir.resolve("mgmt.kubeconfig"), lab.cluster("cluster1").kubeconfig());
            GenericKubernetesResource cm = new GenericKubernetesResource();
            cm.setApiVersion("clustermesh.io/v1alpha1");
            cm.setKind("ClusterMesh");
            cm.setMetadata(new ObjectMetaBuilder().withName("dev").withNamespace("default").build());
            cm.setAdditionalProperty("spec", Map.of("clusters", List.of(
                    Map.of("name", "a", "id", 1, "podCidr", "10.10.0.0/16", "kubeconfigSecretRef", Map.of("name", "kc-a")),
                    Map.of("name", "b", "id", 2, "podCidr", "10.20.0.0/16", "kubeconfigSecretRef", Map.of("name", "kc-b")))));
            mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace("default").resource(cm).create();

            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            AtomicReference<MeshctlTest.Run> result = new AtomicReference<>();
            Thread cli = new Thread(() -> result.set(MeshctlTest.run("operator", "--kubeconfig", kubeconfig.toString(), "-n", "default",
                    "--identity", "dev-laptop", "--resync", "2s", "--health-port", String.valueOf(port))), "meshctl-operator");
            cli.start();

            // the lab's API server says: the Lease is held by this instance and the resource got its status
            GenericKubernetesResource r = await("status written by meshctl operator").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace("default").withName("dev").get(),
                            x -> x != null && x.getAdditionalProperties().get("status") instanceof Map<?, ?>);
            Map<String, Object> status = (Map<String, Object>) r.getAdditionalProperties().get("status");
            assertThat(status).as("status written by meshctl operator").isNotNull();
            assertThat((List<Map<String, Object>>) status.get("findings")).extracting(f -> f.get("code")).contains("SECRET_NOT_FOUND");
            Lease lease = mgmt.leases().inNamespace("default").withName("clustermesh-operator").get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("dev-laptop");

            // the probes the chart's Deployment uses: live, and ready as the leader
            var http = java.net.http.HttpClient.newHttpClient();
            for (String path : List.of("/healthz", "/readyz")) {
                var answer = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(path).isEqualTo(200);
                assertThat(answer.body()).as(path).startsWith("ok");
            }

            cli.interrupt();   // what Ctrl-C ends in: the controller stops and gives the Lease up
            cli.join(Duration.ofMinutes(1).toMillis());
            assertThat(cli.isAlive()).isFalse();
            assertThat(result.get().code()).as(result.get().err()).isZero();
            assertThat(result.get().out()).contains("dev-laptop").contains("default");
            // given up: fabric8's LeaderElector releases by renewing the Lease one last time with a 1 s duration
            assertThat(mgmt.leases().inNamespace("default").withName("clustermesh-operator").get().getSpec().getLeaseDurationSeconds())
                    .as("the Lease released").isEqualTo(1);
        }
    }
}
