package io.clustermesh.spring;

import io.clustermesh.Mesh;
import io.clustermesh.micrometer.MeshMetrics;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the starter does before it reaches a cluster: bad properties and bad spec files stop the start with every
 * finding (code, property, fix), the beans back off for the application's own, and everything can be switched off.
 */
class ClusterMeshAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ClusterMeshAutoConfiguration.class,
                    ClusterMeshHealthAutoConfiguration.class, ClusterMeshMetricsAutoConfiguration.class));

    private static final String[] TWO_CLUSTERS = {
            "clustermesh.kubeconfig=/nonexistent/kubeconfig",
            "clustermesh.clusters[0].name=cluster1", "clustermesh.clusters[0].id=1",
            "clustermesh.clusters[0].pod-cidr=10.1.0.0/16", "clustermesh.clusters[0].kube-context=cluster1",
            "clustermesh.clusters[1].name=cluster2", "clustermesh.clusters[1].id=2",
            "clustermesh.clusters[1].pod-cidr=10.2.0.0/16", "clustermesh.clusters[1].kube-context=cluster2"};

    /** Spring Boot's report of a startup failure, by the analyzer the starter registers. */
    private static FailureAnalysis analysis(Throwable failure) throws Exception {
        Properties factories = new Properties();
        try (InputStream in = ClusterMeshAutoConfigurationTest.class.getResourceAsStream("/META-INF/spring.factories")) {
            factories.load(in);
        }
        String name = factories.getProperty(FailureAnalyzer.class.getName()).trim();
        FailureAnalyzer analyzer = (FailureAnalyzer) Class.forName(name).getDeclaredConstructor().newInstance();
        FailureAnalysis a = analyzer.analyze(failure);
        assertThat(a).as("the analyzer recognises %s", failure).isNotNull();
        return a;
    }

    @Test
    void badPropertiesFailTheStartNamingEveryPropertyAndItsFix() {
        runner.withPropertyValues(TWO_CLUSTERS)
                .withPropertyValues("clustermesh.clusters[1].pod-cidr=10.1.128.0/17", // inside cluster1's
                        "clustermesh.clusters[1].id=300", "clustermesh.exposure.type=ingress")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).hasRootCauseInstanceOf(MeshConfigurationFailure.class);
                    FailureAnalysis a = analysis(ctx.getStartupFailure());
                    System.out.println(a.getDescription() + "\n" + a.getAction());
                    assertThat(a.getDescription())
                            .contains("clustermesh.* properties")
                            .contains("POD_CIDR_OVERLAP [cluster2] clustermesh.clusters[1].pod-cidr")
                            .contains("CLUSTER_ID_OUT_OF_RANGE [cluster2] clustermesh.clusters[1].id")
                            .contains("SPEC_INVALID_VALUE clustermesh.exposure.type")
                            .doesNotContain("spec.").doesNotContain("Exception");
                    assertThat(a.getAction())
                            .contains("clustermesh.clusters[1].pod-cidr: give each cluster a distinct range (clustermesh.clusters[1].pod-cidr)")
                            .contains("clustermesh.clusters[1].id: use an id between 1 and 255, or set clustermesh.cilium.max-connected-clusters: 511")
                            .doesNotContain("spec.")
                            .contains("clustermesh.exposure.type: set clustermesh.exposure.type to azure-internal-lb, load-balancer or node-port");
                    // nothing was built
                    assertThat(ctx.getStartupFailure()).isNotNull();
                });
    }

    @Test
    void noClusterConfiguredSaysWhatToSet() {
        runner.run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis a = analysis(ctx.getStartupFailure());
            assertThat(a.getDescription()).contains("SPEC_MISSING_FIELD clustermesh.clusters").contains("no cluster is configured");
            assertThat(a.getAction()).contains("clustermesh.spec-file").contains("clustermesh.enabled=false");
        });
    }

    @Test
    void aBadSpecFileFailsTheStartNamingTheFileAndTheSpecPath(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: filed}
                spec:
                  clusters:
                    - {name: cluster1, id: 1, podCidr: 10.1.0.0/16, kubeContext: cluster1}
                    - {name: cluster2, id: 2, podCidr: not-a-cidr, kubeContext: cluster2}
                """);
        runner.withPropertyValues("clustermesh.spec-file=" + spec).run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis a = analysis(ctx.getStartupFailure());
            assertThat(a.getDescription()).contains(spec.toString()).contains("[cluster2] spec.clusters[1].podCidr");
            assertThat(a.getAction()).contains("in " + spec).contains("spec.clusters[1].podCidr: ");
        });
    }

    @Test
    void aSpecFileAndSpecPropertiesTogetherAreAConflict(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: filed}
                spec:
                  clusters:
                    - {name: cluster1, id: 1, podCidr: 10.1.0.0/16, kubeContext: cluster1}
                """);
        runner.withPropertyValues(TWO_CLUSTERS).withPropertyValues("clustermesh.spec-file=" + spec).run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(analysis(ctx.getStartupFailure()).getDescription()).contains("SPEC_CONFLICT clustermesh.spec-file");
        });
    }

    @Test
    void goodPropertiesGiveTheBeansAndNoReconcileUnlessAskedFor() {
        runner.withPropertyValues(TWO_CLUSTERS).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(Mesh.class).hasSingleBean(MeshHealthIndicator.class)
                    .hasSingleBean(MeshMetrics.class).hasSingleBean(MeshStatusCache.class).doesNotHaveBean(MeshReconciler.class);
            Mesh mesh = ctx.getBean(Mesh.class);
            assertThat(mesh.spec().clusters()).extracting(MeshCluster::name).containsExactly("cluster1", "cluster2");
            ClusterAccess access = mesh.spec().clusters().get(0).access();
            assertThat(access.context()).hasValue("cluster1");
            assertThat(access.kubeconfigFile()).hasValue(Path.of("/nonexistent/kubeconfig"));
            assertThat(access.execAllowed()).as("no credential plugin unless clustermesh.allow-exec").isFalse();
            assertThat(ctx.getBean(MeshStatusCache.class).cacheFor()).hasSeconds(30);
        });
        runner.withPropertyValues(TWO_CLUSTERS).withPropertyValues("clustermesh.reconcile.enabled=true",
                "clustermesh.reconcile.initial-delay=1h", "clustermesh.status.cache-for=5s").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(MeshReconciler.class);
            assertThat(ctx.getBean(MeshReconciler.class).isRunning()).isTrue();
            assertThat(ctx.getBean(MeshStatusCache.class).cacheFor()).hasSeconds(5);
        });
    }

    @Test
    void theApplicationsOwnBeansWinAndEverythingCanBeSwitchedOff() {
        runner.withBean(Mesh.class, () -> Mesh.builder()
                        .cluster(MeshCluster.named("mine").withId(7).withPodCidr("10.7.0.0/16").withAccess(ClusterAccess.kubeContext("mine")))
                        .cluster(MeshCluster.named("yours").withId(8).withPodCidr("10.8.0.0/16").withAccess(ClusterAccess.kubeContext("yours")))
                        .build(), d -> d.setDestroyMethodName("close"))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(MeshSpecSource.class)
                            .hasSingleBean(MeshHealthIndicator.class);
                    assertThat(ctx.getBean(Mesh.class).spec().clusters()).extracting(MeshCluster::name).containsExactly("mine", "yours");
                });
        runner.withPropertyValues(TWO_CLUSTERS).withPropertyValues("management.health.clustermesh.enabled=false").run(ctx ->
                assertThat(ctx).hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(MeshHealthIndicator.class));
        runner.withPropertyValues("clustermesh.enabled=false").run(ctx ->
                assertThat(ctx).hasNotFailed().doesNotHaveBean(Mesh.class).doesNotHaveBean(MeshHealthIndicator.class)
                        .doesNotHaveBean(MeshMetrics.class));
    }
}
