package io.clustermesh.samples.meshctl;

import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.PlanStep;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The lower bound of a plan on a lab: the earliest time any implementation of the plan's step graph could finish,
 * given only what the lab imposes — a latency {@code L} on every counted Kubernetes request, the load balancer delay
 * and the rollout delay. Everything else (CPU for rendering and certificates, etcd start-up, agents' reconnects,
 * polling intervals, thread scheduling) counts as zero, so a measured time divided by this bound is the overhead.
 *
 * <p>The model, step by step ({@code S} = the latest finish of the step's {@code dependsOn} and {@code after} steps):
 * <ul>
 *   <li>before any step: the plan's reads are independent of each other, so reading every cluster costs one round
 *       ({@code L}); a plan that writes takes the mesh's lock first: read the Lease, then create it ({@code 2L});</li>
 *   <li>{@code helm-upgrade}, {@code helm-upgrade-peers}: read the release, record the new revision as pending, apply
 *       the chart's objects, record it deployed (as Helm does): {@code S + 3L}; the objects land at {@code S + 2L} (in
 *       the lab Helm's object traffic carries no latency). The cluster's
 *       load balancer timer starts there at its first upgrade (a second upgrade does not move the address), its
 *       rollout timer at every upgrade;</li>
 *   <li>{@code local-cert}: read the secret, write it: {@code S + 2L};</li>
 *   <li>{@code wait-lb-ip}: one read after the address exists: {@code max(S, objects + lbDelay) + L};</li>
 *   <li>{@code wait-rollout}: one round of reads (Deployment and DaemonSet in parallel) after the rollout is done:
 *       {@code max(S, objects of the last upgrade + rolloutDelay) + L}. The load balancer and rollout timers run at the
 *       same time, so when both lie on the path only the longer of the two counts in full;</li>
 *   <li>{@code verify-peers}: one round (list the agent pods; the lab answers exec without latency): {@code S + L};</li>
 *   <li>any other kind: one request, {@code S + L}.</li>
 * </ul>
 * The bound is the latest finish over all steps (the longest chain), plus the rounds before the first step. With the
 * default rollout delay of 0 it is exactly (the longest chain of dependent requests) × L + the LB delay.
 */
final class CriticalPath {
    private CriticalPath() {
    }

    /** The lab's timing, in milliseconds. */
    record LabTiming(long latencyMs, long lbDelayMs, long rolloutDelayMs) {
    }

    /** Rounds of requests (each costing the latency) before the first step runs. */
    static long roundsBeforeSteps(MeshPlan plan) {
        return 1 + (plan.writeSteps() > 0 ? 2 : 0);
    }

    /** The lower bound of running {@code plan} (after reading the clusters) on a lab with {@code timing}. */
    static long lowerBoundMs(MeshPlan plan, LabTiming timing) {
        Objects.requireNonNull(plan, "plan");
        long l = timing.latencyMs();
        Map<String, PlanStep> byId = new LinkedHashMap<>();
        plan.steps().forEach(s -> byId.put(s.id(), s));
        Map<String, Long> finish = new HashMap<>();
        Map<String, Long> lbReady = new HashMap<>();
        Map<String, Long> rolloutReady = new HashMap<>();
        // steps are evaluated in an order where every predecessor comes first (Kahn), so that the per-cluster timers
        // set by upgrades are known when the waits that follow them are evaluated
        for (PlanStep s : topological(byId)) {
            long start = 0;
            for (String d : s.dependsOn()) {
                start = Math.max(start, finish.getOrDefault(d, 0L));
            }
            for (String d : s.after()) {
                start = Math.max(start, finish.getOrDefault(d, 0L));
            }
            String c = s.cluster();
            long end;
            switch (s.kind()) {
                case "helm-upgrade", "helm-upgrade-peers" -> {
                    long objects = start + 2 * l;
                    lbReady.putIfAbsent(c, objects + timing.lbDelayMs());
                    rolloutReady.put(c, objects + timing.rolloutDelayMs());
                    end = start + 3 * l;
                }
                case "local-cert" -> end = start + 2 * l;
                case "wait-lb-ip" -> end = Math.max(start, lbReady.getOrDefault(c, 0L)) + l;
                case "wait-rollout" -> end = Math.max(start, rolloutReady.getOrDefault(c, 0L)) + l;
                default -> end = start + l;
            }
            finish.put(s.id(), end);
        }
        long steps = finish.values().stream().mapToLong(Long::longValue).max().orElse(0);
        return roundsBeforeSteps(plan) * l + steps;
    }

    private static List<PlanStep> topological(Map<String, PlanStep> byId) {
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, List<String>> next = new HashMap<>();
        for (PlanStep s : byId.values()) {
            int n = 0;
            for (String d : concat(s.dependsOn(), s.after())) {
                if (byId.containsKey(d)) {
                    n++;
                    next.computeIfAbsent(d, k -> new java.util.ArrayList<>()).add(s.id());
                }
            }
            waiting.put(s.id(), n);
        }
        java.util.ArrayDeque<String> ready = new java.util.ArrayDeque<>();
        byId.keySet().stream().filter(id -> waiting.get(id) == 0).forEach(ready::add);
        List<PlanStep> out = new java.util.ArrayList<>();
        while (!ready.isEmpty()) {
            String id = ready.poll();
            out.add(byId.get(id));
            for (String n : next.getOrDefault(id, List.of())) {
                if (waiting.merge(n, -1, Integer::sum) == 0) {
                    ready.add(n);
                }
            }
        }
        if (out.size() != byId.size()) {
            throw new IllegalArgumentException("the plan's step graph has a cycle");
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
