package io.clustermesh.azure;

import io.clustermesh.Finding;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link AzureTopology#apply(AzureLabTopology)} did and what it built.
 *
 * @param azure    the mesh's {@code azure} section for the topology
 * @param changes  every resource looked at, in order, with what was done to it
 * @param clusters the clusters, ready to become mesh clusters
 * @param notes    where values came from and what is left to the user, keyed like plan notes
 * @param findings what provisioning could not do and who must do it (e.g. {@code AZURE_SUBNET_ROLE_DENIED}: the SDK's
 *                 identity may not grant the cluster identity its role on the subnet); empty when all was done
 */
public record ProvisionResult(AzureSpec azure, List<ResourceChange> changes, List<Cluster> clusters, Map<String, String> notes,
                              List<Finding> findings) {

    public ProvisionResult {
        Objects.requireNonNull(azure, "azure");
        changes = List.copyOf(changes);
        clusters = List.copyOf(clusters);
        notes = Map.copyOf(notes);
        findings = List.copyOf(findings == null ? List.of() : findings);
    }

    /** A result without findings. */
    public ProvisionResult(AzureSpec azure, List<ResourceChange> changes, List<Cluster> clusters, Map<String, String> notes) {
        this(azure, changes, clusters, notes, List.of());
    }

    /** Whether something is left that blocks the mesh (a finding of severity ERROR). */
    public boolean hasErrors() {
        return findings.stream().anyMatch(Finding::isError);
    }

    /** One resource and what was done to it. */
    public record ResourceChange(String resourceId, String type, Action action, String detail) {
        public ResourceChange {
            Objects.requireNonNull(resourceId, "resourceId");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(action, "action");
            detail = detail == null ? "" : detail;
        }

        @Override
        public String toString() {
            return action + " " + type + " " + resourceId + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    /** What happened to a resource. */
    public enum Action {
        CREATED, UPDATED, UNCHANGED
    }

    /**
     * A provisioned cluster.
     *
     * @param meshName      Cilium cluster name
     * @param id            Cilium cluster id
     * @param aks           the managed cluster
     * @param resourceId    the managed cluster's id
     * @param subnetId      the nodes' subnet
     * @param podCidr       pod CIDR
     * @param serviceCidr   service CIDR
     * @param apiServer     API server FQDN (null until AKS reports one)
     * @param meshIp        the clustermesh-apiserver's fixed internal LB address
     * @param meshIpSource  where the mesh IP came from ("topology" or how it was chosen)
     */
    public record Cluster(String meshName, int id, AzureRef aks, String resourceId, String subnetId, String podCidr,
                          String serviceCidr, String apiServer, String meshIp, String meshIpSource) {

        /** The mesh cluster: Azure access (credentials are fetched at discovery), CIDRs, API server and mesh IP. */
        public MeshCluster meshCluster() {
            MeshCluster c = MeshCluster.named(meshName).withId(id).withPodCidr(podCidr).withServiceCidr(serviceCidr)
                    .withAccess(ClusterAccess.azure(aks.resourceGroup(), aks.name()));
            if (apiServer != null) {
                c = c.withApiServer(apiServer);
            }
            return meshIp == null ? c : c.withMeshIp(meshIp);
        }
    }

    /** Writes (PUTs) issued: resources created or updated. 0 on a second run over the same topology. */
    public long writes() {
        return changes.stream().filter(c -> c.action() != Action.UNCHANGED).count();
    }

    /** The clusters as mesh clusters, in topology order. */
    public List<MeshCluster> meshClusters() {
        return clusters.stream().map(Cluster::meshCluster).toList();
    }
}
