package io.clustermesh.testing.sim;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a simulated agent knows about one remote cluster: the fields of Cilium's {@code models.RemoteCluster}
 * (the agent's cluster-mesh status, Cilium {@code api/v1/models/remote_cluster.go}), filled from a real mTLS connection to the peer's etcd.
 *
 * <p>One deliberate difference from Cilium 1.16: while the first connection fails, a real agent reports
 * {@code "Waiting for initial connection to be established"} and only logs the error
 * ({@code Unable to establish etcd connection to remote cluster}); the lab reports that error as the status text, so
 * the SDK (and its users) see why.
 *
 * @param name              the remote cluster (the key of the agent's clustermesh config)
 * @param connected         the etcd connection is up
 * @param ready             connected and (config not required or retrieved)
 * @param status            etcd status line, or the error
 * @param numFailures       failed connection attempts so far
 * @param lastFailure       time of the last failure, {@code null} if none
 * @param numNodes          nodes the peer publishes
 * @param numSharedServices global shared services the peer publishes
 * @param clusterId         the peer's cluster id from its cluster config, 0 if not retrieved
 * @param configRequired    the peer says its cluster config must be present ({@code cilium/.has-cluster-config})
 * @param configRetrieved   the cluster config was read
 * @param kvstoremesh       the connection is served by KVStoreMesh
 * @param syncCanaries      the peer writes sync canaries
 */
public record RemoteClusterState(String name, boolean connected, boolean ready, String status, int numFailures, Instant lastFailure,
                                 int numNodes, int numSharedServices, int clusterId, boolean configRequired, boolean configRetrieved,
                                 boolean kvstoremesh, boolean syncCanaries) {
    public RemoteClusterState {
        Objects.requireNonNull(name, "name");
        status = status == null ? "" : status;
    }

    /** The JSON object of {@code cilium-dbg status -o json} under {@code cluster-mesh.clusters[]}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("connected", connected);
        m.put("ready", ready);
        m.put("status", status);
        m.put("num-failures", numFailures);
        m.put("last-failure", lastFailure == null ? "0001-01-01T00:00:00.000Z" : lastFailure.toString());
        m.put("num-nodes", numNodes);
        m.put("num-endpoints", ready ? numNodes : 0);
        m.put("num-identities", 0);
        m.put("num-shared-services", numSharedServices);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("cluster-id", clusterId);
        config.put("required", configRequired);
        config.put("retrieved", configRetrieved);
        config.put("kvstoremesh", kvstoremesh);
        config.put("sync-canaries", syncCanaries);
        m.put("config", config);
        Map<String, Object> synced = new LinkedHashMap<>();
        for (String k : new String[]{"nodes", "endpoints", "identities", "services"}) {
            synced.put(k, ready);
        }
        m.put("synced", synced);
        return m;
    }
}
