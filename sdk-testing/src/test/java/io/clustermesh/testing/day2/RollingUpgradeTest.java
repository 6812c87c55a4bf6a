package io.clustermesh.testing.day2;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.RetryPolicy;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A chart version change rolls out cluster by cluster, each gated on the mesh seeing it connected again. */
class RollingUpgradeTest {

    /** Records "started <step>" and "finished <step>" in the order they happen. */
    static final class Order implements MeshListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void stepStarted(StepStarted e) {
            events.add("started " + e.stepId());
        }

        @Override
        public void stepFinished(StepFinished e) {
            events.add("finished " + e.stepId());
        }

        int at(String event) {
            int i = events.indexOf(event);
            assertThat(i).as(event + " in " + events).isNotNegative();
            return i;
        }
    }

    @Test
    void fourClustersUpgradeOneAfterAnotherEachAfterThePreviousGateHeld() {
        try (MeshLab lab = MeshLab.builder().clusters(4).charts(FixtureCharts.dir("1.17.17")).rolloutDelay(Duration.ofMillis(300)).cilium(CiliumOptions.version("1.16.19")).start()) {
            try (Mesh day1 = lab.meshBuilder().build()) {
                assertThat(day1.apply(day1.plan()).succeeded()).isTrue();
            }
            Order order = new Order();
            try (Mesh mesh = lab.meshBuilder().cilium(CiliumOptions.version("1.17.17")).listener(order).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.findings()).extracting(Finding::code).contains("CILIUM_UPGRADE").doesNotContain("CILIUM_UPGRADE_SKIPS_MINOR");
                assertThat(plan.toText()).contains("rolling upgrade 1/4").contains("rolling upgrade 4/4, after cluster3's gate")
                        .contains("restarts the cilium agents");
                assertThat(plan.steps()).extracting(s -> s.id()).contains("cluster1/rolling-gate", "cluster2/rolling-gate", "cluster3/rolling-gate");

                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
            }
            for (int k = 1; k < 4; k++) {
                int gateHeld = order.at("finished cluster" + k + "/rolling-gate");
                int next = order.at("started cluster" + (k + 1) + "/helm-upgrade");
                assertThat(next).as("cluster" + (k + 1) + "'s upgrade starts after cluster" + k + "'s gate held").isGreaterThan(gateHeld);
                assertThat(order.at("finished cluster" + k + "/wait-rollout")).isLessThan(gateHeld);
            }
        }
    }

    @Test
    void batchesOfTwoUpgradeTogetherAndTheNextBatchStartsAfterEveryGateOfThePreviousHeld() {
        try (MeshLab lab = MeshLab.builder().clusters(4).charts(FixtureCharts.dir("1.17.17")).rolloutDelay(Duration.ofMillis(300)).cilium(CiliumOptions.version("1.16.19")).start()) {
            try (Mesh day1 = lab.meshBuilder().build()) {
                assertThat(day1.apply(day1.plan()).succeeded()).isTrue();
            }
            Order order = new Order();
            try (Mesh mesh = lab.meshBuilder().cilium(CiliumOptions.version("1.17.17").withRolloutBatch(2)).listener(order).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.toText()).contains("rolling upgrade batch 1/2 (cluster1, cluster2)")
                        .contains("rolling upgrade batch 2/2 (cluster3, cluster4), after the gates of cluster1, cluster2");
                assertThat(plan.notes()).containsEntry("rolling upgrade", "[cluster1, cluster2] -> [cluster3, cluster4] (2 clusters at a time)");
                assertThat(plan.steps()).extracting(s -> s.id()).contains("cluster1/rolling-gate", "cluster2/rolling-gate")
                        .doesNotContain("cluster3/rolling-gate", "cluster4/rolling-gate");
                // within a batch the upgrades do not wait for each other; across batches every gate holds first
                assertThat(step(plan, "cluster2/helm-upgrade").dependsOn()).doesNotContain("cluster1/rolling-gate");
                assertThat(step(plan, "cluster3/helm-upgrade").dependsOn()).contains("cluster1/rolling-gate", "cluster2/rolling-gate");
                assertThat(step(plan, "cluster4/helm-upgrade").dependsOn()).contains("cluster1/rolling-gate", "cluster2/rolling-gate");

                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
            }
            for (int next = 3; next <= 4; next++) {
                int started = order.at("started cluster" + next + "/helm-upgrade");
                for (int k = 1; k <= 2; k++) {
                    assertThat(started).as("cluster" + next + "'s upgrade starts after cluster" + k + "'s gate held")
                            .isGreaterThan(order.at("finished cluster" + k + "/rolling-gate"));
                }
            }
        }
    }

    private static io.clustermesh.report.PlanStep step(MeshPlan plan, String id) {
        return plan.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no step " + id + " in " + plan.toText()));
    }

    @Test
    void aFailureStopsTheRolloutAndTheNextRunResumesIt() {
        try (MeshLab lab = MeshLab.builder().clusters(4).charts(FixtureCharts.dir("1.17.17")).cilium(CiliumOptions.version("1.16.19")).start()) {
            try (Mesh day1 = lab.meshBuilder().build()) {
                assertThat(day1.apply(day1.plan()).succeeded()).isTrue();
            }
            Order order = new Order();
            // cluster2's Helm upgrade cannot store its release
            lab.cluster("cluster2").addFault(FaultRule.always(Fault.serverError()).forMethods("POST", "PUT").forPath(".*/secrets.*"));
            try (Mesh mesh = lab.meshBuilder().cilium(CiliumOptions.version("1.17.17")).listener(order).retryPolicy(RetryPolicy.none()).build()) {
                MeshReport report = mesh.apply(mesh.plan());
                assertThat(report.succeeded()).isFalse();
                assertThat(report.failedClusters()).contains("cluster2");
                assertThat(order.events).contains("started cluster1/helm-upgrade").doesNotContain("started cluster3/helm-upgrade")
                        .doesNotContain("started cluster4/helm-upgrade");
            }
            lab.cluster("cluster2").clearFaults();
            try (Mesh again = lab.meshBuilder().cilium(CiliumOptions.version("1.17.17")).build()) {
                MeshPlan resume = again.plan();
                assertThat(resume.steps()).extracting(s -> s.id()).doesNotContain("cluster1/helm-upgrade")
                        .contains("cluster2/helm-upgrade", "cluster3/helm-upgrade", "cluster4/helm-upgrade");
                assertThat(resume.toText()).contains("rolling upgrade 1/3");
                MeshReport done = again.apply(resume);
                assertThat(done.succeeded()).as(done.toText()).isTrue();
                assertThat(again.plan().writeSteps()).isZero();
            }
        }
    }

    @Test
    void skippingAMinorLineIsRefusedWithThePathThroughEachLine() {
        try (MeshLab lab = MeshLab.builder().clusters(2).charts(FixtureCharts.dir("1.17.17")).cilium(CiliumOptions.version("1.18.11")).start()) {
            try (Mesh day1 = lab.meshBuilder().build()) {
                assertThat(day1.apply(day1.plan()).succeeded()).isTrue();
            }
            try (Mesh mesh = lab.meshBuilder().cilium(CiliumOptions.version("1.20.0-pre.3")).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.findings()).filteredOn(f -> f.code().equals("CILIUM_UPGRADE_SKIPS_MINOR")).hasSize(2)
                        .allSatisfy(f -> {
                            assertThat(f.isError()).isTrue();
                            assertThat(f.remediation()).contains("1.18 -> 1.19 -> 1.20");
                        });
                assertThat(plan.steps()).isEmpty();
            }
        }
    }
}
