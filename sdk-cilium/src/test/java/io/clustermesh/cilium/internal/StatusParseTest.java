package io.clustermesh.cilium.internal;

import io.clustermesh.report.RemoteClusterStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent status is read by streaming (an agent of an N-cluster mesh lists N-1 remotes): it must read every
 * document exactly as a tree of it reads, field by field, including fields that are missing, null, repeated, of
 * another type, or nested where a value was expected.
 */
class StatusParseTest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** What a tree of the document says, with JsonNode's lenient accessors: the reference (the reader before it streamed). */
    static List<RemoteClusterStatus> byTree(String json) {
        JsonNode clusters = JSON.readTree(json).path("cluster-mesh").path("clusters");
        List<RemoteClusterStatus> out = new ArrayList<>();
        if (!clusters.isArray()) {
            return out;
        }
        for (JsonNode c : clusters) {
            JsonNode cfg = c.path("config");
            JsonNode synced = c.path("synced");
            boolean connected = c.path("connected").asBoolean(false);
            boolean ready = c.path("ready").asBoolean(false);
            boolean required = cfg.path("required").asBoolean(false);
            boolean retrieved = cfg.path("retrieved").asBoolean(false);
            boolean allSynced = synced.path("nodes").asBoolean(false) && synced.path("endpoints").asBoolean(false)
                    && synced.path("identities").asBoolean(false) && synced.path("services").asBoolean(false);
            String status = c.path("status").asString("");
            String name = c.path("name").asString("");
            JsonNode lf = c.path("last-failure");
            String last = lf.isMissingNode() || lf.isNull() ? null : lf.asString("");
            last = last == null || last.isBlank() || last.startsWith("0001-01-01T00:00:00") ? null : last;
            out.add(new RemoteClusterStatus(name, connected, ready, status, c.path("num-failures").asInt(0), last,
                    c.path("num-nodes").asInt(0), c.path("num-endpoints").asInt(0), c.path("num-identities").asInt(0),
                    c.path("num-shared-services").asInt(0), cfg.path("cluster-id").asInt(0), required, retrieved,
                    cfg.path("kvstoremesh").asBoolean(false), allSynced,
                    ready ? null : StatusReader.remediation(name, connected, required, retrieved, status)));
        }
        return out;
    }

    @Test
    void theAgentStatusOfTheTestsReadsAsItsTree() {
        assertThat(StatusReader.parseRemotes(StatusReaderTest.AGENT_STATUS)).hasSize(4).isEqualTo(byTree(StatusReaderTest.AGENT_STATUS));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{}", "{\"cluster-mesh\": {}}", "{\"cluster-mesh\": null}", "{\"cluster-mesh\": {\"clusters\": {}}}",
            "{\"cluster-mesh\": {\"clusters\": []}}", "{\"cluster-mesh\": {\"clusters\": [1, \"x\", null, [], {}]}}",
            "{\"other\": {\"clusters\": [{\"name\": \"a\"}]}, \"cluster-mesh\": {\"clusters\": [{\"name\": \"b\"}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": \"a\"}], \"clusters\": [{\"name\": \"b\", \"ready\": true}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": \"a\", \"name\": \"b\", \"config\": {\"cluster-id\": 3}, \"config\": {\"required\": true}}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": 7, \"ready\": \"true\", \"connected\": 1, \"num-nodes\": \"12\", \"num-failures\": 2.9}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": null, \"status\": null, \"last-failure\": null, \"num-nodes\": null, \"ready\": null}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": {\"x\": 1}, \"status\": [1, 2], \"last-failure\": {}, \"config\": 5, \"synced\": [true]}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": \"a\", \"ready\": false, \"num-nodes\": true, \"last-failure\": 12,"
                    + " \"synced\": {\"nodes\": true, \"endpoints\": true, \"identities\": true, \"services\": true, \"extra\": {\"deep\": [1]}}}]}}",
            "{\"cluster-mesh\": {\"clusters\": [{\"name\": \"a\", \"status\": \"remote cluster has non-unique ID (3)\", \"connected\": \"false\"}]}}"})
    void oddDocumentsReadAsTheirTree(String json) {
        assertThat(StatusReader.parseRemotes(json)).isEqualTo(byTree(json));
    }

    @Test
    void randomAgentStatusesReadAsTheirTree() {
        Random random = new Random(42);
        String[] statuses = {"", "ready", "connect: connection refused", "x509: certificate signed by unknown authority",
                "remote cluster configuration required but not found", "mismatched MaxConnectedClusters; local=255, remote=511"};
        for (int doc = 0; doc < 200; doc++) {
            StringBuilder b = new StringBuilder("{\"kvstore\": {\"state\": \"Ok\"}, \"cluster-mesh\": {\"clusters\": [");
            int n = random.nextInt(12);
            for (int i = 0; i < n; i++) {
                b.append(i == 0 ? "" : ",").append("{\"name\": \"cluster").append(random.nextInt(600)).append('"')
                        .append(", \"connected\": ").append(random.nextBoolean())
                        .append(", \"ready\": ").append(random.nextBoolean())
                        .append(", \"status\": \"").append(statuses[random.nextInt(statuses.length)]).append('"')
                        .append(", \"num-failures\": ").append(random.nextInt(5))
                        .append(random.nextBoolean() ? ", \"last-failure\": \"2026-12-0" + (1 + random.nextInt(8)) + "T10:00:00Z\"" : "")
                        .append(", \"num-nodes\": ").append(random.nextInt(100))
                        .append(", \"num-endpoints\": ").append(random.nextInt(1000))
                        .append(", \"num-identities\": ").append(random.nextInt(50))
                        .append(", \"num-shared-services\": ").append(random.nextInt(5))
                        .append(", \"config\": {\"cluster-id\": ").append(random.nextInt(512))
                        .append(", \"required\": ").append(random.nextBoolean())
                        .append(", \"retrieved\": ").append(random.nextBoolean())
                        .append(random.nextBoolean() ? ", \"kvstoremesh\": true" : "").append('}')
                        .append(", \"synced\": {\"nodes\": ").append(random.nextInt(8) > 0).append(", \"endpoints\": ").append(random.nextInt(8) > 0)
                        .append(", \"identities\": ").append(random.nextInt(8) > 0).append(", \"services\": ").append(random.nextInt(8) > 0)
                        .append("}}");
            }
            b.append("]}, \"controllers\": [{\"name\": \"c\", \"status\": {}}]}");
            String json = b.toString();
            assertThat(StatusReader.parseRemotes(json)).as(json).hasSize(n).isEqualTo(byTree(json));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"cluster-mesh\": {\"clusters\": [{\"name\": \"a\"}", "{\"cluster-mesh\": {}} trailing", "not json"})
    void aDocumentThatIsNotJsonIsRefusedWhole(String json) {
        assertThatThrownBy(() -> StatusReader.parseRemotes(json)).isInstanceOf(tools.jackson.core.JacksonException.class);
    }
}
