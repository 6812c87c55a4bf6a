package io.clustermesh;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.report.Change;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.PlanStep;
import io.clustermesh.internal.StepAction;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.clustermesh.Fixtures.T0;
import static io.clustermesh.Fixtures.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MeshPlanTest {
    private static final StepAction OK = ctx -> StepResult.unchanged("");

    private static MeshPlan plan(List<Finding> findings, PlanStep... steps) {
        return new MeshPlan("article", "apply", T0, findings, List.of(steps), Map.of());
    }

    /** What a step runs stays with the step through every copy, and only the SDK's internals can reach it. */
    @Test
    void aStepKeepsItsActionThroughCopiesAndComparesByIt() {
        StepAction other = ctx -> StepResult.unchanged("other");
        PlanStep step = PlanSteps.of("cluster1/read", "cluster1", "read", null, OK);

        PlanStep copy = step.withDependsOn("a").withAfter(List.of("b")).withTimeout(java.time.Duration.ofSeconds(5)).withChanges(List.of());

        assertThat(PlanSteps.action(copy)).isSameAs(OK);
        assertThat(copy.dependsOn()).containsExactly("a");
        assertThat(copy.after()).containsExactly("b");
        assertThat(step.description()).isEqualTo("read");
        assertThat(PlanSteps.of("cluster1/read", "cluster1", "read", null, OK)).isEqualTo(step).hasSameHashCodeAs(step);
        assertThat(PlanSteps.of("cluster1/read", "cluster1", "read", null, other)).isNotEqualTo(step);
        assertThat(java.util.Arrays.stream(PlanStep.class.getMethods()).map(java.lang.reflect.Method::getName)).doesNotContain("action");
        assertThat(PlanStep.class.getConstructors()).isEmpty();
    }

    @Test
    void duplicateStepIdsAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> plan(List.of(), step("cluster1", "read", OK), step("cluster1", "read", OK)))
                .withMessage("duplicate plan step id cluster1/read");
    }

    @Test
    void unknownDependenciesAreRefusedNamingBothSteps() {
        assertThatIllegalArgumentException().isThrownBy(() -> plan(List.of(), step("cluster1", "read", OK),
                        step("cluster1", "helm-upgrade", OK).withDependsOn("cluster1/raed")))
                .withMessage("cluster1/helm-upgrade depends on unknown step cluster1/raed");
        assertThatIllegalArgumentException().isThrownBy(() -> plan(List.of(), step("cluster1", "read", OK),
                        step("cluster2", "connect", OK).withAfter(List.of("cluster3/read"))))
                .withMessage("cluster2/connect runs after unknown step cluster3/read");
    }

    @Test
    void cyclesAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> plan(List.of(),
                        step("cluster1", "a", OK).withDependsOn("cluster1/c"),
                        step("cluster1", "b", OK).withDependsOn("cluster1/a"),
                        step("cluster1", "c", OK).withAfter(List.of("cluster1/b")),
                        step("cluster2", "free", OK)))
                .withMessageContaining("cycle");
        assertThatIllegalArgumentException().isThrownBy(() -> plan(List.of(), step("cluster1", "self", OK).withDependsOn("cluster1/self")))
                .withMessageContaining("cycle");
    }

    @Test
    void aDiamondIsNoCycle() {
        MeshPlan p = plan(List.of(), step("mesh", "ca", OK),
                step("cluster1", "upgrade", OK).withDependsOn("mesh/ca"),
                step("cluster2", "upgrade", OK).withDependsOn("mesh/ca"),
                step("mesh", "connect", OK).withDependsOn("cluster1/upgrade", "cluster2/upgrade"));
        assertThat(p.steps()).hasSize(4);
    }

    private static MeshPlan printable() {
        Finding warning = Finding.warning("MESH_IP_IGNORED", "cluster2", "spec.clusters[1].meshIp",
                "cluster2: meshIp is ignored with exposure node-port", "remove meshIp or use exposure azure-internal-lb");
        return new MeshPlan("article", "apply", T0, List.of(warning), List.of(
                PlanSteps.of("cluster1/read", "cluster1", "read", "read cilium-config and the \"cilium\" release", OK),
                PlanSteps.of("cluster1/helm-upgrade", "cluster1", "helm-upgrade", "upgrade release cilium", OK)
                        .withDependsOn("cluster1/read")
                        .withChanges(List.of(new Change("helm release kube-system/cilium", "clustermesh.config.clusters", "[]",
                                "[cluster2, cluster3]"))),
                PlanSteps.of("cluster2/read", "cluster2", "read", "read cilium-config", OK)),
                Map.of("cluster1.podCidr", "from the spec"));
    }

    @Test
    void toTextShowsFindingsStepsPerClusterChangesAndNotes() {
        assertThat(printable().toText()).isEqualTo("""
                Plan 'apply' for mesh article: 3 steps, 1 writing
                Findings:
                  WARNING MESH_IP_IGNORED [cluster2] spec.clusters[1].meshIp: cluster2: meshIp is ignored with exposure node-port. Fix: remove meshIp or use exposure azure-internal-lb
                cluster1:
                    read: read cilium-config and the "cilium" release
                  ~ helm-upgrade: upgrade release cilium
                      helm release kube-system/cilium clustermesh.config.clusters: [] -> [cluster2, cluster3]
                cluster2:
                    read: read cilium-config
                Notes:
                  cluster1.podCidr: from the spec
                """);
    }

    @Test
    void toJsonHasStepsWithTheirGraphAndChangesAndTheFindings() {
        String json = printable().toJson();
        assertThat(json).startsWith("{\n  \"mesh\": \"article\",\n  \"operation\": \"apply\",\n  \"createdAt\": \"2025-01-01T00:00:00Z\"");
        assertThat(json).contains("\"id\": \"cluster1/helm-upgrade\"", "\"kind\": \"helm-upgrade\"",
                "\"dependsOn\": [\n        \"cluster1/read\"\n      ]", "\"field\": \"clustermesh.config.clusters\"",
                "\"to\": \"[cluster2, cluster3]\"", "\"id\": \"cluster2/read\"");
        assertThat(json).contains("\"code\": \"MESH_IP_IGNORED\"", "\"severity\": \"WARNING\"", "\"path\": \"spec.clusters[1].meshIp\"",
                "\"remediation\": \"remove meshIp or use exposure azure-internal-lb\"");
        assertThat(json).contains("read cilium-config and the \\\"cilium\\\" release");
        assertThat(json).contains("\"notes\": {\n    \"cluster1.podCidr\": \"from the spec\"\n  }");
        assertThat(json.chars().filter(c -> c == '{').count()).isEqualTo(json.chars().filter(c -> c == '}').count());
    }

    @Test
    void writeStepsAndErrorsAreCounted() {
        MeshPlan p = printable();
        assertThat(p.writeSteps()).isEqualTo(1);
        assertThat(p.hasErrors()).isFalse();
        assertThat(plan(List.of(Finding.error("X", null, null, "m", "r"))).hasErrors()).isTrue();
        assertThat(p).hasToString("MeshPlan[apply, 3 steps, 1 findings]");
    }

    @Test
    void aPlanIsImmutable() {
        java.util.ArrayList<PlanStep> steps = new java.util.ArrayList<>(List.of(step("cluster1", "read", OK)));
        MeshPlan p = new MeshPlan("article", "apply", T0, List.of(), steps, Map.of());
        steps.add(step("cluster2", "read", OK));
        assertThat(p.steps()).hasSize(1);
        assertThat(p.steps()).isUnmodifiable();
    }
}
