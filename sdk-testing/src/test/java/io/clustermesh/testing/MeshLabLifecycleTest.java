package io.clustermesh.testing;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.Severity;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.etcd.EtcdServer;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshLabLifecycleTest {

    static KubernetesClient client(String kubeconfig) {
        Config config = Config.fromKubeconfig(kubeconfig);
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    @Test
    void threeClustersMakeAValidMeshSpecReachableThroughTheirKubeconfigs() {
        try (MeshLab lab = MeshLab.builder().clusters(3).seed(5).start()) {
            assertThat(lab.clusters()).extracting(LabCluster::name).containsExactly("cluster1", "cluster2", "cluster3");
            MeshSpec spec = lab.spec();
            List<Finding> errors = Mesh.validate(spec).stream().filter(f -> f.severity() == Severity.ERROR).toList();
            assertThat(errors).isEmpty();
            assertThat(spec.clusters()).extracting(MeshCluster::id).containsExactly(1, 2, 3);
            assertThat(spec.clusters()).extracting(MeshCluster::podCidr).containsExactly("10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16");
            assertThat(spec.clusters()).extracting(MeshCluster::meshIp).containsExactly("172.16.1.250", "172.16.2.250", "172.16.3.250");
            assertThat(spec.azure()).isNull();
            for (MeshCluster c : spec.clusters()) {
                // one kubeconfig file with a context per cluster, as users have for AKS
                assertThat(c.access()).isEqualTo(ClusterAccess.kubeContext(c.name(), lab.kubeconfigFile()));
                assertThat(c.apiServer()).isEqualTo(lab.cluster(c.name()).apiServer());
                assertThat(lab.resolver().resolve(c.apiServer(), 443)).hasValue(lab.cluster(c.name()).apiServerAddress());
                try (KubernetesClient k = client(lab.cluster(c.name()).kubeconfig())) {
                    assertThat(k.nodes().list().getItems()).hasSize(3);
                }
            }
            // same seed, same world
            try (MeshLab again = MeshLab.builder().clusters(3).seed(5).start()) {
                assertThat(again.clusters()).extracting(LabCluster::apiServer).isEqualTo(lab.clusters().stream().map(LabCluster::apiServer).toList());
            }
        }
    }

    @Test
    void theAddressPlanStaysValidUpTo255Clusters() {
        for (int n : new int[] {2, 64, 255}) {
            List<MeshCluster> clusters = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                LabClusterSpec s = LabClusterSpec.of("cluster" + i, i, 1);
                clusters.add(MeshCluster.named(s.name()).withId(i).withPodCidr(s.podCidr()).withServiceCidr(s.serviceCidr()).withApiServer(s.apiServer())
                        .withMeshIp(s.meshIp()).withAccess(ClusterAccess.kubeconfig("apiVersion: v1")));
                assertThat(io.clustermesh.model.IpCidr.parse(s.subnet()).contains(s.meshIp())).isTrue();
                assertThat(s.nodeIps()).allSatisfy(ip -> assertThat(io.clustermesh.model.IpCidr.parse(s.subnet()).contains(ip)).isTrue());
                assertThat(io.clustermesh.model.IpCidr.parse(s.subnet()).overlaps(io.clustermesh.model.IpCidr.parse(LabAddressing.HUB_PREFIX))).isFalse();
            }
            MeshSpec spec = MeshSpec.of("big", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null, clusters);
            assertThat(Mesh.validate(spec).stream().filter(f -> f.severity() == Severity.ERROR)).as("%d clusters", n).isEmpty();
        }
        assertThatThrownBy(() -> LabAddressing.podCidr(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MeshLab.builder().clusters(256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSpecDecidesNamesIdsAndCidrs() {
        MeshSpec given = MeshSpec.of("article", CiliumOptions.defaults(), CaStrategy.adoptFrom("aks-east"), Exposure.azureInternalLoadBalancer(), null,
                List.of(MeshCluster.named("aks-east").withId(10).withPodCidr("10.10.0.0/16"), MeshCluster.named("aks-west").withId(20).withPodCidr("10.20.0.0/16")));
        try (MeshLab lab = MeshLab.builder().spec(given).nodesPerCluster(1).tls(false).start()) {
            MeshSpec spec = lab.spec();
            assertThat(spec.name()).isEqualTo("article");
            assertThat(spec.ca()).isEqualTo(given.ca());
            assertThat(spec.clusters()).extracting(MeshCluster::name).containsExactly("aks-east", "aks-west");
            assertThat(spec.clusters()).extracting(MeshCluster::podCidr).containsExactly("10.10.0.0/16", "10.20.0.0/16");
            assertThat(spec.clusters()).extracting(MeshCluster::meshIp).containsExactly("172.16.10.250", "172.16.20.250");
            assertThat(lab.cluster("aks-west").apiServerUrl().getScheme()).isEqualTo("http");
            assertThat(Mesh.validate(spec).stream().filter(f -> f.severity() == Severity.ERROR)).isEmpty();
        }
    }

    @Test
    void theFakeArmHoldsTheLabTopologyAndHandsOutWorkingKubeconfigs() throws Exception {
        try (MeshLab lab = MeshLab.builder().clusters(2).arm(true).nodesPerCluster(2).start()) {
            FakeArm arm = lab.arm().orElseThrow();
            String sub = "/subscriptions/" + arm.subscription();
            assertThat(lab.spec().azure().subscription()).isEqualTo(arm.subscription());
            assertThat(lab.spec().azure().hub().name()).isEqualTo(MeshLab.HUB);
            HttpClient http = HttpClient.newHttpClient();
            JsonMapper json = JsonMapper.builder().build();
            JsonNode hub = json.readTree(http.send(HttpRequest.newBuilder(URI.create(arm.url() + sub
                    + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1?api-version=2024-07-01")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(hub.path("properties").path("routingState").asString()).isEqualTo("Provisioned");
            JsonNode conns = json.readTree(http.send(HttpRequest.newBuilder(URI.create(arm.url() + sub
                    + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1/hubVirtualNetworkConnections?api-version=2024-07-01")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(conns.path("value")).hasSize(2);
            String mc = sub + "/resourceGroups/rg-cluster2/providers/Microsoft.ContainerService/managedClusters/cluster2";
            JsonNode cluster = json.readTree(http.send(HttpRequest.newBuilder(URI.create(arm.url() + mc + "?api-version=2024-09-01")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(cluster.path("properties").path("fqdn").asString()).isEqualTo(lab.cluster("cluster2").apiServer());
            assertThat(cluster.path("properties").path("networkProfile").path("podCidr").asString()).isEqualTo("10.2.0.0/16");
            assertThat(cluster.path("properties").path("agentPoolProfiles").get(0).path("vnetSubnetID").asString())
                    .endsWith("/virtualNetworks/vnet-cluster2/subnets/snet-aks");

            JsonNode creds = json.readTree(http.send(HttpRequest.newBuilder(URI.create(arm.url() + mc + "/listClusterUserCredential?api-version=2024-09-01"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body());
            String kubeconfig = new String(Base64.getDecoder().decode(creds.path("kubeconfigs").get(0).path("value").asString()), StandardCharsets.UTF_8);
            try (KubernetesClient k = client(kubeconfig)) {
                assertThat(k.nodes().list().getItems()).hasSize(2);
            }

            // turning kube-proxy off through a preview api-version makes AKS remove the DaemonSet
            assertThat(lab.cluster("cluster2").client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get()).isNotNull();
            ObjectNode body = (ObjectNode) cluster;
            ((ObjectNode) body.path("properties").path("networkProfile")).putObject("kubeProxyConfig").put("enabled", false);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(arm.url() + mc + "?api-version=2024-02-02-preview"))
                    .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            await("kube-proxy removal", Duration.ofSeconds(10), () ->
                    lab.cluster("cluster2").client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get() == null);
            assertThat(lab.cluster("cluster1").client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get()).isNotNull();
        }
    }

    @Test
    void etcdServersAreMappedAtTheirMeshAddressesAndClosedWithTheLab() throws Exception {
        Path workDir;
        EtcdServer etcd;
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).start()) {
            workDir = lab.workDir();
            etcd = lab.startEtcd("cluster1");
            InetSocketAddress target = etcd.clientAddress();
            assertThat(lab.resolver().resolve("172.16.1.250", MeshLab.MESH_PORT)).hasValue(target);
            assertThat(lab.resolver().resolve("CLUSTER1.mesh.cilium.io", 2379)).hasValue(target);
            URI viaLab = lab.resolver().rewrite(URI.create("http://172.16.1.250:2379/health"));
            assertThat(viaLab.getHost()).isEqualTo("127.0.0.1");
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(viaLab).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("true");
            assertThat(etcd.directory()).startsWith(workDir);
        }
        assertThat(etcd.isAlive()).isFalse();
        assertThat(workDir).doesNotExist();
        assertThat(EtcdServer.liveProcesses()).isEmpty();
    }

    @Test
    void addonsStartAfterTheClustersAndStopBeforeThem() {
        AtomicReference<MeshLab> seen = new AtomicReference<>();
        AtomicBoolean clustersOpenAtAddonClose = new AtomicBoolean();
        MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).addon(l -> {
            seen.set(l);
            assertThat(l.clusters()).hasSize(2).noneMatch(LabCluster::isClosed);
            return () -> clustersOpenAtAddonClose.set(l.clusters().stream().noneMatch(LabCluster::isClosed));
        }).start();
        assertThat(seen.get()).isSameAs(lab);
        lab.close();
        assertThat(clustersOpenAtAddonClose).isTrue();
        assertThat(lab.clusters()).allMatch(LabCluster::isClosed);
        assertThatThrownBy(() -> lab.startEtcd("cluster1")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailingAddonLeavesNothingRunning() {
        AtomicReference<MeshLab> seen = new AtomicReference<>();
        assertThatThrownBy(() -> MeshLab.builder().clusters(2).nodesPerCluster(1).addon(l -> {
            seen.set(l);
            l.startEtcd("cluster2");
            throw new IllegalStateException("simulated addon failure");
        }).start()).hasMessageContaining("simulated addon failure");
        assertThat(seen.get().isClosed()).isTrue();
        assertThat(seen.get().clusters()).allMatch(LabCluster::isClosed);
        assertThat(seen.get().workDir()).doesNotExist();
        assertThat(EtcdServer.liveProcesses()).isEmpty();
    }

    @Test
    void faultKnobsOfTheBuilderReachTheClusters() {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).apiLatency(Duration.ofMillis(1))
                .clusterFault(FaultRule.onRequest(1, Fault.serverError()))
                .unreachable("cluster2").start()) {
            assertThat(lab.cluster("cluster1").latency()).isEqualTo(Duration.ofMillis(1));
            try (KubernetesClient c1 = client(lab.cluster("cluster1").kubeconfig())) {
                assertThatThrownBy(() -> c1.nodes().list()).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
                assertThat(c1.nodes().list().getItems()).hasSize(1);
            }
            Config impatient = Config.fromKubeconfig(lab.cluster("cluster2").kubeconfig());
            impatient.setRequestRetryBackoffLimit(0);
            impatient.setRequestTimeout(300);
            try (KubernetesClient c2 = new KubernetesClientBuilder().withConfig(impatient).build()) {
                assertThatThrownBy(() -> c2.nodes().list()).isInstanceOf(KubernetesClientException.class);
            }
        }
        assertThatThrownBy(() -> MeshLab.builder().clusters(1).unreachable("cluster9").start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cluster9");
    }

    @Test
    void theResolverOnlyMapsToLoopback() {
        LoopbackResolver r = new LoopbackResolver();
        assertThatThrownBy(() -> r.register("10.1.0.250", 2379, new InetSocketAddress("10.1.0.250", 2379)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        r.register("10.1.0.250", 2379, new InetSocketAddress("127.0.0.1", 40000));
        assertThat(r.resolve("10.1.0.250", 2380)).isEmpty();
        assertThat(r.rewrite(URI.create("https://10.1.0.250:2379/v3/kv/range"))).isEqualTo(URI.create("https://127.0.0.1:40000/v3/kv/range"));
        assertThat(r.rewrite(URI.create("https://example.org/x"))).isEqualTo(URI.create("https://example.org/x"));
        assertThat(r.unregister("10.1.0.250", 2379)).isTrue();
        assertThat(r.entries()).isEmpty();
    }
}
