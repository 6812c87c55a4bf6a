package io.clustermesh.internal;

/**
 * The work of one plan step. Must be idempotent (a retry or a later run repeats it) and should be cheap to repeat
 * when nothing needs changing. Throw a retryable {@link io.clustermesh.MeshException} for transient failures.
 */
@FunctionalInterface
public interface StepAction {
    StepResult run(StepContext context) throws Exception;
}
