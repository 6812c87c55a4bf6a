package io.clustermesh.testing.mcs;

import io.clustermesh.Finding;
import io.clustermesh.McsExport;
import io.clustermesh.McsImport;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.McsApi;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabWorkloads;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Multi-Cluster Services API on a 3-cluster lab installed by real Helm from the official 1.19.5 chart: the SDK writes
 * {@code clustermesh.mcsapi.*}, {@code services().exportMcs(..)} creates the {@code ServiceExport}s, and the lab's
 * operators ({@code LabMcsApi}, from the rendered cilium-config and the agents' real etcd connections) create the
 * {@code ServiceImport}s that {@code services().mcsImports(..)} reads back.
 */
class McsApiLabTest {
    private static final String NS = "shop";
    private static final String SVC = "checkout";

    @Test
    void anMcsExportIsVisibleAsAServiceImportFromTheOtherClusters() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.19.5")).cilium(CiliumOptions.version("1.19.5").withMcsApi(McsApi.ON)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            MeshReport up = mesh.apply(mesh.plan());
            assertThat(up.succeeded()).as(up.toText()).isTrue();
            for (LabCluster c : lab.clusters()) {
                assertThat(c.client().configMaps().inNamespace("kube-system").withName("cilium-config").get().getData())
                        .as("the real chart rendered MCS-API on " + c.name())
                        .containsEntry("clustermesh-enable-mcs-api", "true").containsEntry("clustermesh-mcs-api-install-crds", "true");
            }
            LabWorkloads.deploy(lab.cluster("cluster1"), NS, SVC, 1);
            LabWorkloads.deploy(lab.cluster("cluster2"), NS, SVC, 1);
            lab.cluster("cluster3").client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();

            assertThat(mesh.services().mcsImports(NS, SVC)).as("nothing is imported before an export").noneMatch(McsImport::present);

            McsExport export = mesh.services().exportMcs(NS, SVC);
            assertThat(export.exportedFrom()).containsExactly("cluster1", "cluster2");
            assertThat(export.created()).containsExactly("cluster1", "cluster2");
            assertThat(export.findings()).singleElement().satisfies(f -> {
                assertThat(f.cluster()).isEqualTo("cluster3");
                assertThat(f.message()).contains("cluster3 has no Service shop/checkout");
            });
            assertThat(lab.cluster("cluster1").client().genericKubernetesResources("multicluster.x-k8s.io/v1alpha1", "ServiceExport")
                    .inNamespace(NS).withName(SVC).get()).isNotNull();
            assertThat(mesh.services().exportMcs(NS, SVC).created()).as("exporting again writes nothing").isEmpty();

            List<McsImport> imports = awaitImports(mesh, 3);
            assertThat(imports).extracting(McsImport::cluster).containsExactly("cluster1", "cluster2", "cluster3");
            assertThat(imports).allSatisfy(i -> assertThat(i.exportingClusters()).as(i.cluster()).containsExactly("cluster1", "cluster2"));

            // the lab's truth follows the exports: when cluster2 stops exporting, every import names cluster1 only
            lab.cluster("cluster2").client().genericKubernetesResources("multicluster.x-k8s.io/v1alpha1", "ServiceExport")
                    .inNamespace(NS).withName(SVC).delete();
            Awaitility.await("every import names cluster1 only").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> mesh.services().mcsImports(NS, SVC).stream().allMatch(i -> i.exportingClusters().equals(List.of("cluster1"))));
            assertThat(mesh.services().mcsImports(NS, SVC)).allSatisfy(i -> assertThat(i.exportingClusters()).containsExactly("cluster1"));

            // a spec saying cluster2 runs without MCS-API: the export there is refused with a finding, nothing written
            List<io.clustermesh.model.MeshCluster> clusters = lab.spec().clusters().stream()
                    .map(c -> c.name().equals("cluster2") ? c.withCilium(CiliumOptions.version("1.19.5")) : c).toList();
            io.clustermesh.model.MeshSpec s = lab.spec();
            try (Mesh partial = lab.meshBuilder().spec(io.clustermesh.model.MeshSpec.of(s.name(), s.cilium(), s.ca(), s.exposure(),
                    s.azure(), clusters)).build()) {
                McsExport refused = partial.services().exportMcs(NS, SVC);
                assertThat(refused.exportedFrom()).containsExactly("cluster1");
                assertThat(refused.findings()).filteredOn(f -> f.code().equals("MCS_API_OFF")).singleElement().satisfies(f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.remediation()).contains("cilium.mcsApi: on");
                });
                assertThat(lab.cluster("cluster2").client().genericKubernetesResources("multicluster.x-k8s.io/v1alpha1", "ServiceExport")
                        .inNamespace(NS).withName(SVC).get()).isNull();
            }
        }
    }

    @Test
    void coreDnsAutoConfigurationNeedsCoreDns1122AndThePlanNamesTheVersion() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.19.5")).cilium(CiliumOptions.version("1.19.5").withMcsApi(McsApi.ON_COREDNS)).start();
             Mesh mesh = lab.meshBuilder().build()) {
            coredns(lab.cluster("cluster1"), "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-8");
            coredns(lab.cluster("cluster2"), "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.12.2-1");
            MeshPlan plan = mesh.plan();
            assertThat(plan.findings()).filteredOn(f -> f.code().startsWith("COREDNS")).as(plan.toText())
                    .extracting(Finding::code, Finding::cluster)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("COREDNS_TOO_OLD", "cluster1"),
                            org.assertj.core.groups.Tuple.tuple("COREDNS_VERSION_UNKNOWN", "cluster3"));
            Finding old = plan.findings().stream().filter(f -> f.code().equals("COREDNS_TOO_OLD")).findFirst().orElseThrow();
            assertThat(old.message()).contains("cluster1 runs CoreDNS 1.11.3").contains("1.12.2 or later");
            assertThat(old.remediation()).contains("cilium.mcsApi: on");
        }
    }

    private static void coredns(LabCluster c, String image) {
        Map<String, String> labels = Map.of("k8s-app", "kube-dns");
        c.client().apps().deployments().inNamespace("kube-system").resource(new DeploymentBuilder()
                .withNewMetadata().withName("coredns").withNamespace("kube-system").endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("coredns").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
    }

    /** The imports once every cluster has one fed by both exporters (30 s at most); else the last read, for the assertions. */
    private static List<McsImport> awaitImports(Mesh mesh, int clusters) {
        AtomicReference<List<McsImport>> last = new AtomicReference<>(List.of());
        try {
            return Awaitility.await("ServiceImports in " + clusters + " clusters").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        List<McsImport> now = mesh.services().mcsImports(NS, SVC);
                        last.set(now);
                        return now;
                    }, now -> now.stream().filter(McsImport::present).count() == clusters
                            && now.stream().allMatch(i -> i.exportingClusters().size() == 2));
        } catch (ConditionTimeoutException e) {
            return last.get();
        }
    }
}
