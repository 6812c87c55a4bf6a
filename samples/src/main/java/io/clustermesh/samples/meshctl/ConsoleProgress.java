package io.clustermesh.samples.meshctl;

import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live progress for people: one line per finished step with its cluster; on a terminal, a spinner line with elapsed
 * time while steps wait (LB IPs, rollouts, connections); plain lines otherwise.
 */
final class ConsoleProgress implements MeshListener {
    private static final char[] SPIN = {'|', '/', '-', '\\'};
    private final PrintStream out;
    private final boolean terminal;
    private final boolean verbose;
    private final Map<String, Waiting> waits = new ConcurrentHashMap<>();
    private final Map<String, Long> lastPlainWait = new ConcurrentHashMap<>();
    private int spin;
    private boolean spinnerShown;

    ConsoleProgress(PrintStream out, boolean terminal, boolean verbose) {
        this.out = out;
        this.terminal = terminal;
        this.verbose = verbose;
    }

    private synchronized void line(String s) {
        if (spinnerShown) {
            out.print("\r\u001b[2K");
            spinnerShown = false;
        }
        out.println(s);
        out.flush();
    }

    private static String who(String cluster) {
        return cluster == null ? "mesh" : cluster;
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    @Override
    public void planStarted(PlanStarted e) {
        line("==> " + e.operation() + " of mesh " + e.mesh() + ": " + e.steps() + " steps");
    }

    @Override
    public void planFinished(PlanFinished e) {
        line("==> " + e.operation() + (e.succeeded() ? " done" : " FAILED for " + String.join(", ", e.failedClusters())) + " in " + human(e.duration()));
    }

    @Override
    public void stepStarted(StepStarted e) {
        if (verbose) {
            line("  .. " + who(e.cluster()) + "  " + e.kind() + (e.attempt() > 1 ? " (attempt " + e.attempt() + ")" : "") + ": " + e.description());
        }
    }

    @Override
    public void stepFinished(StepFinished e) {
        waits.remove(e.stepId());
        line("  \u2714 " + who(e.cluster()) + "  " + e.kind() + (e.changed() ? " (changed)" : "") + (e.detail() == null || e.detail().isEmpty() ? "" : ": " + e.detail())
                + "  [" + human(e.duration()) + "]");
    }

    @Override
    public void stepFailed(StepFailed e) {
        waits.remove(e.stepId());
        line("  \u2718 " + who(e.cluster()) + "  " + e.kind() + ": " + e.message());
        if (e.remediation() != null && !e.remediation().isEmpty()) {
            line("      fix: " + e.remediation());
        }
    }

    @Override
    public void retryScheduled(RetryScheduled e) {
        line("  \u21bb " + who(e.cluster()) + "  " + e.kind() + " retry in " + human(e.delay()) + ": " + e.reason());
    }

    @Override
    public void waiting(Waiting e) {
        waits.put(e.stepId(), e);
        if (terminal) {
            synchronized (this) {
                StringBuilder sb = new StringBuilder("\r\u001b[2K").append(SPIN[spin++ % SPIN.length]).append(" waiting: ");
                int n = 0;
                for (Waiting w : waits.values()) {
                    if (n++ == 3) {
                        sb.append(" +").append(waits.size() - 3).append(" more");
                        break;
                    }
                    sb.append(who(w.cluster())).append(' ').append(shortWhat(w.what())).append(' ').append(human(w.elapsed())).append("  ");
                }
                out.print(sb);
                out.flush();
                spinnerShown = true;
            }
        } else {
            long now = e.elapsed().toSeconds() / 10;
            Long before = lastPlainWait.put(e.stepId(), now);
            if (before == null || before != now) {
                line("  \u2026 " + who(e.cluster()) + "  waiting for " + e.what() + " (" + human(e.elapsed()) + " of " + human(e.timeout()) + ")");
            }
        }
    }

    private static String shortWhat(String what) {
        return what.length() > 40 ? what.substring(0, 39) + "\u2026" : what;
    }
}
