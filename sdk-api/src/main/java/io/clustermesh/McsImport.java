package io.clustermesh;

import java.util.List;
import java.util.Objects;

/**
 * What one cluster sees of a Multi-Cluster Service: its {@code ServiceImport} ({@code multicluster.x-k8s.io/v1alpha1}),
 * which Cilium's operator creates from the exports of every cluster of the mesh (cilium/cilium
 * {@code pkg/clustermesh/mcsapi}).
 *
 * @param cluster           the cluster read
 * @param present           whether the cluster has a {@code ServiceImport} of that namespace and name
 * @param exportingClusters the clusters its {@code status.clusters} lists, sorted (empty when not present)
 */
public record McsImport(String cluster, boolean present, List<String> exportingClusters) {
    public McsImport {
        Objects.requireNonNull(cluster, "cluster");
        exportingClusters = List.copyOf(exportingClusters);
    }
}
