package io.clustermesh.internal;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.RetryPolicy;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.Resuming;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.spi.ClusterConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Mutual exclusion of mesh changes: a Kubernetes {@code Lease} (coordination.k8s.io/v1) named
 * {@code clustermesh-<mesh>} in kube-system of the first cluster that answers, in spec order. A second run finds it
 * held and fails fast naming the holder and since when; a crashed holder stops renewing and the lease expires.
 *
 * <p>The lease also carries the run's progress (annotations {@code clustermesh.io/operation}, {@code .../steps},
 * {@code .../last-step}, refreshed with every renewal). A run that does not finish well (interrupted, failed) releases
 * the lock by clearing its holder and leaves that record, with {@code clustermesh.io/ended} and
 * {@code .../stopped-at}; a killed run leaves the record of its last renewal. The next run reads it when it takes the
 * lock and says what it resumes ({@link #resumes()}); only a run that succeeded deletes the lease.
 */
public final class MeshLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshLock.class);
    private static final String API = "coordination.k8s.io/v1";
    private static final String NAMESPACE = "kube-system";
    private static final String OPERATION = "clustermesh.io/operation";
    private static final String STEPS = "clustermesh.io/steps";
    private static final String LAST_STEP = "clustermesh.io/last-step";
    private static final String ENDED = "clustermesh.io/ended";
    private static final String STOPPED_AT = "clustermesh.io/stopped-at";
    private static final String PREVIOUS_HOLDER = "clustermesh.io/previous-holder";
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final ClusterConnection conn;
    private final String name;
    private final String holder;
    private final MeshClock clock;
    private final Duration duration;
    private volatile ScheduledFuture<?> renewal;
    private volatile RetryPolicy retry = RetryPolicy.none();
    private volatile String resourceVersion;
    private final Instant acquired;
    private final Resuming resumes;
    private volatile String operation = "";
    private volatile int stepsTotal;
    private final AtomicInteger stepsDone = new AtomicInteger();
    private volatile String lastStep = "";
    private volatile Resuming.Ending ending; // null while running or after success
    private volatile boolean succeeded;

    private MeshLock(ClusterConnection conn, String name, String holder, MeshClock clock, Duration duration, Instant acquired, String rv,
                     Resuming resumes) {
        this.conn = conn;
        this.resumes = resumes;
        this.name = name;
        this.holder = holder;
        this.clock = clock;
        this.duration = duration;
        this.acquired = acquired;
        this.resourceVersion = rv;
    }

    public static String leaseName(String mesh) {
        String n = ("clustermesh-" + mesh).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        return n.length() > 253 ? n.substring(0, 253) : n;
    }

    /** Like {@link #acquire(List, Function, String, String, MeshClock, Duration, ScheduledExecutorService, RetryPolicy)} without retries. */
    public static MeshLock acquire(List<String> clusters, Function<String, ClusterConnection> connections, String mesh,
                                   String holder, MeshClock clock, Duration duration, ScheduledExecutorService scheduler) {
        return acquire(clusters, connections, mesh, holder, clock, duration, scheduler, RetryPolicy.none());
    }

    /**
     * Takes the lock on the first cluster (in order) that answers. Transient failures (429, 5xx, resets, a 409 from a
     * concurrent write) are retried on the same cluster per {@code retry}: moving on to the next cluster after a mere
     * hiccup would let two runs hold "the" lock on two clusters at once. Only a cluster that stays unreachable is
     * passed over.
     *
     * @throws MeshConflictException if another holder has a live lease
     */
    public static MeshLock acquire(List<String> clusters, Function<String, ClusterConnection> connections, String mesh,
                                   String holder, MeshClock clock, Duration duration, ScheduledExecutorService scheduler,
                                   RetryPolicy retry) {
        return acquire(clusters, connections, mesh, holder, clock, duration, scheduler, retry, null);
    }

    /**
     * Like {@link #acquire(List, Function, String, String, MeshClock, Duration, ScheduledExecutorService, RetryPolicy)},
     * for running {@code plan}: the lease records its operation and step count from the first write, and
     * {@link #track(MeshPlan)} its progress.
     */
    public static MeshLock acquire(List<String> clusters, Function<String, ClusterConnection> connections, String mesh,
                                   String holder, MeshClock clock, Duration duration, ScheduledExecutorService scheduler,
                                   RetryPolicy retry, MeshPlan plan) {
        Map<String, String> start = new LinkedHashMap<>();
        if (plan != null) {
            start.put(OPERATION, plan.operation());
            start.put(STEPS, "0/" + plan.steps().size());
        }
        MeshException last = null;
        for (String c : clusters) {
            try {
                MeshLock lock = retrying(retry, clock, () -> acquireOn(connections.apply(c), leaseName(mesh), holder, clock, duration, start));
                if (plan != null) {
                    lock.operation = plan.operation();
                    lock.stepsTotal = plan.steps().size();
                }
                lock.retry = retry;
                lock.renewal = scheduler.scheduleWithFixedDelay(lock::renewQuietly, duration.toMillis() / 3, duration.toMillis() / 3,
                        TimeUnit.MILLISECONDS);
                LOG.debug("mesh {} locked by {} on {}", mesh, holder, c);
                return lock;
            } catch (MeshConflictException e) {
                throw e;
            } catch (MeshException e) {
                if (e.code() != ErrorCode.UNREACHABLE && e.code() != ErrorCode.TIMEOUT) {
                    throw e;
                }
                last = e;
            }
        }
        throw new MeshUnreachableException("no cluster of mesh " + mesh + " answered, so the change lock could not be taken",
                Details.meshWide()
                        .fix("make at least one cluster reachable" + (last == null ? "" : " (last error: " + last.getMessage() + ")"))
                        .cause(last));
    }

    /** Runs {@code op}, retrying retryable failures per the policy (the lock's only retry layer: the transport has none). */
    private static <T> T retrying(RetryPolicy retry, MeshClock clock, Supplier<T> op) {
        return Retries.call(retry, clock, e -> e instanceof MeshException m && m.retryable(),
                e -> ((MeshException) e).retryAfter().orElse(null),
                (attempt, wait, e) -> LOG.debug("change lock: attempt {} failed, retrying in {}: {}", attempt, wait, e.getMessage()), op);
    }

    @SuppressWarnings("unchecked")
    static MeshLock acquireOn(ClusterConnection conn, String name, String holder, MeshClock clock, Duration duration) {
        return acquireOn(conn, name, holder, clock, duration, Map.of());
    }

    @SuppressWarnings("unchecked")
    static MeshLock acquireOn(ClusterConnection conn, String name, String holder, MeshClock clock, Duration duration,
                              Map<String, String> start) {
        Instant now = clock.now();
        var existing = conn.get(API, "Lease", NAMESPACE, name);
        if (existing.isPresent()) {
            Map<String, Object> spec = (Map<String, Object>) existing.get().getOrDefault("spec", Map.of());
            Map<String, Object> meta = (Map<String, Object>) existing.get().getOrDefault("metadata", Map.of());
            String other = (String) spec.get("holderIdentity");
            Instant renew = parse((String) spec.get("renewTime"));
            Instant since = parse((String) spec.get("acquireTime"));
            long seconds = spec.get("leaseDurationSeconds") instanceof Number n ? n.longValue() : 0;
            boolean live = other != null && !other.isEmpty() && renew != null && renew.plusSeconds(seconds).isAfter(now);
            if (live && !holder.equals(other)) {
                Map<String, Object> running = (Map<String, Object>) meta.getOrDefault("annotations", Map.of());
                String at = running.get(STEPS) instanceof String st ? ", " + st.replace("/", " of ") + " steps done at its last renewal" : "";
                throw new MeshConflictException("mesh is being changed by " + other + " since "
                        + (since == null ? "an unknown time" : since.toString()) + at + " (lease kube-system/" + name + " on " + conn.cluster() + ")",
                        Details.inCluster(conn.cluster())
                                .fix("wait for that run to finish; if its holder crashed, the lease expires " + seconds + " s after its last renewal ("
                                + (renew == null ? "?" : renew.plusSeconds(seconds)) + ")").retryable(false));
            }
            Resuming resumes = stoppedRun(mesh(name), other, renew, seconds,
                    (Map<String, Object>) meta.getOrDefault("annotations", Map.of()));
            Map<String, Object> updated = lease(name, holder, duration, now, (String) meta.get("resourceVersion"), start);
            Map<String, Object> stored = conn.apply(updated, false);
            return new MeshLock(conn, name, holder, clock, duration, now, rv(stored), resumes);
        }
        Map<String, Object> stored = conn.apply(lease(name, holder, duration, now, null, start), true);
        return new MeshLock(conn, name, holder, clock, duration, now, rv(stored), null);
    }

    /**
     * The unfinished run an idle mesh's lease records (released by a run that was interrupted or failed), read on the
     * first cluster that answers, without retries; empty when there is none, when the lease is held, or when it cannot
     * be read (the run that writes will find out). A plan without writes takes the lock only when there is one, so that
     * the rest of that run (its checks) is done and its record cleared.
     */
    @SuppressWarnings("unchecked")
    public static Optional<Resuming> recordedRun(List<String> clusters, Function<String, ClusterConnection> connections, String mesh) {
        for (String c : clusters) {
            try {
                var existing = connections.apply(c).get(API, "Lease", NAMESPACE, leaseName(mesh));
                if (existing.isEmpty()) {
                    return Optional.empty();
                }
                Map<String, Object> spec = (Map<String, Object>) existing.get().getOrDefault("spec", Map.of());
                Map<String, Object> meta = (Map<String, Object>) existing.get().getOrDefault("metadata", Map.of());
                if (spec.get("holderIdentity") instanceof String h && !h.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.ofNullable(stoppedRun(mesh, null, null, 0, (Map<String, Object>) meta.getOrDefault("annotations", Map.of())));
            } catch (MeshException e) {
                if (e.code() != ErrorCode.UNREACHABLE && e.code() != ErrorCode.TIMEOUT) {
                    return Optional.empty();
                }
            } catch (RuntimeException e) {
                // a best-effort look: a transport that cannot read leases (or a cluster that cannot be reached) means
                // no record is known, and a plan without writes runs as before
                LOG.debug("looking for an unfinished run of mesh {} on {} failed: {}", mesh, c, e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static String mesh(String leaseName) {
        return leaseName.startsWith("clustermesh-") ? leaseName.substring("clustermesh-".length()) : leaseName;
    }

    /**
     * The run recorded in a lease that is not live: one that ended (interrupted, failed) and said so, or one whose holder
     * stopped renewing while it still had steps to do. {@code null} when the lease records no unfinished run.
     */
    private static Resuming stoppedRun(String mesh, String holder, Instant renew, long seconds, Map<String, Object> notes) {
        if (!(notes.get(OPERATION) instanceof String op) || !(notes.get(STEPS) instanceof String steps)) {
            return null;
        }
        int slash = steps.indexOf('/');
        int done;
        int total;
        try {
            done = Integer.parseInt(steps.substring(0, slash));
            total = Integer.parseInt(steps.substring(slash + 1));
        } catch (RuntimeException e) {
            return null; // not a record this SDK wrote
        }
        String last = notes.get(LAST_STEP) instanceof String l ? l : "";
        if (notes.get(ENDED) instanceof String ended) {
            Resuming.Ending how = "interrupted".equals(ended) ? Resuming.Ending.INTERRUPTED : Resuming.Ending.FAILED;
            Instant at = parse(notes.get(STOPPED_AT) instanceof String t ? t : null);
            String who = notes.get(PREVIOUS_HOLDER) instanceof String w ? w : "an earlier run";
            return new Resuming(mesh, op, who, at, how, done, total, last);
        }
        if (holder == null || holder.isEmpty()) {
            return null;
        }
        return new Resuming(mesh, op, holder, renew == null ? null : renew.plusSeconds(seconds), Resuming.Ending.ABANDONED, done,
                total, last);
    }

    @SuppressWarnings("unchecked")
    private static String rv(Map<String, Object> obj) {
        return (String) ((Map<String, Object>) obj.getOrDefault("metadata", Map.of())).get("resourceVersion");
    }

    private static Map<String, Object> lease(String name, String holder, Duration duration, Instant acquire, String rv,
                                             Map<String, String> annotations) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("namespace", NAMESPACE);
        meta.put("labels", Map.of("app.kubernetes.io/managed-by", "clustermesh"));
        if (!annotations.isEmpty()) meta.put("annotations", new LinkedHashMap<>(annotations));
        if (rv != null) meta.put("resourceVersion", rv);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("holderIdentity", holder);
        spec.put("leaseDurationSeconds", Math.max(1, duration.toSeconds()));
        spec.put("acquireTime", MICRO.format(acquire));
        spec.put("renewTime", MICRO.format(acquire));
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("apiVersion", API);
        lease.put("kind", "Lease");
        lease.put("metadata", meta);
        lease.put("spec", spec);
        return lease;
    }

    private static Instant parse(String s) {
        if (s == null) return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The unfinished run this lock takes over from, if the lease recorded one. */
    public Optional<Resuming> resumes() {
        return Optional.ofNullable(resumes);
    }

    /**
     * A listener that counts {@code plan}'s finished steps into the lease's record (add it to the run's listeners);
     * written with each renewal, so even a killed run leaves a record of where it was.
     */
    public MeshListener track(MeshPlan plan) {
        operation = plan.operation();
        stepsTotal = plan.steps().size();
        Map<String, String> descriptions = new HashMap<>();
        plan.steps().forEach(s -> descriptions.putIfAbsent(s.id(), s.description()));
        return new MeshListener() {
            @Override
            public void stepFinished(StepFinished e) {
                stepsDone.incrementAndGet();
                String d = descriptions.get(e.stepId());
                if (d == null) {
                    d = e.kind();
                }
                lastStep = e.cluster() == null ? d : e.cluster() + ": " + d;
            }

            @Override
            public void stepFailed(StepFailed e) {
                // a failed step is not done: the next run does it again
            }
        };
    }

    /** Records how the run ended: a succeeded run deletes the lease on {@link #close()}, any other leaves its record. */
    public void finished(MeshReport report) {
        succeeded = report.succeeded();
        ending = succeeded ? null : Thread.currentThread().isInterrupted() ? Resuming.Ending.INTERRUPTED : Resuming.Ending.FAILED;
    }

    private Map<String, String> progress() {
        Map<String, String> a = new LinkedHashMap<>();
        if (!operation.isEmpty()) {
            a.put(OPERATION, operation);
            a.put(STEPS, stepsDone.get() + "/" + stepsTotal);
            if (!lastStep.isEmpty()) a.put(LAST_STEP, lastStep);
        }
        return a;
    }

    private void renewQuietly() {
        try {
            Map<String, Object> l = lease(name, holder, duration, acquired, resourceVersion, progress());
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) l.get("spec");
            spec.put("renewTime", MICRO.format(clock.now()));
            resourceVersion = rv(conn.apply(l, false));
        } catch (RuntimeException e) {
            LOG.warn("renewing the mesh lock on {} failed: {}", conn.cluster(), e.getMessage());
        }
    }

    /** The cluster holding the lease. */
    public String cluster() {
        return conn.cluster();
    }

    /**
     * Releases the lock (deletes the lease if still ours; transient failures are retried like when taking it), also when
     * the run was interrupted (cancelled): an interrupted thread's requests would fail at once and leave the lease to
     * block every other holder until it expires. The interrupt is restored afterwards.
     */
    @Override
    @SuppressWarnings("unchecked")
    public void close() {
        ScheduledFuture<?> r = renewal;
        if (r != null) {
            r.cancel(false);
        }
        boolean interrupted = Thread.interrupted();
        Resuming.Ending how = succeeded ? null : ending != null ? ending : interrupted ? Resuming.Ending.INTERRUPTED : Resuming.Ending.FAILED;
        try {
            retrying(retry, clock, () -> {
                var now = conn.get(API, "Lease", NAMESPACE, name);
                if (now.isPresent() && holder.equals(((Map<String, Object>) now.get().getOrDefault("spec", Map.of())).get("holderIdentity"))) {
                    if (how == null || operation.isEmpty()) {
                        conn.delete(API, "Lease", NAMESPACE, name);
                    } else {
                        // released (no holder), with the record of where this run stopped for the next one
                        Map<String, String> record = progress();
                        record.put(ENDED, how == Resuming.Ending.INTERRUPTED ? "interrupted" : "failed");
                        record.put(STOPPED_AT, MICRO.format(clock.now()));
                        record.put(PREVIOUS_HOLDER, holder);
                        Map<String, Object> l = lease(name, "", duration, acquired, rv(now.get()), record);
                        @SuppressWarnings("unchecked")
                        Map<String, Object> spec = (Map<String, Object>) l.get("spec");
                        spec.remove("holderIdentity");
                        spec.put("renewTime", MICRO.format(clock.now()));
                        conn.apply(l, false);
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("releasing the mesh lock on {} failed (it expires by itself): {}", conn.cluster(), e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
