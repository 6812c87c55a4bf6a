package io.clustermesh.event;

/**
 * Progress of long operations. Every method defaults to a no-op; events come in started/finished-or-failed
 * pairs. Implementations must be fast and thread-safe (steps of different clusters run in parallel). A listener
 * that throws is logged and ignored: it never breaks a run.
 */
public interface MeshListener {
    default void planStarted(PlanStarted event) {
    }

    default void planFinished(PlanFinished event) {
    }

    default void stepStarted(StepStarted event) {
    }

    default void stepFinished(StepFinished event) {
    }

    default void stepFailed(StepFailed event) {
    }

    default void retryScheduled(RetryScheduled event) {
    }

    default void waiting(Waiting event) {
    }

    /** A kubeconfig credential plugin is about to run for a cluster (once per cluster, before it first runs). */
    default void credentialPlugin(CredentialPlugin event) {
    }

    /**
     * A change run takes over from an earlier run of the same mesh that did not finish (interrupted, failed, or killed);
     * once per run, before its first step.
     */
    default void resuming(Resuming event) {
    }

    /** A listener that ignores everything. */
    static MeshListener none() {
        return new MeshListener() {
        };
    }
}
