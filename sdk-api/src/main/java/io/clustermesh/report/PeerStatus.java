package io.clustermesh.report;

import io.clustermesh.report.PeerStatus;
import java.util.List;
import java.util.Objects;

/**
 * A cluster's connection to one peer, aggregated over its agents like {@code cilium clustermesh status}
 * ({@code <configured>/<agents> configured, <connected>/<agents> connected}), but keeping every error text.
 *
 * @param peer        the peer cluster
 * @param agents      agents asked
 * @param configured  agents that have the peer configured
 * @param connected   agents ready with the peer
 * @param errors      distinct error texts, each with its remediation appended after " - fix: "
 */
public record PeerStatus(String peer, int agents, int configured, int connected, List<String> errors) {
    public PeerStatus {
        Objects.requireNonNull(peer, "peer");
        errors = List.copyOf(errors == null ? List.of() : errors);
    }

    public boolean fullyConnected() {
        return agents > 0 && connected == agents;
    }
}
