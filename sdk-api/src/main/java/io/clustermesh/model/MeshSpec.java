package io.clustermesh.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The declarative form of a mesh: what {@code Mesh.builder()} and a {@code kind: Mesh} YAML file both produce.
 *
 * @param name     mesh name (metadata.name), used in locks and reports
 * @param cilium   Cilium options for every cluster (a cluster may override)
 * @param ca       where the shared CA comes from
 * @param exposure how clustermesh-apiservers are exposed
 * @param azure    Azure discovery, credentials and preflight; {@code null} without Azure
 * @param clusters the clusters, in order (paths in findings use this order)
 */
public record MeshSpec(String name, CiliumOptions cilium, CaStrategy ca, Exposure exposure, AzureSpec azure,
                       List<MeshCluster> clusters) {

    public static final String DEFAULT_NAME = "mesh";

    public MeshSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cilium, "cilium");
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(exposure, "exposure");
        clusters = List.copyOf(Objects.requireNonNull(clusters, "clusters"));
    }

    /** The cluster of that name. */
    public Optional<MeshCluster> cluster(String clusterName) {
        return clusters.stream().filter(c -> c.name().equals(clusterName)).findFirst();
    }

    /** The Cilium options in force on that cluster (its override, else the mesh's). */
    public CiliumOptions ciliumFor(MeshCluster cluster) {
        return cluster.cilium() != null ? cluster.cilium() : cilium;
    }

    public Optional<AzureSpec> azureOptional() {
        return Optional.ofNullable(azure);
    }

    /** A copy with the clusters replaced (e.g. after discovery filled missing fields). */
    public MeshSpec withClusters(List<MeshCluster> newClusters) {
        return new MeshSpec(name, cilium, ca, exposure, azure, newClusters);
    }
}
