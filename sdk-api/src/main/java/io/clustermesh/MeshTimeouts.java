package io.clustermesh;

import java.time.Duration;
import java.util.Objects;

/**
 * Deadlines of the engine. Nothing waits without one.
 *
 * @param step             the longest any single step may run (a hard stop)
 * @param loadBalancerIp   waiting for a clustermesh-apiserver LoadBalancer IP
 * @param rollout          waiting for Deployments and DaemonSets to become ready
 * @param connection       waiting for agents to report every peer connected
 * @param request          one API request
 * @param pollInterval     how often waits look again
 */
public record MeshTimeouts(Duration step, Duration loadBalancerIp, Duration rollout, Duration connection,
                           Duration request, Duration pollInterval) {
    public MeshTimeouts {
        for (Duration d : new Duration[]{step, loadBalancerIp, rollout, connection, request, pollInterval}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    public static MeshTimeouts defaults() {
        return new MeshTimeouts(Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofMinutes(10),
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2));
    }

    public MeshTimeouts withStep(Duration d) {
        return new MeshTimeouts(d, loadBalancerIp, rollout, connection, request, pollInterval);
    }

    public MeshTimeouts withLoadBalancerIp(Duration d) {
        return new MeshTimeouts(step, d, rollout, connection, request, pollInterval);
    }

    public MeshTimeouts withRollout(Duration d) {
        return new MeshTimeouts(step, loadBalancerIp, d, connection, request, pollInterval);
    }

    public MeshTimeouts withConnection(Duration d) {
        return new MeshTimeouts(step, loadBalancerIp, rollout, d, request, pollInterval);
    }

    public MeshTimeouts withPollInterval(Duration d) {
        return new MeshTimeouts(step, loadBalancerIp, rollout, connection, request, d);
    }
}
