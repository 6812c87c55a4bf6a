package io.clustermesh.report;

import io.clustermesh.ErrorCode;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import java.time.Instant;
import java.util.Objects;

/**
 * How one step went.
 *
 * @param id          plan step id
 * @param cluster     its cluster, or {@code null}
 * @param kind        step kind
 * @param outcome     succeeded, failed or skipped
 * @param changed     whether it wrote anything
 * @param attempts    attempts made (0 when skipped)
 * @param startedAt   first start, {@code null} when skipped
 * @param finishedAt  end, {@code null} when skipped
 * @param detail      a short result text for people
 * @param errorCode   for failures: the error code
 * @param error       for failures and skips: what happened (no secrets)
 * @param remediation for failures: what to do
 */
public record StepReport(String id, String cluster, String kind, StepOutcome outcome, boolean changed, int attempts,
                         Instant startedAt, Instant finishedAt, String detail, ErrorCode errorCode, String error,
                         String remediation) {
    public StepReport {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcome, "outcome");
    }
}
