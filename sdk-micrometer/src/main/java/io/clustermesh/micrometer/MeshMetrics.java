package io.clustermesh.micrometer;

import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.MeshClock;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Micrometer meters for a {@code Mesh}: a {@link MeterBinder} that is also the {@link MeshListener} feeding it.
 *
 * <pre>{@code
 * MeshMetrics metrics = MeshMetrics.builder().tags(Tags.of("mesh", "article")).build();
 * metrics.bindTo(registry);
 * try (Mesh mesh = Mesh.builder().spec(spec).listener(metrics).build()) {
 *     metrics.readStatusFrom(mesh::status);      // gauges read mesh.status() when scraped, at most every 30 s
 *     mesh.apply(metrics.plan(mesh::plan));      // clustermesh.plan, then clustermesh.apply, clustermesh.steps, ...
 * }
 * }</pre>
 *
 * <p>Meters (names and tags are listed in {@code docs/observability.md}): {@code clustermesh.plan} and
 * {@code clustermesh.apply} timers, {@code clustermesh.steps} counter and {@code clustermesh.step.duration} timer by
 * {@code kind}, {@code outcome} and {@code cluster}, {@code clustermesh.helm.upgrades} and {@code clustermesh.retries}
 * counters, and gauges from the last {@link MeshStatus}: {@code clustermesh.peers.connected},
 * {@code clustermesh.peers.expected}, {@code clustermesh.cluster.healthy} per cluster and
 * {@code clustermesh.certificate.expiry} (seconds left) per cluster and secret. Tags never carry step ids, error
 * texts or anything secret: only operation, kind, outcome, cluster and secret names, and the tags given to the builder.
 *
 * <p>Thread-safe; the listener methods only look meters up and record, and never throw. Events that arrive before
 * {@link #bindTo} are not counted. One instance can be bound to several registries.
 */
public final class MeshMetrics implements MeterBinder, MeshListener {
    private static final Logger LOG = LoggerFactory.getLogger(MeshMetrics.class);

    /** The {@code cluster} tag of steps that act on the whole mesh rather than on one cluster. */
    public static final String NO_CLUSTER = "none";

    static final String PLAN = "clustermesh.plan";
    static final String APPLY = "clustermesh.apply";
    static final String STEPS = "clustermesh.steps";
    static final String STEP_DURATION = "clustermesh.step.duration";
    static final String HELM_UPGRADES = "clustermesh.helm.upgrades";
    static final String RETRIES = "clustermesh.retries";
    static final String PEERS_CONNECTED = "clustermesh.peers.connected";
    static final String PEERS_EXPECTED = "clustermesh.peers.expected";
    static final String CLUSTER_HEALTHY = "clustermesh.cluster.healthy";
    static final String CERTIFICATE_EXPIRY = "clustermesh.certificate.expiry";
    static final String STATUS_AGE = "clustermesh.status.age";
    static final String STATUS_READS = "clustermesh.status.reads";

    private final Tags commonTags;
    private final Duration minStatusInterval;
    private final MeshClock clock;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** Per registry (by identity), the gauges registered so far: Micrometer warns when a gauge is registered twice. */
    private final Map<MeterRegistry, Set<String>> gauges = new ConcurrentHashMap<>();
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private final AtomicReference<Supplier<MeshStatus>> statusSource = new AtomicReference<>();
    private final ReentrantLock reading = new ReentrantLock();

    private MeshMetrics(Builder b) {
        this.commonTags = b.tags;
        this.minStatusInterval = b.minStatusInterval;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Meters with no extra tags, status read at most every 30 seconds. */
    public static MeshMetrics create() {
        return builder().build();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (registries.contains(registry)) {
            return;
        }
        registries.add(registry);
        Gauge.builder(STATUS_AGE, this, MeshMetrics::statusAgeSeconds).tags(commonTags).baseUnit("seconds")
                .description("Time since the mesh status behind the clustermesh gauges was read (NaN before the first read)")
                .strongReference(true).register(registry);
        Snapshot s = snapshot.get();
        if (s != null) {
            registerGauges(registry, s.status);
        }
    }

    // --- status -------------------------------------------------------------------------------------------------------

    /**
     * Feeds the gauges from a status the caller read ({@code mesh.status()}). Registers gauges for clusters and
     * certificates seen for the first time. Never throws for a well-formed status.
     */
    public void record(MeshStatus status) {
        Objects.requireNonNull(status, "status");
        snapshot.set(new Snapshot(status, clock.now()));
        for (MeterRegistry r : registries) {
            registerGauges(r, status);
        }
    }

    /**
     * Makes the gauges read the status themselves: when one is read (a scrape) and the last status is older than the
     * builder's {@code minStatusInterval}, {@code source} is called once (concurrent readers use the last status
     * meanwhile). A read that throws keeps the last status and counts {@code clustermesh.status.reads{outcome=failed}}.
     * Gauges of clusters appear after the first read; {@code clustermesh.status.age} is there from {@link #bindTo}.
     *
     * @param source typically {@code mesh::status}
     * @return this
     */
    public MeshMetrics readStatusFrom(Supplier<MeshStatus> source) {
        statusSource.set(Objects.requireNonNull(source, "source"));
        return this;
    }

    /**
     * Reads the status now through the source given to {@link #readStatusFrom} if the last one is older than the minimum
     * interval, and returns the status the gauges show ({@code null} before any).
     */
    public MeshStatus refresh() {
        Supplier<MeshStatus> source = statusSource.get();
        Snapshot s = snapshot.get();
        if (source == null || (s != null && Duration.between(s.readAt, clock.now()).compareTo(minStatusInterval) < 0)) {
            return s == null ? null : s.status;
        }
        if (!reading.tryLock()) {
            return s == null ? null : s.status; // another thread is reading: show the last status meanwhile
        }
        try {
            Snapshot again = snapshot.get();
            if (again != s) {
                return again.status; // read by another thread in between
            }
            MeshStatus status;
            try {
                status = source.get();
            } catch (RuntimeException e) {
                LOG.debug("reading the mesh status for the clustermesh gauges failed: {}", e.toString());
                count(STATUS_READS, Tags.of("outcome", "failed"));
                return s == null ? null : s.status;
            }
            if (status == null) {
                return s == null ? null : s.status;
            }
            count(STATUS_READS, Tags.of("outcome", "succeeded"));
            record(status);
            return status;
        } finally {
            reading.unlock();
        }
    }

    private void registerGauges(MeterRegistry registry, MeshStatus status) {
        Set<String> known = gauges.computeIfAbsent(registry, r -> ConcurrentHashMap.newKeySet());
        for (ClusterStatus c : status.clusters()) {
            String cluster = c.name();
            Tags t = commonTags.and("cluster", cluster);
            if (known.add("cluster|" + cluster)) {
                registerClusterGauges(registry, cluster, t);
            }
            for (CertificateExpiry e : c.certificates()) {
                String secret = e.secret();
                if (known.add("secret|" + cluster + "|" + secret)) {
                    Gauge.builder(CERTIFICATE_EXPIRY, this, m -> m.secondsToExpiry(cluster, secret))
                            .tags(t.and("secret", secret)).baseUnit("seconds")
                            .description("Time left until the Cluster Mesh certificate in the secret expires (negative once expired)")
                            .strongReference(true).register(registry);
                }
            }
        }
    }

    private void registerClusterGauges(MeterRegistry registry, String cluster, Tags t) {
        Gauge.builder(PEERS_CONNECTED, this, m -> m.clusterValue(cluster, x -> x.connectedPeers().size()))
                .tags(t).baseUnit("peers").description("Peers every agent of the cluster is connected to")
                .strongReference(true).register(registry);
        Gauge.builder(PEERS_EXPECTED, this, m -> m.clusterValue(cluster, x -> x.peers().size()))
                .tags(t).baseUnit("peers").description("Peers the cluster should be connected to")
                .strongReference(true).register(registry);
        Gauge.builder(CLUSTER_HEALTHY, this, m -> m.clusterValue(cluster, x -> x.healthy() ? 1 : 0))
                .tags(t).description("1 when every agent of the cluster is ready with every peer and the cluster has no error, else 0")
                .strongReference(true).register(registry);
    }

    private interface ClusterValue {
        double of(ClusterStatus c);
    }

    private double clusterValue(String cluster, ClusterValue f) {
        try {
            MeshStatus s = refresh();
            if (s == null) {
                return Double.NaN;
            }
            for (ClusterStatus c : s.clusters()) {
                if (c.name().equals(cluster)) {
                    return f.of(c);
                }
            }
            return Double.NaN; // no longer in the status
        } catch (RuntimeException e) {
            LOG.debug("clustermesh gauge of {} failed: {}", cluster, e.toString());
            return Double.NaN;
        }
    }

    private double secondsToExpiry(String cluster, String secret) {
        try {
            MeshStatus s = refresh();
            if (s == null) {
                return Double.NaN;
            }
            for (ClusterStatus c : s.clusters()) {
                if (c.name().equals(cluster)) {
                    for (CertificateExpiry e : c.certificates()) {
                        if (e.secret().equals(secret)) {
                            return Duration.between(clock.now(), e.notAfter()).toMillis() / 1000.0;
                        }
                    }
                }
            }
            return Double.NaN;
        } catch (RuntimeException e) {
            LOG.debug("clustermesh certificate gauge of {}/{} failed: {}", cluster, secret, e.toString());
            return Double.NaN;
        }
    }

    private double statusAgeSeconds() {
        try {
            refresh();
            Snapshot s = snapshot.get();
            return s == null ? Double.NaN : Duration.between(s.readAt, clock.now()).toMillis() / 1000.0;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private record Snapshot(MeshStatus status, Instant readAt) {
    }

    // --- plan ---------------------------------------------------------------------------------------------------------

    /**
     * Times computing a plan ({@code mesh.plan()} emits no event): {@code clustermesh.plan} with {@code operation} and
     * {@code outcome} ({@code planned}; {@code rejected} when the plan has error findings; {@code failed} when
     * {@code planning} threw, operation {@code unknown}). Returns the plan, or rethrows.
     *
     * @param planning typically {@code mesh::plan}
     */
    public MeshPlan plan(Supplier<MeshPlan> planning) {
        Objects.requireNonNull(planning, "planning");
        long start = System.nanoTime();
        String operation = "unknown";
        String outcome = "failed";
        try {
            MeshPlan p = planning.get();
            if (p != null) {
                operation = p.operation();
                outcome = p.hasErrors() ? "rejected" : "planned";
            }
            return p;
        } finally {
            time(PLAN, Tags.of("operation", tagValue(operation), "outcome", outcome), Duration.ofNanos(System.nanoTime() - start),
                    "Time to compute a plan (reads the clusters and the cloud)");
        }
    }

    // --- listener -----------------------------------------------------------------------------------------------------

    @Override
    public void planFinished(PlanFinished e) {
        try {
            time(APPLY, Tags.of("operation", tagValue(e.operation()), "outcome", e.succeeded() ? "succeeded" : "failed"),
                    e.duration(), "Time to run a plan: apply, and disconnect and disable which apply their own plans");
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh meters: planFinished ignored: {}", ex.toString());
        }
    }

    @Override
    public void stepFinished(StepFinished e) {
        try {
            step(e.cluster(), e.kind(), e.changed() ? "changed" : "unchanged", e.duration());
            if (e.changed() && e.kind() != null && e.kind().startsWith("helm-upgrade")) {
                count(HELM_UPGRADES, Tags.of("cluster", cluster(e.cluster())));
            }
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh meters: stepFinished ignored: {}", ex.toString());
        }
    }

    @Override
    public void stepFailed(StepFailed e) {
        try {
            step(e.cluster(), e.kind(), "failed", e.duration());
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh meters: stepFailed ignored: {}", ex.toString());
        }
    }

    @Override
    public void retryScheduled(RetryScheduled e) {
        try {
            count(RETRIES, Tags.of("kind", tagValue(e.kind()), "cluster", cluster(e.cluster())));
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh meters: retryScheduled ignored: {}", ex.toString());
        }
    }

    private void step(String cluster, String kind, String outcome, Duration duration) {
        Tags t = Tags.of("kind", tagValue(kind), "outcome", outcome, "cluster", cluster(cluster));
        count(STEPS, t);
        if (duration != null) {
            time(STEP_DURATION, t, duration, "Time a step took (for a success, its last attempt)");
        }
    }

    private void count(String name, Tags tags) {
        for (MeterRegistry r : registries) {
            Counter.builder(name).tags(commonTags).tags(tags).description(description(name)).register(r).increment();
        }
    }

    private void time(String name, Tags tags, Duration d, String description) {
        if (d == null || d.isNegative()) {
            return;
        }
        for (MeterRegistry r : registries) {
            Timer.builder(name).tags(commonTags).tags(tags).description(description).register(r)
                    .record(d.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static String description(String counter) {
        return switch (counter) {
            case STEPS -> "Plan steps that ended, by kind and outcome (changed, unchanged, failed)";
            case HELM_UPGRADES -> "Helm upgrades (steps of kind helm-upgrade*) that changed a release";
            case RETRIES -> "Step attempts that failed transiently and were scheduled for a retry";
            case STATUS_READS -> "Reads of the mesh status made for the clustermesh gauges";
            default -> null;
        };
    }

    private static String cluster(String c) {
        return c == null || c.isEmpty() ? NO_CLUSTER : c;
    }

    private static String tagValue(String v) {
        return v == null || v.isEmpty() ? "unknown" : v;
    }

    @Override
    public String toString() {
        return "MeshMetrics[" + registries.size() + " registries, minStatusInterval " + minStatusInterval + "]";
    }

    /** Configures {@link MeshMetrics}. */
    public static final class Builder {
        private Tags tags = Tags.empty();
        private Duration minStatusInterval = Duration.ofSeconds(30);
        private MeshClock clock = MeshClock.system();

        private Builder() {
        }

        /** Tags added to every meter, e.g. {@code Tags.of("mesh", "article")} when one application runs several meshes. */
        public Builder tags(Iterable<Tag> tags) {
            Objects.requireNonNull(tags, "tags");
            this.tags = this.tags.and(tags);
            return this;
        }

        /** The least time between two status reads made by the gauges ({@link #readStatusFrom}); 30 s by default. */
        public Builder minStatusInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("minStatusInterval must not be negative: " + interval);
            }
            this.minStatusInterval = interval;
            return this;
        }

        /** The clock for status ages and certificate expiry; the system clock by default. */
        public Builder clock(MeshClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MeshMetrics build() {
            return new MeshMetrics(this);
        }
    }
}
