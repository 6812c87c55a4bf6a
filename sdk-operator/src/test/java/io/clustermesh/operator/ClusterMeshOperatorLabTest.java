package io.clustermesh.operator;

import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
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
 * The controller on the lab: the management cluster is one more lab cluster (cluster5 of a 5-cluster lab, a fabric8
 * mock API server in CRUD mode like the members, serving the CRD's status subresource) with the CRD created from the
 * checked-in YAML; the members are cluster1..3 (then cluster4 joins), reached through kubeconfigs in Secrets, with real
 * Helm and the real Cilium chart. Every check reads the members' objects or the resource's status from the lab's API
 * servers, never from the controller.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMeshOperatorLabTest {
    static final String NS = "default";
    static final String MGMT = "cluster5";
    static final List<String> MEMBERS = List.of("cluster1", "cluster2", "cluster3", "cluster4");
    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    private MeshLab lab;
    private KubernetesClient mgmt;
    private ClusterMeshOperator operator;

    @BeforeAll
    void up() throws Exception {
        lab = MeshLab.builder().clusters(5).start();
        mgmt = lab.cluster(MGMT).client();
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
        return await(mgmt, NS, name, until, what);
    }

    /** The ClusterMesh {@code ns/name} once {@code until} holds (3 min at most); the failure shows its last status. */
    static GenericKubernetesResource await(KubernetesClient mgmt, String ns, String name, Predicate<GenericKubernetesResource> until,
                                           String what) {
        AtomicReference<GenericKubernetesResource> last = new AtomicReference<>();
        try {
            return Awaitility.await("ClusterMesh " + ns + "/" + name + " " + what).atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        // wrapped: Awaitility hands a null (the resource is gone) to no predicate
                        GenericKubernetesResource r = mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(ns)
                                .withName(name).get();
                        last.set(r);
                        return Optional.ofNullable(r);
                    }, r -> until.test(r.orElse(null))).orElse(null);
        } catch (ConditionTimeoutException e) {
            GenericKubernetesResource r = last.get();
            throw new AssertionError("ClusterMesh " + ns + "/" + name + " never became " + what + "; last: "
                    + (r == null ? "gone" : r.getAdditionalProperties().get("status")), e);
        }
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

    /** One bad resource: created, Degraded with {@code codes} among its findings, deleted; no member saw a write. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> degradedWithoutWrites(String name, Map<String, Object> spec, String... codes) {
        lab.clusters().forEach(c -> c.resetCounts());
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).resource(clusterMesh(name, spec)).create();

        GenericKubernetesResource r = await(mgmt, name, x -> current(x) && "True".equals(condition(x, "Degraded")), "Degraded");
        List<Map<String, Object>> findings = (List<Map<String, Object>>) status(r).get("findings");
        assertThat(findings).as(name).extracting(f -> f.get("code")).contains((Object[]) codes);
        assertThat(findings).as(name).filteredOn(f -> "ERROR".equals(f.get("severity")))
                .allMatch(f -> f.get("remediation") != null && !((String) f.get("remediation")).isBlank());
        assertThat(condition(r, "Ready")).as(name).isEqualTo("False");
        assertThat(((Map<String, Object>) status(r).get("lastError")).get("remediation")).as(name).isNotNull();
        for (String c : MEMBERS) {
            assertThat(String.valueOf(status(r))).as(name).doesNotContain(lab.cluster(c).kubeconfig()).doesNotContain("token:");
        }
        assertThat(r.getMetadata().getFinalizers()).as(name + ": no finalizer before a first write").isNullOrEmpty();
        for (String c : MEMBERS) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c + " for " + name).isZero();
        }
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName(name).delete();
        await(mgmt, name, x -> x == null, "gone");
        for (String c : MEMBERS) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c + " after deleting " + name).isZero();
        }
        return status(r) == null ? Map.of() : (Map<String, Object>) status(r);
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void badSpecsAreDegradedWithEveryFindingAndWriteNothingToAnyMember() {
        List<String> three = List.of("cluster1", "cluster2", "cluster3");
        kubeconfigSecrets(lab, mgmt, List.of("cluster1", "cluster2"));

        // several problems in one resource: every one is reported in the same reconcile
        Map<String, Object> spec = crSpec(lab, three);
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) spec.get("clusters");
        clusters.get(1).put("id", clusters.get(0).get("id"));                      // duplicate cluster id
        clusters.get(2).put("podCidr", clusters.get(0).get("podCidr"));            // overlapping pod CIDR
        clusters.get(2).put("kubeconfigSecretRef", Map.of("name", "kc-missing"));  // a Secret that does not exist
        clusters.get(0).put("kubeContext", "mine");                                // a spec file field
        Map<String, Object> st = degradedWithoutWrites("bad", spec, "SECRET_NOT_FOUND", "SPEC_UNKNOWN_FIELD", "CLUSTER_ID_DUPLICATE",
                "POD_CIDR_OVERLAP");
        assertThat((List<Map<String, Object>>) st.get("findings")).extracting(f -> (String) f.get("message"))
                .anyMatch(m -> m.contains("kc-missing")).anyMatch(m -> m.contains("kubeContext"));

        // the Secret is there, the key is not
        spec = crSpec(lab, List.of("cluster1", "cluster2"));
        ((List<Map<String, Object>>) spec.get("clusters")).get(1).put("kubeconfigSecretRef", Map.of("name", "kc-cluster2", "key", "config"));
        degradedWithoutWrites("bad-key", spec, "SECRET_KEY_MISSING");

        // a context the kubeconfig does not have: never a fallback to its current-context
        spec = crSpec(lab, List.of("cluster1", "cluster2"));
        ((List<Map<String, Object>>) spec.get("clusters")).get(0).put("kubeconfigSecretRef", Map.of("name", "kc-cluster1", "context", "nope"));
        degradedWithoutWrites("bad-context", spec, "KUBE_CONTEXT_MISSING");

        // a kubeconfig in a Secret that would run a credential plugin is not run
        mgmt.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("kc-exec").endMetadata()
                .addToStringData("kubeconfig", execKubeconfig(lab.cluster("cluster2").apiServer())).build()).createOr(r -> r.update());
        spec = crSpec(lab, List.of("cluster1", "cluster2"));
        ((List<Map<String, Object>>) spec.get("clusters")).get(1).put("kubeconfigSecretRef", Map.of("name", "kc-exec"));
        degradedWithoutWrites("bad-exec", spec, "KUBECONFIG_EXEC_NOT_ALLOWED");

        // values the CRD schema would refuse on a real API server are refused by the controller too
        spec = crSpec(lab, List.of("cluster1", "cluster2"));
        spec.put("deletionPolicy", "Keep");
        ((List<Map<String, Object>>) spec.get("clusters")).get(0).put("podCidr", "10.300.0.0/16");
        ((List<Map<String, Object>>) spec.get("clusters")).get(1).remove("kubeconfigSecretRef");
        degradedWithoutWrites("bad-values", spec, "SPEC_INVALID_VALUE", "SPEC_MISSING_FIELD");

        // one cluster is no mesh
        degradedWithoutWrites("bad-one", crSpec(lab, List.of("cluster1")), "MESH_TOO_FEW_CLUSTERS");
    }

    /** A kubeconfig whose user runs a credential plugin. */
    static String execKubeconfig(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: u
                  user:
                    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/echo, args: [hello]}
                contexts:
                - name: x
                  context: {cluster: c, user: u}
                current-context: x
                """.formatted(server);
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
        // the lab's own view: neither the management cluster nor cluster4 (not in the spec) is a member
        assertThat(lab.cluster(MGMT).client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNull();
        assertThat(lab.cluster("cluster4").client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNull();
    }

    @Test
    @Order(3)
    void aPeerConfigDeletedBehindTheOperatorsBackIsRepairedByTheNextResync() {
        KubernetesClient c2 = lab.cluster("cluster2").client();
        assertThat(c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNotNull();
        // converged: the resyncs that follow find nothing to change and write nothing to any member
        lab.clusters().forEach(c -> c.resetCounts());
        int settled = operator.reconciles();
        awaitTrue(() -> operator.reconciles() >= settled + 2, "two resyncs");
        for (String c : List.of("cluster1", "cluster2", "cluster3")) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c + " by resyncs of a converged mesh").isZero();
        }
        long applied = applied("mesh");
        c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").delete();

        // nothing on the management cluster changed: only the periodic resync can notice
        awaitTrue(() -> c2.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get() != null, "the peer config repaired");
        await(mgmt, "mesh", x -> current(x) && "True".equals(condition(x, "Ready")), "Ready again");
        assertThat(applied("mesh")).as("one apply repaired it").isEqualTo(applied + 1);
    }

    long applied(String mesh) {
        return mgmt.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Applied".equals(e.getReason()) && mesh.equals(e.getInvolvedObject().getName())).count();
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        Awaitility.await(what).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(condition::getAsBoolean);
    }

    @Test
    @Order(4)
    @SuppressWarnings("unchecked")
    void aClusterAddedToTheSpecJoinsAndTheMeshConverges() {
        kubeconfigSecrets(lab, mgmt, MEMBERS);
        GenericKubernetesResource edited = mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName("mesh")
                .edit(r -> {
                    r.setAdditionalProperty("spec", crSpec(lab, MEMBERS));
                    return r;
                });
        long generation = edited.getMetadata().getGeneration();
        assertThat(generation).as("a spec change is a new generation").isGreaterThan(1L);

        GenericKubernetesResource r = await(mgmt, "mesh", x -> current(x) && "True".equals(condition(x, "Ready"))
                && ((Number) status(x).get("observedGeneration")).longValue() == generation, "Ready with cluster4");
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) status(r).get("clusters");
        assertThat(clusters).extracting(c -> c.get("name")).containsExactlyInAnyOrderElementsOf(MEMBERS);
        assertThat(clusters).allSatisfy(c -> assertThat(((Number) c.get("peersConnected")).intValue()).as(String.valueOf(c)).isEqualTo(3));
        // the lab's own view: cluster4 now runs the clustermesh-apiserver and cluster1 lists it as a peer
        assertThat(lab.cluster("cluster4").client().apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get())
                .isNotNull();
        assertThat(lab.cluster("cluster1").client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get().getData())
                .containsKey("cluster4");
    }

    @Test
    @Order(5)
    void deletingWithDisconnectRemovesTheMeshFromEveryMember() {
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).withName("mesh").delete();
        await(mgmt, "mesh", x -> x == null, "gone");
        for (String c : MEMBERS) {
            KubernetesClient k = lab.cluster(c).client();
            assertThat(k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get()).as(c).isNull();
        }
        assertThat(mgmt.v1().events().inNamespace(NS).list().getItems()).anyMatch(e -> "Disconnected".equals(e.getReason()));
    }
}
