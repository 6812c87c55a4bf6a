package io.clustermesh.testing.internal;


import io.clustermesh.testing.requests.RequestCounts;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe request counting behind {@link RequestCounts}; numbers requests from 1. */
public final class RequestCounter {
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder faults = new LongAdder();
    private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();

    /** Records one request and returns its number (1-based). */
    public long record(String method, String path, boolean write) {
        long n = sequence.incrementAndGet();
        (write ? writes : reads).increment();
        byMethod.computeIfAbsent(method.toUpperCase(Locale.ROOT), k -> new LongAdder()).increment();
        byPath.computeIfAbsent(path, k -> new LongAdder()).increment();
        return n;
    }

    public void fault() {
        faults.increment();
    }

    public RequestCounts snapshot() {
        return new RequestCounts(reads.sum() + writes.sum(), reads.sum(), writes.sum(), faults.sum(), sums(byMethod), sums(byPath));
    }

    /** Clears the counts; request numbering continues (fault rules keep their meaning). */
    public void reset() {
        reads.reset();
        writes.reset();
        faults.reset();
        byMethod.clear();
        byPath.clear();
    }

    /** Number of requests recorded since creation (never reset). */
    public long sequence() {
        return sequence.get();
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
