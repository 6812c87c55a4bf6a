package io.clustermesh.testing;

import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.clustermesh.testing.requests.KubeChange;
import io.clustermesh.testing.requests.RequestCounts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.clustermesh.model.ClusterAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabClusterTest {
    static LabCluster cluster;
    KubernetesClient k8s;

    @BeforeAll
    static void startCluster() {
        cluster = LabCluster.start(LabClusterSpec.of("cluster1", 1, 42));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @BeforeEach
    void connect() {
        cluster.clearFaults();
        cluster.latency(Duration.ZERO);
        k8s = clientFor(cluster.kubeconfig(), 0);
        cluster.resetCounts();
    }

    @AfterEach
    void disconnect() {
        k8s.close();
        cluster.clearFaults();
    }

    /** A fabric8 client from kubeconfig content only, fabric8 retries off so that faults are visible. */
    static KubernetesClient clientFor(String kubeconfig, int requestTimeoutMillis) {
        Config config = Config.fromKubeconfig(kubeconfig);
        config.setRequestRetryBackoffLimit(0);
        if (requestTimeoutMillis > 0) {
            config.setRequestTimeout(requestTimeoutMillis);
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Test
    void kubeconfigIsAnAksStyleHttpsKubeconfigForLoopback() {
        String kc = cluster.kubeconfig();
        assertThat(kc).contains("server: \"https://127.0.0.1:").contains("certificate-authority-data: ")
                .contains("current-context: \"cluster1\"").contains("clusterUser_rg-cluster1_cluster1").doesNotContain("insecure");
        assertThat(cluster.access()).isEqualTo(ClusterAccess.kubeconfig(kc));
        assertThat(cluster.access().toString()).doesNotContain("token");
        assertThat(cluster.apiServer()).matches("cluster1-[0-9a-f]{8}\\.hcp\\.eastus\\.azmk8s\\.io");
        assertThat(k8s.getMasterUrl().toString()).startsWith("https://127.0.0.1:");
        assertThat(k8s.getKubernetesVersion().getGitVersion()).isEqualTo("v1.30.6");
    }

    @Test
    void seededLikeAnAksByocniCluster() {
        List<Node> nodes = k8s.nodes().list().getItems();
        assertThat(nodes).hasSize(3);
        assertThat(nodes).allSatisfy(n -> {
            assertThat(n.getMetadata().getName()).matches("aks-nodepool1-\\d{8}-vmss00000[0-2]");
            assertThat(n.getStatus().getAddresses()).anySatisfy(a -> {
                assertThat(a.getType()).isEqualTo("InternalIP");
                assertThat(a.getAddress()).startsWith("172.16.1.");
            });
        });
        assertThat(nodes).extracting(n -> n.getStatus().getAddresses().get(0).getAddress())
                .containsExactlyInAnyOrder("172.16.1.4", "172.16.1.5", "172.16.1.6");
        assertThat(cluster.nodes()).extracting(io.clustermesh.spi.NodeInfo::internalIp).containsExactly("172.16.1.4", "172.16.1.5", "172.16.1.6");
        assertThat(k8s.namespaces().withName("kube-system").get()).isNotNull();
        assertThat(k8s.apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get().getStatus().getNumberReady()).isEqualTo(3);
        assertThat(k8s.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP()).isEqualTo("10.0.0.1");
    }

    @Test
    void secretsBehaveLikeTheRealApiIncludingStringDataAndOptimisticConcurrency() {
        Secret created = k8s.secrets().inNamespace("kube-system").resource(new SecretBuilder().withNewMetadata().withName("cilium-ca")
                .addToLabels("app", "cilium").endMetadata().addToStringData("ca.crt", "CERT").build()).create();
        assertThat(created.getData()).containsEntry("ca.crt", b64("CERT"));
        assertThat(created.getStringData()).isNullOrEmpty();
        Secret read = k8s.secrets().inNamespace("kube-system").withName("cilium-ca").get();
        assertThat(read.getData()).containsEntry("ca.crt", b64("CERT"));
        String rv = read.getMetadata().getResourceVersion();

        read.getData().put("ca.key", b64("KEY"));
        Secret updated = k8s.secrets().inNamespace("kube-system").resource(read).update();
        assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(rv);

        read.getMetadata().setResourceVersion(rv); // stale
        assertThatThrownBy(() -> k8s.secrets().inNamespace("kube-system").resource(read).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThatThrownBy(() -> k8s.secrets().inNamespace("kube-system").resource(new SecretBuilder().withNewMetadata()
                .withName("cilium-ca").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

        assertThat(k8s.secrets().inNamespace("kube-system").withLabel("app", "cilium").list().getItems()).hasSize(1);
        assertThat(k8s.secrets().inNamespace("kube-system").withLabel("app", "other").list().getItems()).isEmpty();
        assertThat(k8s.secrets().inNamespace("kube-system").withName("cilium-ca").delete()).hasSize(1);
        assertThat(k8s.secrets().inNamespace("kube-system").withName("cilium-ca").get()).isNull();
    }

    @Test
    void configMapsServicesWithStatusDeploymentsLeasesAndGenericResources() {
        k8s.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata().withName("cilium-config").endMetadata()
                .addToData("cluster-name", "cluster1").build()).create();
        ConfigMap cm = k8s.configMaps().inNamespace("kube-system").withName("cilium-config").get();
        cm.getData().put("cluster-id", "1");
        assertThat(k8s.configMaps().inNamespace("kube-system").resource(cm).update().getData()).containsEntry("cluster-id", "1");

        Service svc = k8s.services().inNamespace("kube-system").resource(new ServiceBuilder().withNewMetadata().withName("clustermesh-apiserver")
                .addToAnnotations("service.beta.kubernetes.io/azure-load-balancer-internal", "true").endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withPort(2379).endPort().endSpec().build()).create();
        assertThat(svc.getSpec().getClusterIP()).startsWith("10.0.0.");
        assertThat(svc.getSpec().getPorts().get(0).getNodePort()).isBetween(30000, 32767);
        svc.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp("172.16.1.250").endIngress().endLoadBalancer().build());
        k8s.services().inNamespace("kube-system").resource(svc).updateStatus();
        Service withIp = k8s.services().inNamespace("kube-system").withName("clustermesh-apiserver").get();
        assertThat(withIp.getStatus().getLoadBalancer().getIngress().get(0).getIp()).isEqualTo("172.16.1.250");
        withIp.getMetadata().getAnnotations().put("service.cilium.io/global", "true");
        Service annotated = k8s.services().inNamespace("kube-system").resource(withIp).update();
        assertThat(annotated.getStatus().getLoadBalancer().getIngress()).hasSize(1);

        Deployment d = k8s.apps().deployments().inNamespace("kube-system").resource(new DeploymentBuilder().withNewMetadata()
                .withName("clustermesh-apiserver").endMetadata().withNewSpec().withReplicas(1).withNewSelector()
                .addToMatchLabels("k8s-app", "clustermesh-apiserver").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("k8s-app", "clustermesh-apiserver").endMetadata().withNewSpec().addNewContainer().withName("etcd")
                .withImage("quay.io/cilium/clustermesh-apiserver:v1.16.19").endContainer().endSpec().endTemplate().endSpec().build()).create();
        d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).withUpdatedReplicas(1).build());
        k8s.apps().deployments().inNamespace("kube-system").resource(d).updateStatus();
        assertThat(k8s.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get().getStatus().getReadyReplicas()).isEqualTo(1);

        Lease lease = k8s.leases().inNamespace("kube-system").resource(new LeaseBuilder().withNewMetadata().withName("clustermesh-lock").endMetadata()
                .withNewSpec().withHolderIdentity("a").withLeaseDurationSeconds(30).endSpec().build()).create();
        String rv = lease.getMetadata().getResourceVersion();
        lease.getSpec().setHolderIdentity("b");
        k8s.leases().inNamespace("kube-system").resource(lease).update();
        lease.getMetadata().setResourceVersion(rv);
        lease.getSpec().setHolderIdentity("c");
        assertThatThrownBy(() -> k8s.leases().inNamespace("kube-system").resource(lease).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(k8s.leases().inNamespace("kube-system").withName("clustermesh-lock").get().getSpec().getHolderIdentity()).isEqualTo("b");

        ResourceDefinitionContext cnp = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
                .withKind("CiliumNetworkPolicy").withPlural("ciliumnetworkpolicies").withNamespaced(true).build();
        GenericKubernetesResource policy = new GenericKubernetesResourceBuilder().withApiVersion("cilium.io/v2").withKind("CiliumNetworkPolicy")
                .withNewMetadata().withName("allow-cluster2").withNamespace("default").addToLabels("mesh", "demo").endMetadata()
                .addToAdditionalProperties("spec", Map.of("endpointSelector", Map.of(), "ingress",
                        List.of(Map.of("fromEndpoints", List.of(Map.of("matchLabels", Map.of("io.cilium.k8s.policy.cluster", "cluster2")))))))
                .build();
        k8s.genericKubernetesResources(cnp).inNamespace("default").resource(policy).create();
        assertThat(k8s.genericKubernetesResources(cnp).inNamespace("default").withLabel("mesh", "demo").list().getItems())
                .singleElement().satisfies(r -> assertThat(r.getAdditionalProperties()).containsKey("spec"));
        // discovery by apiVersion/kind works once the lab announces the CRD
        cluster.expectCustomResource("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true);
        assertThat(k8s.genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace("default").withName("allow-cluster2").get())
                .isNotNull();
    }

    @Test
    void daemonSetsAndNodesIncludingStatusUpdates() {
        DaemonSet agents = k8s.apps().daemonSets().inNamespace("kube-system").resource(new DaemonSetBuilder().withNewMetadata()
                .withName("cilium").addToLabels("k8s-app", "cilium").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("k8s-app", "cilium").endSelector().withNewTemplate().withNewMetadata().addToLabels("k8s-app", "cilium")
                .endMetadata().withNewSpec().addNewContainer().withName("cilium-agent").withImage("quay.io/cilium/cilium:v1.16.19")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
        agents.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(3).withNumberReady(3).withUpdatedNumberScheduled(3)
                .withNumberAvailable(3).build());
        k8s.apps().daemonSets().inNamespace("kube-system").resource(agents).updateStatus();
        assertThat(k8s.apps().daemonSets().inNamespace("kube-system").withLabel("k8s-app", "cilium").list().getItems())
                .singleElement().satisfies(d -> assertThat(d.getStatus().getNumberReady()).isEqualTo(3));
        k8s.apps().daemonSets().inNamespace("kube-system").withName("cilium").delete();

        Node node = k8s.nodes().list().getItems().get(0);
        assertThat(node.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("False");
        });
        node.getStatus().getConditions().get(0).setStatus("True");
        k8s.nodes().resource(node).updateStatus();
        assertThat(k8s.nodes().withName(node.getMetadata().getName()).get().getStatus().getConditions().get(0).getStatus()).isEqualTo("True");
        node = k8s.nodes().withName(node.getMetadata().getName()).get();
        node.getMetadata().getLabels().put("mesh", "yes");
        k8s.nodes().resource(node).update();
        assertThat(k8s.nodes().withLabel("mesh", "yes").list().getItems()).hasSize(1);
        assertThat(k8s.nodes().withLabel("kubernetes.azure.com/agentpool", "nodepool1").list().getItems()).hasSize(3);
    }

    @Test
    void theLabsOwnClientCanWatchWithoutBeingCounted() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        try (Watch w = cluster.client().configMaps().inNamespace("kube-system").watch(new Watcher<ConfigMap>() {
            @Override
            public void eventReceived(Action action, ConfigMap cm) {
                if (cm.getMetadata().getName().equals("watched")) {
                    seen.countDown();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            k8s.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata().withName("watched").endMetadata().build()).create();
            assertThat(seen.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(w).isNotNull();
        }
        assertThat(cluster.counts().total()).isEqualTo(1);
        assertThat(cluster.counts().faults()).isZero();
        cluster.client().configMaps().inNamespace("kube-system").withName("watched").delete();
    }

    @Test
    void countsReadsAndWritesButNotTheLabsOwnRequests() {
        k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build()).create();
        k8s.configMaps().inNamespace("default").withName("c").get();
        k8s.configMaps().inNamespace("default").list();
        cluster.client().configMaps().inNamespace("default").withName("c").get();
        RequestCounts c = cluster.counts();
        assertThat(c.writes()).isEqualTo(1);
        assertThat(c.reads()).isEqualTo(2);
        assertThat(c.method("POST")).isEqualTo(1);
        assertThat(c.path("/api/v1/namespaces/default/configmaps/c")).isEqualTo(1);
        k8s.configMaps().inNamespace("default").withName("c").delete();
    }

    @Test
    void faultsOnTheKthRequest() {
        cluster.addFault(FaultRule.onRequest(1, Fault.serverError()));
        cluster.addFault(FaultRule.onRequest(2, Fault.throttle(Duration.ofSeconds(3))));
        cluster.addFault(FaultRule.onRequest(3, Fault.conflict()));
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").withName("x").get())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").withName("x").get())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(429);
                    assertThat(e.getStatus().getDetails().getRetryAfterSeconds()).isEqualTo(3);
                });
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("x").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getMessage()).contains("the object has been modified");
                });
        assertThat(k8s.configMaps().inNamespace("default").withName("x").get()).isNull();
        assertThat(cluster.counts().faults()).isEqualTo(3);
        assertThat(cluster.counts().total()).isEqualTo(4);
    }

    @Test
    void connectionResetIsATcpResetNotAnHttpAnswer() {
        cluster.addFault(FaultRule.always(Fault.connectionReset()).forMethods("POST").times(1));
        int before = cluster.connectionResets();
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("r").endMetadata().build()).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(cluster.connectionResets()).isEqualTo(before + 1);
        assertThat(k8s.configMaps().inNamespace("default").withName("r").get()).isNull();
        // the next POST goes through
        k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("r").endMetadata().build()).create();
        k8s.configMaps().inNamespace("default").withName("r").delete();
    }

    @Test
    void aHangingClusterNeverAnswersUntilTheClientGivesUp() {
        cluster.addFault(FaultRule.always(Fault.hang()));
        try (KubernetesClient impatient = clientFor(cluster.kubeconfig(), 300)) {
            assertThatThrownBy(() -> impatient.configMaps().inNamespace("default").withName("x").get())
                    .isInstanceOf(KubernetesClientException.class);
        }
        cluster.clearFaults();
        assertThat(k8s.configMaps().inNamespace("default").withName("x").get()).isNull();
    }

    @Test
    void latencyDelaysAnswers() {
        // no stopwatch (timing belongs in meshctl bench): a client that waits far less than the latency gets no
        // answer, one that waits far longer gets it, and without latency the impatient one is answered too
        k8s.configMaps().inNamespace("default").withName("warm").get();
        cluster.latency(Duration.ofSeconds(4));
        try (KubernetesClient impatient = clientFor(cluster.kubeconfig(), 1000)) {
            assertThatThrownBy(() -> impatient.configMaps().inNamespace("default").withName("x").get())
                    .isInstanceOf(KubernetesClientException.class);
            try (KubernetesClient patient = clientFor(cluster.kubeconfig(), 30_000)) {
                assertThat(patient.configMaps().inNamespace("default").withName("x").get()).isNull();
            }
            cluster.latency(Duration.ZERO);
            assertThat(impatient.configMaps().inNamespace("default").withName("x").get()).isNull();
        }
    }

    @Test
    void requestsWithoutTheTokenAreUnauthorized() throws Exception {
        try (LabCluster plain = LabCluster.start(LabClusterSpec.of("plain", 2, 42).tls(false).nodeCount(1))) {
            HttpClient http = HttpClient.newHttpClient();
            URI url = plain.apiServerUrl().resolve("/api/v1/namespaces");
            assertThat(url.getScheme()).isEqualTo("http");
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("\"reason\":\"Unauthorized\"");
            String token = plain.kubeconfig().lines().filter(l -> l.trim().startsWith("token:")).findFirst().orElseThrow()
                    .replaceAll(".*token: \"(.*)\"", "$1");
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("kube-system");
            // a plain-HTTP kubeconfig works for fabric8 too
            try (KubernetesClient c = clientFor(plain.kubeconfig(), 0)) {
                assertThat(c.nodes().list().getItems()).hasSize(1);
            }
        }
    }

    @Test
    void closingAWatchWhileEventsAreOnTheirWayLeavesTheServerAnswering() throws Exception {
        // fabric8's mock waits on its event loop for a closed watch's queued events, each of which needs that event
        // loop to be written: without the lab's fix, closing a busy watch stopped the whole cluster for 30 s
        for (int round = 0; round < 5; round++) {
            String ns = "busy" + round;
            CountDownLatch first = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                for (int i = 0; writing.get() && i < 2000; i++) {
                    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm" + i)
                            .endMetadata().build()).create();
                }
            });
            try {
                Watch w = k8s.configMaps().inNamespace(ns).watch(new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                        first.countDown();
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                writer.start();
                assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
                w.close();
                try (KubernetesClient impatient = clientFor(cluster.kubeconfig(), 5000)) {
                    for (int i = 0; i < 3; i++) {
                        assertThat(impatient.configMaps().inNamespace(ns).withName("absent").get()).isNull();
                    }
                }
            } finally {
                writing.set(false);
                writer.join();
            }
        }
    }

    @Test
    void watchesWorkThroughTheTlsFrontAndChangesAreReported() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        List<KubeChange> changes = new CopyOnWriteArrayList<>();
        CompletableFuture<KubeChange> reported = new CompletableFuture<>();
        cluster.onChange(c -> {
            changes.add(c);
            if ("helm-release".equals(c.name())) {
                reported.complete(c);
            }
        });
        try (Watch w = k8s.secrets().inNamespace("kube-system").watch(new Watcher<Secret>() {
            @Override
            public void eventReceived(Action action, Secret s) {
                if (action == Action.ADDED && s.getMetadata().getName().equals("helm-release")) {
                    seen.countDown();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            cluster.client().secrets().inNamespace("kube-system").resource(new SecretBuilder().withNewMetadata().withName("helm-release")
                    .addToLabels("owner", "helm").endMetadata().build()).create();
            assertThat(seen.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(w).isNotNull();
        }
        KubeChange c = reported.get(10, TimeUnit.SECONDS);
        assertThat(c.internal()).isTrue();
        assertThat(c.method()).isEqualTo("POST");
        assertThat(c.namespace()).isEqualTo("kube-system");
        assertThat(c.resource()).isEqualTo("secrets");
        cluster.client().secrets().inNamespace("kube-system").withName("helm-release").delete();
    }

    @Test
    void namesAreDeterministicFromTheSeed() {
        LabClusterSpec a = LabClusterSpec.of("cluster7", 7, 99);
        LabClusterSpec b = LabClusterSpec.of("cluster7", 7, 99);
        LabClusterSpec c = LabClusterSpec.of("cluster7", 7, 100);
        assertThat(a).isEqualTo(b);
        assertThat(a.nodeNames()).isEqualTo(b.nodeNames());
        assertThat(a.apiServer()).isNotEqualTo(c.apiServer());
        assertThat(a.subnet()).isEqualTo("172.16.7.0/24");
        assertThat(a.meshIp()).isEqualTo("172.16.7.250");
        assertThat(a.podCidr()).isEqualTo("10.7.0.0/16");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
