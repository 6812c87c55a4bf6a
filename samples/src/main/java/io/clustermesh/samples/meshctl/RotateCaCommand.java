package io.clustermesh.samples.meshctl;

import io.clustermesh.report.MeshPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshctl rotate-ca}: moves the running mesh to the CA the spec's {@code ca} names (a generated one, or a
 * cluster's) without losing connectivity, through {@code Mesh.planRotateCa()}; run again, it resumes a rotation that
 * stopped at the phase that did not complete. See docs/operations.md, "CA rotation".
 */
@Command(mixinStandardHelpOptions = true, name = "rotate-ca",
        description = "Move the mesh to a new CA without losing connectivity (trust both, re-issue, drop the old CA; each phase gated"
                + " on every peer connected); resumes a rotation that stopped.")
final class RotateCaCommand extends MeshCommands.Base {
    @Option(names = "--plan-only", description = "show the phases and the one the rotation starts at; write nothing")
    boolean planOnly;

    @Override
    int run(Target t) {
        if (!planOnly) {
            return runPlanned(t, "rotate-ca", m -> m.mesh().planRotateCa());
        }
        MeshPlan plan = waitingFor(t, "the rotate-ca plan: reading " + clusterList(), () -> t.mesh().planRotateCa());
        if (plan.hasErrors()) {
            return findingsExit(plan.findings(), "rotate-ca");
        }
        if (opts.json()) {
            out().println(plan.toJson());
        } else {
            out().print(plan.toText());
        }
        return Meshctl.OK;
    }
}
