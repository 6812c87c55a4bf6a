package io.clustermesh.internal;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.RetryPolicy;
import io.clustermesh.spi.ClusterConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Mutual exclusion of mesh changes: a Kubernetes {@code Lease} (coordination.k8s.io/v1) named
 * {@code clustermesh-<mesh>} in kube-system of the first cluster that answers, in spec order. A second run finds it
 * held and fails fast naming the holder and since when; a crashed holder stops renewing and the lease expires.
 */
public final class MeshLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshLock.class);
    private static final String API = "coordination.k8s.io/v1";
    private static final String NAMESPACE = "kube-system";
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

    private MeshLock(ClusterConnection conn, String name, String holder, MeshClock clock, Duration duration, Instant acquired, String rv) {
        this.conn = conn;
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
        MeshException last = null;
        for (String c : clusters) {
            try {
                MeshLock lock = retrying(retry, clock, () -> acquireOn(connections.apply(c), leaseName(mesh), holder, clock, duration));
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
                throw new MeshConflictException("mesh is being changed by " + other + " since "
                        + (since == null ? "an unknown time" : since.toString()) + " (lease kube-system/" + name + " on " + conn.cluster() + ")",
                        Details.inCluster(conn.cluster())
                                .fix("wait for that run to finish; if its holder crashed, the lease expires " + seconds + " s after its last renewal ("
                                + (renew == null ? "?" : renew.plusSeconds(seconds)) + ")").retryable(false));
            }
            Map<String, Object> updated = lease(name, holder, duration, now, (String) meta.get("resourceVersion"));
            Map<String, Object> stored = conn.apply(updated, false);
            return new MeshLock(conn, name, holder, clock, duration, now, rv(stored));
        }
        Map<String, Object> stored = conn.apply(lease(name, holder, duration, now, null), true);
        return new MeshLock(conn, name, holder, clock, duration, now, rv(stored));
    }

    @SuppressWarnings("unchecked")
    private static String rv(Map<String, Object> obj) {
        return (String) ((Map<String, Object>) obj.getOrDefault("metadata", Map.of())).get("resourceVersion");
    }

    private static Map<String, Object> lease(String name, String holder, Duration duration, Instant acquire, String rv) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("namespace", NAMESPACE);
        meta.put("labels", Map.of("app.kubernetes.io/managed-by", "clustermesh"));
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

    private void renewQuietly() {
        try {
            Map<String, Object> l = lease(name, holder, duration, acquired, resourceVersion);
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
        try {
            retrying(retry, clock, () -> {
                var now = conn.get(API, "Lease", NAMESPACE, name);
                if (now.isPresent() && holder.equals(((Map<String, Object>) now.get().getOrDefault("spec", Map.of())).get("holderIdentity"))) {
                    conn.delete(API, "Lease", NAMESPACE, name);
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
