package io.clustermesh.testing.day2;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live objects changed behind the SDK's back: the plan names the drift, status is unhealthy with the fix "run apply",
 * apply repairs it without waiting out a deadline, and the next plan writes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriftRepairTest {
    private static final String NS = "kube-system";
    private MeshLab lab;
    private Mesh mesh;

    @BeforeAll
    void meshUp() {
        lab = MeshLab.builder().clusters(3).start();
        mesh = lab.meshBuilder().build();
        MeshReport first = mesh.apply(mesh.plan());
        assertThat(first.succeeded()).as(first.toText()).isTrue();
    }

    @AfterAll
    void meshDown() {
        if (mesh != null) mesh.close();
        if (lab != null) lab.close();
    }

    private io.clustermesh.spi.ClusterConnection connection(String cluster) {
        return new io.clustermesh.cilium.kube.Fabric8ClusterTransport().connect(lab.spec().cluster(cluster).orElseThrow(), MeshLab.timeouts());
    }

    /** {@code helm upgrade --reset-values} without the SDK's values: the release keeps the chart's defaults only. */
    @org.junit.jupiter.api.Test
    void valuesResetByAHelmUpgradeAreNamedAndRestored() {
        try (var conn = connection("cluster3")) {
            var current = HelmStorage.current(conn, NS, "cilium").orElseThrow();
            lab.helmTransport().upgradeInstall(conn, lab.spec().cluster("cluster3").orElseThrow(), new io.clustermesh.spi.HelmRequest(NS, "cilium",
                    "cilium", null, current.chartVersion(), java.util.Map.of(), Duration.ofMinutes(1)));
        }
        MeshPlan plan = mesh.plan();
        assertThat(plan.findings()).as(plan.toText()).extracting(Finding::code).contains("DRIFT_RELEASE_VALUES_RESET");
        assertThat(plan.findings().stream().filter(x -> x.code().equals("DRIFT_RELEASE_VALUES_RESET")).findFirst().orElseThrow().message())
                .contains("cluster3").contains("clustermesh.config.clusters").contains("35975");
        MeshReport repair = mesh.apply(plan);
        assertThat(repair.succeeded()).as(repair.toText()).isTrue();
        MeshPlan again = mesh.plan();
        assertThat(again.writeSteps()).as(again.toText()).isZero();
        assertThat(healthyWithin(Duration.ofSeconds(30)).healthy()).isTrue();
    }

    static Stream<Arguments> drifts() {
        return Stream.of(
                Arguments.of("the cilium-kvstoremesh secret deleted", "DRIFT_PEER_CONFIG_MISSING", "cilium-kvstoremesh",
                        (Consumer<KubernetesClient>) k -> k.secrets().inNamespace(NS).withName("cilium-kvstoremesh").delete()),
                Arguments.of("the cilium-clustermesh secret deleted", "DRIFT_PEER_CONFIG_MISSING", "cilium-clustermesh",
                        (Consumer<KubernetesClient>) k -> k.secrets().inNamespace(NS).withName("cilium-clustermesh").delete()),
                Arguments.of("the clustermesh-apiserver scaled to 0", "DRIFT_APISERVER_SCALED_DOWN", "scaled to 0",
                        (Consumer<KubernetesClient>) k -> k.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver")
                                .edit(d -> { d.getSpec().setReplicas(0); return d; })),
                Arguments.of("the cilium-ca secret deleted", "DRIFT_CA_MISSING", "cilium-ca",
                        (Consumer<KubernetesClient>) k -> k.secrets().inNamespace(NS).withName("cilium-ca").delete()),
                Arguments.of("Helm's release records deleted (the objects remain)", "DRIFT_RELEASE_MISSING", null,
                        (Consumer<KubernetesClient>) k -> k.secrets().inNamespace(NS).withLabel("owner", "helm").withLabel("name", "cilium").delete()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drifts")
    void thePlanNamesTheDriftStatusSaysRunApplyAndApplyRepairsIt(String what, String code, String statusSays, Consumer<KubernetesClient> drift) {
        drift.accept(lab.cluster("cluster2").client());

        MeshPlan plan = mesh.plan();
        assertThat(plan.findings()).as(plan.toText()).extracting(Finding::code).contains(code);
        Finding f = plan.findings().stream().filter(x -> x.code().equals(code)).findFirst().orElseThrow();
        assertThat(f.cluster()).isEqualTo("cluster2");
        assertThat(f.remediation()).containsAnyOf("apply repairs it", "apply installs the release again");
        assertThat(plan.steps()).as(plan.toText()).anyMatch(s -> s.cluster().equals("cluster2") && s.kind().equals("helm-upgrade"));
        if (statusSays != null) {
            MeshStatus before = mesh.status();
            assertThat(before.healthy()).as(before.toText()).isFalse();
            assertThat(String.join("\n", before.cluster("cluster2").errors())).contains(statusSays).contains("run apply");
        }

        MeshReport repair = mesh.apply(plan);
        assertThat(repair.succeeded()).as(repair.toText()).isTrue();

        KubernetesClient k = lab.cluster("cluster2").client();
        assertThat(k.secrets().inNamespace(NS).withName("cilium-kvstoremesh").get()).as("restored").isNotNull();
        assertThat(k.secrets().inNamespace(NS).withName("cilium-clustermesh").get()).as("restored").isNotNull();
        assertThat(k.secrets().inNamespace(NS).withName("cilium-ca").get()).as("restored").isNotNull();
        assertThat(k.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver").get().getSpec().getReplicas()).isEqualTo(1);
        try (var conn = connection("cluster2")) {
            assertThat(HelmStorage.current(conn, NS, "cilium")).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo("deployed"));
        }

        MeshPlan again = mesh.plan();
        assertThat(again.findings()).as(again.toText()).noneMatch(x -> x.code().startsWith("DRIFT_"));
        assertThat(again.writeSteps()).as(again.toText()).isZero();
        // a repair that re-issued certificates (a re-installed release) restarts the clustermesh-apiserver: its peers
        // reconnect a moment after apply's own checks passed
        MeshStatus after = healthyWithin(Duration.ofSeconds(30));
        assertThat(after.healthy()).as(after.toText()).isTrue();
    }

    /**
     * The status once every simulated agent sees every peer ready again: waits on the simulator's passes (a condition
     * with a deadline, no polling), then reads the status the user would.
     */
    private MeshStatus healthyWithin(Duration limit) {
        for (var c : lab.clusters()) {
            lab.cilium(c.name()).awaitRemotes(r -> r.size() == lab.clusters().size() - 1
                    && r.stream().allMatch(io.clustermesh.testing.sim.RemoteClusterState::ready), limit);
        }
        return mesh.status();
    }
}
