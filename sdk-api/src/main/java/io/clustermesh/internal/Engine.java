package io.clustermesh.internal;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.report.PlanStep;
import io.clustermesh.RetryPolicy;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.clustermesh.internal.StepContext;
import io.clustermesh.internal.StepResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a plan's graph: steps whose dependencies are done run in parallel (at most {@code concurrency} writing steps at a
 * time; steps that only read or wait are not limited, there is at most a chain of them per cluster),
 * transient failures are retried per the {@link RetryPolicy}, a step that outlives its deadline is failed and
 * interrupted, and a failed step only skips the steps that depend on it.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final ExecutorService executor;
    private final ScheduledExecutorService watchdog;
    private final int concurrency;
    private final MeshClock clock;
    private final RetryPolicy retryPolicy;
    private final MeshTimeouts timeouts;
    private final MeshListener listener;

    public Engine(ExecutorService executor, ScheduledExecutorService watchdog, int concurrency, MeshClock clock,
                  RetryPolicy retryPolicy, MeshTimeouts timeouts, MeshListener listener) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        this.executor = executor;
        this.watchdog = watchdog;
        this.concurrency = concurrency;
        this.clock = clock;
        this.retryPolicy = retryPolicy;
        this.timeouts = timeouts;
        // listener calls are outside the steps' try blocks: a throwing listener must never reach the engine
        this.listener = listener instanceof SafeListener ? listener : new SafeListener(List.of(listener));
    }

    private record Done(String id, StepReport report, Object output) {
    }

    /** Runs the plan and returns the report; never throws for a failing step. */
    public MeshReport run(MeshPlan plan) {
        Instant start = clock.now();
        List<PlanStep> steps = plan.steps();
        listener.planStarted(new PlanStarted(plan.mesh(), plan.operation(), steps.size(), start));

        Map<String, PlanStep> byId = new LinkedHashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        Map<String, Integer> waitingOn = new HashMap<>();
        for (PlanStep s : steps) {
            byId.put(s.id(), s);
            waitingOn.put(s.id(), s.dependsOn().size() + s.after().size());
            for (String d : s.dependsOn()) dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id());
            for (String d : s.after()) dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id());
        }
        Map<String, StepReport> reports = new HashMap<>();
        Map<String, Object> outputs = new ConcurrentHashMap<>();
        BlockingQueue<Done> done = new LinkedBlockingQueue<>();
        ArrayDeque<String> ready = new ArrayDeque<>();
        for (PlanStep s : steps) {
            if (waitingOn.get(s.id()) == 0) ready.add(s.id());
        }
        Set<String> writing = new HashSet<>();
        Map<String, Optional<String>> failedDependency = new HashMap<>();
        List<Future<?>> futures = new ArrayList<>();
        try {
            while (reports.size() < steps.size()) {
                // writing steps wait for a slot (at most `concurrency` at once); steps that only read or wait never
                // do, and never queue behind a writing step that waits for one
                for (Iterator<String> it = ready.iterator(); it.hasNext(); ) {
                    PlanStep s = byId.get(it.next());
                    // a hard dependency failed or was skipped: skip without running (known once the step is ready, as
                    // all its dependencies have ended; looked up once, not on every pass while it waits for a slot)
                    String failedDep = failedDependency.computeIfAbsent(s.id(), id -> s.dependsOn().stream()
                            .filter(d -> reports.get(d).outcome() != StepOutcome.SUCCEEDED).findFirst()).orElse(null);
                    if (failedDep != null) {
                        it.remove();
                        StepReport r = new StepReport(s.id(), s.cluster(), s.kind(), StepOutcome.SKIPPED, false, 0, null, null,
                                "skipped", null, "not run because " + failedDep + " did not succeed", null);
                        done.add(new Done(s.id(), r, null));
                        continue;
                    }
                    if (s.writes() && writing.size() >= concurrency) {
                        continue;
                    }
                    it.remove();
                    if (s.writes()) {
                        writing.add(s.id());
                    }
                    futures.add(launch(s, outputs, done));
                }
                Done d = done.take();
                writing.remove(d.id());
                reports.put(d.id(), d.report());
                if (d.output() != null) outputs.put(d.id(), d.output());
                for (String n : dependents.getOrDefault(d.id(), List.of())) {
                    if (waitingOn.merge(n, -1, Integer::sum) == 0) ready.add(n);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(true));
            for (PlanStep s : steps) {
                reports.putIfAbsent(s.id(), new StepReport(s.id(), s.cluster(), s.kind(), StepOutcome.SKIPPED, false, 0, null, null,
                        "cancelled", null, "the run was interrupted", null));
            }
        }
        List<StepReport> ordered = new ArrayList<>();
        for (PlanStep s : steps) ordered.add(reports.get(s.id()));
        MeshReport report = new MeshReport(plan.mesh(), plan.operation(), start, clock.now(), ordered, plan.findings());
        listener.planFinished(new PlanFinished(plan.mesh(), plan.operation(), report.succeeded(), report.failedClusters(),
                report.duration()));
        return report;
    }

    private Future<?> launch(PlanStep step, Map<String, Object> outputs, BlockingQueue<Done> done) {
        Duration timeout = step.timeout() != null ? step.timeout() : timeouts.step();
        AtomicBoolean finished = new AtomicBoolean();
        Instant startedAt = clock.now();
        Instant deadline = startedAt.plus(timeout);
        int[] attempts = {0};
        AtomicReference<ScheduledFuture<?>> guardRef = new AtomicReference<>();
        Future<?> future = executor.submit(() -> {
            StepReport r = execute(step, outputs, deadline, startedAt, attempts, finished);
            cancel(guardRef.get()); // before the engine learns of the end, so no guard outlives the run
            if (r != null) { // null: the deadline passed first and the watchdog reported the step
                done.add(new Done(step.id(), r, r.outcome() == StepOutcome.SUCCEEDED ? lastOutput.get(step.id()) : null));
            }
            lastOutput.remove(step.id());
        });
        ScheduledFuture<?> guard = watchdog.schedule(() -> {
            if (finished.compareAndSet(false, true)) {
                future.cancel(true);
                String msg = (step.cluster() == null ? "" : step.cluster() + ": ") + "step " + step.kind()
                        + " did not finish within its deadline of " + human(timeout);
                String fix = "check that the cluster answers and raise the step timeout if it is just slow";
                listener.stepFailed(new StepFailed(step.cluster(), step.id(), step.kind(), ErrorCode.TIMEOUT, msg, fix,
                        Math.max(1, attempts[0]), timeout));
                done.add(new Done(step.id(), new StepReport(step.id(), step.cluster(), step.kind(), StepOutcome.FAILED, false,
                        Math.max(1, attempts[0]), startedAt, clock.now(), "deadline passed", ErrorCode.TIMEOUT, msg, fix), null));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        guardRef.set(guard);
        if (finished.get()) { // the step ended before its guard was set
            cancel(guard);
        }
        return new Future<Object>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
                guard.cancel(false);
                return future.cancel(mayInterrupt);
            }

            @Override
            public boolean isCancelled() {
                return future.isCancelled();
            }

            @Override
            public boolean isDone() {
                return future.isDone();
            }

            @Override
            public Object get() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object get(long t, TimeUnit u) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static void cancel(ScheduledFuture<?> guard) {
        if (guard != null) {
            guard.cancel(false);
        }
    }

    private final Map<String, Object> lastOutput = new ConcurrentHashMap<>();

    /**
     * Runs the step's attempts. Whoever sets {@code finished} first, this method or the deadline watchdog, reports the
     * step's end (one stepFinished or stepFailed event, one report); the other reports nothing.
     *
     * @return the report, or {@code null} when the watchdog has already ended the step
     */
    private StepReport execute(PlanStep step, Map<String, Object> outputs, Instant deadline, Instant startedAt, int[] attempts,
                               AtomicBoolean finished) {
        int attempt = 0;
        while (!finished.get()) {
            attempt++;
            attempts[0] = attempt;
            Instant attemptStart = clock.now();
            listener.stepStarted(new StepStarted(step.cluster(), step.id(), step.kind(), step.description(), attempt, attemptStart));
            StepResult result;
            try {
                result = PlanSteps.action(step).run(new Context(step, attempt, deadline, outputs));
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError vme) {
                    throw vme;
                }
                boolean interrupted = t instanceof InterruptedException || Thread.currentThread().isInterrupted();
                Optional<Duration> next = interrupted || finished.get() ? Optional.empty() : Retries.delay(retryPolicy, attempt, t);
                if (next.isPresent()) {
                    Duration delay = next.get();
                    if (clock.now().plus(delay).isBefore(deadline)) {
                        listener.retryScheduled(new RetryScheduled(step.cluster(), step.id(), step.kind(), attempt, delay, t.getMessage()));
                        LOG.debug("{}: {} attempt {} failed, retrying in {}: {}", step.cluster(), step.kind(), attempt, delay, t.getMessage());
                        try {
                            clock.sleep(delay);
                            continue;
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            t = ie;
                        }
                    }
                }
                if (!finished.compareAndSet(false, true)) {
                    return null; // interrupted by the watchdog, which reported the timeout
                }
                ErrorCode code = t instanceof MeshException m ? m.code() : ErrorCode.INTERNAL;
                String msg = describe(step, t);
                String fix = t instanceof MeshException m && !m.remediation().isEmpty() ? m.remediation()
                        : "this is unexpected; run again with --verbose and report it with the log";
                LOG.info("{}: step {} failed after {} attempt(s): {}", step.cluster() == null ? "mesh" : step.cluster(),
                        step.kind(), attempt, msg);
                listener.stepFailed(new StepFailed(step.cluster(), step.id(), step.kind(), code, msg, fix, attempt,
                        Duration.between(startedAt, clock.now())));
                return new StepReport(step.id(), step.cluster(), step.kind(), StepOutcome.FAILED, false, attempt, startedAt,
                        clock.now(), "failed", code, msg, fix);
            }
            if (result == null) {
                result = StepResult.unchanged("");
            }
            if (result.output() != null) {
                lastOutput.put(step.id(), result.output());
            }
            if (!finished.compareAndSet(false, true)) {
                return null; // finished just after its deadline: the watchdog has reported the timeout
            }
            listener.stepFinished(new StepFinished(step.cluster(), step.id(), step.kind(), result.changed(), result.detail(),
                    Duration.between(attemptStart, clock.now())));
            return new StepReport(step.id(), step.cluster(), step.kind(), StepOutcome.SUCCEEDED, result.changed(), attempt,
                    startedAt, clock.now(), result.detail(), null, null, null);
        }
        return null;
    }

    private static String describe(PlanStep step, Throwable t) {
        String m = t.getMessage();
        if (t instanceof MeshException) {
            return m;
        }
        if (t instanceof InterruptedException) {
            return "interrupted";
        }
        return Causes.describe(t);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms < 120_000) return (ms / 1000) + " s";
        return (ms / 60_000) + " min";
    }

    private final class Context implements StepContext {
        private final PlanStep step;
        private final int attempt;
        private final Instant deadline;
        private final Map<String, Object> outputs;

        Context(PlanStep step, int attempt, Instant deadline, Map<String, Object> outputs) {
            this.step = step;
            this.attempt = attempt;
            this.deadline = deadline;
            this.outputs = outputs;
        }

        @Override
        public String stepId() {
            return step.id();
        }

        @Override
        public String cluster() {
            return step.cluster();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public MeshClock clock() {
            return clock;
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public Object output(String stepId) {
            return outputs.get(stepId);
        }

        @Override
        public void waiting(String what, Duration elapsed, Duration timeout, double progress) {
            listener.waiting(new Waiting(step.cluster(), step.id(), what, elapsed, timeout, progress));
        }

        @Override
        public <T> T await(String what, Duration timeout, String remediation, Callable<Optional<T>> probe) throws Exception {
            Instant begin = clock.now();
            while (true) {
                Optional<T> v = probe.call();
                if (v != null && v.isPresent()) {
                    return v.get();
                }
                Duration elapsed = Duration.between(begin, clock.now());
                if (elapsed.compareTo(timeout) >= 0) {
                    String c = step.cluster() == null ? "" : step.cluster() + ": ";
                    throw new MeshTimeoutException(c + "timed out after " + human(timeout) + " waiting for " + what,
                            Details.inCluster(step.cluster()).atStep(step.id()).fix(remediation));
                }
                waiting(what, elapsed, timeout, -1);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                clock.sleep(timeouts.pollInterval());
            }
        }
    }
}
