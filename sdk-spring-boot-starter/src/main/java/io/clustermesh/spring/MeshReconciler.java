package io.clustermesh.spring;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Keeps the mesh converged: {@link #reconcile()} plans and, when the plan writes, applies it (a converged mesh is
 * planned, not written). With {@code clustermesh.reconcile.enabled=true} it runs on its own daemon thread, first after
 * {@code initial-delay}, then {@code interval} after the end of the previous run; one run at a time. A run that
 * fails is logged (findings and the report, never a secret) and the next one tries again. After each run the status
 * cache is cleared, so health shows the result at once.
 */
public class MeshReconciler implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(MeshReconciler.class);

    /**
     * What one run did.
     *
     * @param plan   the plan (with its findings)
     * @param report the apply report, empty when the plan wrote nothing or had errors
     */
    public record Result(MeshPlan plan, Optional<MeshReport> report) {
        /** The plan had no errors and, if it was applied, the apply succeeded. */
        public boolean succeeded() {
            return !plan.hasErrors() && report.map(MeshReport::succeeded).orElse(true);
        }
    }

    /** Computes a plan around {@code mesh.plan()}, e.g. timing it ({@code MeshMetrics::plan}). */
    @FunctionalInterface
    public interface Planner {
        /** @param planning {@code mesh::plan} */
        MeshPlan plan(Supplier<MeshPlan> planning);
    }

    private final Mesh mesh;
    private final Planner planner;
    private final MeshStatusCache statuses;
    private final Duration initialDelay;
    private final Duration interval;
    private final ReentrantLock running = new ReentrantLock();
    private final AtomicReference<Result> last = new AtomicReference<>();
    private volatile ScheduledExecutorService scheduler;

    /**
     * @param mesh         the mesh to keep converged
     * @param statuses     cleared after each run ({@code null}: none)
     * @param initialDelay before the first scheduled run
     * @param interval     between the end of a run and the start of the next
     */
    public MeshReconciler(Mesh mesh, MeshStatusCache statuses, Duration initialDelay, Duration interval) {
        this(mesh, Supplier::get, statuses, initialDelay, interval);
    }

    /**
     * @param mesh         the mesh to keep converged
     * @param planner      computes each plan around {@code mesh.plan()}
     * @param statuses     cleared after each run ({@code null}: none)
     * @param initialDelay before the first scheduled run
     * @param interval     between the end of a run and the start of the next
     */
    public MeshReconciler(Mesh mesh, Planner planner, MeshStatusCache statuses, Duration initialDelay, Duration interval) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.planner = Objects.requireNonNull(planner, "planner");
        this.statuses = statuses;
        this.initialDelay = Objects.requireNonNull(initialDelay, "initialDelay");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("clustermesh.reconcile.interval must be positive, is " + interval);
        }
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("clustermesh.reconcile.initial-delay must not be negative, is " + initialDelay);
        }
    }

    /** Plans, and applies when the plan writes; waits for a run already in progress first. */
    public Result reconcile() {
        running.lock();
        try {
            MeshPlan plan = planner.plan(mesh::plan);
            Result r;
            if (plan.hasErrors()) {
                LOG.warn("clustermesh reconcile: the plan of mesh '{}' has errors, nothing applied:\n{}", plan.mesh(),
                        String.join("\n", plan.findings().stream().filter(Finding::isError).map(Finding::toString).toList()));
                r = new Result(plan, Optional.empty());
            } else if (plan.writeSteps() == 0) {
                LOG.debug("clustermesh reconcile: mesh '{}' is converged", plan.mesh());
                r = new Result(plan, Optional.empty());
            } else {
                LOG.info("clustermesh reconcile: mesh '{}' needs {} write steps, applying", plan.mesh(), plan.writeSteps());
                MeshReport report = mesh.apply(plan);
                if (report.succeeded()) {
                    LOG.info("clustermesh reconcile: mesh '{}' applied, {} steps changed", plan.mesh(), report.changedSteps());
                } else {
                    LOG.warn("clustermesh reconcile: apply of mesh '{}' failed:\n{}", plan.mesh(), report.toText());
                }
                r = new Result(plan, Optional.of(report));
            }
            last.set(r);
            return r;
        } finally {
            if (statuses != null) {
                statuses.invalidate();
            }
            running.unlock();
        }
    }

    /** The result of the last run, if any. */
    public Optional<Result> lastResult() {
        return Optional.ofNullable(last.get());
    }

    private void scheduledRun() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            // MeshException messages name the cluster and the fix; the next run tries again
            LOG.warn("clustermesh reconcile failed, next run in {}: {}", interval, e.getMessage());
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "clustermesh-reconcile");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::scheduledRun, initialDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            // a run in progress finishes its step (an interrupted Helm upgrade would leave a pending release)
            scheduler.shutdown();
            try {
                if (!scheduler.awaitTermination(1, TimeUnit.MINUTES)) {
                    scheduler.shutdownNow();
                }
            } catch (InterruptedException e) {
                scheduler.shutdownNow();
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
