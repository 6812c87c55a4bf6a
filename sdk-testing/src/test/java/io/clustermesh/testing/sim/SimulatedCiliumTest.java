package io.clustermesh.testing.sim;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated Cilium reacting to objects as the chart renders them (written here directly), and the exec hook seen
 * through the SDK's own fabric8 transport.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatedCiliumTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    MeshLab lab;

    @BeforeAll
    void start() {
        lab = MeshLab.builder().clusters(4).nodesPerCluster(2).lbDelay(Duration.ofMillis(100)).rolloutDelay(Duration.ofMillis(100)).start();
    }

    @AfterAll
    void stop() {
        lab.close();
    }

    private static Service apiserverService(String type, Map<String, String> annotations, String loadBalancerIp) {
        return new ServiceBuilder().withNewMetadata().withName("clustermesh-apiserver").withNamespace("kube-system").withAnnotations(annotations)
                .endMetadata().withNewSpec().withType(type).withLoadBalancerIP(loadBalancerIp).addNewPort().withPort(2379).endPort().endSpec().build();
    }

    /** Waits on the simulator's passes (no sleeping) until the value is there. */
    private <T> T await(String cluster, Supplier<Optional<T>> probe) {
        Object[] found = new Object[1];
        lab.cilium(cluster).awaitRemotes(r -> {
            Optional<T> v = probe.get();
            v.ifPresent(x -> found[0] = x);
            return v.isPresent();
        }, WAIT);
        @SuppressWarnings("unchecked")
        T t = (T) found[0];
        return t;
    }

    private static Optional<String> lbIp(KubernetesClient k) {
        Service s = k.services().inNamespace("kube-system").withName("clustermesh-apiserver").get();
        if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null
                || s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(s.getStatus().getLoadBalancer().getIngress().get(0).getIp());
    }

    @Test
    void theLoadBalancerHonoursTheRequestedAddressInsideTheSubnetOnly() {
        KubernetesClient k1 = lab.cluster("cluster1").client();
        String wanted = lab.meshIp("cluster1");
        k1.services().resource(apiserverService("LoadBalancer", Map.of("service.beta.kubernetes.io/azure-load-balancer-ipv4", wanted), null)).create();
        assertThat(await("cluster1", () -> lbIp(k1))).isEqualTo(wanted);

        // cluster2 asks (with loadBalancerIP) for an address of cluster1's subnet: no IP, a Warning event
        KubernetesClient k2 = lab.cluster("cluster2").client();
        k2.services().resource(apiserverService("LoadBalancer", Map.of(), lab.meshIp("cluster1"))).create();
        Event warning = await("cluster2", () -> k2.v1().events().inNamespace("kube-system").list().getItems().stream()
                .filter(e -> "SyncLoadBalancerFailed".equals(e.getReason())).findFirst());
        assertThat(warning.getType()).isEqualTo("Warning");
        assertThat(warning.getMessage()).contains(lab.meshIp("cluster1")).contains("not in the subnet " + lab.cluster("cluster2").spec().subnet());
        assertThat(lbIp(k2)).isEmpty();

        // no request: the next free address of the subnet (not a node's)
        KubernetesClient k3 = lab.cluster("cluster3").client();
        k3.services().resource(apiserverService("LoadBalancer", Map.of(), null)).create();
        String picked = await("cluster3", () -> lbIp(k3));
        assertThat(io.clustermesh.model.IpCidr.parse(lab.cluster("cluster3").spec().subnet()).contains(picked)).isTrue();
        assertThat(lab.cluster("cluster3").nodes()).extracting(n -> n.internalIp()).doesNotContain(picked);

        // never for a NodePort Service
        KubernetesClient k4 = lab.cluster("cluster4").client();
        k4.services().resource(apiserverService("NodePort", Map.of(), null)).create();
        lab.cilium("cluster4").awaitRemotes(r -> true, WAIT);
        k4.services().inNamespace("kube-system").withName("clustermesh-apiserver").edit(s -> {
            s.getMetadata().setLabels(Map.of("touched", "yes"));
            return s;
        });
        lab.cilium("cluster4").awaitRemotes(r -> true, WAIT);
        assertThat(lbIp(k4)).isEmpty();

        for (KubernetesClient k : List.of(k1, k2, k3, k4)) {
            k.services().inNamespace("kube-system").withName("clustermesh-apiserver").delete();
        }
    }

    @Test
    void rolloutsAgentPodsPerNodeAndTheStatusExecThroughTheSdkTransport() {
        LabCluster c = lab.cluster("cluster2");
        KubernetesClient k = c.client();
        k.apps().daemonSets().resource(new DaemonSetBuilder().withNewMetadata().withName("cilium").withNamespace("kube-system").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("k8s-app", "cilium").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("k8s-app", "cilium").endMetadata().withNewSpec().addNewContainer().withName("cilium-agent").withImage("cilium").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        k.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("clustermesh-apiserver").withNamespace("kube-system")
                .endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("k8s-app", "clustermesh-apiserver").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("k8s-app", "clustermesh-apiserver").endMetadata().withNewSpec()
                .addNewContainer().withName("etcd").endContainer().addNewContainer().withName("apiserver").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        try (ClusterConnection conn = new Fabric8ClusterTransport().connect(MeshCluster.named("cluster2").withAccess(c.access()), MeshTimeouts.defaults())) {
            var ds = await("cluster2", () -> conn.daemonSet("kube-system", "cilium").filter(w -> w.rolledOut()));
            assertThat(ds.desired()).isEqualTo(2);
            var dep = await("cluster2", () -> conn.deployment("kube-system", "clustermesh-apiserver").filter(w -> w.rolledOut()));
            assertThat(dep.containers()).containsExactly("etcd", "apiserver");
            var pods = await("cluster2", () -> Optional.of(conn.pods("kube-system", "k8s-app=cilium")).filter(p -> p.size() == 2));
            assertThat(pods).allSatisfy(p -> {
                assertThat(p.ready()).isTrue();
                assertThat(p.node()).isNotBlank();
            });

            ExecResult ok = conn.exec("kube-system", pods.get(0).name(), "cilium-agent", Duration.ofSeconds(10), "cilium-dbg", "status", "-o", "json");
            assertThat(ok.exitCode()).isZero();
            assertThat(ok.stdout()).startsWith("{\"cluster-mesh\":{\"clusters\":[]");
            ExecResult unknown = conn.exec("kube-system", pods.get(0).name(), "cilium-agent", Duration.ofSeconds(10), "cilium-dbg", "bpf", "lb", "list");
            assertThat(unknown.exitCode()).isEqualTo(127);
            assertThat(unknown.stderr()).contains("only answers 'cilium-dbg status -o json'");

            // a new node gets an agent; a rollout of a new generation is marked after the delay
            long generation = k.apps().daemonSets().inNamespace("kube-system").withName("cilium").get().getMetadata().getGeneration();
            k.nodes().resource(new NodeBuilder().withNewMetadata().withName("aks-nodepool1-extra").endMetadata().withNewStatus().addNewAddress()
                    .withType("InternalIP").withAddress("172.16.2.99").endAddress().endStatus().build()).create();
            k.apps().daemonSets().inNamespace("kube-system").withName("cilium").edit(d -> {
                d.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("rev", "2"));
                return d;
            });
            var rolled = await("cluster2", () -> conn.daemonSet("kube-system", "cilium").filter(w -> w.rolledOut() && w.desired() == 3));
            assertThat(rolled.generation()).isGreaterThan(generation);
            assertThat(await("cluster2", () -> Optional.of(conn.pods("kube-system", "k8s-app=cilium")).filter(p -> p.size() == 3)))
                    .extracting(p -> p.podIp()).contains("172.16.2.99");
            // a pod the simulator did not create stays, even on a deleted node
            k.pods().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("someone-elses").withNamespace("kube-system")
                    .addToLabels("k8s-app", "cilium").endMetadata().withNewSpec().withNodeName("aks-nodepool1-extra").endSpec().build()).create();
            k.nodes().withName("aks-nodepool1-extra").delete();
            assertThat(await("cluster2", () -> Optional.of(conn.pods("kube-system", "k8s-app=cilium")).filter(p -> p.size() == 3)))
                    .extracting(p -> p.name()).contains("someone-elses");
            assertThat(conn.pods("kube-system", "k8s-app=cilium")).extracting(p -> p.node()).doesNotContainNull()
                    .filteredOn(n -> n.equals("aks-nodepool1-extra")).hasSize(1);
            k.pods().inNamespace("kube-system").withName("someone-elses").delete();
        }
    }
}
