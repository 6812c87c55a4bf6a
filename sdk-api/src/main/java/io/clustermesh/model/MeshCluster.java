package io.clustermesh.model;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One cluster of the mesh. Values are kept as given (strings for CIDRs and addresses) so that validation can
 * report every problem at once instead of failing on the first; see {@code Mesh.validate}.
 *
 * <p>Immutable: start from {@link #named(String)} and chain the {@code with*} methods, each of which returns a copy
 * with one property changed, e.g. {@code MeshCluster.named("cluster1").withId(1).withPodCidr("10.1.0.0/16")}.
 *
 * <p>The properties:
 * <ul>
 * <li>{@link #name()}: Cilium cluster name ({@code cluster.name}); lower-case DNS label, at most 32 characters</li>
 * <li>{@link #id()}: Cilium cluster id ({@code cluster.id}), 1..255 (1..511 with maxConnectedClusters 511); 0 = not set</li>
 * <li>{@link #podCidr()}: the cluster's pod CIDR ({@code ipam.operator.clusterPoolIPv4PodCIDRList}); may be discovered</li>
 * <li>{@link #serviceCidr()}: the cluster's service CIDR, checked for overlaps; optional</li>
 * <li>{@link #apiServer()}: the API server FQDN ({@code k8sServiceHost}); optional, discovered from Azure or kubeconfig</li>
 * <li>{@link #meshIp()}: a fixed internal LB IP for the clustermesh-apiserver; optional. When every cluster has one,
 *     the mesh converges in a single Helm upgrade per cluster</li>
 * <li>{@link #access()}: how to reach the cluster's Kubernetes API</li>
 * <li>{@link #cilium()}: per-cluster override of the mesh's Cilium options; {@code null} = the mesh's</li>
 * <li>{@link #nodeCidr()}: the range the cluster's nodes take their addresses from (on AKS the node pools' subnet);
 *     optional, discovered from Azure. When every peer's is known, each clustermesh-apiserver accepts connections on
 *     2379 only from its peers' node ranges (chart 1.17+: {@code clustermesh.apiserver.service.loadBalancerSourceRanges})</li>
 * </ul>
 */
public final class MeshCluster {

    private final String name;
    private final int id;
    private final String podCidr;
    private final String serviceCidr;
    private final String apiServer;
    private final String meshIp;
    private final ClusterAccess access;
    private final CiliumOptions cilium;
    private final String nodeCidr;

    /** The mutable state a copy starts from: every {@code with*} method changes one field of it. */
    private static final class Copy {
        String name;
        int id;
        String podCidr;
        String serviceCidr;
        String apiServer;
        String meshIp;
        ClusterAccess access;
        CiliumOptions cilium;
        String nodeCidr;
    }

    private MeshCluster(Copy c) {
        this.name = Objects.requireNonNull(c.name, "name");
        this.id = c.id;
        this.podCidr = c.podCidr;
        this.serviceCidr = c.serviceCidr;
        this.apiServer = c.apiServer;
        this.meshIp = c.meshIp;
        this.access = c.access;
        this.cilium = c.cilium;
        this.nodeCidr = c.nodeCidr;
    }

    /** A cluster with only its name; chain {@link #withId(int)}, {@link #withPodCidr(String)}, ... */
    public static MeshCluster named(String name) {
        Copy c = new Copy();
        c.name = name;
        return new MeshCluster(c);
    }

    private MeshCluster with(Consumer<Copy> change) {
        Copy c = new Copy();
        c.name = name;
        c.id = id;
        c.podCidr = podCidr;
        c.serviceCidr = serviceCidr;
        c.apiServer = apiServer;
        c.meshIp = meshIp;
        c.access = access;
        c.cilium = cilium;
        c.nodeCidr = nodeCidr;
        change.accept(c);
        return new MeshCluster(c);
    }

    public MeshCluster withId(int id) {
        return with(c -> c.id = id);
    }

    public MeshCluster withPodCidr(String cidr) {
        return with(c -> c.podCidr = cidr);
    }

    public MeshCluster withServiceCidr(String cidr) {
        return with(c -> c.serviceCidr = cidr);
    }

    public MeshCluster withApiServer(String fqdn) {
        return with(c -> c.apiServer = fqdn);
    }

    public MeshCluster withMeshIp(String ip) {
        return with(c -> c.meshIp = ip);
    }

    public MeshCluster withAccess(ClusterAccess a) {
        return with(c -> c.access = a);
    }

    /** Per-cluster override of the mesh's Cilium options ({@code null}: the mesh's). */
    public MeshCluster withCilium(CiliumOptions override) {
        return with(c -> c.cilium = override);
    }

    /** The range the cluster's nodes take their addresses from, e.g. its AKS node subnet {@code 10.1.0.0/24}. */
    public MeshCluster withNodeCidr(String cidr) {
        return with(c -> c.nodeCidr = cidr);
    }

    public String name() {
        return name;
    }

    public int id() {
        return id;
    }

    public String podCidr() {
        return podCidr;
    }

    public String serviceCidr() {
        return serviceCidr;
    }

    public String apiServer() {
        return apiServer;
    }

    public String meshIp() {
        return meshIp;
    }

    public ClusterAccess access() {
        return access;
    }

    public CiliumOptions cilium() {
        return cilium;
    }

    public String nodeCidr() {
        return nodeCidr;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MeshCluster c && c.id == id && c.name.equals(name) && Objects.equals(c.podCidr, podCidr)
                && Objects.equals(c.serviceCidr, serviceCidr) && Objects.equals(c.apiServer, apiServer)
                && Objects.equals(c.meshIp, meshIp) && Objects.equals(c.access, access) && Objects.equals(c.cilium, cilium)
                && Objects.equals(c.nodeCidr, nodeCidr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, id, podCidr, serviceCidr, apiServer, meshIp, access, cilium, nodeCidr);
    }

    /** The record-style form; the access shows as its own {@code toString()}, which never holds kubeconfig content. */
    @Override
    public String toString() {
        return "MeshCluster[name=" + name + ", id=" + id + ", podCidr=" + podCidr + ", serviceCidr=" + serviceCidr
                + ", apiServer=" + apiServer + ", meshIp=" + meshIp + ", access=" + access + ", cilium=" + cilium
                + ", nodeCidr=" + nodeCidr + "]";
    }
}
