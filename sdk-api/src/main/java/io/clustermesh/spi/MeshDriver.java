package io.clustermesh.spi;

/**
 * The engine that knows Cilium: given to {@code Mesh.builder().driver(..)} to choose how it is configured (for
 * example {@code new io.clustermesh.cilium.CiliumMeshDriver(ChartSource.packages(dir), true)} for a chart
 * mirror), else found with {@link java.util.ServiceLoader} ({@code clustermesh-cilium} registers one).
 *
 * <p>A driver is chosen, not written: what a driver does (plan, status, global services) is not part of the API and
 * changes with the Cilium driver. {@code Mesh.builder().build()} rejects a {@code MeshDriver} that is not one of the
 * SDK's own, naming the artifact to use.
 */
public interface MeshDriver extends MeshProvider {
}
