package io.clustermesh.testing.reliability;

import io.clustermesh.Mesh;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The record an interrupted run leaves in its lease counts every step a listener was told of, even when that listener
 * stops the run and is still busy when the run writes its record on the way out.
 */
class LeaseRecordTest {

    @Test
    void aRunStoppedByItsListenerRecordsTheStepTheListenerHeardOf() {
        try (MeshLab lab = Reliability.lab(3).start()) {
            Thread applying = Thread.currentThread();
            AtomicBoolean stopped = new AtomicBoolean();
            MeshListener stopsAfterTheFirstStep = new MeshListener() {
                @Override
                public void stepFinished(StepFinished e) {
                    if (stopped.compareAndSet(false, true)) {
                        applying.interrupt();
                        // a slow listener (a remote metrics store, say): the run writes its record meanwhile
                        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                    }
                }
            };
            MeshReport report;
            int total;
            try (Mesh mesh = lab.meshBuilder().holderIdentity("job-7").concurrency(1).listener(stopsAfterTheFirstStep).build()) {
                MeshPlan plan = mesh.plan();
                total = plan.steps().size();
                report = mesh.apply(plan);
            } finally {
                Thread.interrupted();
            }
            assertThat(report.succeeded()).isFalse();
            var leases = lab.cluster("cluster1").client().leases().inNamespace(Reliability.NS).list().getItems();
            assertThat(leases).singleElement().satisfies(l -> {
                assertThat(l.getMetadata().getAnnotations()).containsEntry("clustermesh.io/ended", "interrupted");
                String[] steps = l.getMetadata().getAnnotations().get("clustermesh.io/steps").split("/");
                assertThat(steps[1]).isEqualTo(String.valueOf(total));
                assertThat(Integer.parseInt(steps[0])).as("the step the listener heard of is counted").isGreaterThanOrEqualTo(1);
            });
        }
    }
}
