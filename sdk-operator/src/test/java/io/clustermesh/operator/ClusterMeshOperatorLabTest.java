package io.clustermesh.operator;

import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller on the lab: the management cluster is one more lab cluster (cluster4 of a 4-cluster lab, a fabric8
 * mock API server in CRUD mode like the members) with the CRD created from the checked-in YAML; the members are
 * cluster1..3, reached through kubeconfigs in Secrets, with real Helm and the real Cilium chart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMeshOperatorLabTest {
    static final String NS = "default";
    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    private MeshLab lab;
    private KubernetesClient mgmt;
    private ClusterMeshOperator operator;

    @BeforeAll
    void up() throws Exception {
        lab = MeshLab.builder().clusters(4).start();
        mgmt = lab.cluster("cluster4").client();
        try (var crd = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
            mgmt.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        operator = ClusterMeshOperator.builder().client(mgmt).namespace(NS).identity("op-a")
                .meshes(spec -> lab.meshBuilder().spec(spec))
                .resync(Duration.ofSeconds(3), Duration.ofMillis(500)).backoff(Duration.ofMillis(500), Duration.ofSeconds(5))
                .leaseTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500)).build();
        operator.start();
    }

    @AfterAll
    void down() {
        if (operator != null) operator.close();
        if (lab != null) lab.close();
    }

    /** The resource's spec for lab clusters {@code names}: the spec file's spec, access through Secrets {@code kc-<name>}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> crSpec(MeshLab lab, List<String> names) {
        MeshSpec full = lab.spec();
        List<MeshCluster> some = full.clusters().stream().filter(c -> names.contains(c.name())).toList();
        Map<String, Object> doc = YAML.readValue(MeshSpecYaml.write(full.withClusters(some)), Map.class);
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) doc.get("spec"));
        List<Object> clusters = new ArrayList<>();
        for (Object o : (List<Object>) spec.get("clusters")) {
            Map<String, Object> c = new LinkedHashMap<>((Map<String, Object>) o);
            c.remove("kubeContext");
            c.remove("kubeconfig");
            c.put("kubeconfigSecretRef", Map.of("name", "kc-" + c.get("name")));
            clusters.add(c);
        }
        spec.put("clusters", clusters);
        return spec;
    }

    static void kubeconfigSecrets(MeshLab lab, KubernetesClient mgmt, List<String> names) {
        for (String n : names) {
            mgmt.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("kc-" + n).endMetadata()
                    .addToStringData("kubeconfig", lab.cluster(n).kubeconfig()).build()).createOr(r -> r.update());
        }
    }

    static GenericKubernetesResource clusterMesh(String name, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("clustermesh.io/v1alpha1");
        r.setKind("ClusterMesh");
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        r.setAdditionalProperty("spec", spec);
        return r;
    }

    static GenericKubernetesResource await(KubernetesClient mgmt, String name, Predicate<GenericKubernetesResource> until, String what) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        GenericKubernetesResource r = null;
        while (System.nanoTime() < deadline) {
            r = mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName(name).get();
            if (until.test(r)) {
                return r;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("ClusterMesh " + name + " never became " + what + "; last: "
                + (r == null ? "gone" : r.getAdditionalProperties().get("status")));
    }

    @SuppressWarnings("unchecked")
    static String condition(GenericKubernetesResource r, String type) {
        if (r == null || !(r.getAdditionalProperties().get("status") instanceof Map<?, ?> s)) return null;
        for (Map<String, Object> c : (List<Map<String, Object>>) s.get("conditions")) {
            if (type.equals(c.get("type"))) return (String) c.get("status");
        }
        return null;
    }

    static Map<?, ?> status(GenericKubernetesResource r) {
        return (Map<?, ?>) r.getAdditionalProperties().get("status");
    }

    static boolean current(GenericKubernetesResource r) {
        return r != null && r.getAdditionalProperties().get("status") instanceof Map<?, ?> s
                && ((Number) s.get("observedGeneration")).longValue() == (r.getMetadata().getGeneration() == null ? 0 : r.getMetadata().getGeneration());
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void aBadSpecIsDegradedWithEveryFindingAndWritesNothingToAnyMember() {
        List<String> three = List.of("cluster1", "cluster2", "cluster3");
        kubeconfigSecrets(lab, mgmt, List.of("cluster1", "cluster2"));
        Map<String, Object> spec = crSpec(lab, three);
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) spec.get("clusters");
        clusters.get(1).put("id", clusters.get(0).get("id"));                      // duplicate cluster id
        clusters.get(2).put("podCidr", clusters.get(0).get("podCidr"));            // overlapping pod CIDR
        clusters.get(2).put("kubeconfigSecretRef", Map.of("name", "kc-missing"));  // a Secret that does not exist
        clusters.get(0).put("kubeContext", "mine");                                // a spec file field
        lab.clusters().forEach(c -> c.resetCounts());

        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).resource(clusterMesh("bad", spec)).create();

        GenericKubernetesResource r = await(mgmt, "bad", x -> current(x) && "True".equals(condition(x, "Degraded")), "Degraded");
        List<Map<String, Object>> findings = (List<Map<String, Object>>) status(r).get("findings");
        assertThat(findings).extracting(f -> f.get("code")).contains("SECRET_NOT_FOUND", "SPEC_UNKNOWN_FIELD");
        assertThat(findings).extracting(f -> (String) f.get("message")).anyMatch(m -> m.contains("kc-missing"))
                .anyMatch(m -> m.toLowerCase().contains("id")).anyMatch(m -> m.contains("overlap"));
        assertThat(findings).allMatch(f -> f.get("remediation") != null && !((String) f.get("remediation")).isBlank());
        assertThat(condition(r, "Ready")).isEqualTo("False");
        assertThat(((Map<String, Object>) status(r).get("lastError")).get("remediation")).isNotNull();
        assertThat(String.valueOf(status(r))).doesNotContain("token").doesNotContain(lab.cluster("cluster1").kubeconfig());
        for (String c : three) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c).isZero();
        }
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName("bad").delete();
        await(mgmt, "bad", x -> x == null, "gone");
        for (String c : three) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c + " after deleting the bad mesh").isZero();
        }
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void aClusterMeshOfThreeBecomesReadyWithTwoOfTwoPeersEach() {
        List<String> three = List.of("cluster1", "cluster2", "cluster3");
        kubeconfigSecrets(lab, mgmt, three);
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).resource(clusterMesh("mesh", crSpec(lab, three))).create();

        GenericKubernetesResource r = await(mgmt, "mesh", x -> current(x) && "True".equals(condition(x, "Ready")), "Ready");
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) status(r).get("clusters");
        assertThat(clusters).extracting(c -> c.get("name")).containsExactlyInAnyOrderElementsOf(three);
        assertThat(clusters).allSatisfy(c -> {
            assertThat(((Number) c.get("peersConnected")).intValue()).as(String.valueOf(c)).isEqualTo(2);
            assertThat(((Number) c.get("peersExpected")).intValue()).isEqualTo(2);
        });
        assertThat(r.getMetadata().getFinalizers()).contains(ClusterMeshReconciler.FINALIZER);
        assertThat(mgmt.v1().events().inNamespace(NS).list().getItems()).anyMatch(e -> "Applied".equals(e.getReason())
                && "mesh".equals(e.getInvolvedObject().getName()));
        // the lab's own view: cluster4 (the management cluster) is no member
        assertThat(lab.cluster("cluster4").client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNull();
    }

    @Test
    @Order(3)
    void aPeerConfigDeletedBehindTheOperatorsBackIsRepairedByTheResync() {
        KubernetesClient c2 = lab.cluster("cluster2").client();
        assertThat(c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNotNull();
        int before = operator.reconciles();
        c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").delete();

        // nothing on the management cluster changed: only the periodic resync can notice
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).as("repaired").isNotNull();
        assertThat(operator.reconciles()).isGreaterThan(before);
        await(mgmt, "mesh", x -> current(x) && "True".equals(condition(x, "Ready")), "Ready again");
        assertThat(mgmt.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Applied".equals(e.getReason()) && "mesh".equals(e.getInvolvedObject().getName())).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(4)
    void deletingWithDisconnectRemovesTheMeshFromEveryMember() {
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName("mesh").delete();
        await(mgmt, "mesh", x -> x == null, "gone");
        for (String c : List.of("cluster1", "cluster2", "cluster3")) {
            KubernetesClient k = lab.cluster(c).client();
            assertThat(k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get()).as(c).isNull();
        }
        assertThat(mgmt.v1().events().inNamespace(NS).list().getItems()).anyMatch(e -> "Disconnected".equals(e.getReason()));
    }
}
