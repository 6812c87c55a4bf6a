package io.clustermesh;

import java.util.Objects;

/**
 * One backend (pod address) of a Service, as a cluster's load balancer sees it.
 *
 * @param cluster the cluster the backend runs in
 * @param address the pod IP
 * @param pod     the pod's name when known, else {@code null}
 * @param state   whether it takes new connections
 */
public record ServiceBackend(String cluster, String address, String pod, State state) {

    /**
     * The backend states that matter for global services (Cilium {@code loadbalancer.BackendState} plus its health
     * flag, folded into one).
     */
    public enum State {
        /** Ready: takes new connections. */
        ACTIVE,
        /** Terminating but still serving: healthy, used for new connections only when no backend is active. */
        TERMINATING,
        /** Failing health checks, quarantined or in maintenance: never takes new connections. */
        UNHEALTHY;

        /** Cilium's "healthy": active or terminating, and not marked unhealthy. */
        public boolean healthy() {
            return this != UNHEALTHY;
        }
    }

    public ServiceBackend {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
    }

    /** An active backend without a pod name. */
    public static ServiceBackend active(String cluster, String address) {
        return new ServiceBackend(cluster, address, null, State.ACTIVE);
    }

    public boolean healthy() {
        return state.healthy();
    }

    /** {@code cluster/address} (and the pod when known). */
    @Override
    public String toString() {
        return cluster + "/" + address + (pod == null ? "" : " (" + pod + ")") + (state == State.ACTIVE ? "" : " " + state.name().toLowerCase(java.util.Locale.ROOT));
    }
}
