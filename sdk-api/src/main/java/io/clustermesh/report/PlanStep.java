package io.clustermesh.report;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.internal.StepAction;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One node of a plan's graph: what it acts on, what it changes and what it waits for. Steps are made by the mesh
 * driver; what a step runs is not part of the API.
 */
public final class PlanStep {
    static {
        PlanSteps.setAccess(new PlanSteps.Access() {
            @Override
            public PlanStep create(String id, String cluster, String kind, String description, List<String> dependsOn, List<String> after,
                                   List<Change> changes, Duration timeout, StepAction action) {
                return new PlanStep(id, cluster, kind, description, dependsOn, after, changes, timeout, action);
            }

            @Override
            public StepAction action(PlanStep step) {
                return step.action;
            }
        });
    }

    private final String id;
    private final String cluster;
    private final String kind;
    private final String description;
    private final List<String> dependsOn;
    private final List<String> after;
    private final List<Change> changes;
    private final Duration timeout;
    private final StepAction action;

    private PlanStep(String id, String cluster, String kind, String description, List<String> dependsOn, List<String> after,
                     List<Change> changes, Duration timeout, StepAction action) {
        this.id = Objects.requireNonNull(id, "id");
        this.cluster = cluster;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.description = description == null ? kind : description;
        this.dependsOn = List.copyOf(dependsOn == null ? List.of() : dependsOn);
        this.after = List.copyOf(after == null ? List.of() : after);
        this.changes = List.copyOf(changes == null ? List.of() : changes);
        this.timeout = timeout;
        this.action = Objects.requireNonNull(action, "action");
    }

    /** Unique in the plan, e.g. {@code cluster1/helm-upgrade}. */
    public String id() {
        return id;
    }

    /** The cluster it acts on ({@code null} for mesh-wide steps). */
    public String cluster() {
        return cluster;
    }

    /** Short stable kind, e.g. {@code helm-upgrade}, {@code wait-lb-ip}. */
    public String kind() {
        return kind;
    }

    /** For people. */
    public String description() {
        return description;
    }

    /** Steps that must have <em>succeeded</em> first; if one fails, this step is skipped. */
    public List<String> dependsOn() {
        return dependsOn;
    }

    /**
     * Steps that must have <em>finished</em> (any outcome) first: cross-cluster ordering that must not let one dead
     * cluster stop the others.
     */
    public List<String> after() {
        return after;
    }

    /** What it will change (empty for read and wait steps). */
    public List<Change> changes() {
        return changes;
    }

    /** Hard deadline of the step, {@code null} = the mesh's default. */
    public Duration timeout() {
        return timeout;
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

    /** Equal when every field is, and both run the same action (the same instance). */
    @Override
    public boolean equals(Object o) {
        return o instanceof PlanStep p && id.equals(p.id) && Objects.equals(cluster, p.cluster) && kind.equals(p.kind)
                && description.equals(p.description) && dependsOn.equals(p.dependsOn) && after.equals(p.after)
                && changes.equals(p.changes) && Objects.equals(timeout, p.timeout) && action.equals(p.action);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, cluster, kind, description, dependsOn, after, changes, timeout, action);
    }

    @Override
    public String toString() {
        return id + " (" + kind + ")" + (dependsOn.isEmpty() ? "" : " after " + dependsOn) + ": " + description;
    }
}
