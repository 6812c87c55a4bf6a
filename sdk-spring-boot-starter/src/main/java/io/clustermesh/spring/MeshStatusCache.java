package io.clustermesh.spring;

import io.clustermesh.report.MeshStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One {@code Mesh.status()} shared by the health indicator, the gauges and anyone else, read again only when it is
 * older than {@code clustermesh.status.cache-for}: a health probe or a metrics scrape never fans out to every
 * cluster more often than that. Callers that arrive while a read is running wait for that read instead of starting
 * their own. A failed read is not cached: the next caller tries again.
 */
public final class MeshStatusCache {
    private final Supplier<MeshStatus> source;
    private final Duration cacheFor;
    private final Clock clock;
    private final ReentrantLock reading = new ReentrantLock();
    private final List<Consumer<MeshStatus>> onRead = new CopyOnWriteArrayList<>();
    private volatile Entry last;
    private volatile long reads;

    private record Entry(MeshStatus status, Instant readAt) {
    }

    /**
     * @param source   reads the status (usually {@code mesh::status})
     * @param cacheFor how long a status is reused; zero reads every time
     * @param clock    the clock the age is measured with
     */
    public MeshStatusCache(Supplier<MeshStatus> source, Duration cacheFor, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.cacheFor = Objects.requireNonNull(cacheFor, "cacheFor");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (cacheFor.isNegative()) {
            throw new IllegalArgumentException("clustermesh.status.cache-for must not be negative, is " + cacheFor);
        }
    }

    /** The cached status if younger than the cache interval, else a new one (read by one caller at a time). */
    public MeshStatus get() {
        Entry e = last;
        if (fresh(e)) {
            return e.status;
        }
        reading.lock();
        try {
            e = last;
            if (fresh(e)) {
                return e.status; // read by the caller we waited for
            }
            MeshStatus s = Objects.requireNonNull(source.get(), "status");
            reads++;
            last = new Entry(s, clock.instant());
            for (Consumer<MeshStatus> c : onRead) {
                c.accept(s);
            }
            return s;
        } finally {
            reading.unlock();
        }
    }

    /**
     * Calls {@code consumer} with every status this cache reads (on the reading thread), e.g. the meters' {@code record}.
     *
     * @return this
     */
    public MeshStatusCache onRead(Consumer<MeshStatus> consumer) {
        onRead.add(Objects.requireNonNull(consumer, "consumer"));
        return this;
    }

    /** The last status read, without reading ({@code null} before the first). */
    public MeshStatus peek() {
        Entry e = last;
        return e == null ? null : e.status;
    }

    /** Forgets the cached status: the next {@link #get()} reads the clusters (after an apply, say). */
    public void invalidate() {
        last = null;
    }

    /** How many times the clusters were read (for tests and diagnostics). */
    public long reads() {
        return reads;
    }

    /** The cache interval. */
    public Duration cacheFor() {
        return cacheFor;
    }

    private boolean fresh(Entry e) {
        return e != null && !cacheFor.isZero() && Duration.between(e.readAt, clock.instant()).compareTo(cacheFor) < 0;
    }
}
