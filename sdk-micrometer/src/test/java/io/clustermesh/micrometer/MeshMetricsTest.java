package io.clustermesh.micrometer;

import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.ErrorCode;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Failures, retries and the status gauges, fed with the events and statuses a {@code Mesh} would give. */
class MeshMetricsTest {
    private static final Instant T0 = Instant.parse("2026-08-01T10:00:00Z");

    @Test
    void failuresRetriesAndMeshWideStepsAreCountedWithoutHighCardinalityTags() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshMetrics metrics = MeshMetrics.create();
        metrics.stepFinished(new StepFinished("cluster1", "cluster1/helm-upgrade", "helm-upgrade", true, "x", Duration.ofSeconds(1)));
        assertThat(registry.getMeters()).as("nothing bound yet").isEmpty();
        metrics.bindTo(registry);
        metrics.bindTo(registry); // twice is harmless

        metrics.retryScheduled(new RetryScheduled("cluster2", "cluster2/helm-upgrade", "helm-upgrade", 1, Duration.ofMillis(200),
                "cluster2: the API server answered 503 for secret kube-system/cilium-ca"));
        metrics.retryScheduled(new RetryScheduled("cluster2", "cluster2/helm-upgrade", "helm-upgrade", 2, Duration.ofMillis(400), "again"));
        metrics.stepFailed(new StepFailed("cluster2", "cluster2/helm-upgrade", "helm-upgrade", ErrorCode.TIMEOUT,
                "cluster2: step helm-upgrade did not finish within its deadline of 2 min", "check it", 3, Duration.ofMinutes(2)));
        metrics.stepFinished(new StepFinished("cluster1", "cluster1/helm-upgrade-peers", "helm-upgrade-peers", false, "", Duration.ofSeconds(2)));
        metrics.stepFinished(new StepFinished(null, "mesh/ca", "ca", true, "", Duration.ofMillis(5)));
        metrics.planFinished(new PlanFinished("m", "disconnect", false, Set.of("cluster2"), Duration.ofSeconds(130)));

        assertThat(registry.get(MeshMetrics.RETRIES).tags("kind", "helm-upgrade", "cluster", "cluster2").counter().count()).isEqualTo(2);
        assertThat(registry.get(MeshMetrics.STEPS).tags("kind", "helm-upgrade", "outcome", "failed", "cluster", "cluster2").counter().count())
                .isEqualTo(1);
        assertThat(registry.get(MeshMetrics.STEP_DURATION).tags("outcome", "failed").timer().totalTime(java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(120);
        assertThat(registry.get(MeshMetrics.STEPS).tags("kind", "ca", "cluster", MeshMetrics.NO_CLUSTER).counter().count()).isEqualTo(1);
        // an upgrade that changed nothing is no Helm upgrade; a failed one neither
        assertThat(registry.find(MeshMetrics.HELM_UPGRADES).counters()).isEmpty();
        assertThat(registry.get(MeshMetrics.APPLY).tags("operation", "disconnect", "outcome", "failed").timer().count()).isEqualTo(1);
        // no step id, no message in any tag
        assertThat(registry.getMeters()).flatExtracting(m -> m.getId().getTags()).extracting(Tag::getValue)
                .noneMatch(v -> v.contains("/") || v.contains(" "));
    }

    @Test
    void planTimerTellsPlannedRejectedAndFailed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshMetrics metrics = MeshMetrics.create();
        metrics.bindTo(registry);
        assertThatThrownBy(() -> metrics.plan(() -> {
            throw new MeshConfigurationException("'cluster9' is not a cluster of mesh m",
                    Details.inCluster("cluster9").fix("use a cluster name from the spec"));
        })).isInstanceOf(MeshConfigurationException.class);
        assertThat(registry.get(MeshMetrics.PLAN).tags("operation", "unknown", "outcome", "failed").timer().count()).isEqualTo(1);
    }

    @Test
    void gaugesReadTheStatusAtMostOncePerIntervalAndKeepTheLastOneWhenAReadFails() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        MeshClock clock = new MeshClock() {
            @Override
            public Instant now() {
                return now.get();
            }

            @Override
            public void sleep(Duration d) {
                now.set(now.get().plus(d));
            }
        };
        MeshMetrics metrics = MeshMetrics.builder().clock(clock).minStatusInterval(Duration.ofSeconds(30)).build();
        metrics.bindTo(registry);
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<MeshStatus> next = new AtomicReference<>(status(1));
        metrics.readStatusFrom(() -> {
            reads.incrementAndGet();
            MeshStatus s = next.get();
            if (s == null) {
                throw new IllegalStateException("this Mesh is closed");
            }
            return s;
        });

        // before the first scrape: only the age gauge; reading it reads the status and registers the cluster gauges
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName()).containsExactly(MeshMetrics.STATUS_AGE);
        assertThat(registry.get(MeshMetrics.STATUS_AGE).gauge().value()).isZero();
        assertThat(reads).hasValue(1);
        assertThat(registry.get(MeshMetrics.PEERS_CONNECTED).tags("cluster", "cluster1").gauge().value()).isEqualTo(1);
        assertThat(registry.get(MeshMetrics.PEERS_EXPECTED).tags("cluster", "cluster1").gauge().value()).isEqualTo(2);
        assertThat(registry.get(MeshMetrics.CLUSTER_HEALTHY).tags("cluster", "cluster1").gauge().value()).isZero();
        assertThat(registry.get(MeshMetrics.CERTIFICATE_EXPIRY).tags("cluster", "cluster1", "secret", "cilium-ca").gauge().value())
                .isEqualTo(Duration.ofDays(20).toSeconds());

        // within the interval: the same status, however often scraped; certificate time left follows the clock
        now.set(T0.plusSeconds(10));
        next.set(status(2));
        assertThat(registry.get(MeshMetrics.PEERS_CONNECTED).tags("cluster", "cluster1").gauge().value()).isEqualTo(1);
        assertThat(registry.get(MeshMetrics.CERTIFICATE_EXPIRY).tags("cluster", "cluster1", "secret", "cilium-ca").gauge().value())
                .isEqualTo(Duration.ofDays(20).toSeconds() - 10);
        assertThat(registry.get(MeshMetrics.STATUS_AGE).gauge().value()).isEqualTo(10);
        assertThat(reads).hasValue(1);

        // past it: read again
        now.set(T0.plusSeconds(31));
        assertThat(registry.get(MeshMetrics.PEERS_CONNECTED).tags("cluster", "cluster1").gauge().value()).isEqualTo(2);
        assertThat(registry.get(MeshMetrics.CLUSTER_HEALTHY).tags("cluster", "cluster1").gauge().value()).isEqualTo(1);
        assertThat(reads).hasValue(2);

        // a failing read keeps the last status, is counted, and the age shows how old it is
        now.set(T0.plusSeconds(100));
        next.set(null);
        assertThat(registry.get(MeshMetrics.PEERS_CONNECTED).tags("cluster", "cluster1").gauge().value()).isEqualTo(2);
        assertThat(registry.get(MeshMetrics.STATUS_READS).tags("outcome", "failed").counter().count()).isPositive();
        assertThat(registry.get(MeshMetrics.STATUS_AGE).gauge().value()).isEqualTo(69);

        // a status pushed by the caller wins; a cluster that left the status reads NaN
        metrics.record(new MeshStatus("m", T0, List.of()));
        assertThat(registry.get(MeshMetrics.PEERS_CONNECTED).tags("cluster", "cluster1").gauge().value()).isNaN();
        assertThat(registry.getMeters()).extracting(Meter::getId).allSatisfy(id -> assertThat(id.getName()).startsWith("clustermesh."));
    }

    /** cluster1 with {@code connected} of its 2 peers connected by its single agent, its CA valid 20 more days. */
    private static MeshStatus status(int connected) {
        List<PeerStatus> peers = List.of(new PeerStatus("cluster2", 1, 1, connected >= 1 ? 1 : 0, List.of()),
                new PeerStatus("cluster3", 1, 1, connected >= 2 ? 1 : 0, List.of()));
        CertificateExpiry ca = new CertificateExpiry("cilium-ca", "Cilium CA", T0.plus(Duration.ofDays(20)), Duration.ofDays(20), true);
        ClusterStatus c = new ClusterStatus("cluster1", 1, "cluster1", "10.1.0.250:2379", true, false, "ab:cd",
                List.of(new io.clustermesh.report.AgentStatus("cilium-x", "node-1", List.of(), null)), peers, List.of(), List.of(ca), List.of());
        return new MeshStatus("m", T0, List.of(c));
    }
}
