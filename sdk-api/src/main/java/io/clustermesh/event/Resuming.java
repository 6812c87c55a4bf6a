package io.clustermesh.event;

import java.time.Instant;

/**
 * A change run starts where an earlier one stopped: the mesh's change lock (the {@code Lease}
 * {@code kube-system/clustermesh-<mesh>}) still carries the record of a run that did not finish. The new run plans
 * from what the clusters hold now, so it redoes nothing that was done and carries on with the rest; this event says
 * what it takes over, once, before its first step.
 *
 * @param mesh           the mesh
 * @param operation      what the earlier run was doing ({@code apply}, {@code disconnect}, {@code disable}, {@code rotate-ca})
 * @param previousHolder who ran it (the lock's holder identity: tool, user, host, process)
 * @param stoppedAt      when it stopped (for an {@link Ending#ABANDONED} run: when its lock expired)
 * @param ending         how it stopped
 * @param stepsDone      steps it had finished (for an abandoned run: as of its last lock renewal)
 * @param stepsTotal     steps its plan had
 * @param lastStep       the last step it finished ({@code cluster: description}), or empty
 */
public record Resuming(String mesh, String operation, String previousHolder, Instant stoppedAt, Ending ending,
                       int stepsDone, int stepsTotal, String lastStep) {

    /** How the earlier run stopped. */
    public enum Ending {
        /** Cancelled (Ctrl-C, SIGTERM, a cancelled future): it released the lock and recorded where it was. */
        INTERRUPTED,
        /** It ran to its end with failed steps (the report named them). */
        FAILED,
        /** It never released the lock (the process was killed or lost its connection); the lock expired. */
        ABANDONED
    }

    /** One sentence for people: "resuming apply of mesh m by ..., interrupted at ... after 4 of 9 steps (last done: ...)". */
    public String describe() {
        String how = switch (ending) {
            case INTERRUPTED -> "interrupted at " + stoppedAt;
            case FAILED -> "ended with failed steps at " + stoppedAt;
            case ABANDONED -> "stopped without releasing the change lock (killed or disconnected; the lock expired at " + stoppedAt + ")";
        };
        return "resuming " + operation + " of mesh " + mesh + " by " + previousHolder + ", " + how + " after " + stepsDone
                + " of " + stepsTotal + " steps" + (lastStep == null || lastStep.isEmpty() ? "" : " (last done: " + lastStep + ")")
                + "; this run re-plans from what the clusters hold now and does the rest";
    }
}
