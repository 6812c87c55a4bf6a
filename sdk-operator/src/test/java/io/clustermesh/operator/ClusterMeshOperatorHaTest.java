package io.clustermesh.operator;

import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.requests.KubeChange;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.clustermesh.operator.ClusterMeshOperatorLabTest.NS;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.await;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.awaitTrue;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.clusterMesh;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.condition;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.crSpec;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.current;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.kubeconfigSecrets;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two controller instances on one management cluster (cluster4 of a 4-cluster lab), each with its own client from the
 * cluster's kubeconfig, as two replicas would have: one holds the Lease and reconciles; the leader is stopped while its
 * apply is writing to the members; the other takes the Lease over and the mesh converges. The members' writes are
 * recorded by the lab's API servers (not by the controller) and checked per object.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterMeshOperatorHaTest {
    static final String MGMT = "cluster4";
    static final List<String> MEMBERS = List.of("cluster1", "cluster2", "cluster3");
    private MeshLab lab;
    private KubernetesClient mgmt;
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final List<ClusterMeshOperator> operators = new ArrayList<>();
    /** Every write a member's API server answered with success, by object ("cluster verb path"), in order. */
    private final Map<String, List<String>> writes = new ConcurrentHashMap<>();
    private final CountDownLatch releaseWritten = new CountDownLatch(1);
    private final AtomicBoolean leaderStopped = new AtomicBoolean();
    private final List<String> afterStop = new CopyOnWriteArrayList<>();
    /** The controllers' writes on the management cluster as {@code "<group>/<resource>[/<sub>] <verb>"}. */
    private final java.util.Set<String> mgmtWrites = ConcurrentHashMap.newKeySet();

    @BeforeAll
    void up() throws Exception {
        lab = MeshLab.builder().clusters(4).start();
        mgmt = lab.cluster(MGMT).client();
        try (var crd = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
            mgmt.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        for (String c : MEMBERS) {
            lab.cluster(c).onChange(change -> record(c, change));
        }
        lab.cluster(MGMT).onChange(change -> {
            if (!change.internal() && change.resource() != null) {   // the controllers' clients, not the test's
                String verb = switch (change.method()) {
                    case "POST" -> "create";
                    case "PUT" -> "update";
                    case "PATCH" -> "patch";
                    default -> change.method().toLowerCase(java.util.Locale.ROOT);
                };
                mgmtWrites.add(change.group() + "/" + change.resource() + (change.subresource() == null ? "" : "/" + change.subresource()) + " " + verb);
            }
        });
        for (String id : List.of("op-a", "op-b")) {
            KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(lab.cluster(MGMT).kubeconfig())).build();
            clients.add(client);
            operators.add(ClusterMeshOperator.builder().client(client).namespace(NS).identity(id)
                    .meshes(spec -> lab.meshBuilder().spec(spec).lockDuration(Duration.ofSeconds(6)))
                    .resync(Duration.ofSeconds(3), Duration.ofMillis(500)).backoff(Duration.ofMillis(500), Duration.ofSeconds(4))
                    // the chart's lease timings with a faster retry: a handover on close() is a release, not an expiry,
                    // and a 15 s lease rides out the lab's API servers being starved of CPU for seconds on a busy machine
                    .leaseTimings(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(1)).build());
        }
        operators.forEach(ClusterMeshOperator::start);
    }

    @AfterAll
    void down() {
        operators.forEach(ClusterMeshOperator::close);
        clients.forEach(KubernetesClient::close);
        if (lab != null) lab.close();
    }

    private void record(String cluster, KubeChange change) {
        if (change.internal() || change.resource() == null) {
            return; // the lab's own simulated Cilium, not the controller
        }
        String object = cluster + " " + change.resource() + " " + change.namespace() + "/" + change.name()
                + (change.subresource() == null ? "" : "/" + change.subresource());
        writes.computeIfAbsent(object, k -> new CopyOnWriteArrayList<>()).add(change.method());
        if (leaderStopped.get()) {
            afterStop.add(object + " " + change.method());
        }
        if ("secrets".equals(change.resource()) && change.name() != null && change.name().startsWith("sh.helm.release.v1.cilium.")) {
            releaseWritten.countDown();
        }
    }

    private long eventsBy(String identity) {
        return mgmt.v1().events().inNamespace(NS).list().getItems().stream().filter(e -> identity.equals(e.getReportingInstance())).count();
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneLeaderReconcilesAndWhenItStopsMidApplyTheOtherTakesOverAndTheMeshConverges() throws Exception {
        awaitTrue(() -> operators.stream().anyMatch(ClusterMeshOperator::isLeader), "a leader");
        ClusterMeshOperator leader = operators.stream().filter(ClusterMeshOperator::isLeader).findFirst().orElseThrow();
        ClusterMeshOperator other = operators.stream().filter(o -> o != leader).findFirst().orElseThrow();
        assertThat(other.isLeader()).isFalse();
        Lease lease = mgmt.leases().inNamespace(NS).withName("clustermesh-operator").get();
        assertThat(lease.getSpec().getHolderIdentity()).as("the Lease on the management cluster").isEqualTo(leader.identity());

        kubeconfigSecrets(lab, mgmt, MEMBERS);
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).resource(clusterMesh("ha", crSpec(lab, MEMBERS))).create();

        // the leader's apply is writing to the members (a Cilium release is being stored): stop the leader there
        assertThat(releaseWritten.await(3, TimeUnit.MINUTES)).as("the leader's apply reached Helm").isTrue();
        assertThat(other.reconciles()).as("the other instance reconciled nothing while the leader led").isZero();
        int leaderReconciles = leader.reconciles();
        leaderStopped.set(true);
        leader.close();
        // mid-apply: the leader never got to write Ready, so a Ready status below is the successor's
        assertThat(condition(mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName("ha").get(), "Ready"))
                .isNotEqualTo("True");

        awaitTrue(other::isLeader, "the other instance leads");
        long leaderEvents = eventsBy(leader.identity());
        GenericKubernetesResource r = await(mgmt, "ha", x -> current(x) && "True".equals(condition(x, "Ready")), "Ready");
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) status(r).get("clusters");
        assertThat(clusters).extracting(c -> c.get("name")).containsExactlyInAnyOrderElementsOf(MEMBERS);
        assertThat(clusters).allSatisfy(c -> assertThat(((Number) c.get("peersConnected")).intValue()).as(String.valueOf(c)).isEqualTo(2));
        assertThat(other.reconciles()).isPositive();
        assertThat(leader.reconciles()).as("the stopped leader reconciles no more").isEqualTo(leaderReconciles);
        assertThat(mgmt.leases().inNamespace(NS).withName("clustermesh-operator").get().getSpec().getHolderIdentity())
                .isEqualTo(other.identity());
        // fenced: the stopped leader recorded nothing after it stopped (its cut-off apply may have finished a Helm
        // run already under way; the successor applied what was still missing, or found nothing left and waited)
        assertThat(eventsBy(leader.identity())).as("events by the stopped leader").isEqualTo(leaderEvents);
        // the lab's own view: every member runs the clustermesh-apiserver and lists its two peers
        for (String c : MEMBERS) {
            assertThat(lab.cluster(c).client().apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get())
                    .as(c).isNotNull();
            assertThat(lab.cluster(c).client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get().getData())
                    .as(c).containsKeys(MEMBERS.stream().filter(m -> !m.equals(c)).toArray(String[]::new));
        }

        // no member object was written twice: the successor's apply did only what was still missing. Two kinds of
        // object are written more than once by design: the SDK's own lock (a Lease renewed while an apply runs) and
        // Helm's release record (stored pending, then deployed); a second Helm run would add a release v2.
        Map<String, List<String>> byObject = new TreeMap<>(writes);
        assertThat(byObject).as("member writes").isNotEmpty();
        byObject.forEach((object, verbs) -> {
            if (object.contains(" leases kube-system/clustermesh-ha")) {
                return;
            }
            if (object.contains(" secrets kube-system/sh.helm.release.v1.")) {
                assertThat(verbs).as(object).containsExactly("POST", "PUT");
                return;
            }
            assertThat(verbs).as(object + " (writes after the leader stopped: " + afterStop + ")").hasSize(1);
        });
        assertThat(byObject.keySet()).as("a second Helm run").noneMatch(o -> o.contains("sh.helm.release.v1.cilium.v2"));

        // the chart's Role grants exactly the writes the two controllers made on the management cluster: each one is
        // allowed, and no write permission goes unused
        java.util.Set<String> writeGrants = new java.util.TreeSet<>(OperatorChartTest.grants(OperatorChartTest.render()).stream()
                .filter(g -> g.endsWith(" create") || g.endsWith(" update") || g.endsWith(" patch") || g.endsWith(" delete")).toList());
        assertThat(new java.util.TreeSet<>(mgmtWrites)).as("the controllers' writes").isEqualTo(writeGrants);
    }
}
