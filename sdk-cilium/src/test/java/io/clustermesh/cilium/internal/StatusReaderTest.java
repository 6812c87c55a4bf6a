package io.clustermesh.cilium.internal;

import io.clustermesh.report.RemoteClusterStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatusReaderTest {

    static final String AGENT_STATUS = """
            {"cluster-mesh": {"clusters": [
              {"name": "cluster2", "connected": true, "ready": true, "status": "", "num-failures": 0, "last-failure": "0001-01-01T00:00:00.000Z",
               "num-nodes": 3, "num-endpoints": 12, "num-identities": 7, "num-shared-services": 2,
               "config": {"cluster-id": 2, "required": true, "retrieved": true, "kvstoremesh": true},
               "synced": {"nodes": true, "endpoints": true, "identities": true, "services": true}},
              {"name": "cluster3", "connected": false, "ready": false, "num-failures": 4, "last-failure": "2026-11-26T10:00:00Z",
               "status": "failed to connect: dial tcp 10.3.0.250:2379: connect: connection refused",
               "config": {"cluster-id": 0, "required": true, "retrieved": false},
               "synced": {"nodes": false, "endpoints": false, "identities": false, "services": false}},
              {"name": "cluster4", "connected": false, "ready": false,
               "status": "tls: failed to verify certificate: x509: certificate signed by unknown authority",
               "config": {"required": true, "retrieved": false}, "synced": {}},
              {"name": "cluster5", "connected": true, "ready": false, "status": "",
               "config": {"required": true, "retrieved": false}, "synced": {}}
            ]}}
            """;

    @Test
    void parsesRemoteClustersKeepingErrorTextsAndAddingRemediations() {
        List<RemoteClusterStatus> r = StatusReader.parseRemotes(AGENT_STATUS);
        assertThat(r).extracting(RemoteClusterStatus::name).containsExactly("cluster2", "cluster3", "cluster4", "cluster5");
        RemoteClusterStatus ok = r.get(0);
        assertThat(ok.ready()).isTrue();
        assertThat(ok.clusterId()).isEqualTo(2);
        assertThat(ok.numNodes()).isEqualTo(3);
        assertThat(ok.numSharedServices()).isEqualTo(2);
        assertThat(ok.kvstoremesh()).isTrue();
        assertThat(ok.synced()).isTrue();
        assertThat(ok.remediation()).isNull();
        assertThat(ok.lastFailure()).as("Go's zero time means never").isNull();

        RemoteClusterStatus refused = r.get(1);
        assertThat(refused.status()).contains("connection refused");
        assertThat(refused.numFailures()).isEqualTo(4);
        assertThat(refused.lastFailure()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(refused.remediation()).contains("2379/tcp");

        assertThat(r.get(2).remediation()).contains("CA");
        assertThat(r.get(3).remediation()).contains("cluster.name").contains("cluster5");
    }

    @Test
    void anAgentWithoutClusterMeshReportsNoRemotes() {
        assertThat(StatusReader.parseRemotes("{\"cluster-mesh\": {}}")).isEmpty();
        assertThat(StatusReader.parseRemotes("{}")).isEmpty();
    }

    @Test
    void remediationsByErrorKind() {
        assertThat(StatusReader.remediation("c2", false, true, false, "remote and local cluster have the same, non-unique name: c1"))
                .contains("unique cluster.name");
        assertThat(StatusReader.remediation("c2", true, true, false, "remote and local clusters have different max connected clusters: 511 != 255"))
                .contains("maxConnectedClusters");
        assertThat(StatusReader.remediation("c2", false, false, false, "context deadline exceeded")).contains("2379/tcp");
    }

    @Test
    void remoteClustersOutsideTheMeshAreReportedWithTheirStatus() {
        var agents = List.of(new io.clustermesh.report.AgentStatus("cilium-a", "node-1", StatusReader.parseRemotes(AGENT_STATUS), null),
                new io.clustermesh.report.AgentStatus("cilium-b", "node-2", StatusReader.parseRemotes(AGENT_STATUS), null));
        List<String> errors = StatusReader.unexpectedRemotes("cluster1", List.of("cluster2", "cluster3", "cluster4"), agents);
        assertThat(errors).singleElement().asString()
                .startsWith("the agents are configured for a remote cluster 'cluster5' that is not in the mesh")
                .contains(" - fix: correct the entry's name to the peer's cluster.name");
        assertThat(StatusReader.unexpectedRemotes("cluster1", List.of("cluster2", "cluster3", "cluster4", "cluster5"), agents)).isEmpty();
    }
}
