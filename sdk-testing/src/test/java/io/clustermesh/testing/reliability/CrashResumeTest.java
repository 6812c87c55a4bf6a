package io.clustermesh.testing.reliability;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.event.Resuming;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.PlanStep;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.reliability.Reliability.Inventory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash and resume: for every step k of a 3-cluster apply plan, the engine is stopped right after its k-th step (the
 * thread running {@code apply} is interrupted, as a cancelled or killed run would be: the engine cancels what runs and
 * starts nothing more), every thread of that run is gone, and a new {@code Mesh} (a new process) applies again.
 *
 * <p>The crashed run uses {@code concurrency(1)}: its writing steps run one at a time, so the writes done before the
 * crash are exactly those of the first k finished steps; steps that only read or wait (LB IP, rollout, peers) are not
 * held back by the concurrency and may finish in a different order from run to run, so "step k" is counted in the
 * order the run finishes its steps, not looked up in a fixed list. The resumed run is the default parallel one. After it the mesh must be converged (status healthy), the CA that any cluster
 * held after the crash must be the one every cluster holds now, and each cluster must hold exactly the objects of an
 * uninterrupted run (no duplicate, no orphan), with a sane Helm history and no change lock left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashResumeTest {
    /** A CI job restarted after its runner died keeps its identity (a new identity must wait for the lease: ConcurrencyTest). */
    static final String HOLDER = "ci-job-42";

    private List<String> stepIds;
    private Map<String, Inventory> reference;

    /** An uninterrupted run: the plan's steps and what it leaves behind. */
    @BeforeAll
    void uninterruptedRun() {
        Order order = new Order();
        try (MeshLab lab = Reliability.lab(3).start();
             Mesh mesh = lab.meshBuilder().holderIdentity(HOLDER).concurrency(1).listener(order).build()) {
            MeshPlan plan = mesh.plan();
            MeshReport report = mesh.apply(plan);
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            stepIds = List.copyOf(order.finished);
            assertThat(stepIds).as("every step of the plan ran once").containsExactlyInAnyOrderElementsOf(
                    plan.steps().stream().map(PlanStep::id).toList());
            reference = inventories(lab);
            reference.values().forEach(Inventory::assertReleaseHistorySane);
            assertThat(reference.values()).allSatisfy(i -> assertThat(i.objects()).noneMatch(o -> o.startsWith("Lease/")));
        }
    }

    @TestFactory
    Stream<DynamicTest> interruptedAfterEveryStepThenResumed() {
        assertThat(stepIds).as("a 3-cluster plan has a handful of steps per cluster").hasSizeGreaterThanOrEqualTo(9);
        List<DynamicTest> tests = new ArrayList<>();
        for (int k = 1; k <= stepIds.size(); k++) {
            int after = k;
            tests.add(DynamicTest.dynamicTest("crash after " + k + " of " + stepIds.size() + " steps, then apply again",
                    () -> crashAfterThenResume(after)));
        }
        return tests.stream();
    }

    private void crashAfterThenResume(int k) throws Exception {
        try (MeshLab lab = Reliability.lab(3).start()) {
            // 1. the run that dies after its k-th step
            ExecutorService threads = Executors.newCachedThreadPool();
            CrashAfter crash = new CrashAfter(k, Thread.currentThread());
            MeshReport crashed;
            try (Mesh mesh = lab.meshBuilder().holderIdentity(HOLDER).concurrency(1).executor(threads).listener(crash).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.steps()).extracting(PlanStep::id).containsExactlyInAnyOrderElementsOf(stepIds);
                crashed = mesh.apply(plan);
            } finally {
                Thread.interrupted(); // the engine re-asserts the interrupt it got; this thread lives on as the "new process"
                threads.shutdownNow();
                assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).as("the crashed run's threads are gone").isTrue();
            }
            assertThat(crash.finished).as("the crashed run finished k steps of the plan, each once").hasSize(k)
                    .doesNotHaveDuplicates().isSubsetOf(stepIds);
            assertThat(crash.allFinished).as("each finished step once").doesNotHaveDuplicates().isSubsetOf(stepIds)
                    .hasSizeGreaterThanOrEqualTo(k);
            if (k < stepIds.size()) {
                assertThat(crashed.succeeded()).isFalse();
                assertThat(crashed.steps()).as("nothing ran to its end after the crash")
                        .filteredOn(s -> s.outcome() == StepOutcome.SUCCEEDED).map(StepReport::id)
                        .isSubsetOf(crash.allFinished);
            }
            // the interrupted run released its change lock: nobody holds it; unless it had finished, it left its record
            var leases = lab.cluster("cluster1").client().leases().inNamespace(Reliability.NS).list().getItems();
            int[] recorded = {-1};
            if (crashed.succeeded()) {
                assertThat(leases).as("a run that finished deletes the lease").isEmpty();
            } else {
                assertThat(leases).singleElement().satisfies(l -> {
                    assertThat(l.getSpec().getHolderIdentity()).as("released").isNull();
                    assertThat(l.getMetadata().getAnnotations()).containsEntry("clustermesh.io/ended", "interrupted")
                            .containsKey("clustermesh.io/steps")
                            .containsEntry("clustermesh.io/previous-holder", HOLDER);
                    // k steps, or more when a step running beside the k-th (a wait) finished before the interrupt reached it
                    String[] steps = l.getMetadata().getAnnotations().get("clustermesh.io/steps").split("/");
                    assertThat(steps[1]).isEqualTo(String.valueOf(stepIds.size()));
                    assertThat(Integer.parseInt(steps[0])).isBetween(k, crash.allFinished.size());
                    recorded[0] = Integer.parseInt(steps[0]);
                });
            }
            assertThat(lab.clusters().subList(1, 3)).allSatisfy(c ->
                    assertThat(c.client().leases().inNamespace(Reliability.NS).list().getItems()).as("the lease lives on the first cluster").isEmpty());
            Map<String, String> caAfterCrash = new LinkedHashMap<>();
            for (LabCluster c : lab.clusters()) {
                String fp = Reliability.caFingerprint(c);
                if (fp != null) {
                    caAfterCrash.put(c.name(), fp);
                }
            }
            assertThat(caAfterCrash.values().stream().distinct()).as("one CA even in a half-done mesh").hasSizeLessThanOrEqualTo(1);

            // 2. a new process applies again
            List<Resuming> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
            MeshListener hears = new MeshListener() {
                @Override
                public void resuming(Resuming e) {
                    announced.add(e);
                }
            };
            try (Mesh mesh = lab.meshBuilder().holderIdentity("resumer@node-2").listener(hears).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
                MeshReport resumed = mesh.apply(plan);
                assertThat(resumed.succeeded()).as(resumed.toText()).isTrue();
                Reliability.assertHealthy(mesh.status(), 3);
            }
            if (crashed.succeeded()) {
                assertThat(announced).as("nothing to resume").isEmpty();
            } else {
                assertThat(announced).as("the new run says what it resumes, once").singleElement().satisfies(r -> {
                    assertThat(r.ending()).isEqualTo(Resuming.Ending.INTERRUPTED);
                    assertThat(r.previousHolder()).isEqualTo(HOLDER);
                    // what the lease recorded: k, or more when a step beside the k-th finished before the interrupt
                    assertThat(r.stepsDone()).isEqualTo(recorded[0]).isBetween(k, crash.allFinished.size());
                    assertThat(r.stepsTotal()).isEqualTo(stepIds.size());
                    assertThat(r.operation()).isEqualTo("apply");
                });
            }

            // 3. the same CA, the objects of an uninterrupted run, a sane Helm history, no lock left
            Map<String, Inventory> now = inventories(lab);
            String ca = now.get("cluster1").ca();
            assertThat(ca).isNotNull();
            assertThat(now.values()).allSatisfy(i -> assertThat(i.ca()).as(i.cluster() + " trusts the mesh CA").isEqualTo(ca));
            caAfterCrash.forEach((cluster, fp) -> assertThat(fp).as("the CA %s held after the crash was kept", cluster).isEqualTo(ca));
            for (Inventory i : now.values()) {
                assertThat(i.objects()).as(i.cluster() + ": objects after crash and resume").isEqualTo(reference.get(i.cluster()).objects());
                i.assertReleaseHistorySane();
            }
        }
    }

    private static Map<String, Inventory> inventories(MeshLab lab) {
        Map<String, Inventory> out = new LinkedHashMap<>();
        lab.clusters().forEach(c -> out.put(c.name(), Reliability.inventory(c)));
        return out;
    }

    /** The order steps finish in. */
    private static final class Order implements MeshListener {
        final List<String> finished = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void stepFinished(StepFinished e) {
            finished.add(e.stepId());
        }
    }

    /** Interrupts the thread running {@code apply} as soon as the k-th step has finished. */
    private static final class CrashAfter implements MeshListener {
        final List<String> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Every step the run finished, also one that ran beside the k-th and ended before the interrupt reached it. */
        final List<String> allFinished = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final int k;
        private final Thread applying;
        private final AtomicInteger count = new AtomicInteger();

        CrashAfter(int k, Thread applying) {
            this.k = k;
            this.applying = Objects.requireNonNull(applying);
        }

        @Override
        public void stepFinished(StepFinished e) {
            int n = count.incrementAndGet();
            allFinished.add(e.stepId());
            if (n <= k) {
                finished.add(e.stepId());
            }
            if (n == k) {
                applying.interrupt();
            }
        }
    }
}
