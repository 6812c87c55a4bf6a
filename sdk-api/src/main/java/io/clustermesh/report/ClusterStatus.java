package io.clustermesh.report;

import io.clustermesh.Mesh;
import io.clustermesh.report.AgentStatus;
import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.report.PeerStatus;
import java.util.List;
import java.util.Objects;

/**
 * The mesh as seen from one cluster.
 *
 * @param name              cluster name (from the spec)
 * @param clusterId         {@code cluster-id} from {@code cilium-config} (0 if unknown)
 * @param configuredName    {@code cluster-name} from {@code cilium-config} ({@code null} if unknown)
 * @param apiserverAddress  the clustermesh-apiserver address peers use ({@code null} while pending)
 * @param apiserverReady    the clustermesh-apiserver Deployment is ready
 * @param kvstoremesh       KVStoreMesh is on
 * @param caFingerprint     SHA-256 fingerprint of the cluster's {@code cilium-ca} certificate ({@code null} if none)
 * @param agents            every agent's view
 * @param peers             per expected peer, aggregated over agents
 * @param errors            problems of the cluster itself (unreachable, no Cilium, ...), with remediation
 * @param certificates      expiry of the CA and of each Cluster Mesh certificate found in the cluster
 * @param warnings          what does not make the cluster unhealthy yet (e.g. a certificate inside the renewal window)
 */
public record ClusterStatus(String name, int clusterId, String configuredName, String apiserverAddress,
                            boolean apiserverReady, boolean kvstoremesh, String caFingerprint, List<AgentStatus> agents,
                            List<PeerStatus> peers, List<String> errors, List<CertificateExpiry> certificates, List<String> warnings) {
    public ClusterStatus {
        Objects.requireNonNull(name, "name");
        agents = List.copyOf(agents == null ? List.of() : agents);
        peers = List.copyOf(peers == null ? List.of() : peers);
        errors = List.copyOf(errors == null ? List.of() : errors);
        certificates = List.copyOf(certificates == null ? List.of() : certificates);
        warnings = List.copyOf(warnings == null ? List.of() : warnings);
    }

    /** Without certificate expiry and warnings. */
    public ClusterStatus(String name, int clusterId, String configuredName, String apiserverAddress, boolean apiserverReady,
                         boolean kvstoremesh, String caFingerprint, List<AgentStatus> agents, List<PeerStatus> peers, List<String> errors) {
        this(name, clusterId, configuredName, apiserverAddress, apiserverReady, kvstoremesh, caFingerprint, agents, peers, errors,
                List.of(), List.of());
    }

    /** Peers every agent is ready with. */
    public List<String> connectedPeers() {
        return peers.stream().filter(PeerStatus::fullyConnected).map(PeerStatus::peer).toList();
    }

    /** Every agent ready with every expected peer, and no cluster error. */
    public boolean healthy() {
        return errors.isEmpty() && !agents.isEmpty() && peers.stream().allMatch(PeerStatus::fullyConnected);
    }

    /** Minimum over agents of ready remote clusters. */
    public long minConnected() {
        return agents.stream().mapToLong(AgentStatus::readyRemotes).min().orElse(0);
    }

    public long maxConnected() {
        return agents.stream().mapToLong(AgentStatus::readyRemotes).max().orElse(0);
    }

    public double avgConnected() {
        return agents.stream().mapToLong(AgentStatus::readyRemotes).average().orElse(0);
    }
}
