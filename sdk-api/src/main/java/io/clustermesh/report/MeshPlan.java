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
        Map<String, Integer> index = new java.util.HashMap<>(steps.size() * 2);
        for (int i = 0; i < steps.size(); i++) {
            if (index.put(steps.get(i).id(), i) != null) {
                throw new IllegalArgumentException("duplicate plan step id " + steps.get(i).id());
            }
        }
        for (PlanStep s : steps) {
            for (String d : s.dependsOn()) {
                if (!index.containsKey(d)) throw new IllegalArgumentException(s.id() + " depends on unknown step " + d);
            }
            for (String d : s.after()) {
                if (!index.containsKey(d)) throw new IllegalArgumentException(s.id() + " runs after unknown step " + d);
            }
        }
        // cycle check (Kahn) on step indexes, linear in steps + edges: a plan of N clusters has N*(N-1) edges
        // (each cluster's verify step runs after every peer's rollout), so no per-edge lists or boxed counters
        int[] indeg = new int[steps.size()];
        int[] outDegree = new int[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            PlanStep s = steps.get(i);
            indeg[i] = s.dependsOn().size() + s.after().size();
            for (String d : s.dependsOn()) outDegree[index.get(d)]++;
            for (String d : s.after()) outDegree[index.get(d)]++;
        }
        int[] start = new int[steps.size() + 1];
        for (int i = 0; i < steps.size(); i++) {
            start[i + 1] = start[i] + outDegree[i];
        }
        int[] next = new int[start[steps.size()]];
        int[] fill = java.util.Arrays.copyOf(start, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            PlanStep s = steps.get(i);
            for (String d : s.dependsOn()) next[fill[index.get(d)]++] = i;
            for (String d : s.after()) next[fill[index.get(d)]++] = i;
        }
        int[] ready = new int[steps.size()];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < steps.size(); i++) {
            if (indeg[i] == 0) ready[tail++] = i;
        }
        while (head < tail) {
            int id = ready[head++];
            for (int k = start[id]; k < start[id + 1]; k++) {
                if (--indeg[next[k]] == 0) ready[tail++] = next[k];
            }
        }
        if (tail != steps.size()) {
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
