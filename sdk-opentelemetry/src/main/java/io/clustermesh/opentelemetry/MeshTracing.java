package io.clustermesh.opentelemetry;

import io.clustermesh.Finding;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.event.CredentialPlugin;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * OpenTelemetry spans for a {@code Mesh}, fed by its events: a {@link MeshListener}.
 *
 * <pre>{@code
 * MeshTracing tracing = MeshTracing.create(openTelemetry);
 * try (Mesh mesh = Mesh.builder().spec(spec).listener(tracing).build()) {
 *     MeshPlan plan = tracing.plan(mesh::plan);   // span clustermesh.plan
 *     mesh.apply(plan);                           // span clustermesh.apply > clustermesh.step <kind> > clustermesh.wait
 * }
 * }</pre>
 *
 * <p>Spans: {@code clustermesh.<operation>} for running a plan ({@code clustermesh.apply}, {@code clustermesh.disconnect},
 * {@code clustermesh.disable}), a child of the context current on the thread that called {@code apply}; one
 * {@code clustermesh.step <kind>} per step that ran, child of the run, from its first attempt to its end (retries are
 * span events); one {@code clustermesh.wait} per thing a step waited for, child of the step. Failures set status
 * {@code ERROR} with the SDK's message, which never holds a secret; no exception object or stack trace is recorded.
 * Attributes are the {@code AttributeKey} constants of this class.
 *
 * <p>Events carry no run id, so this listener keeps the state of <em>one run at a time</em>, keyed by step id: give
 * each {@code Mesh} its own instance (the SDK's mesh lock already serializes the applies of one mesh). If two plans
 * run at once through one instance, their steps are parented to the one that started last.
 *
 * <p>Thread-safe: steps of different clusters report from different threads. Every listener method only creates,
 * annotates or ends spans, and never throws.
 */
public final class MeshTracing implements MeshListener {
    private static final Logger LOG = LoggerFactory.getLogger(MeshTracing.class);

    /** The instrumentation scope name of the spans. */
    public static final String INSTRUMENTATION_SCOPE = "io.clustermesh.opentelemetry";

    public static final AttributeKey<String> MESH = AttributeKey.stringKey("clustermesh.mesh");
    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("clustermesh.operation");
    /** Steps of a plan (plan and run spans). */
    public static final AttributeKey<Long> STEPS = AttributeKey.longKey("clustermesh.steps");
    /** Steps of a plan that write (plan span). */
    public static final AttributeKey<Long> WRITE_STEPS = AttributeKey.longKey("clustermesh.write_steps");
    /** Error findings of a plan (plan span). */
    public static final AttributeKey<Long> ERROR_FINDINGS = AttributeKey.longKey("clustermesh.error_findings");
    public static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("clustermesh.cluster");
    public static final AttributeKey<String> STEP_KIND = AttributeKey.stringKey("clustermesh.step.kind");
    public static final AttributeKey<String> STEP_ID = AttributeKey.stringKey("clustermesh.step.id");
    /**
     * Run: {@code succeeded} or {@code failed}; step: {@code changed}, {@code unchanged} or {@code failed}; plan:
     * {@code planned}, {@code rejected} (error findings) or {@code failed}.
     */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("clustermesh.outcome");
    public static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("clustermesh.attempts");
    public static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("clustermesh.error.code");
    /** Clusters with a failed or skipped step (run span of a failed run). */
    public static final AttributeKey<List<String>> FAILED_CLUSTERS = AttributeKey.stringArrayKey("clustermesh.failed_clusters");
    /** What a wait awaited, for people (wait span). */
    public static final AttributeKey<String> WAIT_WHAT = AttributeKey.stringKey("clustermesh.wait.what");
    /** How many times the step reported the wait (wait span). */
    public static final AttributeKey<Long> WAIT_POLLS = AttributeKey.longKey("clustermesh.wait.polls");
    /** The failed attempt (retry event). */
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("clustermesh.attempt");
    /** Milliseconds until the next attempt (retry event). */
    public static final AttributeKey<Long> RETRY_DELAY_MS = AttributeKey.longKey("clustermesh.retry.delay_ms");
    /** Why the attempt failed, the SDK's message (retry event). */
    public static final AttributeKey<String> RETRY_REASON = AttributeKey.stringKey("clustermesh.retry.reason");

    private final Tracer tracer;
    private final AtomicReference<Run> current = new AtomicReference<>();
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final Map<String, StepSpan> steps = new ConcurrentHashMap<>();

    private MeshTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Spans through {@code openTelemetry}'s tracer of scope {@value #INSTRUMENTATION_SCOPE}. */
    public static MeshTracing create(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return new MeshTracing(openTelemetry.getTracer(INSTRUMENTATION_SCOPE));
    }

    /** Spans through the given tracer. */
    public static MeshTracing create(Tracer tracer) {
        return new MeshTracing(Objects.requireNonNull(tracer, "tracer"));
    }

    // --- plan ---------------------------------------------------------------------------------------------------------

    /**
     * Traces computing a plan ({@code mesh.plan()} emits no event): a {@code clustermesh.plan} span, current while
     * {@code planning} runs, with the plan's operation, steps, write steps and error findings; status {@code ERROR}
     * when the plan has error findings (their codes) or {@code planning} threw (the message of a
     * {@code MeshException}, else only the exception's type). Returns the plan, or rethrows.
     *
     * @param planning typically {@code mesh::plan}
     */
    public MeshPlan plan(Supplier<MeshPlan> planning) {
        Objects.requireNonNull(planning, "planning");
        Span span = tracer.spanBuilder("clustermesh.plan").setSpanKind(SpanKind.INTERNAL).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            MeshPlan p = planning.get();
            if (p != null) {
                long errors = p.findings().stream().filter(Finding::isError).count();
                span.setAttribute(MESH, p.mesh());
                span.setAttribute(OPERATION, p.operation());
                span.setAttribute(STEPS, (long) p.steps().size());
                span.setAttribute(WRITE_STEPS, (long) p.writeSteps());
                span.setAttribute(ERROR_FINDINGS, errors);
                span.setAttribute(OUTCOME, errors > 0 ? "rejected" : "planned");
                if (errors > 0) {
                    span.setStatus(StatusCode.ERROR, errors + " error finding(s): " + String.join(", ",
                            p.findings().stream().filter(Finding::isError).map(Finding::code).distinct().toList()));
                }
            }
            return p;
        } catch (RuntimeException | Error e) {
            span.setAttribute(OUTCOME, "failed");
            span.setStatus(StatusCode.ERROR, e instanceof MeshException ? e.getMessage() : e.getClass().getName());
            throw e;
        } finally {
            span.end();
        }
    }

    // --- listener -----------------------------------------------------------------------------------------------------

    @Override
    public void planStarted(PlanStarted e) {
        try {
            Span span = tracer.spanBuilder("clustermesh." + e.operation()).setSpanKind(SpanKind.INTERNAL)
                    .setAttribute(MESH, e.mesh()).setAttribute(OPERATION, e.operation()).setAttribute(STEPS, (long) e.steps())
                    .startSpan(); // parent: the context current on the thread that called apply
            Run run = new Run(e.mesh(), span, Context.current().with(span));
            Run previous = runs.put(e.mesh(), run);
            if (previous != null) {
                LOG.debug("{}: a run of mesh {} started while another was running: one run at a time per listener", e.operation(), e.mesh());
            }
            current.set(run);
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: planStarted ignored: {}", ex.toString());
        }
    }

    @Override
    public void planFinished(PlanFinished e) {
        try {
            Run run = runs.remove(e.mesh());
            if (run == null) {
                return;
            }
            current.compareAndSet(run, null);
            for (StepSpan s : new ArrayList<>(steps.values())) { // steps that never reported their end (should not happen)
                if (s.run == run && steps.remove(s.id, s)) {
                    s.end(span -> span.setStatus(StatusCode.ERROR, "the run ended before the step reported its end"));
                }
            }
            run.span.setAttribute(OUTCOME, e.succeeded() ? "succeeded" : "failed");
            if (!e.succeeded()) {
                List<String> failed = e.failedClusters().stream().sorted().toList();
                run.span.setAttribute(FAILED_CLUSTERS, failed);
                run.span.setStatus(StatusCode.ERROR, e.operation() + " of mesh " + e.mesh() + " failed"
                        + (failed.isEmpty() ? "" : " for " + String.join(", ", failed)));
            }
            run.span.end();
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: planFinished ignored: {}", ex.toString());
        }
    }

    @Override
    public void stepStarted(StepStarted e) {
        try {
            if (e.stepId() == null) {
                return;
            }
            StepSpan s = steps.computeIfAbsent(e.stepId(), id -> startStep(id, e.cluster(), e.kind()));
            s.attempt(e.attempt());
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: stepStarted ignored: {}", ex.toString());
        }
    }

    @Override
    public void stepFinished(StepFinished e) {
        try {
            StepSpan s = e.stepId() == null ? null : steps.remove(e.stepId());
            if (s == null) {
                return;
            }
            s.end(span -> span.setAttribute(OUTCOME, e.changed() ? "changed" : "unchanged"));
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: stepFinished ignored: {}", ex.toString());
        }
    }

    @Override
    public void stepFailed(StepFailed e) {
        try {
            if (e.stepId() == null) {
                return;
            }
            StepSpan s = steps.remove(e.stepId());
            if (s == null) { // failed before its first attempt reported a start (its deadline passed at once)
                s = startStep(e.stepId(), e.cluster(), e.kind());
                s.attempt(Math.max(1, e.attempts()));
            }
            s.end(span -> {
                span.setAttribute(OUTCOME, "failed");
                span.setAttribute(ATTEMPTS, (long) e.attempts());
                if (e.code() != null) {
                    span.setAttribute(ERROR_CODE, e.code().toString());
                }
                span.setStatus(StatusCode.ERROR, e.message() == null ? "failed" : e.message());
            });
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: stepFailed ignored: {}", ex.toString());
        }
    }

    @Override
    public void retryScheduled(RetryScheduled e) {
        try {
            StepSpan s = e.stepId() == null ? null : steps.get(e.stepId());
            if (s == null) {
                return;
            }
            AttributesBuilder a = Attributes.builder().put(ATTEMPT, (long) e.failedAttempt());
            if (e.delay() != null) {
                a.put(RETRY_DELAY_MS, e.delay().toMillis());
            }
            if (e.reason() != null) {
                a.put(RETRY_REASON, e.reason());
            }
            s.retry(a.build());
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: retryScheduled ignored: {}", ex.toString());
        }
    }

    @Override
    public void waiting(Waiting e) {
        try {
            // waits outside a plan's steps (services().awaitRoutes) have no step: no span
            StepSpan s = e.stepId() == null ? null : steps.get(e.stepId());
            if (s != null) {
                s.waiting(e.what() == null ? "" : e.what(), e.elapsed());
            }
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: waiting ignored: {}", ex.toString());
        }
    }

    @Override
    public void credentialPlugin(CredentialPlugin e) {
        try {
            Run run = current.get();
            if (run != null) {
                AttributesBuilder a = Attributes.builder();
                if (e.cluster() != null) {
                    a.put(CLUSTER, e.cluster());
                }
                run.span.addEvent("clustermesh.credential_plugin", a.build());
            }
        } catch (RuntimeException ex) {
            LOG.debug("clustermesh spans: credentialPlugin ignored: {}", ex.toString());
        }
    }

    private StepSpan startStep(String id, String cluster, String kind) {
        Run run = current.get();
        SpanBuilder b = tracer.spanBuilder(kind == null ? "clustermesh.step" : "clustermesh.step " + kind).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(STEP_ID, id);
        if (kind != null) {
            b.setAttribute(STEP_KIND, kind);
        }
        if (run != null) {
            b.setParent(run.context);
        } else {
            b.setNoParent();
        }
        if (cluster != null) {
            b.setAttribute(CLUSTER, cluster);
        }
        return new StepSpan(id, cluster, kind, run, b.startSpan(), Instant.now());
    }

    @Override
    public String toString() {
        return "MeshTracing[" + runs.size() + " running]";
    }

    private record Run(String mesh, Span span, Context context) {
    }

    /** A step's span and its current wait; every change under the object's lock. */
    private final class StepSpan {
        final String id;
        final String cluster;
        final String kind;
        final Run run;
        final Span span;
        final Instant startedAt;
        private long attempts;
        private boolean ended;
        private Span wait;
        private String waitWhat;
        private Duration waitElapsed;
        private long waitPolls;

        StepSpan(String id, String cluster, String kind, Run run, Span span, Instant startedAt) {
            this.id = id;
            this.cluster = cluster;
            this.kind = kind;
            this.run = run;
            this.span = span;
            this.startedAt = startedAt;
        }

        synchronized void attempt(int attempt) {
            if (ended) {
                return;
            }
            endWait();
            attempts = Math.max(attempts, attempt);
        }

        synchronized void retry(Attributes a) {
            if (ended) {
                return;
            }
            endWait();
            span.addEvent("clustermesh.retry", a);
        }

        synchronized void waiting(String what, Duration elapsed) {
            if (ended) {
                return;
            }
            boolean same = wait != null && what.equals(waitWhat)
                    && (elapsed == null || waitElapsed == null || elapsed.compareTo(waitElapsed) >= 0);
            if (!same) {
                endWait();
                Instant now = Instant.now();
                Instant start = elapsed == null || elapsed.isNegative() ? now : now.minus(elapsed);
                if (start.isBefore(startedAt)) {
                    start = startedAt; // the mesh clock may be a test's: never before the step
                }
                SpanBuilder b = tracer.spanBuilder("clustermesh.wait").setSpanKind(SpanKind.INTERNAL)
                        .setParent(Context.root().with(span)).setStartTimestamp(start).setAttribute(WAIT_WHAT, what);
                if (kind != null) {
                    b.setAttribute(STEP_KIND, kind);
                }
                if (cluster != null) {
                    b.setAttribute(CLUSTER, cluster);
                }
                wait = b.startSpan();
                waitWhat = what;
                waitPolls = 0;
            }
            waitElapsed = elapsed;
            waitPolls++;
        }

        /** Ends the current wait: the step moved on (another wait, a retry, its end). */
        private void endWait() {
            if (wait != null) {
                wait.setAttribute(WAIT_POLLS, waitPolls);
                wait.end();
                wait = null;
                waitWhat = null;
                waitElapsed = null;
            }
        }

        synchronized void end(java.util.function.Consumer<Span> annotate) {
            if (ended) {
                return;
            }
            ended = true;
            endWait();
            span.setAttribute(ATTEMPTS, Math.max(1, attempts));
            annotate.accept(span);
            span.end();
        }
    }
}
