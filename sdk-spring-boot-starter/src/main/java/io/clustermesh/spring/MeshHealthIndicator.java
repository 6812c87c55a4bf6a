package io.clustermesh.spring;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mesh as a Spring Boot health contribution ({@code clustermesh} under {@code /actuator/health}): UP when
 * {@code MeshStatus.healthy()} (every agent of every cluster ready with every expected peer, no cluster error), else
 * DOWN; the details hold, per cluster, whether it is healthy, each peer's connected agents, and the errors and
 * warnings with their remediation. The status comes from the {@link MeshStatusCache}, so a probe reads the clusters
 * at most once per {@code clustermesh.status.cache-for}.
 */
public class MeshHealthIndicator implements HealthIndicator {
    private final MeshStatusCache statuses;

    /** @param statuses the shared status cache */
    public MeshHealthIndicator(MeshStatusCache statuses) {
        this.statuses = Objects.requireNonNull(statuses, "statuses");
    }

    @Override
    public Health health() {
        MeshStatus status;
        try {
            status = statuses.get();
        } catch (RuntimeException e) {
            // the message names the cluster and the fix (MeshException); no stack trace in the health document
            return Health.down().withDetail("error", String.valueOf(e.getMessage())).build();
        }
        Health.Builder b = status.healthy() ? Health.up() : Health.down();
        b.withDetail("mesh", status.mesh()).withDetail("at", status.at().toString());
        Map<String, Object> clusters = new LinkedHashMap<>();
        for (ClusterStatus c : status.clusters()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("healthy", c.healthy());
            x.put("clusterId", c.clusterId());
            x.put("apiserverReady", c.apiserverReady());
            Map<String, Object> peers = new LinkedHashMap<>();
            for (PeerStatus p : c.peers()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("connected", p.fullyConnected());
                pm.put("agents", p.agents());
                pm.put("agentsConnected", p.connected());
                if (!p.errors().isEmpty()) {
                    pm.put("errors", p.errors());
                }
                peers.put(p.peer(), pm);
            }
            x.put("peers", peers);
            putIfAny(x, "errors", c.errors());
            putIfAny(x, "warnings", c.warnings());
            clusters.put(c.name(), x);
        }
        return b.withDetail("clusters", clusters).build();
    }

    private static void putIfAny(Map<String, Object> m, String key, List<String> values) {
        if (!values.isEmpty()) {
            m.put(key, values);
        }
    }
}
