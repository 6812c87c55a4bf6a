package io.clustermesh.report;

import io.clustermesh.Finding;
import io.clustermesh.internal.Json;

import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The result of running a plan: every step's outcome, per cluster, with errors and remediations. */
public final class MeshReport {
    private final String mesh;
    private final String operation;
    private final Instant startedAt;
    private final Instant finishedAt;
    private final List<StepReport> steps;
    private final List<Finding> findings;

    public MeshReport(String mesh, String operation, Instant startedAt, Instant finishedAt, List<StepReport> steps,
                      List<Finding> findings) {
        this.mesh = mesh;
        this.operation = operation;
        this.startedAt = startedAt;
        this.finishedAt = finishedAt;
        this.steps = List.copyOf(steps);
        this.findings = List.copyOf(findings);
    }

    public String mesh() {
        return mesh;
    }

    public String operation() {
        return operation;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    public List<StepReport> steps() {
        return steps;
    }

    public List<Finding> findings() {
        return findings;
    }

    /** Every step succeeded. */
    public boolean succeeded() {
        return steps.stream().allMatch(s -> s.outcome() == StepOutcome.SUCCEEDED);
    }

    /** Steps that wrote something. */
    public long changedSteps() {
        return steps.stream().filter(StepReport::changed).count();
    }

    /** Clusters with a failed or skipped step, in plan order. */
    public Set<String> failedClusters() {
        Set<String> out = new LinkedHashSet<>();
        for (StepReport s : steps) {
            if (s.outcome() != StepOutcome.SUCCEEDED && s.cluster() != null) {
                out.add(s.cluster());
            }
        }
        return out;
    }

    /** The failed steps (not the skipped ones): the causes. */
    public List<StepReport> failures() {
        return steps.stream().filter(s -> s.outcome() == StepOutcome.FAILED).toList();
    }

    public List<StepReport> stepsOf(String cluster) {
        return steps.stream().filter(s -> cluster.equals(s.cluster())).toList();
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(operation).append(" of mesh ").append(mesh).append(": ")
                .append(succeeded() ? "succeeded" : "FAILED for " + String.join(", ", failedClusters()))
                .append(" in ").append(duration().toMillis()).append(" ms, ").append(changedSteps()).append(" steps changed something\n");
        for (StepReport s : steps) {
            sb.append("  ").append(s.cluster() == null ? "(mesh)" : s.cluster()).append(' ').append(s.kind()).append(": ")
                    .append(s.outcome());
            if (s.changed()) sb.append(" (changed)");
            if (s.detail() != null && !s.detail().isEmpty()) sb.append(" - ").append(s.detail());
            sb.append('\n');
            if (s.error() != null) {
                sb.append("      error: ").append(s.error()).append('\n');
                if (s.remediation() != null && !s.remediation().isEmpty()) {
                    sb.append("      fix: ").append(s.remediation()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mesh", mesh);
        m.put("operation", operation);
        m.put("succeeded", succeeded());
        m.put("failedClusters", new ArrayList<>(failedClusters()));
        m.put("startedAt", startedAt);
        m.put("durationMs", duration().toMillis());
        m.put("findings", findings.stream().map(MeshPlan::findingMap).toList());
        List<Object> st = new ArrayList<>();
        for (StepReport s : steps) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", s.id());
            x.put("cluster", s.cluster());
            x.put("kind", s.kind());
            x.put("outcome", s.outcome());
            x.put("changed", s.changed());
            x.put("attempts", s.attempts());
            x.put("detail", s.detail());
            x.put("errorCode", s.errorCode());
            x.put("error", s.error());
            x.put("remediation", s.remediation());
            st.add(x);
        }
        m.put("steps", st);
        return m;
    }

    public String toJson() {
        return Json.write(toMap());
    }

    @Override
    public String toString() {
        return "MeshReport[" + operation + ", " + (succeeded() ? "succeeded" : "failed " + failedClusters()) + "]";
    }
}
