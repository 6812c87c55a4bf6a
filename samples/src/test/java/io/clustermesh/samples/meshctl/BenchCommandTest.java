package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code meshctl bench} on a small lab: the JSON document has every field, with sane values. No timing is asserted. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BenchCommandTest {
    private static final List<String> RUN_FIELDS = List.of("clusters", "wallMs", "lowerBoundMs", "helmUpgradesPerCluster", "k8sReads",
            "k8sWrites", "armCalls", "reapplyWrites", "peakHeapMb", "cpuMs", "sdkCpuMs", "labCpuMs", "etcdCpuMs", "otherCpuMs", "helmRenderMs",
            "threadsPeak", "detectionLagMs", "peerDetectionLagMs", "converged");

    private record Result(int exit, String out, String err) {
    }

    private static Result meshctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Meshctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void jsonHasEveryFieldAndAConvergedMeshThatTheReapplyLeavesAlone() {
        Result r = meshctl("bench", "--clusters", "2", "--nodes", "1", "--api-latency-ms", "2", "--lb-delay-ms", "50",
                "--rollout-delay-ms", "20", "--plan-sizes", "8", "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode doc = JsonMapper.builder().build().readTree(r.out());
        assertThat(doc.propertyNames()).containsExactly("mode", "waitMinutes", "apiserverStore", "runs", "planTimings", "machine");
        assertThat(doc.get("apiserverStore").asString()).as("the default: a real etcd per cluster").isEqualTo("etcd");
        assertThat(doc.get("mode").asString()).isEqualTo("lab");
        assertThat(doc.get("waitMinutes").isNull()).as("no --wait-minutes: the SDK's own deadlines").isTrue();

        assertThat(doc.get("runs")).as("the warm-up run is not reported").hasSize(1);
        assertThat(r.err()).contains("warming up");
        JsonNode run = doc.get("runs").get(0);
        assertThat(run.propertyNames()).containsExactlyElementsOf(RUN_FIELDS);
        assertThat(run.get("clusters").asInt()).isEqualTo(2);
        assertThat(run.get("reapplyWrites").asLong()).as("a re-apply on the converged mesh writes nothing").isZero();
        assertThat(run.get("helmUpgradesPerCluster").asInt()).as("one Helm install per cluster with known mesh IPs").isEqualTo(1);
        assertThat(run.get("k8sWrites").asLong()).as("the lock, the local certificates and the releases are written").isPositive();
        assertThat(run.get("k8sReads").asLong()).isPositive();
        assertThat(run.get("armCalls").asLong()).as("no Azure section, no ARM").isZero();
        // the bound adds the lab's fixed delays along the plan's chain: at least the LB delay, plus requests x latency
        assertThat(run.get("lowerBoundMs").asLong()).isGreaterThan(50);
        assertThat(run.get("wallMs").asLong()).isPositive();
        assertThat(run.get("peakHeapMb").asLong()).isPositive();
        assertThat(run.get("cpuMs").asLong()).isPositive();
        // CPU attributed: the SDK planned and applied, the lab's agents and etcd ran, Helm rendered
        assertThat(run.get("sdkCpuMs").asLong()).isPositive();
        assertThat(run.get("labCpuMs").asLong()).isPositive();
        assertThat(run.get("etcdCpuMs").asLong()).isNotNegative().isLessThanOrEqualTo(run.get("labCpuMs").asLong());
        assertThat(run.get("helmRenderMs").asLong()).as("two Helm installs rendered the lab chart").isPositive();
        assertThat(run.get("threadsPeak").asInt()).isPositive();
        assertThat(run.get("converged").asBoolean()).isTrue();
        // the lab removed a clustermesh-apiserver Deployment: the SDK's status saw it
        assertThat(run.get("detectionLagMs").asLong()).isPositive();

        assertThat(doc.get("planTimings")).hasSize(1);
        JsonNode plan = doc.get("planTimings").get(0);
        assertThat(plan.propertyNames()).containsExactly("clusters", "planMs");
        assertThat(plan.get("clusters").asInt()).isEqualTo(8);
        assertThat(plan.get("planMs").asLong()).isNotNegative();

        JsonNode machine = doc.get("machine");
        assertThat(machine.propertyNames()).containsExactly("cores", "maxHeapMb", "javaVersion", "gc", "os");
        assertThat(machine.get("gc")).isNotEmpty();
        assertThat(machine.get("cores").asInt()).isPositive();
        assertThat(machine.get("javaVersion").asString()).isEqualTo(System.getProperty("java.version"));
        assertThat(r.out()).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE");
    }

    @Test
    void discoveredMeshIpsNeedTwoUpgradesAtMost() {
        Result r = meshctl("bench", "--clusters", "2", "--nodes", "1", "--api-latency-ms", "0", "--lb-delay-ms", "20",
                "--mesh-ips", "discovered", "--plan-sizes", "0", "--no-warmup", "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode run = JsonMapper.builder().build().readTree(r.out()).get("runs").get(0);
        assertThat(run.get("helmUpgradesPerCluster").asInt()).isEqualTo(2);
        assertThat(run.get("reapplyWrites").asLong()).isZero();
    }

    @Test
    void countsOutsideTheLabsAddressPlanAreRefusedBeforeAnythingStarts() {
        Result r = meshctl("bench", "--clusters", "300", "--plan-sizes", "0");
        assertThat(r.exit()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("1..255");
        assertThat(meshctl("bench", "--clusters", "0", "--plan-sizes", "600").exit()).isEqualTo(Meshctl.INVALID);
    }

    @Test
    void aStatusThatIsNotHealthySaysWhyPerCluster() {
        var agent = new io.clustermesh.report.AgentStatus("cilium-a", "node-1", List.of(), null);
        var ok = new io.clustermesh.report.ClusterStatus("cluster1", 1, "cluster1", "10.0.0.1", true, false, null, List.of(agent),
                List.of(new io.clustermesh.report.PeerStatus("cluster2", 1, 1, 1, List.of())), List.of());
        var bad = new io.clustermesh.report.ClusterStatus("cluster2", 2, "cluster2", "10.0.0.2", true, false, null, List.of(agent),
                List.of(new io.clustermesh.report.PeerStatus("cluster1", 3, 3, 1, List.of("etcd: connection refused"))),
                List.of("cilium-config: read timed out"));
        var none = new io.clustermesh.report.ClusterStatus("cluster3", 3, null, null, false, false, null, List.of(), List.of(), List.of());
        String why = BenchCommand.unhealthy(new io.clustermesh.report.MeshStatus("m", java.time.Instant.EPOCH, List.of(ok, bad, none)));
        assertThat(why).isEqualTo("cluster2: cilium-config: read timed out peer cluster1 1/3 agents connected (etcd: connection refused);"
                + " cluster3: no agent answered");
    }

    @Test
    void aLabLargerThanTheOpenFilesLimitIsWarnedAboutWithTheFix() {
        assertThat(BenchCommand.openFilesWarning(255, 20_000, null)).hasValueSatisfying(w -> assertThat(w)
                .contains("255 clusters", "20400 open files", "20000 (ulimit -n)", "raise ulimit -n", "-Djdk.httpclient.keepalive.timeout=5"));
        assertThat(BenchCommand.openFilesWarning(255, 20_000, "5")).isEmpty();
        assertThat(BenchCommand.openFilesWarning(64, 20_000, null)).isEmpty();
        assertThat(BenchCommand.openFilesWarning(255, 8_000, "5")).hasValueSatisfying(w -> assertThat(w)
                .contains("10200 open files").doesNotContain("keepalive"));
    }
}
