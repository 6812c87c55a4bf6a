package io.clustermesh.testing.policy;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.cilium.policy.ClusterMeshPolicy;
import io.clustermesh.cilium.policy.PolicyPeer;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.LabPolicies;
import io.clustermesh.testing.sim.LabPolicies.Endpoint;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * From Cilium 1.19 a policy selector without {@code io.cilium.k8s.policy.cluster} matches the local cluster only
 * ({@code clustermesh.policyDefaultLocalCluster}, default true from 1.19, false on 1.18). On a mesh of a 1.18 and two
 * 1.19 clusters installed by real Helm from the official charts, the same {@link ClusterMeshPolicy} must allow the same
 * peers on every line; the lab decides what is allowed from the stored policies and each cluster's rendered
 * {@code cilium-config} ({@link LabPolicies}), and shows that a policy without cluster labels does not.
 */
class PolicyDefaultLocalClusterTest {
    private static final String NS = "shop";
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    @Test
    void theSameClusterMeshPolicyAllowsTheSamePeersOn118And119() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.19.5")).cilium(CiliumOptions.version("1.19.5")).start()) {
            MeshSpec mixed = withCilium(lab.spec(), "cluster1", CiliumOptions.version("1.18.11"));
            try (Mesh mesh = lab.meshBuilder().spec(mixed).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.findings()).as(plan.toText())
                        .anySatisfy(f -> {
                            assertThat(f.code()).isEqualTo("POLICY_DEFAULT_LOCAL_CLUSTER_MIXED");
                            assertThat(f.severity().name()).isEqualTo("WARNING");
                            assertThat(f.message()).contains("only the local cluster on cluster2, cluster3").contains("every cluster on cluster1");
                        });
                assertThat(plan.notes().get("cluster2.policyDefaultLocalCluster")).isEqualTo("chart 1.19.5: a network policy selector "
                        + "without io.cilium.k8s.policy.cluster matches only endpoints of cluster2 (clustermesh.policyDefaultLocalCluster true, the line's default)");
                assertThat(plan.notes().get("cluster1.policyDefaultLocalCluster")).contains("matches endpoints of every cluster of the mesh");
                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();

                // what the real charts rendered: 1.18 keeps every cluster, 1.19 the local one
                assertThat(ciliumConfig(lab.cluster("cluster1"))).containsEntry("policy-default-local-cluster", "false");
                assertThat(ciliumConfig(lab.cluster("cluster2"))).containsEntry("policy-default-local-cluster", "true");

                ClusterMeshPolicy policy = ClusterMeshPolicy.named("frontend-to-backend").namespace(NS)
                        .from(PolicyPeer.labels(Map.of("app", "frontend")).in("cluster1", "cluster2", "cluster3"))
                        .to(PolicyPeer.labels(Map.of("app", "backend")).in("cluster1", "cluster2"))
                        .port(8080, "TCP").build();
                assertThat(policy.apply(mesh).toString()).doesNotContain("failed");

                LabPolicies lp = lab.policies();
                // every frontend reaches the backends of cluster1 (1.18) and cluster2 (1.19); nothing else reaches them
                Set<String> expected = new LinkedHashSet<>();
                for (String from : CLUSTERS) {
                    for (String to : List.of("cluster1", "cluster2")) {
                        expected.add("frontend@" + from + "->backend@" + to);
                    }
                }
                assertThat(allowedIntoBackends(lp, List.of("cluster1", "cluster2"))).isEqualTo(expected);
            }

            // a policy written without cluster labels means different things on the two lines: the lab tells them apart
            for (String c : List.of("cluster1", "cluster2")) {
                lab.cluster(c).client().genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace(NS).delete();
                lab.cluster(c).client().genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace(NS)
                        .resource(naiveIngress()).create();
            }
            Set<String> naive = allowedIntoBackends(lab.policies(), List.of("cluster1", "cluster2"));
            assertThat(naive).contains("frontend@cluster3->backend@cluster1", "frontend@cluster2->backend@cluster1")
                    .contains("frontend@cluster2->backend@cluster2")
                    .doesNotContain("frontend@cluster1->backend@cluster2", "frontend@cluster3->backend@cluster2");
        }
    }

    @Test
    void anExplicitPolicyDefaultIsWrittenFrom118AndMakesTheLinesAgree() {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.19.5")).cilium(CiliumOptions.version("1.19.5")).start()) {
            MeshSpec base = lab.spec();
            MeshSpec explicit = withCilium(MeshSpec.of(base.name(), base.cilium().withPolicyDefaultLocalCluster(true), base.ca(),
                    base.exposure(), base.azure(), base.clusters()), "cluster1", CiliumOptions.version("1.18.11").withPolicyDefaultLocalCluster(true));
            try (Mesh mesh = lab.meshBuilder().spec(explicit).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.findings()).extracting(Finding::code).doesNotContain("POLICY_DEFAULT_LOCAL_CLUSTER_MIXED");
                assertThat(plan.notes().get("cluster1.policyDefaultLocalCluster")).isEqualTo("chart 1.18.11: a network policy selector "
                        + "without io.cilium.k8s.policy.cluster matches only endpoints of cluster1 (clustermesh.policyDefaultLocalCluster true, as set)");
                assertThat(mesh.apply(plan).succeeded()).isTrue();
                assertThat(ciliumConfig(lab.cluster("cluster1"))).containsEntry("policy-default-local-cluster", "true");
                assertThat(ciliumConfig(lab.cluster("cluster2"))).containsEntry("policy-default-local-cluster", "true");
            }
        }
    }

    /** Every endpoint (frontend, backend, other in each cluster) that may open a connection to a backend of {@code to}. */
    private static Set<String> allowedIntoBackends(LabPolicies lp, List<String> to) {
        Set<String> allowed = new LinkedHashSet<>();
        for (String dst : to) {
            Endpoint backend = new Endpoint(dst, NS, Map.of("app", "backend"));
            for (String src : CLUSTERS) {
                for (String app : List.of("frontend", "backend", "other")) {
                    if (lp.allowed(new Endpoint(src, NS, Map.of("app", app)), backend)) {
                        allowed.add(app + "@" + src + "->backend@" + dst);
                    }
                }
            }
        }
        return allowed;
    }

    private static GenericKubernetesResource naiveIngress() {
        return new GenericKubernetesResourceBuilder().withApiVersion("cilium.io/v2").withKind("CiliumNetworkPolicy")
                .withNewMetadata().withName("naive-frontend-to-backend").withNamespace(NS).endMetadata()
                .addToAdditionalProperties("spec", Map.of(
                        "endpointSelector", Map.of("matchLabels", Map.of("app", "backend")),
                        "ingress", List.of(Map.of("fromEndpoints", List.of(Map.of("matchLabels", Map.of("app", "frontend")))))))
                .build();
    }

    private static Map<String, String> ciliumConfig(LabCluster c) {
        return c.client().configMaps().inNamespace("kube-system").withName("cilium-config").get().getData();
    }

    private static MeshSpec withCilium(MeshSpec s, String cluster, CiliumOptions override) {
        List<MeshCluster> clusters = new ArrayList<>();
        for (MeshCluster c : s.clusters()) {
            clusters.add(c.name().equals(cluster) ? c.withCilium(override) : c);
        }
        return MeshSpec.of(s.name(), s.cilium(), s.ca(), s.exposure(), s.azure(), clusters);
    }
}
