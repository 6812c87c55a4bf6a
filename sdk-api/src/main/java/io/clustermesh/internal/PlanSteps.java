package io.clustermesh.internal;

import io.clustermesh.report.Change;
import io.clustermesh.report.PlanStep;

import java.time.Duration;
import java.util.List;

/**
 * Makes {@link PlanStep}s and reads what they run, for the drivers and the engine: a step's action is not part of
 * the API, so {@code PlanStep} has no public constructor and no accessor for it. {@code PlanStep} hands its
 * constructor and accessor to this class when it is initialised (the access-helper pattern of the Azure SDK's
 * {@code implementation.accesshelpers} packages).
 */
public final class PlanSteps {
    /** What {@link PlanStep} lends to this class. */
    public interface Access {
        PlanStep create(String id, String cluster, String kind, String description, List<String> dependsOn, List<String> after,
                        List<Change> changes, Duration timeout, StepAction action);

        StepAction action(PlanStep step);
    }

    private static volatile Access access;

    private PlanSteps() {
    }

    /** Called once, by {@link PlanStep}'s static initialiser; later calls are ignored. */
    public static synchronized void setAccess(Access a) {
        if (access == null) {
            access = a;
        }
    }

    /**
     * A step.
     *
     * @param dependsOn steps that must have succeeded first
     * @param after     steps that must have finished (any outcome) first
     * @param timeout   hard deadline, {@code null} = the mesh's default
     */
    public static PlanStep create(String id, String cluster, String kind, String description, List<String> dependsOn, List<String> after,
                                  List<Change> changes, Duration timeout, StepAction action) {
        return access().create(id, cluster, kind, description, dependsOn, after, changes, timeout, action);
    }

    /** A step without ordering constraints. */
    public static PlanStep of(String id, String cluster, String kind, String description, StepAction action) {
        return create(id, cluster, kind, description, List.of(), List.of(), List.of(), null, action);
    }

    /** What the step runs. */
    public static StepAction action(PlanStep step) {
        return access().action(step);
    }

    private static Access access() {
        Access a = access;
        if (a == null) {
            AccessHelpers.initialise(PlanStep.class);
            a = access;
        }
        return a;
    }
}
