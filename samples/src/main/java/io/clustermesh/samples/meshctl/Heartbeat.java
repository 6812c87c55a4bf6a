package io.clustermesh.samples.meshctl;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Progress for a wait the SDK reports no events for (lab start, reading clusters to plan, status, ARM discovery): after
 * a second of silence, what is awaited, how long so far and the deadline, on stderr; every 5 s as plain lines, or one
 * line rewritten in place on a terminal. Closed when the wait ends.
 */
final class Heartbeat implements AutoCloseable {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration PLAIN_EVERY = Duration.ofSeconds(5);
    private static final char[] SPIN = {'|', '/', '-', '\\'};

    private final PrintStream err;
    private final boolean terminal;
    private final String what;
    private final String deadline;
    private final LongSupplier nanoTime;
    private final long start;
    private ScheduledExecutorService timer;
    private long lastPlain = -1;
    private int spin;
    private boolean shownInPlace;
    private boolean closed;

    Heartbeat(PrintStream err, boolean terminal, String what, String deadline, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.what = what;
        this.deadline = deadline;
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
    }

    /** Starts beating on a daemon timer; {@code err == null} (quiet) beats never. */
    static Heartbeat start(PrintStream err, boolean terminal, String what, String deadline) {
        Heartbeat h = new Heartbeat(err, terminal, what, deadline, System::nanoTime);
        if (err != null) {
            h.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "meshctl-heartbeat");
                t.setDaemon(true);
                return t;
            });
            long period = terminal ? 250 : 500;
            h.timer.scheduleAtFixedRate(h::tick, FIRST.toMillis(), period, TimeUnit.MILLISECONDS);
        }
        return h;
    }

    /** Prints when due: nothing in the first second, then every {@link #PLAIN_EVERY} (or in place on a terminal). */
    synchronized void tick() {
        if (closed || err == null) {
            return;
        }
        Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - start);
        if (elapsed.compareTo(FIRST) < 0) {
            return;
        }
        String line = "waiting for " + what + ": " + human(elapsed) + " so far" + (deadline == null ? "" : " (" + deadline + ")");
        if (terminal) {
            err.print("\r\u001b[2K" + SPIN[spin++ % SPIN.length] + " " + line);
            err.flush();
            shownInPlace = true;
            return;
        }
        long bucket = elapsed.minus(FIRST).toMillis() / PLAIN_EVERY.toMillis();
        if (bucket != lastPlain) {
            lastPlain = bucket;
            err.println("  \u2026 " + line);
            err.flush();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        if (shownInPlace) {
            err.print("\r\u001b[2K");
            err.flush();
        }
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 60_000 ? String.format(Locale.ROOT, "%.1fs", ms / 1000.0) : ms / 60_000 + "m" + (ms / 1000) % 60 + "s";
    }
}
