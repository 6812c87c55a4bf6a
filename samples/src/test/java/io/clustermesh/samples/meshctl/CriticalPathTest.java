package io.clustermesh.samples.meshctl;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.report.Change;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.PlanStep;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The lower bound computed from a plan's step graph, on graphs shaped like the Cilium driver's. */
class CriticalPathTest {
    private static final List<Change> WRITES = List.of(new Change("helm release kube-system/cilium", "chart", null, "1.16.19"));

    private static PlanStep step(String cluster, String kind, List<String> dependsOn, List<String> after, boolean writes) {
        return PlanSteps.create(cluster + "/" + kind, cluster, kind, kind, dependsOn, after, writes ? WRITES : List.of(), null,
                ctx -> StepResult.unchanged(""));
    }

    /** Per cluster: local-cert, helm-upgrade, wait-lb-ip, wait-rollout, verify-peers (after every rollout). */
    private static MeshPlan knownIps(int clusters) {
        List<PlanStep> steps = new ArrayList<>();
        List<String> rollouts = new ArrayList<>();
        for (int i = 1; i <= clusters; i++) {
            String c = "cluster" + i;
            steps.add(step(c, "local-cert", List.of(), List.of(), true));
            steps.add(step(c, "helm-upgrade", List.of(c + "/local-cert"), List.of(), true));
            steps.add(step(c, "wait-lb-ip", List.of(c + "/helm-upgrade"), List.of(), false));
            steps.add(step(c, "wait-rollout", List.of(c + "/helm-upgrade", c + "/wait-lb-ip"), List.of(), false));
            rollouts.add(c + "/wait-rollout");
        }
        for (int i = 1; i <= clusters; i++) {
            String c = "cluster" + i;
            steps.add(step(c, "verify-peers", List.of(c + "/wait-rollout"), rollouts, false));
        }
        return new MeshPlan("m", "apply", Instant.EPOCH, List.of(), steps, Map.of());
    }

    @Test
    void knownMeshIpsOneChainOfRequestsPlusTheLoadBalancerDelay() {
        // read (L) + lock (2L) + local-cert (2L) + release read (L) + pending revision (L) | LB 500 | LB read (L) + rollout
        // read (L) + verify (L)
        assertThat(CriticalPath.lowerBoundMs(knownIps(3), new CriticalPath.LabTiming(20, 500, 0))).isEqualTo(10 * 20 + 500);
        assertThat(CriticalPath.lowerBoundMs(knownIps(64), new CriticalPath.LabTiming(20, 500, 0)))
                .as("independent of the cluster count: the clusters' chains run side by side").isEqualTo(10 * 20 + 500);
    }

    @Test
    void loadBalancerAndRolloutTimersRunAtTheSameTime() {
        // both start when the upgrade's objects land: the rollout wait only adds what the rollout takes beyond the LB
        long bound = CriticalPath.lowerBoundMs(knownIps(2), new CriticalPath.LabTiming(20, 500, 800));
        assertThat(bound).isEqualTo(3 * 20 + 4 * 20 + 800 + 20 + 20);
        assertThat(CriticalPath.lowerBoundMs(knownIps(2), new CriticalPath.LabTiming(20, 500, 300))).isEqualTo(10 * 20 + 500);
    }

    @Test
    void discoveredMeshIpsAddTheSecondUpgradeAndItsRollout() {
        List<PlanStep> steps = new ArrayList<>();
        List<String> lbs = List.of("cluster1/wait-lb-ip", "cluster2/wait-lb-ip");
        for (String c : List.of("cluster1", "cluster2")) {
            steps.add(step(c, "helm-upgrade", List.of(), List.of(), true));
            steps.add(step(c, "wait-lb-ip", List.of(c + "/helm-upgrade"), List.of(), false));
        }
        List<String> rollouts = new ArrayList<>();
        for (String c : List.of("cluster1", "cluster2")) {
            steps.add(step(c, "helm-upgrade-peers", List.of(c + "/wait-lb-ip"), lbs, true));
            steps.add(step(c, "wait-rollout", List.of(c + "/helm-upgrade", c + "/helm-upgrade-peers", c + "/wait-lb-ip"), List.of(), false));
            rollouts.add(c + "/wait-rollout");
        }
        for (String c : List.of("cluster1", "cluster2")) {
            steps.add(step(c, "verify-peers", List.of(c + "/wait-rollout"), rollouts, false));
        }
        MeshPlan plan = new MeshPlan("m", "apply", Instant.EPOCH, List.of(), steps, Map.of());
        // 3L before; upgrade objects at 2L, LB at 2L+500, read at 3L+500; the peers upgrade's objects at 5L+500 start a
        // new rollout of 200: 5L+700 (after the upgrade's end, 6L+500, with L=20), read 6L+700; verify 7L+700
        assertThat(CriticalPath.lowerBoundMs(plan, new CriticalPath.LabTiming(20, 500, 200))).isEqualTo(3 * 20 + 7 * 20 + 700);
    }
}
