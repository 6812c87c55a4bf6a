package io.clustermesh.cilium.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One side of a {@link ClusterMeshPolicy}: the endpoints with these labels, in these clusters (empty = every cluster
 * of the mesh), in this namespace ({@code null} = the policy's). Immutable; each method returns a copy.
 *
 * <pre>{@code PolicyPeer.labels("name", "x-wing").in("cluster1")}</pre>
 *
 * @param labels    pod labels to match (keys may carry Cilium's {@code k8s:} or {@code any:} source prefix); the
 *                  cluster label {@value ClusterMeshPolicy#CLUSTER_LABEL} is written by the policy, not given here
 * @param clusters  the clusters the endpoints run in; empty means all
 * @param namespace the endpoints' namespace, or {@code null} for the policy's namespace
 */
public record PolicyPeer(Map<String, String> labels, List<String> clusters, String namespace) {

    public PolicyPeer {
        labels = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(labels, "labels")));
        clusters = List.copyOf(Objects.requireNonNull(clusters, "clusters"));
    }

    /** Endpoints with these labels, in every cluster. */
    public static PolicyPeer labels(Map<String, String> labels) {
        return new PolicyPeer(labels, List.of(), null);
    }

    /** Endpoints with this one label, in every cluster. */
    public static PolicyPeer labels(String key, String value) {
        return labels(Map.of(key, value));
    }

    /** The same endpoints, in these clusters only. */
    public PolicyPeer in(String... clusterNames) {
        List<String> all = new ArrayList<>(clusters);
        all.addAll(Arrays.asList(clusterNames));
        return new PolicyPeer(labels, all, namespace);
    }

    /** The same endpoints, in another namespace than the policy's. */
    public PolicyPeer namespace(String ns) {
        return new PolicyPeer(labels, clusters, Objects.requireNonNull(ns, "namespace"));
    }
}
