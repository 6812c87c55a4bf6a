package io.clustermesh.report;

import io.clustermesh.report.RemoteClusterStatus;
import java.util.Objects;

/**
 * One agent's view of one remote cluster, as {@code cilium-dbg status -o json} reports it under
 * {@code cluster-mesh.clusters[]} (the agent's cluster-mesh status, Cilium {@code api/v1/models/remote_cluster.go}), with the error text kept and a remediation added.
 *
 * @param name             remote cluster name
 * @param connected        connected to the remote etcd
 * @param ready            connected and (config not required or retrieved)
 * @param status           the agent's status text (e.g. an error), may be empty
 * @param numFailures      failures so far
 * @param lastFailure      time of the last failure as reported, may be {@code null}
 * @param numNodes         nodes synced from the remote cluster
 * @param numEndpoints     endpoints synced
 * @param numIdentities    identities synced
 * @param numSharedServices shared services synced
 * @param clusterId        the remote cluster id from its cluster config (0 if not retrieved)
 * @param configRequired   whether the cluster config is required
 * @param configRetrieved  whether the cluster config was retrieved
 * @param kvstoremesh      whether the connection goes through KVStoreMesh
 * @param synced           all of nodes, endpoints, identities, services synced
 * @param remediation      what to check when not ready ({@code null} when ready)
 */
public record RemoteClusterStatus(String name, boolean connected, boolean ready, String status, int numFailures,
                                  String lastFailure, int numNodes, int numEndpoints, int numIdentities,
                                  int numSharedServices, int clusterId, boolean configRequired,
                                  boolean configRetrieved, boolean kvstoremesh, boolean synced, String remediation) {
    public RemoteClusterStatus {
        Objects.requireNonNull(name, "name");
        status = status == null ? "" : status;
    }
}
