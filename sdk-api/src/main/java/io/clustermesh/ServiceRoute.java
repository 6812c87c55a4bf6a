package io.clustermesh;

import java.util.List;
import java.util.Objects;

/**
 * Where a request to a Service goes when it is sent from one cluster: the backends that cluster's Cilium selects for
 * the Service, following Cilium's global-service rules (Cilium docs, "Load-balancing & Service Discovery", network/clustermesh/services).
 *
 * @param cluster       the cluster the request is sent from
 * @param namespace     the Service's namespace
 * @param name          the Service's name
 * @param serviceExists whether the Service exists in {@code cluster}; without it there is no frontend at all
 * @param usesLocal     whether local backends are selected
 * @param usesRemote    whether remote backends are selected (Cilium's decision; true also when no cluster exports any)
 * @param backends      the selected backends, local first, then remote clusters in mesh order
 * @param explanation   why, in one sentence (for people and CLI output)
 */
public record ServiceRoute(String cluster, String namespace, String name, boolean serviceExists, boolean usesLocal,
                           boolean usesRemote, List<ServiceBackend> backends, String explanation) {

    public ServiceRoute {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        backends = List.copyOf(backends == null ? List.of() : backends);
        explanation = explanation == null ? "" : explanation;
    }

    /**
     * The selected backends that take new connections: the active ones, or, when none is active, the terminating
     * ones (Cilium falls back to terminating backends); unhealthy ones never.
     */
    public List<ServiceBackend> serving() {
        List<ServiceBackend> active = backends.stream().filter(b -> b.state() == ServiceBackend.State.ACTIVE).toList();
        if (!active.isEmpty()) {
            return active;
        }
        return backends.stream().filter(b -> b.state() == ServiceBackend.State.TERMINATING).toList();
    }

    /** The clusters answering new requests, in backend order, each once. */
    public List<String> servingClusters() {
        return serving().stream().map(ServiceBackend::cluster).distinct().toList();
    }

    /** {@code cluster -> ns/name: cluster1 (2), cluster3 (1)}, or why nothing answers. */
    @Override
    public String toString() {
        List<ServiceBackend> s = serving();
        if (s.isEmpty()) {
            return cluster + " -> " + namespace + "/" + name + ": no backend (" + explanation + ")";
        }
        StringBuilder sb = new StringBuilder(cluster + " -> " + namespace + "/" + name + ":");
        String sep = " ";
        for (String c : servingClusters()) {
            sb.append(sep).append(c).append(" (").append(s.stream().filter(b -> b.cluster().equals(c)).count()).append(')');
            sep = ", ";
        }
        return sb.toString();
    }
}
