package io.clustermesh.cilium.kube;

import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.SecretData;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fabric8 transport against fabric8's mock API server in CRUD mode (a real HTTP Kubernetes API in memory). */
class Fabric8ConnectionTest {
    KubernetesMockServer server;
    KubernetesClient admin;
    ClusterConnection conn;

    static String kubeconfig(String url) {
        return io.clustermesh.cilium.MockClusters.kubeconfig(url);
    }

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        admin = server.createClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
        String url = "http://127.0.0.1:" + server.getPort();
        MeshCluster c = MeshCluster.named("cluster1").withId(1).withAccess(ClusterAccess.kubeconfig(kubeconfig(url)));
        conn = new Fabric8ClusterTransport().connect(c, MeshTimeouts.defaults());
    }

    @AfterEach
    void stop() {
        conn.close();
        admin.close();
        server.destroy();
    }

    @Test
    void secretsAreWrittenOnlyWhenTheyChange() {
        SecretData s = SecretData.of("cilium-ca", Map.of("app", "cilium"), Map.of("ca.crt", "cert".getBytes(StandardCharsets.UTF_8)));
        assertThat(conn.putSecret("kube-system", s)).isTrue();
        assertThat(conn.putSecret("kube-system", s)).isFalse();
        SecretData read = conn.secret("kube-system", "cilium-ca").orElseThrow();
        assertThat(read.string("ca.crt")).isEqualTo("cert");
        assertThat(read.resourceVersion()).isNotNull();
        assertThat(conn.putSecret("kube-system", SecretData.of("cilium-ca", Map.of("app", "cilium"),
                Map.of("ca.crt", "other".getBytes(StandardCharsets.UTF_8))))).isTrue();
        assertThat(conn.secret("kube-system", "cilium-ca").orElseThrow().string("ca.crt")).isEqualTo("other");
        assertThat(conn.secrets("kube-system", "app=cilium")).hasSize(1);
        assertThat(conn.deleteSecret("kube-system", "cilium-ca")).isTrue();
        assertThat(conn.secret("kube-system", "cilium-ca")).isEmpty();
    }

    @Test
    void helmStorageRoundTripsThroughTheCluster() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("cluster", Map.of("name", "cluster1", "id", 1));
        values.put("clustermesh", Map.of("useAPIServer", true));
        HelmRelease r1 = new HelmRelease("cilium", "kube-system", 1, "superseded", "cilium", "1.16.18", Map.of("a", 1));
        HelmRelease r2 = new HelmRelease("cilium", "kube-system", 2, "deployed", "cilium", "1.16.19", values);
        conn.putSecret("kube-system", HelmStorage.encode(r1, "", Instant.parse("2026-01-01T00:00:00Z")));
        conn.putSecret("kube-system", HelmStorage.encode(r2, "", Instant.parse("2026-01-02T00:00:00Z")));
        HelmRelease deployed = HelmStorage.deployed(conn, "kube-system", "cilium").orElseThrow();
        assertThat(deployed.revision()).isEqualTo(2);
        assertThat(deployed.chartVersion()).isEqualTo("1.16.19");
        assertThat(deployed.values()).isEqualTo(values);
        assertThat(HelmStorage.history(conn, "kube-system", "cilium")).extracting(HelmRelease::revision).containsExactly(2, 1);
        assertThat(deployed.toString()).doesNotContain("cluster1").contains("redacted");
    }

    @Test
    void servicesNodesAndAnnotations() {
        admin.services().inNamespace("kube-system").resource(new ServiceBuilder().withNewMetadata().withName("clustermesh-apiserver")
                .endMetadata().withNewSpec().withType("LoadBalancer").addNewPort().withPort(2379).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("10.1.0.250").endIngress().endLoadBalancer().endStatus()
                .build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1").endMetadata().withNewStatus().addNewAddress()
                .withType("InternalIP").withAddress("10.1.0.4").endAddress().endStatus().build()).create();
        var svc = conn.service("kube-system", "clustermesh-apiserver").orElseThrow();
        assertThat(svc.type()).isEqualTo("LoadBalancer");
        assertThat(svc.ports()).containsExactly(2379);
        assertThat(conn.nodes()).singleElement().satisfies(n -> assertThat(n.internalIp()).isEqualTo("10.1.0.4"));
        assertThat(conn.annotateService("kube-system", "clustermesh-apiserver", Map.of("service.cilium.io/global", "true"), Set.of())).isTrue();
        assertThat(conn.annotateService("kube-system", "clustermesh-apiserver", Map.of("service.cilium.io/global", "true"), Set.of())).isFalse();
        assertThat(conn.services(null)).extracting(s -> s.annotations().get("service.cilium.io/global")).containsExactly("true");
    }

    @Test
    void genericResourcesAreIdempotentAndCreateOnlyConflicts() {
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("apiVersion", "coordination.k8s.io/v1");
        lease.put("kind", "Lease");
        lease.put("metadata", Map.of("name", "clustermesh-lock", "namespace", "kube-system"));
        lease.put("spec", Map.of("holderIdentity", "me", "leaseDurationSeconds", 60));
        Map<String, Object> stored = conn.apply(lease, true);
        assertThat(((Map<?, ?>) stored.get("metadata")).get("resourceVersion")).isNotNull();
        assertThatThrownBy(() -> conn.apply(lease, true)).isInstanceOf(MeshConflictException.class).hasMessageContaining("already exists");
        Map<String, Object> again = conn.apply(lease, false);
        assertThat(((Map<?, ?>) again.get("metadata")).get("resourceVersion")).isEqualTo(((Map<?, ?>) stored.get("metadata")).get("resourceVersion"));
        assertThat(conn.get("coordination.k8s.io/v1", "Lease", "kube-system", "clustermesh-lock")).isPresent();
        assertThat(conn.list("coordination.k8s.io/v1", "Lease", "kube-system")).hasSize(1);
        assertThat(conn.delete("coordination.k8s.io/v1", "Lease", "kube-system", "clustermesh-lock")).isTrue();
        assertThat(conn.get("coordination.k8s.io/v1", "Lease", "kube-system", "clustermesh-lock")).isEmpty();
    }

    @Test
    void anUnreachableApiServerIsARetryableErrorNamingTheCluster() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        MeshCluster dead = MeshCluster.named("cluster9").withId(9).withAccess(ClusterAccess.kubeconfig(kubeconfig("http://127.0.0.1:" + port)));
        try (ClusterConnection c = new Fabric8ClusterTransport().connect(dead, MeshTimeouts.defaults().withStep(Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> c.configMap("kube-system", "cilium-config"))
                    .isInstanceOfSatisfying(MeshUnreachableException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.cluster()).isEqualTo("cluster9");
                        assertThat(e.getMessage()).startsWith("cluster9: reading configmap kube-system/cilium-config failed");
                        assertThat(e.remediation()).contains("reachable");
                    });
        }
    }

    @Test
    void aValueThatIsNotAKubeconfigIsAConfigurationErrorWithoutItsContent() {
        MeshCluster c = MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.kubeconfig("secret-token-abc: [not a kubeconfig"));
        assertThatThrownBy(() -> new Fabric8ClusterTransport().connect(c, MeshTimeouts.defaults()))
                .isInstanceOf(MeshConfigurationException.class)
                .hasMessageStartingWith("cluster2:")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token-abc"));
        assertThat(List.of(c.access().toString())).allSatisfy(s -> assertThat(s).doesNotContain("secret-token-abc"));
    }
}
