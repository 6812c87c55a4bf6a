package io.clustermesh;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The distribution of answers to requests sent to a Service from one cluster.
 *
 * @param namespace   the Service's namespace
 * @param name        the Service's name
 * @param fromCluster where the requests were sent from
 * @param answers     one per request, in the order they were sent
 */
public record ProbeResult(String namespace, String name, String fromCluster, List<ProbeAnswer> answers) {

    public ProbeResult {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fromCluster, "fromCluster");
        answers = List.copyOf(answers == null ? List.of() : answers);
    }

    public int requests() {
        return answers.size();
    }

    /** Answered requests per cluster, by cluster name. */
    public Map<String, Integer> byCluster() {
        Map<String, Integer> m = new TreeMap<>();
        answers.stream().filter(ProbeAnswer::answered).forEach(a -> m.merge(a.cluster(), 1, Integer::sum));
        return m;
    }

    /** Answered requests per backend ({@code cluster/address}). */
    public Map<String, Integer> byBackend() {
        Map<String, Integer> m = new TreeMap<>();
        answers.stream().filter(ProbeAnswer::answered).forEach(a -> m.merge(a.cluster() + "/" + a.backend(), 1, Integer::sum));
        return m;
    }

    /** The clusters that answered at least once, by name. */
    public List<String> clusters() {
        return List.copyOf(byCluster().keySet());
    }

    /** Requests that got no answer. */
    public int failures() {
        return (int) answers.stream().filter(a -> !a.answered()).count();
    }

    /** {@code cluster2 -> meshtest/web, 100 requests: cluster3 100}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(fromCluster + " -> " + namespace + "/" + name + ", " + requests() + " requests:");
        byCluster().forEach((c, n) -> sb.append(' ').append(c).append(' ').append(n));
        if (failures() > 0) {
            sb.append(" failed ").append(failures()).append(" (")
                    .append(answers.stream().filter(a -> !a.answered()).map(ProbeAnswer::error).findFirst().orElse("")).append(')');
        }
        return sb.toString();
    }
}
