package io.clustermesh.testing.internal;


import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The knobs of one fake server: latency per request and fault rules, decided deterministically from a seed and
 * the request number. Thread-safe.
 */
public final class FaultInjector {
    private final long seed;
    private final CopyOnWriteArrayList<Armed> rules = new CopyOnWriteArrayList<>();
    private final AtomicLong salts = new AtomicLong();
    private volatile Duration latency = Duration.ZERO;

    public FaultInjector(long seed) {
        this.seed = seed;
    }

    private static final class Armed {
        final FaultRule rule;
        final long salt;
        final long base;
        final AtomicInteger fired = new AtomicInteger();

        Armed(FaultRule rule, long salt, long base) {
            this.rule = rule;
            this.salt = salt;
            this.base = base;
        }

        boolean tryFire() {
            while (true) {
                int f = fired.get();
                if (f >= rule.times()) {
                    return false;
                }
                if (fired.compareAndSet(f, f + 1)) {
                    return true;
                }
            }
        }
    }

    /**
     * Arms a rule. {@code requestsSoFar} is the number of the last request already received: a
     * {@link FaultRule#onRequest} rule counts from there.
     */
    public void add(FaultRule rule, long requestsSoFar) {
        rules.add(new Armed(Objects.requireNonNull(rule, "rule"), salts.incrementAndGet(), requestsSoFar));
    }

    public void clear() {
        rules.clear();
    }

    public List<FaultRule> rules() {
        return rules.stream().map(a -> a.rule).toList();
    }

    public void latency(Duration d) {
        Objects.requireNonNull(d, "latency");
        if (d.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + d);
        }
        latency = d;
    }

    public Duration latency() {
        return latency;
    }

    /** The fault for request number {@code n}, if a rule fires. The first firing rule wins. */
    public Optional<Fault> decide(long n, String method, String path) {
        for (Armed a : rules) {
            FaultRule r = a.rule;
            if (!r.matches(method, path)) {
                continue;
            }
            boolean hit = r.nth() > 0 ? r.nth() == n - a.base : Deterministic.unit(seed, a.salt, n) < r.rate();
            if (hit && a.tryFire()) {
                return Optional.of(r.fault());
            }
        }
        return Optional.empty();
    }
}
