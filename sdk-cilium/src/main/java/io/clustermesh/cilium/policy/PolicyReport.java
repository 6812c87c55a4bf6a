package io.clustermesh.cilium.policy;

import java.util.List;
import java.util.Objects;

/**
 * What applying a {@link ClusterMeshPolicy} did in each cluster. Objects are named {@code namespace/name}.
 *
 * @param policy   the policy's name
 * @param clusters one result per cluster of the mesh, in mesh order
 */
public record PolicyReport(String policy, List<ClusterResult> clusters) {

    public record ClusterResult(String cluster, List<String> created, List<String> updated, List<String> unchanged, List<String> deleted) {
        public ClusterResult {
            Objects.requireNonNull(cluster, "cluster");
            created = List.copyOf(created);
            updated = List.copyOf(updated);
            unchanged = List.copyOf(unchanged);
            deleted = List.copyOf(deleted);
        }

        public boolean changed() {
            return !created.isEmpty() || !updated.isEmpty() || !deleted.isEmpty();
        }
    }

    public PolicyReport {
        Objects.requireNonNull(policy, "policy");
        clusters = List.copyOf(clusters);
    }

    public boolean changed() {
        return clusters.stream().anyMatch(ClusterResult::changed);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("policy " + policy + ":");
        for (ClusterResult c : clusters) {
            sb.append("\n  ").append(c.cluster()).append(": created ").append(c.created()).append(", updated ").append(c.updated())
                    .append(", unchanged ").append(c.unchanged()).append(", deleted ").append(c.deleted());
        }
        return sb.toString();
    }
}
