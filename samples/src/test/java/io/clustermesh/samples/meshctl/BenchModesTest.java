package io.clustermesh.samples.meshctl;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code meshctl bench --instant} and {@code --compare-cli} at tiny sizes: the JSON shape and the invariants (a
 * re-apply writes nothing, one Helm upgrade per cluster for the SDK, the CLI's sequence performed its upgrades). No
 * timing is asserted.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BenchModesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Result(int exit, String out, String err) {
    }

    private static Result meshctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Meshctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void instantWorldConvergesEverySizeWithOneUpgradePerClusterAndReportsTheGrowth() {
        Result r = meshctl("bench", "--instant", "--clusters", "3,8", "--nodes", "2", "--no-warmup", "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.propertyNames()).containsExactly("mode", "renderCostMs", "nodesPerCluster", "runs", "growthExponent", "machine");
        assertThat(doc.get("mode").asString()).isEqualTo("instant");
        assertThat(doc.get("runs")).hasSize(2);
        int[] sizes = {3, 8};
        for (int i = 0; i < 2; i++) {
            JsonNode run = doc.get("runs").get(i);
            assertThat(run.propertyNames()).containsExactly("clusters", "wallMs", "firstRunWallMs", "planMs", "applyMs", "statusMs", "sdkCpuMs", "worldCpuMs",
                    "otherCpuMs", "peakHeapMb", "heapAfterGcMb", "threadsPeak", "reads", "writes", "helmUpgradesPerCluster", "steps", "reapplyWrites",
                    "reapplyMs", "converged");
            assertThat(run.get("clusters").asInt()).isEqualTo(sizes[i]);
            assertThat(run.get("firstRunWallMs").asLong()).as("--no-warmup: each size runs once").isEqualTo(run.get("wallMs").asLong());
            assertThat(run.get("converged").asBoolean()).as("the SDK's status and the world's own agents agree: every peer connected").isTrue();
            assertThat(run.get("helmUpgradesPerCluster").asInt()).isEqualTo(1);
            assertThat(run.get("reapplyWrites").asLong()).isZero();
            // per cluster: the lock's share, the local certificate, the release record
            assertThat(run.get("writes").asLong()).isGreaterThanOrEqualTo(2L * sizes[i]);
            assertThat(run.get("sdkCpuMs").asLong()).isPositive();
            assertThat(run.get("peakHeapMb").asLong()).isPositive();
            // what a collection left is part of what was in use before it
            assertThat(run.get("heapAfterGcMb").asLong()).isBetween(0L, run.get("peakHeapMb").asLong());
        }
        JsonNode growth = doc.get("growthExponent");
        assertThat(growth.propertyNames()).containsExactly("wallMs", "sdkCpuMs", "peakHeapMb", "heapAfterGcMb", "writes", "reads");
        // writes grow linearly with N (a fixed number per cluster): the fit must say about 1
        assertThat(growth.get("writes").asDouble()).isCloseTo(1.0, within(0.2));
    }

    @Test
    void instantWorldMeasuresTheSecondRunOfEachSize_theFirstIsReportedApart() {
        Result r = meshctl("bench", "--instant", "--clusters", "3", "--nodes", "1", "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("3 clusters: first run (warm-up, reported as firstRunWallMs)");
        JsonNode run = JSON.readTree(r.out()).get("runs").get(0);
        assertThat(run.get("firstRunWallMs").asLong()).isPositive();
        assertThat(run.get("converged").asBoolean()).isTrue();
    }

    @Test
    void growthExponentIsTheLogLogSlope() {
        assertThat(InstantBench.growthExponent(List.of(2, 4, 8), List.of(3L, 12L, 48L))).isCloseTo(2.0, within(1e-9));
        assertThat(InstantBench.growthExponent(List.of(64), List.of(5L))).isNaN();
    }

    @Test
    void compareCliPerformsTheCliSequenceAndTheSdkPassOnTheSameLab() {
        Result r = meshctl("bench", "--compare-cli", "--clusters", "2", "--nodes", "1", "--api-latency-ms", "0", "--lb-delay-ms", "20",
                "--rollout-delay-ms", "0", "--no-warmup", "--output", "json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.propertyNames()).containsExactly("mode", "apiLatencyMs", "lbDelayMs", "rolloutDelayMs", "apiserverStore", "runs", "machine");
        assertThat(doc.get("apiserverStore").asString()).isEqualTo("etcd");
        JsonNode run = doc.get("runs").get(0);
        assertThat(run.propertyNames()).containsExactly("clusters", "rolloutDelayMs", "cliWallMs", "sdkWallMs", "ratio", "cliHelmUpgrades",
                "cliHelmRevisionsPerClusterMax", "cliRolloutWaits", "sdkHelmUpgradesPerCluster", "sdkReapplyWrites", "sdkCpuMs", "cliConverged",
                "sdkConverged");
        assertThat(run.get("cliConverged").asBoolean()).isTrue();
        assertThat(run.get("sdkConverged").asBoolean()).isTrue();
        // 2 clusters: 2 installs, 2 enables, one connect = the local upgrade + the destination's
        assertThat(run.get("cliHelmUpgrades").asLong()).isEqualTo(6);
        assertThat(run.get("cliHelmRevisionsPerClusterMax").asInt()).isEqualTo(3);
        assertThat(run.get("cliRolloutWaits").asLong()).isEqualTo(6);
        assertThat(run.get("sdkHelmUpgradesPerCluster").asInt()).isEqualTo(1);
        assertThat(run.get("sdkReapplyWrites").asLong()).isZero();
        assertThat(run.get("ratio").asDouble()).isPositive();
        assertThat(r.err()).contains("the Cilium CLI's sequence").contains("the SDK's single pass");
    }

    @Test
    void modesAndOptionsThatDoNotGoTogetherAreRefusedBeforeAnythingStarts() {
        Result r = meshctl("bench", "--instant", "--compare-cli", "--clusters", "600", "--render-cost-ms", "-1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--instant and --compare-cli").contains("1..511").contains("--render-cost-ms");
        Result lab = meshctl("bench", "--clusters", "3", "--render-cost-ms", "5");
        assertThat(lab.exit()).isEqualTo(2);
        assertThat(lab.err()).contains("applies to the instant world only");
        Result waits = meshctl("bench", "--instant", "--clusters", "8", "--wait-minutes", "60");
        assertThat(waits.exit()).isEqualTo(2);
        assertThat(waits.err()).contains("--wait-minutes").contains("applies to the lab modes only");
        Result store = meshctl("bench", "--instant", "--clusters", "8", "--apiserver-store", "memory");
        assertThat(store.exit()).isEqualTo(2);
        assertThat(store.err()).contains("--apiserver-store").contains("applies to the lab modes only");
        assertThat(r.err() + lab.err() + waits.err() + store.err()).doesNotContain("Exception");
    }

    /**
     * The large-mesh lab mode: the same SDK pass, Helm and chart; the clustermesh-apiserver stores in memory, so no
     * etcd process runs and none is counted.
     */
    @Test
    void theLargeMeshModeConvergesWithoutEtcdProcesses() {
        Result r = meshctl("bench", "--clusters", "2", "--nodes", "1", "--api-latency-ms", "0", "--lb-delay-ms", "20", "--rollout-delay-ms", "0",
                "--plan-sizes", "0", "--no-warmup", "--apiserver-store", "memory", "--output", "json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.get("apiserverStore").asString()).isEqualTo("memory");
        JsonNode run = doc.get("runs").get(0);
        assertThat(run.get("converged").asBoolean()).isTrue();
        assertThat(run.get("etcdCpuMs").asLong()).as("no etcd process in the large-mesh mode").isZero();
        assertThat(run.get("reapplyWrites").asLong()).isZero();
        assertThat(run.get("peerDetectionLagMs").asLong()).as("the peers lose the stopped clustermesh-apiserver").isNotNegative();
        assertThat(r.err()).contains("clustermesh-apiserver store memory");
    }

    @Test
    void waitMinutesReplacesEveryWaitOfTheSdkAndNeverShortensAStep() {
        BenchCommand bench = new BenchCommand();
        assertThat(bench.timeouts()).isEqualTo(MeshTimeouts.defaults().withPollInterval(MeshLab.timeouts().pollInterval()));
        bench.waitMinutes = 60;
        MeshTimeouts long60 = bench.timeouts();
        assertThat(List.of(long60.loadBalancerIp(), long60.rollout(), long60.connection(), long60.step())).containsOnly(Duration.ofMinutes(60));
        assertThat(long60.request()).isEqualTo(MeshTimeouts.defaults().request());
        bench.waitMinutes = 2;
        MeshTimeouts short2 = bench.timeouts();
        assertThat(List.of(short2.loadBalancerIp(), short2.rollout(), short2.connection())).containsOnly(Duration.ofMinutes(2));
        assertThat(short2.step()).isEqualTo(MeshTimeouts.defaults().step());
    }
}
