package io.clustermesh.cilium.services;

import io.clustermesh.Affinity;
import io.clustermesh.ErrorCode;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshServices;
import io.clustermesh.ProbeAnswer;
import io.clustermesh.ProbeResult;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;
import io.clustermesh.ServiceUpdate;
import io.clustermesh.cilium.MockClusters;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.TrafficProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.clustermesh.ServiceSetting.AFFINITY;
import static io.clustermesh.ServiceSetting.GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_SHARED;
import static io.clustermesh.ServiceSetting.SHARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Global services on three CRUD mock API servers (one per cluster), through Mesh.services(). */
class CiliumMeshServicesTest {
    static final String NS = "meshtest";
    static final String SVC = "aks-helloworld-one";

    MockClusters clusters;
    Mesh mesh;

    @BeforeEach
    void start() {
        clusters = new MockClusters("cluster1", "cluster2", "cluster3").namespace(NS);
    }

    @AfterEach
    void stop() {
        if (mesh != null) mesh.close();
        clusters.close();
    }

    MeshServices services() {
        if (mesh == null) {
            mesh = clusters.mesh(new MockClusters.ServicesDriver(CiliumMeshServices::new)).build();
        }
        return mesh.services();
    }

    void seedArticle() {
        for (String c : clusters.names()) {
            clusters.service(c, NS, SVC, "ClusterIP", Map.of());
        }
        clusters.endpoints("cluster1", NS, SVC, "10.10.0.5", "10.10.0.6");
        clusters.endpoints("cluster2", NS, SVC, "10.20.0.5");
        clusters.endpoints("cluster3", NS, SVC, "10.30.0.5");
    }

    Map<String, String> annotations(String cluster) {
        Map<String, String> a = clusters.admin(cluster).services().inNamespace(NS).withName(SVC).get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    @Test
    void applyAnnotatesEveryClusterOnceAndReadsBack() {
        seedArticle();
        ServiceUpdate first = services().global(NS, SVC).apply();
        assertThat(first.changedClusters()).containsExactly("cluster1", "cluster2", "cluster3");
        assertThat(first.clusters()).allSatisfy(c -> {
            assertThat(c.set()).isEqualTo(Map.of(GLOBAL, "true"));
            assertThat(c.after().global()).isTrue();
            assertThat(c.after().shared()).isTrue();
        });
        assertThat(first.allFindings()).isEmpty();
        for (String c : clusters.names()) {
            assertThat(annotations(c)).containsEntry(GLOBAL, "true");
        }
        String rv = clusters.admin("cluster2").services().inNamespace(NS).withName(SVC).get().getMetadata().getResourceVersion();

        ServiceUpdate again = services().global(NS, SVC).apply();
        assertThat(again.changed()).isFalse();
        assertThat(clusters.admin("cluster2").services().inNamespace(NS).withName(SVC).get().getMetadata().getResourceVersion())
                .as("nothing written the second time").isEqualTo(rv);
    }

    @Test
    void theArticlesSecondActFromCluster2OnlyCluster3Answers() {
        seedArticle();
        MeshServices s = services();
        s.global(NS, SVC).apply();
        assertThat(s.routes(NS, SVC)).allSatisfy(r -> assertThat(r.servingClusters()).containsExactlyInAnyOrder("cluster1", "cluster2", "cluster3"));

        ServiceUpdate notShared = s.global(NS, SVC).shared(false).in("cluster1").apply();
        assertThat(notShared.changedClusters()).containsExactly("cluster1");
        assertThat(notShared.clusters().get(0).set()).isEqualTo(Map.of(SHARED, "false"));
        ServiceUpdate remote = s.global(NS, SVC).affinity(Affinity.REMOTE).in("cluster2").apply();
        assertThat(remote.changedClusters()).containsExactly("cluster2");
        assertThat(annotations("cluster1")).containsEntry(SHARED, "false");
        assertThat(annotations("cluster2")).containsEntry(AFFINITY, "remote");

        List<ServiceSetting> settings = s.settings(NS, SVC);
        assertThat(settings).extracting(ServiceSetting::cluster, ServiceSetting::shared, ServiceSetting::affinity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("cluster1", false, Affinity.NONE),
                org.assertj.core.groups.Tuple.tuple("cluster2", true, Affinity.REMOTE),
                org.assertj.core.groups.Tuple.tuple("cluster3", true, Affinity.NONE));

        List<ServiceRoute> routes = s.routes(NS, SVC);
        assertThat(routes.get(1).cluster()).isEqualTo("cluster2");
        assertThat(routes.get(1).servingClusters()).containsExactly("cluster3");
        assertThat(routes.get(1).serving()).extracting(ServiceBackend::address).containsExactly("10.30.0.5");
        assertThat(routes.get(0).servingClusters()).containsExactly("cluster1", "cluster2", "cluster3");
        assertThat(routes.get(2).servingClusters()).containsExactly("cluster3", "cluster2");
        assertThat(routes.get(1).serving().get(0).pod()).isEqualTo(SVC + "-cluster3-0");
    }

    @Test
    void legacyAnnotationsAreReadAndRewrittenCanonically() {
        clusters.service("cluster1", NS, SVC, "ClusterIP", Map.of(LEGACY_GLOBAL, "true", LEGACY_SHARED, "false"));
        clusters.service("cluster2", NS, SVC, "ClusterIP", Map.of(LEGACY_GLOBAL, "true"));
        clusters.service("cluster3", NS, SVC, "ClusterIP", Map.of(LEGACY_GLOBAL, "true"));
        MeshServices s = services();
        ServiceSetting before = s.settings(NS, SVC).get(0);
        assertThat(before.global()).isTrue();
        assertThat(before.shared()).isFalse();
        assertThat(s.check(NS, SVC)).extracting(Finding::code).contains(GlobalServiceChecks.LEGACY_ANNOTATION);

        ServiceUpdate u = s.global(NS, SVC).in("cluster1").apply();
        assertThat(u.clusters().get(0).set()).isEqualTo(Map.of(GLOBAL, "true", SHARED, "false"));
        assertThat(u.clusters().get(0).removed()).containsExactly(LEGACY_GLOBAL, LEGACY_SHARED);
        assertThat(annotations("cluster1")).isEqualTo(Map.of(GLOBAL, "true", SHARED, "false"));
        assertThat(u.clusters().get(0).after().shared()).as("meaning kept").isFalse();
        assertThat(u.clusters().get(0).after().usesLegacyAnnotations()).isFalse();
    }

    @Test
    void affinityNoneRemovesTheAnnotationAndRemoveUndoesEverything() {
        clusters.service("cluster1", NS, SVC, "ClusterIP", Map.of(GLOBAL, "true", AFFINITY, "local", "team", "web"));
        clusters.service("cluster2", NS, SVC, "ClusterIP", Map.of(GLOBAL, "true"));
        clusters.service("cluster3", NS, SVC, "ClusterIP", Map.of(GLOBAL, "true"));
        MeshServices s = services();
        ServiceUpdate none = s.global(NS, SVC).affinity(Affinity.NONE).in("cluster1").apply();
        assertThat(none.clusters().get(0).removed()).containsExactly(AFFINITY);
        assertThat(annotations("cluster1")).isEqualTo(Map.of(GLOBAL, "true", "team", "web"));

        ServiceUpdate removed = s.global(NS, SVC).remove();
        assertThat(removed.changedClusters()).containsExactly("cluster1", "cluster2", "cluster3");
        assertThat(annotations("cluster1")).as("other annotations stay").isEqualTo(Map.of("team", "web"));
        assertThat(annotations("cluster2")).isEmpty();
        assertThat(s.list()).isEmpty();
    }

    @Test
    void aMissingServiceIsReportedNotCreated() {
        clusters.service("cluster1", NS, SVC, "ClusterIP", Map.of());
        clusters.service("cluster2", NS, SVC, "ClusterIP", Map.of());
        ServiceUpdate u = services().global(NS, SVC).apply();
        assertThat(u.changedClusters()).containsExactly("cluster1", "cluster2");
        ServiceUpdate.ClusterResult c3 = u.clusters().get(2);
        assertThat(c3.changed()).isFalse();
        assertThat(c3.after().exists()).isFalse();
        assertThat(c3.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(GlobalServiceChecks.MISSING);
            assertThat(f.cluster()).isEqualTo("cluster3");
            assertThat(f.message()).contains("nothing was written");
        });
        assertThat(u.findings()).extracting(Finding::code, Finding::cluster)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GlobalServiceChecks.MISSING, "cluster3"));
        assertThat(clusters.admin("cluster3").services().inNamespace(NS).withName(SVC).get()).isNull();
    }

    @Test
    void unknownClustersAreAConfigurationError() {
        seedArticle();
        assertThatThrownBy(() -> services().global(NS, SVC).in("cluster9", "cluster1").apply())
                .isInstanceOfSatisfying(MeshConfigurationException.class, e -> {
                    assertThat(e.getMessage()).contains("cluster9 is not a cluster of mesh");
                    assertThat(e.remediation()).contains("cluster1, cluster2, cluster3");
                });
        assertThat(annotations("cluster1")).as("nothing written").isEmpty();
    }

    @Test
    void listShowsEveryAnnotatedServiceInEveryCluster() {
        seedArticle();
        clusters.service("cluster2", NS, "other", "ClusterIP", Map.of(SHARED, "false"));
        clusters.service("cluster3", NS, "plain", "ClusterIP", Map.of());
        MeshServices s = services();
        s.global(NS, SVC).in("cluster1", "cluster2").apply();
        List<ServiceSetting> all = s.list();
        assertThat(all).extracting(x -> x.name() + "@" + x.cluster() + "=" + (x.exists() ? x.global() : "missing")).containsExactly(
                SVC + "@cluster1=true", SVC + "@cluster2=true", SVC + "@cluster3=false",
                "other@cluster1=missing", "other@cluster2=false", "other@cluster3=missing");
        assertThat(s.check(NS, SVC)).extracting(Finding::code, Finding::cluster)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GlobalServiceChecks.ONE_SIDED, "cluster3"));
        assertThat(s.check(NS, "other")).extracting(Finding::code).containsExactly(GlobalServiceChecks.ANNOTATION_IGNORED);
    }

    @Test
    void aGlobalNodePortServiceWithoutKubeProxyReplacementIsFlagged() {
        for (String c : clusters.names()) {
            clusters.service(c, NS, SVC, "NodePort", Map.of(GLOBAL, "true"));
        }
        mesh = clusters.mesh(new MockClusters.ServicesDriver(CiliumMeshServices::new))
                .cilium(CiliumOptions.defaults().withKubeProxyReplacement(false)).build();
        List<Finding> f = mesh.services().check(NS, SVC);
        assertThat(f).extracting(Finding::code).containsOnly(GlobalServiceChecks.NODEPORT_WITHOUT_KPR).hasSize(3);
    }

    @Test
    void probingWithoutATrafficProbeSaysWhatToAdd() {
        seedArticle();
        assertThatThrownBy(() -> services().probe(NS, SVC).from("cluster2").requests(10))
                .isInstanceOfSatisfying(MeshException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.cluster()).isEqualTo("cluster2");
                    assertThat(e.getMessage()).contains("no TrafficProbe").contains("cluster2").contains(NS + "/" + SVC);
                    assertThat(e.remediation()).contains("Mesh.builder().trafficProbe").contains("clustermesh-testing").contains("routes(");
                });
        assertThatThrownBy(() -> services().probe(NS, SVC).from("nowhere").requests(1)).isInstanceOf(MeshConfigurationException.class);
    }

    /** A probe in the lab's manner: resolve like Cilium, then spread requests round-robin over the serving backends. */
    static final class ResolvingProbe implements TrafficProbe {
        private volatile Mesh mesh;

        @Override
        public List<ProbeAnswer> send(ClusterConnection from, String ns, String name, int requests) {
            ServiceRoute route = mesh.services().routes(ns, name).stream().filter(r -> r.cluster().equals(from.cluster())).findFirst().orElseThrow();
            List<ServiceBackend> serving = route.serving();
            List<ProbeAnswer> out = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                if (serving.isEmpty()) {
                    out.add(ProbeAnswer.failed("no backend: " + route.explanation()));
                } else {
                    ServiceBackend b = serving.get(i % serving.size());
                    out.add(ProbeAnswer.from(b.cluster(), b.address(), b.pod()));
                }
            }
            return out;
        }
    }

    @Test
    void aProbeGivenToTheBuilderAnswersTheArticlesCurl() {
        seedArticle();
        ResolvingProbe probe = new ResolvingProbe();
        mesh = clusters.mesh(new MockClusters.ServicesDriver(CiliumMeshServices::new)).trafficProbe(probe).build();
        probe.mesh = mesh;
        MeshServices s = mesh.services();
        s.global(NS, SVC).apply();
        ProbeResult all = s.probe(NS, SVC).from("cluster2").requests(40);
        assertThat(all.byCluster()).containsExactly(Map.entry("cluster1", 20), Map.entry("cluster2", 10), Map.entry("cluster3", 10));
        s.global(NS, SVC).shared(false).in("cluster1").apply();
        s.global(NS, SVC).affinity(Affinity.REMOTE).in("cluster2").apply();
        ProbeResult r = s.probe(NS, SVC).from("cluster2").requests(10);
        assertThat(r.byCluster()).containsExactly(Map.entry("cluster3", 10));
        assertThat(r.toString()).isEqualTo("cluster2 -> meshtest/aks-helloworld-one, 10 requests: cluster3 10");
    }

    @Test
    void aProbeThatLosesAnswersIsRejected() {
        seedArticle();
        TrafficProbe lossy = (from, ns, name, n) -> List.of(ProbeAnswer.failed("timeout"));
        mesh = clusters.mesh(new MockClusters.ServicesDriver(CiliumMeshServices::new)).trafficProbe(lossy).build();
        assertThatThrownBy(() -> mesh.services().probe(NS, SVC).from("cluster1").requests(3))
                .isInstanceOf(MeshException.class).hasMessageContaining("returned 1 answers for 3 requests");
    }
}
