package io.clustermesh.testing.mcs;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.ServiceUpdate;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabWorkloads;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.SimulatedCilium;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cilium 1.20 global namespaces on a 3-cluster lab installed by real Helm from the official 1.20.0-pre.3 chart with
 * {@code clustermesh.defaultGlobalNamespace: false}: a global service in a namespace without
 * {@code clustermesh.cilium.io/global: "true"} is not exported (the lab's clustermesh-apiservers decide from the
 * rendered cilium-config and the namespace annotation) and {@code services().check(..)} warns about it; after
 * {@code services().global(..).apply()} marks the namespace, the peers see it.
 */
class GlobalNamespaceLabTest {
    private static final String NS = "shop";
    private static final String SVC = "checkout";
    private static final String CONTROL_NS = "shared";
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    @Test
    void aGlobalServiceInANonGlobalNamespaceIsNotExportedUntilTheSdkMarksTheNamespace() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.20.0-pre.3")).cilium(CiliumOptions.version("1.20.0-pre.3").withDefaultGlobalNamespace(false)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport up = mesh.apply(mesh.plan());
            assertThat(up.succeeded()).as(up.toText()).isTrue();
            assertThat(lab.cluster("cluster1").client().configMaps().inNamespace("kube-system").withName("cilium-config").get().getData())
                    .as("what the real chart rendered").containsEntry("clustermesh-default-global-namespace", "false");

            for (LabCluster c : lab.clusters()) {
                LabWorkloads.deploy(c, NS, SVC, 1);
                LabWorkloads.deploy(c, CONTROL_NS, SVC, 1);
                c.client().namespaces().withName(CONTROL_NS).edit(n -> {
                    n.getMetadata().setAnnotations(Map.of("clustermesh.cilium.io/global", "true"));
                    return n;
                });
                // the user annotates both Services global by hand, without marking shop global
                for (String ns : List.of(NS, CONTROL_NS)) {
                    c.client().services().inNamespace(ns).withName(SVC).edit(s -> {
                        s.getMetadata().setAnnotations(Map.of("service.cilium.io/global", "true"));
                        return s;
                    });
                }
            }
            // the control Service in a global namespace reaches every peer: the agents have synced
            await(() -> CLUSTERS.stream().allMatch(c -> seenFromEveryPeer(lab, c, CONTROL_NS)), "shared/checkout synced to every peer");
            for (String c : CLUSTERS) {
                assertThat(seenByAnyPeer(lab, c, NS)).as("shop/checkout of " + c + " is not exported").isFalse();
            }
            List<Finding> warned = mesh.services().check(NS, SVC);
            assertThat(warned).filteredOn(f -> f.code().equals("GLOBAL_SERVICE_NAMESPACE_NOT_GLOBAL"))
                    .extracting(Finding::cluster).containsExactly("cluster1", "cluster2", "cluster3");
            assertThat(warned).filteredOn(f -> f.code().equals("GLOBAL_SERVICE_NAMESPACE_NOT_GLOBAL")).first()
                    .satisfies(f -> {
                        assertThat(f.message()).contains("namespace shop is not global").contains("not exported");
                        assertThat(f.remediation()).contains("clustermesh.cilium.io/global: \"true\"");
                    });
            assertThat(mesh.services().check(CONTROL_NS, SVC)).extracting(Finding::code).doesNotContain("GLOBAL_SERVICE_NAMESPACE_NOT_GLOBAL");

            // the routes the SDK predicts agree with the lab's agents: each cluster serves its own backends only
            assertThat(mesh.services().awaitRoutes(NS, SVC, java.time.Duration.ofSeconds(30)))
                    .allSatisfy(r -> assertThat(servingClusters(r)).containsExactly(r.cluster()));

            ServiceUpdate update = mesh.services().global(NS, SVC).apply();
            assertThat(update.clusters()).allSatisfy(r -> assertThat(r.set())
                    .containsEntry("namespace/shop:clustermesh.cilium.io/global", "true"));
            for (LabCluster c : lab.clusters()) {
                assertThat(c.client().namespaces().withName(NS).get().getMetadata().getAnnotations())
                        .containsEntry("clustermesh.cilium.io/global", "true");
            }
            await(() -> CLUSTERS.stream().allMatch(c -> seenFromEveryPeer(lab, c, NS)), "shop/checkout exported once the namespace is global");
            assertThat(mesh.services().check(NS, SVC)).extracting(Finding::code).doesNotContain("GLOBAL_SERVICE_NAMESPACE_NOT_GLOBAL");
            assertThat(mesh.services().awaitRoutes(NS, SVC, java.time.Duration.ofSeconds(30)))
                    .allSatisfy(r -> assertThat(servingClusters(r)).containsExactlyElementsOf(CLUSTERS));
        }
    }

    private static java.util.Set<String> servingClusters(io.clustermesh.ServiceRoute r) {
        return r.serving().stream().map(io.clustermesh.ServiceBackend::cluster).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static boolean seenFromEveryPeer(MeshLab lab, String exporter, String ns) {
        return CLUSTERS.stream().filter(p -> !p.equals(exporter)).allMatch(p -> sees(lab, p, exporter, ns));
    }

    private static boolean seenByAnyPeer(MeshLab lab, String exporter, String ns) {
        return CLUSTERS.stream().filter(p -> !p.equals(exporter)).anyMatch(p -> sees(lab, p, exporter, ns));
    }

    /** Whether the agents of {@code viewer} synced {@code ns/checkout} from {@code exporter}'s clustermesh-apiserver. */
    private static boolean sees(MeshLab lab, String viewer, String exporter, String ns) {
        return lab.cilium(viewer).remoteServices().getOrDefault(exporter, Map.of())
                .containsKey(SimulatedCilium.SERVICES_PREFIX + exporter + "/" + ns + "/" + SVC);
    }

    private static void await(BooleanSupplier condition, String what) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(condition::getAsBoolean);
    }
}
