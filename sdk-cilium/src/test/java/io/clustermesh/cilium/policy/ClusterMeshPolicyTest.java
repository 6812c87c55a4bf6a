package io.clustermesh.cilium.policy;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.cilium.MockClusters;
import io.clustermesh.cilium.services.CiliumMeshServices;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.clustermesh.cilium.policy.ClusterMeshPolicy.CLUSTER_LABEL;
import static io.clustermesh.cilium.policy.ClusterMeshPolicy.NAMESPACE_LABEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CiliumNetworkPolicy shape, validation, and apply/read-back on three CRUD mock API servers. */
class ClusterMeshPolicyTest {
    static final List<String> MESH = List.of("cluster1", "cluster2", "cluster3");

    MockClusters clusters;
    Mesh mesh;

    @BeforeEach
    void start() {
        clusters = new MockClusters("cluster1", "cluster2", "cluster3").namespace("default");
        for (String c : clusters.names()) {
            clusters.admin(c).apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName("ciliumnetworkpolicies.cilium.io").endMetadata()
                    .withNewSpec().withGroup("cilium.io").withScope("Namespaced")
                    .withNewNames().withKind("CiliumNetworkPolicy").withPlural("ciliumnetworkpolicies").withSingular("ciliumnetworkpolicy")
                    .withListKind("CiliumNetworkPolicyList").withShortNames("cnp").endNames()
                    .addNewVersion().withName("v2").withServed(true).withStorage(true).endVersion()
                    .endSpec().build()).create();
        }
        mesh = clusters.mesh(new MockClusters.ServicesDriver(CiliumMeshServices::new)).build();
    }

    @AfterEach
    void stop() {
        mesh.close();
        clusters.close();
    }

    static ClusterMeshPolicy xWingToRebelBase() {
        return ClusterMeshPolicy.named("x-wing-to-rebel-base").namespace("default")
                .from(PolicyPeer.labels("name", "x-wing").in("cluster1"))
                .to(PolicyPeer.labels("name", "rebel-base").in("cluster2"))
                .port(80, "tcp")
                .build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> m(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> l(Object o) {
        return (List<Object>) o;
    }

    @Test
    void eachSideGetsItsRuleWithExplicitClusterLabels() {
        Map<String, List<Map<String, Object>>> r = xWingToRebelBase().render(MESH);
        assertThat(r.keySet()).containsExactly("cluster1", "cluster2", "cluster3");
        assertThat(r.get("cluster3")).as("uninvolved").isEmpty();

        Map<String, Object> ingress = r.get("cluster2").get(0);
        assertThat(r.get("cluster2")).hasSize(1);
        assertThat(ingress.get("apiVersion")).isEqualTo("cilium.io/v2");
        assertThat(ingress.get("kind")).isEqualTo("CiliumNetworkPolicy");
        assertThat(m(ingress.get("metadata"))).containsEntry("name", "x-wing-to-rebel-base-ingress").containsEntry("namespace", "default")
                .containsEntry("labels", Map.of("app.kubernetes.io/managed-by", "clustermesh", "clustermesh.io/policy", "x-wing-to-rebel-base"));
        Map<String, Object> spec = m(ingress.get("spec"));
        assertThat(m(spec.get("endpointSelector")).get("matchLabels")).isEqualTo(Map.of("name", "rebel-base", CLUSTER_LABEL, "cluster2"));
        assertThat(spec).doesNotContainKey("egress");
        Map<String, Object> rule = m(l(spec.get("ingress")).get(0));
        assertThat(l(rule.get("fromEndpoints"))).containsExactly(
                Map.of("matchLabels", Map.of("name", "x-wing", CLUSTER_LABEL, "cluster1", NAMESPACE_LABEL, "default")));
        assertThat(rule.get("toPorts")).isEqualTo(List.of(Map.of("ports", List.of(Map.of("port", "80", "protocol", "TCP")))));

        Map<String, Object> egress = r.get("cluster1").get(0);
        assertThat(r.get("cluster1")).hasSize(1);
        assertThat(m(egress.get("metadata")).get("name")).isEqualTo("x-wing-to-rebel-base-egress");
        Map<String, Object> es = m(egress.get("spec"));
        assertThat(m(es.get("endpointSelector")).get("matchLabels")).isEqualTo(Map.of("name", "x-wing", CLUSTER_LABEL, "cluster1"));
        assertThat(l(m(l(es.get("egress")).get(0)).get("toEndpoints"))).containsExactly(
                Map.of("matchLabels", Map.of("name", "rebel-base", CLUSTER_LABEL, "cluster2", NAMESPACE_LABEL, "default")));
    }

    @Test
    void withoutClustersEveryClusterIsAPeerAndNamedExplicitly() {
        ClusterMeshPolicy p = ClusterMeshPolicy.named("web").namespace("shop")
                .from(PolicyPeer.labels("app", "frontend").namespace("edge"))
                .to(PolicyPeer.labels("app", "api"))
                .build();
        Map<String, List<Map<String, Object>>> r = p.render(MESH);
        for (String c : MESH) {
            assertThat(r.get(c)).extracting(o -> m(o.get("metadata")).get("namespace") + "/" + m(o.get("metadata")).get("name"))
                    .containsExactly("shop/web-ingress", "edge/web-egress");
            Map<String, Object> ingress = m(l(m(r.get(c).get(0).get("spec")).get("ingress")).get(0));
            assertThat(l(ingress.get("fromEndpoints"))).extracting(s -> m(m(s).get("matchLabels")).get(CLUSTER_LABEL))
                    .containsExactly("cluster1", "cluster2", "cluster3");
            assertThat(l(ingress.get("fromEndpoints"))).allSatisfy(s -> assertThat(m(m(s).get("matchLabels"))).containsEntry(NAMESPACE_LABEL, "edge"));
            assertThat(ingress).doesNotContainKey("toPorts");
        }
    }

    @Test
    void bothWaysAddsTheReverseRules() {
        ClusterMeshPolicy p = ClusterMeshPolicy.named("pair").from(PolicyPeer.labels("app", "a").in("cluster1"))
                .to(PolicyPeer.labels("app", "b").in("cluster2")).bothWays().build();
        Map<String, List<Map<String, Object>>> r = p.render(MESH);
        assertThat(r.get("cluster1")).extracting(o -> m(o.get("metadata")).get("name")).containsExactly("pair-egress", "pair-reverse-ingress");
        assertThat(r.get("cluster2")).extracting(o -> m(o.get("metadata")).get("name")).containsExactly("pair-ingress", "pair-reverse-egress");
        Map<String, Object> reverse = m(r.get("cluster1").get(1).get("spec"));
        assertThat(m(reverse.get("endpointSelector")).get("matchLabels")).isEqualTo(Map.of("app", "a", CLUSTER_LABEL, "cluster1"));
        assertThat(m(m(l(m(l(reverse.get("ingress")).get(0)).get("fromEndpoints")).get(0)).get("matchLabels")))
                .containsEntry("app", "b").containsEntry(CLUSTER_LABEL, "cluster2");
    }

    @Test
    void everySelectorProblemIsReportedAtOnceAndNothingIsWritten() {
        ClusterMeshPolicy bad = ClusterMeshPolicy.named("Bad_Name").namespace("Default")
                .from(PolicyPeer.labels(Map.of("app", "ok", "-bad-key", "x", "tier", "not valid!", CLUSTER_LABEL, "cluster1")).in("cluster1", "cluster9"))
                .to(PolicyPeer.labels(Map.of()))
                .port(0, "TCP").port(80, "HTTP")
                .build();
        List<Finding> f = bad.validate(MESH);
        assertThat(f).extracting(Finding::code).containsExactlyInAnyOrder("POLICY_NAME_INVALID", "POLICY_NAMESPACE_INVALID",
                "POLICY_LABEL_KEY_INVALID", "POLICY_LABEL_VALUE_INVALID", "POLICY_CLUSTER_LABEL_GIVEN", "POLICY_CLUSTER_UNKNOWN",
                "POLICY_SELECTOR_EMPTY", "POLICY_PORT_INVALID", "POLICY_PORT_INVALID");
        assertThat(f).allSatisfy(x -> assertThat(x.isError()).isTrue());
        assertThat(f).filteredOn(x -> x.code().equals("POLICY_CLUSTER_UNKNOWN")).singleElement()
                .satisfies(x -> assertThat(x.remediation()).contains("cluster1, cluster2, cluster3"));
        assertThatThrownBy(() -> bad.apply(mesh)).isInstanceOfSatisfying(MeshConfigurationException.class,
                e -> assertThat(e.findings()).hasSize(9));
        for (String c : MESH) {
            assertThat(clusters.admin(c).genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inAnyNamespace().list().getItems()).isEmpty();
        }
        assertThat(PolicyPeer.labels("k8s:app", "web").labels()).containsKey("k8s:app");
        assertThat(ClusterMeshPolicy.named("ok").from(PolicyPeer.labels("k8s:app", "web")).to(PolicyPeer.labels("example.com/role", "db"))
                .build().validate(MESH)).isEmpty();
        assertThatThrownBy(() -> ClusterMeshPolicy.named("x").from(PolicyPeer.labels("a", "b")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs to endpoints");
    }

    @Test
    void aClusterWithoutCiliumIsAPreconditionAndNothingIsWritten() {
        clusters.admin("cluster3").apiextensions().v1().customResourceDefinitions().withName(ClusterMeshPolicy.CRD_NAME).delete();
        assertThatThrownBy(() -> xWingToRebelBase().apply(mesh))
                .isInstanceOfSatisfying(io.clustermesh.MeshPreconditionException.class, e -> {
                    assertThat(e.cluster()).isEqualTo("cluster3");
                    assertThat(e.getMessage()).isEqualTo("cluster3 has no CustomResourceDefinition ciliumnetworkpolicies.cilium.io: Cilium is not"
                            + " installed there (or not ready yet); nothing was written");
                    assertThat(e.remediation()).contains("install Cilium");
                });
        assertThat(clusters.admin("cluster1").genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inAnyNamespace().list().getItems()).isEmpty();
    }

    @Test
    void appliedToEveryClusterReadBackAndIdempotent() {
        ClusterMeshPolicy p = xWingToRebelBase();
        PolicyReport first = p.apply(mesh);
        assertThat(first.clusters()).extracting(PolicyReport.ClusterResult::created).containsExactly(
                List.of("default/x-wing-to-rebel-base-egress"), List.of("default/x-wing-to-rebel-base-ingress"), List.of());
        Map<String, List<Map<String, Object>>> rendered = p.render(MESH);
        for (String c : MESH) {
            List<GenericKubernetesResource> stored = clusters.admin(c).genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy")
                    .inNamespace("default").list().getItems();
            assertThat(stored).hasSize(rendered.get(c).size());
            for (GenericKubernetesResource s : stored) {
                Map<String, Object> want = rendered.get(c).stream().filter(o -> m(o.get("metadata")).get("name").equals(s.getMetadata().getName()))
                        .findFirst().orElseThrow();
                assertThat(s.getAdditionalProperties().get("spec")).isEqualTo(want.get("spec"));
                assertThat(s.getMetadata().getLabels()).isEqualTo(m(want.get("metadata")).get("labels"));
            }
        }
        String rv = clusters.admin("cluster2").genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace("default")
                .withName("x-wing-to-rebel-base-ingress").get().getMetadata().getResourceVersion();

        PolicyReport again = p.apply(mesh);
        assertThat(again.changed()).isFalse();
        assertThat(again.clusters().get(1).unchanged()).containsExactly("default/x-wing-to-rebel-base-ingress");
        assertThat(clusters.admin("cluster2").genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace("default")
                .withName("x-wing-to-rebel-base-ingress").get().getMetadata().getResourceVersion()).isEqualTo(rv);

        // rebel-base moves to cluster3: cluster2's rule goes, cluster3 gets one, cluster1's egress now names cluster3
        ClusterMeshPolicy moved = ClusterMeshPolicy.named("x-wing-to-rebel-base").namespace("default")
                .from(PolicyPeer.labels("name", "x-wing").in("cluster1"))
                .to(PolicyPeer.labels("name", "rebel-base").in("cluster3")).port(80, "TCP").build();
        PolicyReport third = moved.apply(mesh);
        assertThat(third.clusters().get(0).updated()).containsExactly("default/x-wing-to-rebel-base-egress");
        assertThat(third.clusters().get(1).deleted()).containsExactly("default/x-wing-to-rebel-base-ingress");
        assertThat(third.clusters().get(2).created()).containsExactly("default/x-wing-to-rebel-base-ingress");
        assertThat(clusters.admin("cluster2").genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace("default")
                .list().getItems()).isEmpty();
    }
}
