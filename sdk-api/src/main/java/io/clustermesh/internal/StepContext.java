package io.clustermesh.internal;

import io.clustermesh.MeshClock;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/** What a running step may use. */
public interface StepContext {

    String stepId();

    /** The step's cluster, or {@code null}. */
    String cluster();

    /** 1 for the first attempt. */
    int attempt();

    MeshClock clock();

    /** When the step's hard deadline passes. */
    Instant deadline();

    /** The output of a finished step ({@code null} if it produced none, failed or did not run). */
    Object output(String stepId);

    /** Reports progress of a wait to listeners. */
    void waiting(String what, Duration elapsed, Duration timeout, double progress);

    /**
     * Polls {@code probe} through the clock until it returns a value or {@code timeout} passes, reporting
     * {@link io.clustermesh.event.Waiting} events.
     *
     * @throws io.clustermesh.MeshTimeoutException naming the step's cluster, {@code what} and {@code remediation}
     */
    <T> T await(String what, Duration timeout, String remediation, Callable<Optional<T>> probe) throws Exception;
}
