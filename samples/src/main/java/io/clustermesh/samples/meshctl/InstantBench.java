package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.testing.instant.InstantCluster;
import io.clustermesh.testing.instant.InstantWorld;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code meshctl bench --instant}: the full plan + apply (with its verify steps) and a status of N clusters on the
 * {@linkplain InstantWorld instant world}, where every read answers at once, so that what is measured is the SDK's
 * own time, CPU and memory, and how they grow with N.
 */
final class InstantBench {
    private InstantBench() {
    }

    /** One size. */
    static Map<String, Object> run(int n, int nodes, long renderCostMs, long pollIntervalMs, Integer concurrency) {
        InstantWorld world = InstantWorld.builder().nodesPerCluster(nodes).renderCost(Duration.ofMillis(renderCostMs)).build();
        Mesh.Builder mb = Mesh.builder().name("bench").clusters(PlanTiming.spec(n))
                .cilium(CiliumOptions.defaults().withMaxConnectedClusters(n > 255 ? 511 : 255))
                .ca(CaStrategy.generate()).exposure(Exposure.azureInternalLoadBalancer())
                .clusterTransport(world).helmTransport(world)
                .timeouts(MeshTimeouts.defaults().withPollInterval(Duration.ofMillis(pollIntervalMs)));
        if (concurrency != null) {
            mb.concurrency(concurrency);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clusters", n);
        try (Mesh mesh = mb.build()) {
            BenchCommand.HeapPeak heap = BenchCommand.HeapPeak.start();
            CpuAttribution cpu = CpuAttribution.start(Thread.currentThread());
            long world0 = world.cpuNanos();
            long t0 = System.nanoTime();
            MeshPlan plan = mesh.plan();
            long planned = System.nanoTime();
            if (plan.hasErrors()) {
                cpu.close();
                heap.stop();
                throw new IllegalStateException("the benchmark's spec for " + n + " clusters has findings: " + plan.findings());
            }
            MeshReport report = mesh.apply(plan);
            long applied = System.nanoTime();
            MeshStatus status = mesh.status();
            long statusDone = System.nanoTime();
            CpuAttribution.Result used = cpu.stop();
            long worldMs = (world.cpuNanos() - world0) / 1_000_000;
            long peak = heap.stop() / (1024 * 1024);

            boolean sdkSays = report.succeeded() && status.healthy() && status.clusters().stream().allMatch(c -> c.connectedPeers().size() == n - 1);
            boolean worldSays = world.clusters().size() == n && world.clusters().stream().allMatch(c -> world.readyPeers(c.name()).size() == n - 1);
            m.put("wallMs", (applied - t0) / 1_000_000);
            m.put("planMs", (planned - t0) / 1_000_000);
            m.put("applyMs", (applied - planned) / 1_000_000);
            m.put("statusMs", (statusDone - applied) / 1_000_000);
            m.put("sdkCpuMs", Math.max(0, used.sdkCpuMs() - worldMs));
            m.put("worldCpuMs", worldMs);
            m.put("otherCpuMs", used.otherCpuMs());
            m.put("peakHeapMb", peak);
            m.put("heapAfterGcMb", heap.afterGc() / (1024 * 1024));
            m.put("threadsPeak", used.threadsPeak());
            m.put("reads", world.clusters().stream().mapToLong(InstantCluster::reads).sum());
            m.put("writes", world.clusters().stream().mapToLong(InstantCluster::writes).sum());
            m.put("helmUpgradesPerCluster", world.clusters().stream().mapToInt(InstantCluster::helmRevisions).max().orElse(0));
            m.put("steps", report.steps().size());
            world.resetCounts();
            long again0 = System.nanoTime();
            MeshReport again = mesh.apply(mesh.plan());
            long againMs = (System.nanoTime() - again0) / 1_000_000;
            m.put("reapplyWrites", world.clusters().stream().mapToLong(InstantCluster::writes).sum());
            // plan + apply again with nothing to change: what a controller's periodic reconcile costs
            m.put("reapplyMs", againMs);
            m.put("converged", sdkSays && worldSays && again.succeeded());
            if (!(sdkSays && worldSays && again.succeeded())) {
                m.put("problem", !report.succeeded() ? "apply failed: " + report.failures()
                        : !worldSays ? "the world's agents are not all connected"
                        : !sdkSays ? "status is not healthy" : "re-apply failed: " + again.failures());
            }
        }
        return m;
    }

    /**
     * The exponent {@code b} of {@code y = a * N^b} fitted by least squares on {@code log y} against {@code log N};
     * NaN with fewer than two sizes or a non-positive value.
     */
    static double growthExponent(List<Integer> sizes, List<Long> values) {
        if (sizes.size() < 2 || sizes.size() != values.size()) {
            return Double.NaN;
        }
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        int k = sizes.size();
        for (int i = 0; i < k; i++) {
            if (sizes.get(i) <= 0 || values.get(i) <= 0) {
                return Double.NaN;
            }
            double x = Math.log(sizes.get(i));
            double y = Math.log(values.get(i));
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double den = k * sxx - sx * sx;
        return den == 0 ? Double.NaN : (k * sxy - sx * sy) / den;
    }
}
