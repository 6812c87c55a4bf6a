package io.clustermesh.report;

import io.clustermesh.report.AgentStatus;
import io.clustermesh.report.RemoteClusterStatus;
import java.util.List;
import java.util.Objects;

/**
 * One Cilium agent (one node) and its remote clusters.
 *
 * @param pod     agent pod name
 * @param node    node name
 * @param remotes what the agent reports per remote cluster
 * @param error   why the agent's status could not be read, or {@code null}
 */
public record AgentStatus(String pod, String node, List<RemoteClusterStatus> remotes, String error) {
    public AgentStatus {
        Objects.requireNonNull(pod, "pod");
        remotes = List.copyOf(remotes == null ? List.of() : remotes);
    }

    /** Remote clusters this agent is ready with. */
    public long readyRemotes() {
        return remotes.stream().filter(RemoteClusterStatus::ready).count();
    }
}
