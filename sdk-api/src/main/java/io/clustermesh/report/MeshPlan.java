package io.clustermesh.report;

import io.clustermesh.Finding;
import io.clustermesh.internal.Json;

import io.clustermesh.report.Change;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.PlanStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an operation will do: the findings of preflight and a graph of steps per cluster. Read-only; computing
 * it writes nothing. Printable as text and JSON; never contains secrets.
 */
public final class MeshPlan {
    private final String mesh;
    private final String operation;
    private final Instant createdAt;
    private final List<Finding> findings;
    private final List<PlanStep> steps;
    private final Map<String, String> notes;

    public MeshPlan(String mesh, String operation, Instant createdAt, List<Finding> findings, List<PlanStep> steps,
                    Map<String, String> notes) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.findings = List.copyOf(findings);
        this.steps = List.copyOf(steps);
        this.notes = Map.copyOf(notes == null ? Map.of() : notes);
        validateGraph(this.steps);
    }

    private static void validateGraph(List<PlanStep> steps) {
        Map<String, PlanStep> byId = new LinkedHashMap<>();
        for (PlanStep s : steps) {
            if (byId.put(s.id(), s) != null) {
                throw new IllegalArgumentException("duplicate plan step id " + s.id());
            }
        }
        for (PlanStep s : steps) {
            for (String d : s.dependsOn()) {
                if (!byId.containsKey(d)) throw new IllegalArgumentException(s.id() + " depends on unknown step " + d);
            }
            for (String d : s.after()) {
                if (!byId.containsKey(d)) throw new IllegalArgumentException(s.id() + " runs after unknown step " + d);
            }
        }
        // cycle check (Kahn), linear in steps + edges
        Map<String, Integer> indeg = new java.util.HashMap<>();
        Map<String, List<String>> next = new java.util.HashMap<>();
        for (PlanStep s : steps) {
            indeg.put(s.id(), s.dependsOn().size() + s.after().size());
            for (String d : s.dependsOn()) next.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id());
            for (String d : s.after()) next.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id());
        }
        java.util.ArrayDeque<String> ready = new java.util.ArrayDeque<>();
        indeg.forEach((k, v) -> { if (v == 0) ready.add(k); });
        int seen = 0;
        while (!ready.isEmpty()) {
            String id = ready.poll();
            seen++;
            for (String n : next.getOrDefault(id, List.of())) {
                if (indeg.merge(n, -1, Integer::sum) == 0) ready.add(n);
            }
        }
        if (seen != steps.size()) {
            throw new IllegalArgumentException("plan steps form a cycle");
        }
    }

    public String mesh() {
        return mesh;
    }

    /** {@code apply}, {@code disconnect}, {@code disable}, ... */
    public String operation() {
        return operation;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public List<Finding> findings() {
        return findings;
    }

    public List<PlanStep> steps() {
        return steps;
    }

    /** Where values came from and other remarks, keyed e.g. {@code cluster1.podCidr}. */
    public Map<String, String> notes() {
        return notes;
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(Finding::isError);
    }

    /** Number of steps that write. A converged mesh plans zero. */
    public long writeSteps() {
        return steps.stream().filter(PlanStep::writes).count();
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("Plan '").append(operation).append("' for mesh ").append(mesh).append(": ")
                .append(steps.size()).append(" steps, ").append(writeSteps()).append(" writing\n");
        if (!findings.isEmpty()) {
            sb.append("Findings:\n");
            findings.forEach(f -> sb.append("  ").append(f).append('\n'));
        }
        String current = "\u0000";
        for (PlanStep s : steps) {
            String c = s.cluster() == null ? "(mesh)" : s.cluster();
            if (!c.equals(current)) {
                sb.append(c).append(":\n");
                current = c;
            }
            sb.append("  ").append(s.writes() ? "~ " : "  ").append(s.kind()).append(": ").append(s.description()).append('\n');
            s.changes().forEach(ch -> sb.append("      ").append(ch).append('\n'));
        }
        if (!notes.isEmpty()) {
            sb.append("Notes:\n");
            new java.util.TreeMap<>(notes).forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
        }
        return sb.toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mesh", mesh);
        m.put("operation", operation);
        m.put("createdAt", createdAt);
        m.put("findings", findings.stream().map(MeshPlan::findingMap).toList());
        List<Object> st = new ArrayList<>();
        for (PlanStep s : steps) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", s.id());
            x.put("cluster", s.cluster());
            x.put("kind", s.kind());
            x.put("description", s.description());
            x.put("dependsOn", s.dependsOn());
            x.put("after", s.after());
            List<Object> ch = new ArrayList<>();
            for (Change c : s.changes()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("resource", c.resource());
                cm.put("field", c.field());
                cm.put("from", c.from());
                cm.put("to", c.to());
                ch.add(cm);
            }
            x.put("changes", ch);
            st.add(x);
        }
        m.put("steps", st);
        m.put("notes", new java.util.TreeMap<>(notes));
        return m;
    }

    public String toJson() {
        return Json.write(toMap());
    }

    static Map<String, Object> findingMap(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", f.code());
        m.put("severity", f.severity());
        m.put("cluster", f.cluster());
        m.put("path", f.path());
        m.put("message", f.message());
        m.put("remediation", f.remediation());
        return m;
    }

    @Override
    public String toString() {
        return "MeshPlan[" + operation + ", " + steps.size() + " steps, " + findings.size() + " findings]";
    }
}
