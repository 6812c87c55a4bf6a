package io.clustermesh.report;

import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;

/** How a plan step ended. */
public enum StepOutcome {
    /** Ran and succeeded (see {@link StepReport#changed()} for whether it wrote). */
    SUCCEEDED,
    /** Failed after its retries, or hit its deadline. */
    FAILED,
    /** Not run because a step it depends on failed, or the run was cancelled. */
    SKIPPED
}
