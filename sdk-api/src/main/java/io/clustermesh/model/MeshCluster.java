package io.clustermesh.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One cluster of the mesh. Values are kept as given (strings for CIDRs and addresses) so that validation can
 * report every problem at once instead of failing on the first; see {@code Mesh.validate}.
 *
 * @param name        Cilium cluster name ({@code cluster.name}); lower-case DNS label, at most 32 characters
 * @param id          Cilium cluster id ({@code cluster.id}), 1..255 (1..511 with maxConnectedClusters 511); 0 = not set
 * @param podCidr     the cluster's pod CIDR ({@code ipam.operator.clusterPoolIPv4PodCIDRList}); may be discovered
 * @param serviceCidr the cluster's service CIDR, checked for overlaps; optional
 * @param apiServer   the API server FQDN ({@code k8sServiceHost}); optional, discovered from Azure or kubeconfig
 * @param meshIp      a fixed internal LB IP for the clustermesh-apiserver; optional. When every cluster has one,
 *                    the mesh converges in a single Helm upgrade per cluster
 * @param access      how to reach the cluster's Kubernetes API
 * @param cilium      per-cluster override of the mesh's Cilium options; {@code null} = the mesh's
 * @param nodeCidr    the range the cluster's nodes take their addresses from (on AKS the node pools' subnet);
 *                    optional, discovered from Azure. When every peer's is known, each clustermesh-apiserver
 *                    accepts connections on 2379 only from its peers' node ranges (chart 1.17+:
 *                    {@code clustermesh.apiserver.service.loadBalancerSourceRanges})
 */
public record MeshCluster(String name, int id, String podCidr, String serviceCidr, String apiServer, String meshIp,
                          ClusterAccess access, CiliumOptions cilium, String nodeCidr) {

    public MeshCluster {
        Objects.requireNonNull(name, "name");
    }

    /** A cluster without a node range (see {@link #nodeCidr()}). */
    public MeshCluster(String name, int id, String podCidr, String serviceCidr, String apiServer, String meshIp,
                       ClusterAccess access, CiliumOptions cilium) {
        this(name, id, podCidr, serviceCidr, apiServer, meshIp, access, cilium, null);
    }

    /** A cluster with only its name; chain {@link #id(int)}, {@link #podCidr(String)}, ... */
    public static MeshCluster named(String name) {
        return new MeshCluster(name, 0, null, null, null, null, null, null, null);
    }

    public MeshCluster id(int id) {
        return new MeshCluster(name, id, podCidr, serviceCidr, apiServer, meshIp, access, cilium, nodeCidr);
    }

    public MeshCluster podCidr(String cidr) {
        return new MeshCluster(name, id, cidr, serviceCidr, apiServer, meshIp, access, cilium, nodeCidr);
    }

    public MeshCluster serviceCidr(String cidr) {
        return new MeshCluster(name, id, podCidr, cidr, apiServer, meshIp, access, cilium, nodeCidr);
    }

    public MeshCluster apiServer(String fqdn) {
        return new MeshCluster(name, id, podCidr, serviceCidr, fqdn, meshIp, access, cilium, nodeCidr);
    }

    public MeshCluster meshIp(String ip) {
        return new MeshCluster(name, id, podCidr, serviceCidr, apiServer, ip, access, cilium, nodeCidr);
    }

    public MeshCluster access(ClusterAccess a) {
        return new MeshCluster(name, id, podCidr, serviceCidr, apiServer, meshIp, a, cilium, nodeCidr);
    }

    public MeshCluster cilium(CiliumOptions override) {
        return new MeshCluster(name, id, podCidr, serviceCidr, apiServer, meshIp, access, override, nodeCidr);
    }

    /** The range the cluster's nodes take their addresses from, e.g. its AKS node subnet {@code 10.1.0.0/24}. */
    public MeshCluster nodeCidr(String cidr) {
        return new MeshCluster(name, id, podCidr, serviceCidr, apiServer, meshIp, access, cilium, cidr);
    }

    public Optional<String> meshIpOptional() {
        return Optional.ofNullable(meshIp);
    }
}
