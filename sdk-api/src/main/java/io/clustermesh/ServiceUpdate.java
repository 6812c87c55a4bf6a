package io.clustermesh;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.Collections;

/**
 * What a {@link GlobalServiceRequest} did, per cluster, and what is still wrong with the Service across the mesh.
 *
 * @param namespace the Service's namespace
 * @param name      the Service's name
 * @param clusters  one result per requested cluster, in mesh order
 * @param findings  the mesh-wide check after the change ({@link MeshServices#check})
 */
public record ServiceUpdate(String namespace, String name, List<ClusterResult> clusters, List<Finding> findings) {

    /**
     * One cluster's part.
     *
     * @param cluster  the cluster
     * @param changed  whether annotations were written
     * @param set      annotations written (key to value)
     * @param removed  annotation keys removed
     * @param after    the setting read back after the write (or as found, when nothing was written)
     * @param findings what went wrong or needs attention in this cluster (e.g. the Service is missing)
     */
    public record ClusterResult(String cluster, boolean changed, Map<String, String> set, List<String> removed,
                                ServiceSetting after, List<Finding> findings) {
        public ClusterResult {
            Objects.requireNonNull(cluster, "cluster");
            set = Collections.unmodifiableMap(new TreeMap<>(set == null ? Map.of() : set));
            removed = List.copyOf(removed == null ? List.of() : removed);
            findings = List.copyOf(findings == null ? List.of() : findings);
        }
    }

    public ServiceUpdate {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        clusters = List.copyOf(clusters == null ? List.of() : clusters);
        findings = List.copyOf(findings == null ? List.of() : findings);
    }

    /** Whether anything was written anywhere. */
    public boolean changed() {
        return clusters.stream().anyMatch(ClusterResult::changed);
    }

    /** The clusters written to, in mesh order. */
    public List<String> changedClusters() {
        return clusters.stream().filter(ClusterResult::changed).map(ClusterResult::cluster).toList();
    }

    /** Every finding: the clusters' and the mesh-wide ones. */
    public List<Finding> allFindings() {
        return java.util.stream.Stream.concat(clusters.stream().flatMap(c -> c.findings().stream()), findings.stream()).toList();
    }

    public boolean hasErrors() {
        return allFindings().stream().anyMatch(Finding::isError);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(namespace + "/" + name + ":");
        for (ClusterResult c : clusters) {
            sb.append("\n  ").append(c.cluster()).append(": ").append(c.changed() ? "changed" : "unchanged");
            if (!c.set().isEmpty()) sb.append(" set ").append(c.set());
            if (!c.removed().isEmpty()) sb.append(" removed ").append(c.removed());
        }
        allFindings().forEach(f -> sb.append("\n  ").append(f));
        return sb.toString();
    }
}
