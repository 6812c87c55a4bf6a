package io.clustermesh.opentelemetry;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.StepReport;
import io.clustermesh.testing.MeshLab;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The span tree of a 3-cluster apply on the lab, as an exporter receives it. */
class MeshTracingLabTest {
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    @Test
    void threeClusterApplyAsSpanTree() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                .build()) {
            MeshTracing tracing = MeshTracing.create(otel);
            MeshReport report;
            try (MeshLab lab = MeshLab.builder().clusters(3).start();
                 Mesh mesh = lab.meshBuilder().listener(tracing).build()) {
                MeshPlan plan = tracing.plan(mesh::plan);
                report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
            }
            List<SpanData> spans = exporter.getFinishedSpanItems();
            System.out.println(tree(spans));

            Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
            SpanData planSpan = one(spans, "clustermesh.plan");
            assertThat(planSpan.getParentSpanId()).isEqualTo(SpanId.getInvalid());
            assertThat(planSpan.getAttributes().get(MeshTracing.OUTCOME)).isEqualTo("planned");
            assertThat(planSpan.getAttributes().get(MeshTracing.STEPS)).isEqualTo(report.steps().size());

            SpanData apply = one(spans, "clustermesh.apply");
            assertThat(apply.getParentSpanId()).isEqualTo(SpanId.getInvalid());
            assertThat(apply.getAttributes().get(MeshTracing.OUTCOME)).isEqualTo("succeeded");
            assertThat(apply.getAttributes().get(MeshTracing.OPERATION)).isEqualTo("apply");
            assertThat(apply.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);

            // one span per step of the report, each a child of apply, with cluster, kind, outcome and attempts
            List<SpanData> steps = spans.stream().filter(s -> s.getName().startsWith("clustermesh.step ")).toList();
            assertThat(steps).hasSize(report.steps().size());
            assertThat(steps).allSatisfy(s -> {
                assertThat(s.getParentSpanId()).as(s.getName()).isEqualTo(apply.getSpanId());
                assertThat(s.getTraceId()).isEqualTo(apply.getTraceId());
                assertThat(s.getName()).isEqualTo("clustermesh.step " + s.getAttributes().get(MeshTracing.STEP_KIND));
                assertThat(s.getAttributes().get(MeshTracing.ATTEMPTS)).isEqualTo(1L);
                assertThat(s.getStartEpochNanos()).isGreaterThanOrEqualTo(apply.getStartEpochNanos());
                assertThat(s.getEndEpochNanos()).isLessThanOrEqualTo(apply.getEndEpochNanos());
            });
            for (StepReport r : report.steps()) {
                SpanData s = steps.stream().filter(x -> r.id().equals(x.getAttributes().get(MeshTracing.STEP_ID))).findFirst().orElseThrow();
                assertThat(s.getAttributes().get(MeshTracing.CLUSTER)).as(r.id()).isEqualTo(r.cluster());
                assertThat(s.getAttributes().get(MeshTracing.OUTCOME)).as(r.id()).isEqualTo(r.changed() ? "changed" : "unchanged");
            }
            for (String c : CLUSTERS) {
                assertThat(steps).filteredOn(s -> c.equals(s.getAttributes().get(MeshTracing.CLUSTER)))
                        .extracting(s -> s.getAttributes().get(MeshTracing.STEP_KIND)).as(c).contains("helm-upgrade");
            }

            // waits: children of their step, inside it, for the steps that wait (the LB IP, the rollouts, the peers)
            List<SpanData> waits = spans.stream().filter(s -> s.getName().equals("clustermesh.wait")).toList();
            assertThat(waits).isNotEmpty();
            assertThat(waits).allSatisfy(w -> {
                SpanData step = byId.get(w.getParentSpanId());
                assertThat(step).as("parent of wait " + w.getAttributes()).isNotNull();
                assertThat(step.getName()).startsWith("clustermesh.step ");
                assertThat(w.getAttributes().get(MeshTracing.CLUSTER)).isEqualTo(step.getAttributes().get(MeshTracing.CLUSTER));
                assertThat(w.getAttributes().get(MeshTracing.WAIT_WHAT)).isNotBlank();
                assertThat(w.getAttributes().get(MeshTracing.WAIT_POLLS)).isPositive();
                assertThat(w.getStartEpochNanos()).isGreaterThanOrEqualTo(step.getStartEpochNanos());
                assertThat(w.getEndEpochNanos()).isLessThanOrEqualTo(step.getEndEpochNanos());
            });
            assertThat(spans).noneMatch(s -> s.getStatus().getStatusCode() == StatusCode.ERROR);
        }
    }

    static SpanData one(List<SpanData> spans, String name) {
        List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    /** The spans as a tree, children by start time, with their attributes. */
    static String tree(List<SpanData> spans) {
        StringBuilder sb = new StringBuilder("spans:\n");
        Map<String, List<SpanData>> children = spans.stream().collect(Collectors.groupingBy(SpanData::getParentSpanId));
        spans.stream().filter(s -> !s.getParentSpanContext().isValid()).sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(r -> print(r, children, 1, sb));
        return sb.toString();
    }

    private static void print(SpanData s, Map<String, List<SpanData>> children, int depth, StringBuilder sb) {
        sb.append("  ".repeat(depth)).append(s.getName()).append(" [").append((s.getEndEpochNanos() - s.getStartEpochNanos()) / 1_000_000)
                .append(" ms").append(s.getStatus().getStatusCode() == StatusCode.ERROR ? ", ERROR " + s.getStatus().getDescription() : "")
                .append("] ");
        Map<String, Object> attrs = new java.util.TreeMap<>();
        s.getAttributes().forEach((k, v) -> attrs.put(k.getKey().replace("clustermesh.", ""), v));
        sb.append(attrs).append('\n');
        s.getEvents().forEach(e -> sb.append("  ".repeat(depth + 1)).append("event ").append(e.getName()).append(' ').append(e.getAttributes()).append('\n'));
        children.getOrDefault(s.getSpanId(), List.of()).stream().sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(c -> print(c, children, depth + 1, sb));
    }
}
