package io.clustermesh.azure.reliability;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshClock;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.azure.AzureCloudProvider;
import io.clustermesh.azure.AzureLabTopology;
import io.clustermesh.azure.ProvisionResult;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 20 % transient failures on ARM (429 with Retry-After, 500, 409 AnotherOperationInProgress, connection resets), decided
 * from a fixed seed. Single faults per request kind are covered by {@code io.clustermesh.azure.RetryTest}; here they hit
 * every request at random: provisioning the article's topology still converges (a second run writes nothing), and a
 * mesh discovered from ARM plans exactly as without faults and converges on the lab.
 */
class AzureFaultsTest {
    static final long SEED = 20_260_801L;
    /** Each kind on about 5.5 % of requests, first firing rule wins: 1 - 0.945^4 ≈ 20 %. */
    static final double PER_KIND = 0.055;

    static List<FaultRule> twentyPercent() {
        return List.of(FaultRule.atRate(PER_KIND, Fault.throttle(Duration.ofSeconds(1))), FaultRule.atRate(PER_KIND, Fault.serverError()),
                FaultRule.atRate(PER_KIND, Fault.conflict()), FaultRule.atRate(PER_KIND, Fault.connectionReset()));
    }

    @Test
    void provisioningTheArticleTopologyUnderTwentyPercentArmFaultsConverges() {
        try (FakeArm arm = FakeArm.builder().seed(SEED).lroRetryAfter(Duration.ZERO).start()) {
            arm.longRunning("*", 1);
            twentyPercent().forEach(arm::addFault);
            NoWaitClock clock = new NoWaitClock();
            AzureCloudProvider azure = AzureCloudProvider.builder().armEndpoint(arm.url()).clock(clock).pollInterval(Duration.ofSeconds(5)).build();
            AzureLabTopology article = AzureLabTopology.article(arm.subscription(), "eastus");

            ProvisionResult first = azure.topology().apply(article);
            assertThat(first.writes()).isPositive();
            assertThat(arm.counts().faults()).as("faults injected of " + arm.counts().total() + " requests").isPositive();
            assertThat((double) arm.counts().faults() / arm.counts().total()).isBetween(0.08, 0.35);
            assertThat(azure.retries(arm.subscription())).as("retries of our one retry layer").isPositive();
            assertThat(clock.sleeps).as("a 429's Retry-After: 1 was honoured").contains(Duration.ofSeconds(1));

            // converged: without faults, a second run finds everything in place
            arm.clearFaults();
            arm.resetCounts();
            ProvisionResult again = azure.topology().apply(article);
            assertThat(again.writes()).as(again.changes().toString()).isZero();
            assertThat(arm.counts().putsAndPatches()).isZero();
            assertThat(again.clusters()).extracting(ProvisionResult.Cluster::meshIp).containsExactlyElementsOf(
                    first.clusters().stream().map(ProvisionResult.Cluster::meshIp).toList());
        }
    }

    @Test
    void aMeshDiscoveredUnderTwentyPercentArmFaultsPlansAsWithoutAndConverges() {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).seed(SEED).arm(true).start()) {
            FakeArm arm = lab.arm().orElseThrow();
            MeshSpec spec = azureSpec(lab);
            List<String> cleanCodes;
            try (Mesh mesh = lab.meshBuilder().spec(spec).cloudProvider(provider(arm)).build()) {
                cleanCodes = mesh.plan().findings().stream().map(Finding::code).sorted().toList();
            }

            twentyPercent().forEach(arm::addFault);
            arm.resetCounts();
            AzureCloudProvider azure = provider(arm);
            try (Mesh mesh = lab.meshBuilder().spec(spec).cloudProvider(azure).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.findings().stream().map(Finding::code).sorted().toList()).as(plan.toText()).isEqualTo(cleanCodes);
                assertThat(plan.hasErrors()).isFalse();
                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
            }
            assertThat(arm.counts().faults()).as("ARM faults of " + arm.counts().total() + " requests").isPositive();
            assertThat(azure.retries(arm.subscription())).isPositive();
            assertThat(arm.counts().writes()).as("discovery and preflight only read ARM").isZero();
        }
    }

    private static AzureCloudProvider provider(FakeArm arm) {
        return AzureCloudProvider.builder().armEndpoint(arm.url()).clock(new NoWaitClock()).pollInterval(Duration.ofMillis(50)).build();
    }

    /** The lab's mesh with every cluster given only as an AKS resource. */
    private static MeshSpec azureSpec(MeshLab lab) {
        MeshSpec s = lab.spec();
        List<MeshCluster> clusters = new ArrayList<>();
        for (MeshCluster c : s.clusters()) {
            clusters.add(MeshCluster.named(c.name()).withId(c.id()).withMeshIp(c.meshIp())
                    .withAccess(ClusterAccess.azure(lab.cluster(c.name()).spec().resourceGroup(), c.name())));
        }
        return s.withClusters(clusters);
    }

    /** Sleeping moves the clock and is recorded; nothing waits for real. */
    static final class NoWaitClock implements MeshClock {
        private Instant now = Instant.parse("2026-08-01T00:00:00Z");
        final List<Duration> sleeps = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public synchronized Instant now() {
            return now;
        }

        @Override
        public synchronized void sleep(Duration d) {
            sleeps.add(d);
            now = now.plus(d);
        }
    }
}
