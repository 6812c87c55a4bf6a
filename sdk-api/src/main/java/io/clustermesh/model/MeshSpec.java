package io.clustermesh.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The declarative form of a mesh: what {@code Mesh.builder()} and a {@code kind: Mesh} YAML file both produce.
 * Immutable; made with {@link #of}.
 *
 * <p>The properties:
 * <ul>
 * <li>{@link #name()}: mesh name (metadata.name), used in locks and reports</li>
 * <li>{@link #cilium()}: Cilium options for every cluster (a cluster may override)</li>
 * <li>{@link #ca()}: where the shared CA comes from</li>
 * <li>{@link #exposure()}: how clustermesh-apiservers are exposed</li>
 * <li>{@link #azure()}: Azure discovery, credentials and preflight; {@code null} without Azure</li>
 * <li>{@link #clusters()}: the clusters, in order (paths in findings use this order)</li>
 * </ul>
 */
public final class MeshSpec {

    public static final String DEFAULT_NAME = "mesh";

    private final String name;
    private final CiliumOptions cilium;
    private final CaStrategy ca;
    private final Exposure exposure;
    private final AzureSpec azure;
    private final List<MeshCluster> clusters;

    private MeshSpec(String name, CiliumOptions cilium, CaStrategy ca, Exposure exposure, AzureSpec azure,
                     List<MeshCluster> clusters) {
        this.name = Objects.requireNonNull(name, "name");
        this.cilium = Objects.requireNonNull(cilium, "cilium");
        this.ca = Objects.requireNonNull(ca, "ca");
        this.exposure = Objects.requireNonNull(exposure, "exposure");
        this.azure = azure;
        this.clusters = List.copyOf(Objects.requireNonNull(clusters, "clusters"));
    }

    /**
     * A spec from its parts; every part but {@code azure} is required.
     *
     * @param name     mesh name (metadata.name), e.g. {@link #DEFAULT_NAME}
     * @param cilium   Cilium options for every cluster
     * @param ca       where the shared CA comes from
     * @param exposure how clustermesh-apiservers are exposed
     * @param azure    Azure discovery, credentials and preflight; {@code null} without Azure
     * @param clusters the clusters, in order (copied)
     */
    public static MeshSpec of(String name, CiliumOptions cilium, CaStrategy ca, Exposure exposure, AzureSpec azure,
                              List<MeshCluster> clusters) {
        return new MeshSpec(name, cilium, ca, exposure, azure, clusters);
    }

    public String name() {
        return name;
    }

    public CiliumOptions cilium() {
        return cilium;
    }

    public CaStrategy ca() {
        return ca;
    }

    public Exposure exposure() {
        return exposure;
    }

    public AzureSpec azure() {
        return azure;
    }

    public List<MeshCluster> clusters() {
        return clusters;
    }

    /** The cluster of that name. */
    public Optional<MeshCluster> cluster(String clusterName) {
        return clusters.stream().filter(c -> c.name().equals(clusterName)).findFirst();
    }

    /** The Cilium options in force on that cluster (its override, else the mesh's). */
    public CiliumOptions ciliumFor(MeshCluster cluster) {
        return cluster.cilium() != null ? cluster.cilium() : cilium;
    }

    /** A copy with the clusters replaced (e.g. after discovery filled missing fields). */
    public MeshSpec withClusters(List<MeshCluster> newClusters) {
        return new MeshSpec(name, cilium, ca, exposure, azure, newClusters);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MeshSpec s && s.name.equals(name) && s.cilium.equals(cilium) && s.ca.equals(ca)
                && s.exposure.equals(exposure) && Objects.equals(s.azure, azure) && s.clusters.equals(clusters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, cilium, ca, exposure, azure, clusters);
    }

    /** The record-style form; clusters show their accesses' {@code toString()}, which never holds kubeconfig content. */
    @Override
    public String toString() {
        return "MeshSpec[name=" + name + ", cilium=" + cilium + ", ca=" + ca + ", exposure=" + exposure + ", azure=" + azure
                + ", clusters=" + clusters + "]";
    }
}
