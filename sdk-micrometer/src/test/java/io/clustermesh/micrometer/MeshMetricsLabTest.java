package io.clustermesh.micrometer;

import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.testing.MeshLab;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The meters a user sees after a 3-cluster apply on the lab, then a status read: names, tags and values.
 */
class MeshMetricsLabTest {
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    @Test
    void threeClusterApplyAndStatusAsMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshMetrics metrics = MeshMetrics.builder().tags(Tags.of("mesh", "lab")).minStatusInterval(Duration.ofMinutes(5)).build();
        metrics.bindTo(registry);
        try (MeshLab lab = MeshLab.builder().clusters(3).start();
             Mesh mesh = lab.meshBuilder().listener(metrics).build()) {
            metrics.readStatusFrom(mesh::status);

            MeshPlan plan = metrics.plan(mesh::plan);
            MeshReport report = mesh.apply(plan);
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            MeshStatus status = mesh.status();
            assertThat(status.healthy()).as(status.toText()).isTrue();
            metrics.record(status);

            System.out.println(dump(registry));

            // every meter carries the common tag; no meter has a tag outside the documented ones (no step ids, no texts)
            assertThat(registry.getMeters()).allSatisfy(m -> {
                assertThat(m.getId().getName()).matches("clustermesh(\\.[a-z]+)+");
                assertThat(m.getId().getTag("mesh")).isEqualTo("lab");
                assertThat(m.getId().getTags()).extracting(Tag::getKey)
                        .isSubsetOf("mesh", "operation", "outcome", "kind", "cluster", "secret");
                assertThat(m.getId().getTags()).extracting(Tag::getValue).noneMatch(v -> v.contains("/") || v.contains(" "));
            });

            // plan and apply
            Timer planTimer = registry.get(MeshMetrics.PLAN).tags("operation", "apply", "outcome", "planned").timer();
            assertThat(planTimer.count()).isEqualTo(1);
            assertThat(planTimer.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            Timer apply = registry.get(MeshMetrics.APPLY).tags("operation", "apply", "outcome", "succeeded").timer();
            assertThat(apply.count()).isEqualTo(1);
            assertThat(apply.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(report.duration().toMillis(), within(5.0));

            // steps: one count per step of the report, by kind, outcome and cluster
            double steps = registry.get(MeshMetrics.STEPS).counters().stream().mapToDouble(Counter::count).sum();
            assertThat(steps).isEqualTo(report.steps().size());
            for (var s : report.steps()) {
                String outcome = s.changed() ? "changed" : "unchanged";
                assertThat(registry.get(MeshMetrics.STEPS).tags("kind", s.kind(), "outcome", outcome,
                        "cluster", s.cluster() == null ? MeshMetrics.NO_CLUSTER : s.cluster()).counter().count())
                        .as(s.id()).isPositive();
            }
            assertThat(registry.find(MeshMetrics.STEPS).tag("outcome", "failed").counters()).isEmpty();
            assertThat(registry.get(MeshMetrics.STEP_DURATION).timers().stream().mapToLong(Timer::count).sum())
                    .isEqualTo(report.steps().size());

            // Helm: one upgrade per cluster (the peers are known at once on the lab: no second pass)
            assertThat(report.steps().stream().filter(s -> s.kind().startsWith("helm-upgrade") && s.changed()).count()).isEqualTo(3);
            for (String c : CLUSTERS) {
                assertThat(registry.get(MeshMetrics.HELM_UPGRADES).tags("cluster", c).counter().count()).as(c).isEqualTo(1);
            }
            assertThat(registry.get(MeshMetrics.HELM_UPGRADES).counters()).hasSize(3);
            assertThat(registry.find(MeshMetrics.RETRIES).counters()).as("no transient failure on a quiet lab").isEmpty();

            // gauges: every cluster sees its 2 peers connected, certificates valid for long
            for (String c : CLUSTERS) {
                assertThat(gauge(registry, MeshMetrics.PEERS_CONNECTED, c)).as(c).isEqualTo(2);
                assertThat(gauge(registry, MeshMetrics.PEERS_EXPECTED, c)).as(c).isEqualTo(2);
                assertThat(gauge(registry, MeshMetrics.CLUSTER_HEALTHY, c)).as(c).isEqualTo(1);
                ClusterStatus cs = status.cluster(c);
                assertThat(cs.certificates()).as(c + " certificates").isNotEmpty();
                for (CertificateExpiry e : cs.certificates()) {
                    double seconds = registry.get(MeshMetrics.CERTIFICATE_EXPIRY).tags("cluster", c, "secret", e.secret()).gauge().value();
                    assertThat(seconds).as(c + " " + e.secret()).isCloseTo(e.left().toSeconds(), within(120.0))
                            .isGreaterThan(Duration.ofDays(30).toSeconds());
                }
                Set<String> secrets = registry.get(MeshMetrics.CERTIFICATE_EXPIRY).tag("cluster", c).gauges().stream()
                        .map(g -> g.getId().getTag("secret")).collect(Collectors.toSet());
                assertThat(secrets).contains("cilium-ca");
            }
            assertThat(registry.get(MeshMetrics.STATUS_AGE).gauge().value()).isBetween(0.0, 60.0);
            // status was pushed with record(..) and is fresh: the gauges read no status of their own
            assertThat(registry.find(MeshMetrics.STATUS_READS).counters()).isEmpty();
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String cluster) {
        Gauge g = registry.get(name).tags("cluster", cluster).gauge();
        return g.value();
    }

    /** The registry as a user would list it: one line per meter, with tags and values. */
    static String dump(SimpleMeterRegistry registry) {
        StringBuilder sb = new StringBuilder("meters:\n");
        registry.getMeters().stream()
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
                .forEach(m -> {
                    sb.append("  ").append(m.getId().getName()).append(' ').append(m.getId().getTags().stream()
                            .filter(t -> !t.getKey().equals("mesh")).map(t -> t.getKey() + "=" + t.getValue()).toList()).append(' ');
                    if (m instanceof Timer t) {
                        sb.append("count=").append(t.count()).append(" total=").append(Math.round(t.totalTime(TimeUnit.MILLISECONDS))).append("ms");
                    } else if (m instanceof Counter c) {
                        sb.append("count=").append((long) c.count());
                    } else if (m instanceof Gauge g) {
                        sb.append("value=").append(g.value());
                    }
                    sb.append('\n');
                });
        return sb.toString();
    }
}
