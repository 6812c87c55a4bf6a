package io.clustermesh.testing.sim;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.RemoteClusterStatus;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.etcd.EtcdServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK's real {@code Mesh.apply} and {@code Mesh.status} (CiliumMeshDriver found by ServiceLoader) on a
 * 3-cluster lab: every agent connected to both peers through the simulated agents' real mTLS connections to the
 * peers' etcd, read by the SDK's unchanged status code (exec of cilium-dbg in the agent pods). A second apply writes
 * nothing.
 */
class MeshLabApplyTest {

    @Test
    void threeClustersConvergeEveryAgentIsConnectedToBothPeersAndASecondApplyWritesNothing() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(2)
                .lbDelay(Duration.ofMillis(200)).rolloutDelay(Duration.ofMillis(200)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toString()).isTrue();

            MeshStatus status = mesh.status();
            assertThat(status.clusters()).extracting(ClusterStatus::name).containsExactly("cluster1", "cluster2", "cluster3");
            for (ClusterStatus c : status.clusters()) {
                assertThat(c.errors()).as(c.name()).isEmpty();
                assertThat(c.apiserverReady()).isTrue();
                assertThat(c.kvstoremesh()).isTrue();
                assertThat(c.apiserverAddress()).isEqualTo(lab.meshIp(c.name()));
                assertThat(c.agents()).hasSize(2).allSatisfy(a -> {
                    assertThat(a.error()).isNull();
                    assertThat(a.remotes()).hasSize(2).allSatisfy(r -> {
                        assertThat(r.connected()).isTrue();
                        assertThat(r.ready()).isTrue();
                        assertThat(r.configRetrieved()).isTrue();
                        assertThat(r.numNodes()).isEqualTo(2);
                        assertThat(r.status()).startsWith("etcd: 1/1 connected");
                    });
                });
                assertThat(c.peers()).hasSize(2).allSatisfy(p -> {
                    assertThat(p.errors()).isEmpty();
                    assertThat(p.configured()).isEqualTo(2);
                    assertThat(p.connected()).isEqualTo(2);
                    assertThat(p.fullyConnected()).isTrue();
                });
            }
            // the peers' cluster ids come from their cilium/cluster-config/<name> read over mTLS
            RemoteClusterStatus c1SeesC3 = status.clusters().get(0).agents().get(0).remotes().stream()
                    .filter(r -> r.name().equals("cluster3")).findFirst().orElseThrow();
            assertThat(c1SeesC3.clusterId()).isEqualTo(3);

            globalServicesArePublishedOnlyWhenGlobalAndShared(lab, mesh);

            lab.clusters().forEach(LabCluster::resetCounts);
            MeshReport again = mesh.apply(mesh.plan());
            assertThat(again.succeeded()).as(again.toString()).isTrue();
            assertThat(lab.clusters().stream().map(LabCluster::counts).toList()).allSatisfy(rc -> {
                assertThat(rc.writes()).as(rc.byMethod() + " " + rc.byPath()).isZero();
                assertThat(rc.reads()).isPositive();
            });

            // disabling the mesh (the CLI's disable shape) removes the clustermesh-apiserver: every etcd stops
            MeshReport off = mesh.disable();
            assertThat(off.succeeded()).as(off.toString()).isTrue();
            for (String c : lab.clusters().stream().map(LabCluster::name).toList()) {
                lab.cilium(c).awaitRemotes(r -> !lab.cilium(c).apiserverRunning(), Duration.ofSeconds(20));
                assertThat(lab.resolver().resolve(lab.meshIp(c), 2379)).isEmpty();
            }
        }
        assertThat(EtcdServer.liveProcesses()).isEmpty();
    }

    @Test
    void withTheCronJobMethodTheSimulatorIssuesTheCertificatesAndTheMeshConverges() {
        CiliumOptions cronJob = CiliumOptions.defaults().withCertificateMethod(CertificateMethod.CRON_JOB);
        // The lab's template-and-apply Helm transport, on purpose: with tls.auto.method=cronJob the real chart makes the
        // certgen Job a post-install hook, and Helm waits for hook Jobs through a client-go HTTP streaming watch, which
        // the lab's API server does not serve (docs/lab.md, "Not done"); the template transport applies the Job as an
        // object and the simulator plays certgen. The production path of the default method (helm) is RealHelmMeshTest's.
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).helm(MeshLab.Helm.TEMPLATE).cilium(cronJob).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            assertThat(mesh.status().clusters()).allSatisfy(c -> assertThat(c.peers()).allSatisfy(p -> assertThat(p.fullyConnected()).isTrue()));
            assertThat(lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("clustermesh-apiserver-server-cert").get()
                    .getMetadata().getLabels()).containsEntry("clustermesh.io/lab-owner", "simulated-cilium");
        }
    }

    /** cluster2 exports a global service; cluster1's is global but not shared; cluster3 sees only cluster2's backends. */
    private static void globalServicesArePublishedOnlyWhenGlobalAndShared(MeshLab lab, Mesh mesh) {
        for (String c : List.of("cluster1", "cluster2")) {
            KubernetesClient k = lab.cluster(c).client();
            k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("meshtest").endMetadata().build()).create();
            k.pods().resource(new PodBuilder().withNewMetadata().withName("hello-0").withNamespace("meshtest").addToLabels("app", "hello").endMetadata()
                    .withNewSpec().addNewContainer().withName("hello").withImage("hello").endContainer().endSpec()
                    .withNewStatus().withPodIP(c.equals("cluster1") ? "10.1.0.7" : "10.2.0.7").addNewCondition().withType("Ready").withStatus("True")
                    .endCondition().endStatus().build()).create();
            Map<String, String> annotations = c.equals("cluster1")
                    ? Map.of("service.cilium.io/global", "true", "service.cilium.io/shared", "false")
                    : Map.of("service.cilium.io/global", "true");
            k.services().resource(new ServiceBuilder().withNewMetadata().withName("hello").withNamespace("meshtest").withAnnotations(annotations)
                    .endMetadata().withNewSpec().addToSelector("app", "hello").addNewPort().withName("http").withPort(80)
                    .withNewTargetPort(8080).endPort().endSpec().build()).create();
        }
        lab.cilium("cluster3").awaitRemotes(r -> r.stream().anyMatch(x -> x.name().equals("cluster2") && x.numSharedServices() == 1), Duration.ofSeconds(20));
        Map<String, Map<String, String>> seen = lab.cilium("cluster3").remoteServices();
        assertThat(seen.get("cluster1")).isEmpty();
        assertThat(seen.get("cluster2")).containsOnlyKeys("cilium/state/services/v1/cluster2/meshtest/hello");
        assertThat(seen.get("cluster2").get("cilium/state/services/v1/cluster2/meshtest/hello"))
                .contains("\"cluster\":\"cluster2\"", "\"namespace\":\"meshtest\"", "\"name\":\"hello\"", "\"shared\":true",
                        "\"includeExternal\":true", "\"backends\":{\"10.2.0.7\":{\"http\":{\"Protocol\":\"TCP\",\"Port\":8080}}}", "\"clusterID\":2");
        RemoteClusterStatus c3SeesC2 = mesh.status().clusters().get(2).agents().get(0).remotes().stream()
                .filter(r -> r.name().equals("cluster2")).findFirst().orElseThrow();
        assertThat(c3SeesC2.numSharedServices()).isEqualTo(1);
    }
}
