package io.clustermesh;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link MeshServices#exportMcs}: a Service exported the Multi-Cluster Services way, with a
 * {@code ServiceExport} ({@code multicluster.x-k8s.io/v1alpha1}, KEP-1645) of the same namespace and name in each
 * cluster where the Service exists and Cilium's MCS-API support is on.
 *
 * @param namespace    the Service's namespace
 * @param name         the Service's name
 * @param exportedFrom the clusters that now hold the {@code ServiceExport} (written now or already there), mesh order
 * @param created      the clusters where this call created it
 * @param findings     what kept a cluster from exporting (Service missing, MCS-API off, a failed write), naming the fix
 */
public record McsExport(String namespace, String name, List<String> exportedFrom, List<String> created, List<Finding> findings) {
    public McsExport {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        exportedFrom = List.copyOf(exportedFrom);
        created = List.copyOf(created);
        findings = List.copyOf(findings);
    }
}
