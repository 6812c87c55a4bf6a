package io.clustermesh.report;

import io.clustermesh.report.Change;
import io.clustermesh.report.PlanStep;
import io.clustermesh.spi.StepAction;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One node of a plan's graph.
 *
 * @param id          unique in the plan, e.g. {@code cluster1/helm-upgrade}
 * @param cluster     the cluster it acts on ({@code null} for mesh-wide steps)
 * @param kind        short stable kind, e.g. {@code helm-upgrade}, {@code wait-lb-ip}
 * @param description for people
 * @param dependsOn   steps that must have <em>succeeded</em> first; if one fails, this step is skipped
 * @param after       steps that must have <em>finished</em> (any outcome) first: cross-cluster ordering that must
 *                    not let one dead cluster stop the others
 * @param changes     what it will change (empty for read/wait steps)
 * @param timeout     hard deadline of the step, {@code null} = the mesh's default
 * @param action      what runs (not rendered)
 */
public record PlanStep(String id, String cluster, String kind, String description, List<String> dependsOn,
                       List<String> after, List<Change> changes, Duration timeout, StepAction action) {
    public PlanStep {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(action, "action");
        description = description == null ? kind : description;
        dependsOn = List.copyOf(dependsOn == null ? List.of() : dependsOn);
        after = List.copyOf(after == null ? List.of() : after);
        changes = List.copyOf(changes == null ? List.of() : changes);
    }

    /** A step without ordering constraints. */
    public static PlanStep of(String id, String cluster, String kind, String description, StepAction action) {
        return new PlanStep(id, cluster, kind, description, List.of(), List.of(), List.of(), null, action);
    }

    public PlanStep withDependsOn(String... ids) {
        return new PlanStep(id, cluster, kind, description, List.of(ids), after, changes, timeout, action);
    }

    public PlanStep withAfter(List<String> ids) {
        return new PlanStep(id, cluster, kind, description, dependsOn, ids, changes, timeout, action);
    }

    public PlanStep withChanges(List<Change> c) {
        return new PlanStep(id, cluster, kind, description, dependsOn, after, c, timeout, action);
    }

    public PlanStep withTimeout(Duration t) {
        return new PlanStep(id, cluster, kind, description, dependsOn, after, changes, t, action);
    }

    /** Whether the step writes anything. */
    public boolean writes() {
        return !changes.isEmpty();
    }

    @Override
    public String toString() {
        return id + " (" + kind + ")" + (dependsOn.isEmpty() ? "" : " after " + dependsOn) + ": " + description;
    }
}
