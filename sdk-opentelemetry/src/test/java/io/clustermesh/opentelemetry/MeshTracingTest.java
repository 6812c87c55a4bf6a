package io.clustermesh.opentelemetry;

import io.clustermesh.ErrorCode;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Failures, retries, waits and parallel steps, fed with the events the engine sends. */
class MeshTracingTest {
    private static final Instant T0 = Instant.parse("2026-08-01T10:00:00Z");
    private InMemorySpanExporter exporter;
    private OpenTelemetrySdk otel;
    private MeshTracing tracing;

    @BeforeEach
    void setUp() {
        exporter = InMemorySpanExporter.create();
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
        tracing = MeshTracing.create(otel);
    }

    @AfterEach
    void tearDown() {
        otel.close();
    }

    @Test
    void aFailedStepAfterRetriesIsAnErrorSpanWithItsRetriesAndWaits() {
        Span outer = otel.getTracer("app").spanBuilder("deploy").startSpan();
        try (Scope ignored = outer.makeCurrent()) {
            tracing.planStarted(new PlanStarted("m", "apply", 2, T0));
        }
        outer.end();
        tracing.stepStarted(new StepStarted("cluster1", "cluster1/wait-lb-ip", "wait-lb-ip", "wait", 1, T0));
        tracing.waiting(new Waiting("cluster1", "cluster1/wait-lb-ip", "the LB IP", Duration.ofMillis(50), Duration.ofSeconds(30), -1));
        tracing.waiting(new Waiting("cluster1", "cluster1/wait-lb-ip", "the LB IP", Duration.ofMillis(100), Duration.ofSeconds(30), -1));
        tracing.retryScheduled(new RetryScheduled("cluster1", "cluster1/wait-lb-ip", "wait-lb-ip", 1, Duration.ofMillis(200),
                "cluster1: the API server answered 503"));
        tracing.stepStarted(new StepStarted("cluster1", "cluster1/wait-lb-ip", "wait-lb-ip", "wait", 2, T0));
        tracing.waiting(new Waiting("cluster1", "cluster1/wait-lb-ip", "the LB IP", Duration.ofMillis(50), Duration.ofSeconds(30), -1));
        tracing.waiting(new Waiting("cluster1", "cluster1/wait-lb-ip", "the Service's endpoints", Duration.ofMillis(60), Duration.ofSeconds(30), 0.5));
        tracing.stepFailed(new StepFailed("cluster1", "cluster1/wait-lb-ip", "wait-lb-ip", ErrorCode.TIMEOUT,
                "cluster1: timed out after 30 s waiting for the LB IP", "check the cloud's load balancer", 2, Duration.ofSeconds(30)));
        // a late event of the step (its thread had not seen the deadline yet) makes no span
        tracing.waiting(new Waiting("cluster1", "cluster1/wait-lb-ip", "the LB IP", Duration.ofMillis(70), Duration.ofSeconds(30), -1));
        tracing.planFinished(new PlanFinished("m", "apply", false, Set.of("cluster1"), Duration.ofSeconds(31)));

        List<SpanData> spans = exporter.getFinishedSpanItems();
        System.out.println(MeshTracingLabTest.tree(spans));
        SpanData apply = MeshTracingLabTest.one(spans, "clustermesh.apply");
        SpanData deploy = MeshTracingLabTest.one(spans, "deploy");
        assertThat(apply.getParentSpanId()).as("apply continues the caller's trace").isEqualTo(deploy.getSpanId());
        assertThat(apply.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(apply.getStatus().getDescription()).isEqualTo("apply of mesh m failed for cluster1");
        assertThat(apply.getAttributes().get(MeshTracing.FAILED_CLUSTERS)).containsExactly("cluster1");

        SpanData step = MeshTracingLabTest.one(spans, "clustermesh.step wait-lb-ip");
        assertThat(step.getParentSpanId()).isEqualTo(apply.getSpanId());
        assertThat(step.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(step.getStatus().getDescription()).isEqualTo("cluster1: timed out after 30 s waiting for the LB IP");
        assertThat(step.getAttributes().get(MeshTracing.OUTCOME)).isEqualTo("failed");
        assertThat(step.getAttributes().get(MeshTracing.ATTEMPTS)).isEqualTo(2);
        assertThat(step.getAttributes().get(MeshTracing.ERROR_CODE)).isEqualTo("TIMEOUT");
        assertThat(step.getEvents()).singleElement().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("clustermesh.retry");
            assertThat(e.getAttributes().get(MeshTracing.ATTEMPT)).isEqualTo(1);
            assertThat(e.getAttributes().get(MeshTracing.RETRY_DELAY_MS)).isEqualTo(200);
        });

        // three waits: the first attempt's, the second attempt's, then another thing awaited
        List<SpanData> waits = spans.stream().filter(s -> s.getName().equals("clustermesh.wait"))
                .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
        assertThat(waits).extracting(w -> w.getAttributes().get(MeshTracing.WAIT_WHAT))
                .containsExactly("the LB IP", "the LB IP", "the Service's endpoints");
        assertThat(waits).extracting(w -> w.getAttributes().get(MeshTracing.WAIT_POLLS)).containsExactly(2L, 1L, 1L);
        assertThat(waits).allSatisfy(w -> assertThat(w.getParentSpanId()).isEqualTo(step.getSpanId()));
        assertThat(spans).hasSize(6);
    }

    @Test
    void stepsOfParallelClustersFromManyThreadsAllEndUnderTheRun() throws Exception {
        tracing.planStarted(new PlanStarted("m", "apply", 40, T0));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int c = 1; c <= 8; c++) {
                String cluster = "cluster" + c;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (String kind : List.of("helm-upgrade", "wait-lb-ip", "wait-rollout", "verify-peers", "local-cert")) {
                        String id = cluster + "/" + kind;
                        tracing.stepStarted(new StepStarted(cluster, id, kind, kind, 1, T0));
                        for (int i = 0; i < 20; i++) {
                            tracing.waiting(new Waiting(cluster, id, "x", Duration.ofMillis(i), Duration.ofSeconds(1), -1));
                        }
                        tracing.stepFinished(new StepFinished(cluster, id, kind, kind.startsWith("helm"), "", Duration.ZERO));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        tracing.planFinished(new PlanFinished("m", "apply", true, Set.of(), Duration.ofSeconds(1)));

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData apply = MeshTracingLabTest.one(spans, "clustermesh.apply");
        List<SpanData> steps = spans.stream().filter(s -> s.getName().startsWith("clustermesh.step ")).toList();
        assertThat(steps).hasSize(40).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(apply.getSpanId()));
        assertThat(spans.stream().filter(s -> s.getName().equals("clustermesh.wait"))).hasSize(40)
                .allSatisfy(w -> assertThat(w.getAttributes().get(MeshTracing.WAIT_POLLS)).isEqualTo(20));
        assertThat(steps).filteredOn(s -> "changed".equals(s.getAttributes().get(MeshTracing.OUTCOME))).hasSize(8);
    }

    @Test
    void eventsOutOfOrderOrIncompleteNeitherThrowNorLeakSpans() {
        // no run: a step is a root span; a Waiting without a step (services().awaitRoutes) makes no span
        tracing.waiting(new Waiting("cluster1,cluster2", null, "agents to use the backends", Duration.ZERO, Duration.ofSeconds(5), 0.5));
        tracing.stepFinished(new StepFinished("cluster1", "never-started", "x", false, "", Duration.ZERO));
        tracing.planFinished(new PlanFinished("m", "apply", true, Set.of(), Duration.ZERO));
        tracing.stepFailed(new StepFailed(null, "mesh/ca", "ca", null, null, null, 0, null));
        tracing.retryScheduled(new RetryScheduled(null, null, null, 0, null, null));
        tracing.stepStarted(new StepStarted(null, null, null, null, 0, null));
        // a run whose step never reported its end: the run ends it
        tracing.planStarted(new PlanStarted("m", "disable", 1, T0));
        tracing.stepStarted(new StepStarted("cluster1", "cluster1/helm-upgrade", "helm-upgrade", "d", 1, T0));
        tracing.planFinished(new PlanFinished("m", "disable", true, Set.of(), Duration.ZERO));

        List<SpanData> spans = exporter.getFinishedSpanItems();
        System.out.println(MeshTracingLabTest.tree(spans));
        assertThat(spans).extracting(SpanData::getName)
                .containsExactlyInAnyOrder("clustermesh.step ca", "clustermesh.step helm-upgrade", "clustermesh.disable");
        SpanData ca = MeshTracingLabTest.one(spans, "clustermesh.step ca");
        assertThat(ca.getParentSpanContext().isValid()).isFalse();
        assertThat(ca.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        SpanData orphan = MeshTracingLabTest.one(spans, "clustermesh.step helm-upgrade");
        assertThat(orphan.getStatus().getDescription()).isEqualTo("the run ended before the step reported its end");
        assertThat(orphan.getParentSpanId()).isEqualTo(MeshTracingLabTest.one(spans, "clustermesh.disable").getSpanId());
    }
}
