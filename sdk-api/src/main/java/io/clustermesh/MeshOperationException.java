package io.clustermesh;

import io.clustermesh.report.MeshReport;
import io.clustermesh.report.StepReport;

/** An operation failed for some clusters; {@link #report()} tells which steps and why. */
public class MeshOperationException extends MeshException {
    private static final long serialVersionUID = 1L;

    private final transient MeshReport report;

    public MeshOperationException(MeshReport report) {
        super(ErrorCode.OPERATION, describe(report), Details.meshWide().fix(
                "fix the failed clusters' errors listed in the report, then run the operation again (it resumes where it stopped)"));
        this.report = report;
    }

    public MeshReport report() {
        return report;
    }

    private static String describe(MeshReport r) {
        StringBuilder sb = new StringBuilder(r.operation() + " failed for " + String.join(", ", r.failedClusters()));
        for (StepReport s : r.failures()) {
            sb.append("\n  ").append(s.cluster() == null ? "(mesh)" : s.cluster()).append(' ').append(s.kind()).append(": ").append(s.error());
        }
        return sb.toString();
    }
}
