package io.clustermesh.testing.sim;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated agents of a cluster share one TLS client per peer and keep it: what a peer publishes later is read over
 * the connection they already have, not over a new handshake per agent or per look.
 */
class AgentConnectionsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    @Test
    void aPeersNewGlobalServiceIsReadOverTheClientTheAgentsAlreadyHave() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(2).start(); Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            Map<String, Integer> opened = new LinkedHashMap<>();
            for (String c : CLUSTERS) {
                lab.cilium(c).awaitRemotes(r -> r.size() == 2 && r.stream().allMatch(RemoteClusterState::ready), WAIT);
                opened.put(c, lab.cilium(c).clientsOpened());
            }
            assertThat(opened.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2)); // one per peer at least

            KubernetesClient k = lab.cluster("cluster2").client();
            k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
            k.pods().resource(new PodBuilder().withNewMetadata().withName("cart-0").withNamespace("shop").addToLabels("app", "cart").endMetadata()
                    .withNewSpec().addNewContainer().withName("cart").withImage("cart").endContainer().endSpec()
                    .withNewStatus().withPodIP("10.2.0.9").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();
            k.services().resource(new ServiceBuilder().withNewMetadata().withName("cart").withNamespace("shop")
                    .withAnnotations(Map.of("service.cilium.io/global", "true")).endMetadata()
                    .withNewSpec().addToSelector("app", "cart").addNewPort().withName("http").withPort(80).endPort().endSpec().build()).create();
            for (String c : List.of("cluster1", "cluster3")) {
                lab.cilium(c).awaitRemotes(r -> r.stream().anyMatch(x -> x.name().equals("cluster2") && x.numSharedServices() == 1), WAIT);
                assertThat(lab.cilium(c).remoteServices().get("cluster2")).containsOnlyKeys("cilium/state/services/v1/cluster2/shop/cart");
            }

            for (String c : CLUSTERS) {
                assertThat(lab.cilium(c).clientsOpened()).as("TLS clients opened by the agents of %s", c).isEqualTo(opened.get(c));
            }
        }
    }

    /**
     * A real agent watches each peer's etcd and hears of changes; the simulated ones read a peer again only when its
     * etcd changed: nothing while the mesh is quiet (not even every few seconds), and only the peer that published
     * something when one does.
     */
    @Test
    void agentsReadAPeerAgainOnlyWhenItsEtcdChanged() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(2).start(); Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            for (String c : CLUSTERS) {
                lab.cilium(c).awaitRemotes(r -> r.size() == 2 && r.stream().allMatch(RemoteClusterState::ready), WAIT);
            }
            Map<String, Long> quiet = lab.cilium("cluster1").peerReads();
            assertThat(quiet).containsOnlyKeys("cluster2", "cluster3");
            // 20 of the agents' own passes (every 250 ms): longer than their former fixed re-read interval (3 s)
            lab.cilium("cluster1").awaitAgentPasses(20, WAIT);
            assertThat(lab.cilium("cluster1").peerReads()).as("reads of quiet peers").isEqualTo(quiet);

            KubernetesClient k = lab.cluster("cluster2").client();
            k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
            k.services().resource(new ServiceBuilder().withNewMetadata().withName("cart").withNamespace("shop")
                    .withAnnotations(Map.of("service.cilium.io/global", "true")).endMetadata()
                    .withNewSpec().addToSelector("app", "cart").addNewPort().withName("http").withPort(80).endPort().endSpec().build()).create();
            lab.cilium("cluster1").awaitRemotes(r -> r.stream().anyMatch(x -> x.name().equals("cluster2") && x.numSharedServices() == 1), WAIT);

            Map<String, Long> after = lab.cilium("cluster1").peerReads();
            assertThat(after.get("cluster2")).as("reads of the peer that published a service").isGreaterThan(quiet.get("cluster2"));
            assertThat(after.get("cluster3")).as("reads of the peer that did not change").isEqualTo(quiet.get("cluster3"));
        }
    }
}
