package io.clustermesh.samples.meshctl;

import io.clustermesh.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.MeshPlan;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshStatus;
import io.clustermesh.internal.Json;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code meshctl bench}: convergence of a whole mesh on a fresh embedded lab per cluster count, the writes of a
 * re-apply, and the time planning takes for large meshes. See docs/performance.md for the method.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure how fast a mesh converges on the embedded lab (per cluster count), what a re-apply writes, "
        + "and how long planning takes for large meshes. See docs/performance.md.")
final class BenchCommand implements Callable<Integer> {
    enum MeshIps { known, discovered }

    @Option(names = "--clusters", split = ",", paramLabel = "N[,N...]", description = "cluster counts, one fresh lab each (default ${DEFAULT-VALUE}; 0 = none)")
    List<Integer> clusters = new ArrayList<>(List.of(3, 16, 32, 64));

    @Option(names = "--api-latency-ms", paramLabel = "MS", description = "latency of every Kubernetes API answer (default ${DEFAULT-VALUE})")
    long apiLatencyMs = 20;

    @Option(names = "--lb-delay-ms", paramLabel = "MS", description = "from the clustermesh-apiserver Service to its LB IP (default ${DEFAULT-VALUE})")
    long lbDelayMs = 500;

    @Option(names = "--rollout-delay-ms", paramLabel = "MS", description = "from a new Deployment/DaemonSet generation to rolled out (default ${DEFAULT-VALUE})")
    long rolloutDelayMs = 0;

    @Option(names = "--mesh-ips", paramLabel = "known|discovered",
            description = "known: every cluster has a fixed mesh IP (one Helm upgrade each); discovered: LB IPs are learnt, peers added in a second pass (default ${DEFAULT-VALUE})")
    MeshIps meshIps = MeshIps.known;

    @Option(names = "--plan-sizes", split = ",", paramLabel = "N[,N...]",
            description = "cluster counts to time planning for, without a lab (default ${DEFAULT-VALUE}; 0 = none)")
    List<Integer> planSizes = new ArrayList<>(List.of(255, 511));

    @Option(names = "--nodes", paramLabel = "N", description = "nodes (agent pods) per lab cluster (default ${DEFAULT-VALUE})")
    int nodes = 3;

    @Option(names = "--concurrency", paramLabel = "N", description = "the mesh's writing-step concurrency (default: the SDK's default)")
    Integer concurrency;

    @Option(names = "--poll-interval-ms", paramLabel = "MS", description = "how often the SDK's waits look again (default: the lab's, ${DEFAULT-VALUE})")
    long pollIntervalMs = MeshLab.timeouts().pollInterval().toMillis();

    @Option(names = "--no-warmup", description = "skip the unreported 2-cluster run that warms the JVM (class loading, JIT, Helm's native library) before the measured runs")
    boolean noWarmup;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json: one JSON document on stdout, progress on stderr")
    CommonOptions.Output output = CommonOptions.Output.text;

    @Option(names = {"-v", "--verbose"}, description = "every step as it starts and ends")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Meshctl root = (Meshctl) spec.root().userObject();
        PrintStream out = root.out;
        boolean json = output == CommonOptions.Output.json;
        PrintStream progress = json ? root.err : out;
        checkOptions();
        boolean ok = true;
        List<Map<String, Object>> planTimings = new ArrayList<>();
        for (int n : planSizes) {
            if (n == 0) {
                continue;
            }
            progress.println("timing plan for " + n + " clusters (in memory, no lab) ...");
            PlanTiming.Result r = PlanTiming.time(n, 3);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clusters", r.clusters());
            m.put("planMs", r.planMs());
            planTimings.add(m);
            progress.println("  plan(" + n + " clusters): " + r.planMs() + " ms (process CPU " + r.cpuMs() + " ms), " + r.steps() + " steps");
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        if (!noWarmup && clusters.stream().anyMatch(n -> n > 0)) {
            progress.println("warming up: one 2-cluster lab, not reported ...");
            run(2, progress);
        }
        for (int n : clusters) {
            if (n == 0) {
                continue;
            }
            progress.println("lab with " + n + " clusters: api latency " + apiLatencyMs + " ms, LB delay " + lbDelayMs + " ms, rollout delay "
                    + rolloutDelayMs + " ms, mesh IPs " + meshIps + " ...");
            Run r = run(n, progress);
            ok &= r.converged;
            runs.add(r.toMap());
            progress.println("  " + r.summary());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("runs", runs);
        doc.put("planTimings", planTimings);
        doc.put("machine", machine());
        if (json) {
            out.println(Json.write(doc));
        } else {
            printTable(out, runs, planTimings);
        }
        return ok ? Meshctl.OK : Meshctl.FAILED;
    }

    /** Every option value in range, all problems at once (exit code 2), before any lab starts. */
    private void checkOptions() {
        OptionChecks checks = new OptionChecks();
        for (int n : clusters) {
            if (n < 0 || n > 255) {
                checks.add("--clusters", n + " is out of range: cluster counts are within 1..255 (the lab's address plan; 0 = none)",
                        "give counts within 1..255, e.g. --clusters 3,16");
            }
        }
        for (int n : planSizes) {
            if (n < 0 || n > 511) {
                checks.add("--plan-sizes", n + " is out of range: cluster counts are within 1..511 (0 = none)",
                        "give counts within 1..511, e.g. --plan-sizes 255,511");
            }
        }
        checks.range("--api-latency-ms", apiLatencyMs, 0, 60_000, "give a latency in milliseconds within 0..60000");
        checks.range("--lb-delay-ms", lbDelayMs, 0, 600_000, "give a delay in milliseconds within 0..600000");
        checks.range("--rollout-delay-ms", rolloutDelayMs, 0, 600_000, "give a delay in milliseconds within 0..600000");
        checks.range("--nodes", nodes, 1, 200, "give a node count within 1..200 (the lab's limit)");
        checks.range("--poll-interval-ms", pollIntervalMs, 1, 60_000, "give an interval in milliseconds within 1..60000");
        if (concurrency != null) {
            checks.range("--concurrency", concurrency, 1, 1024, "give a concurrency within 1..1024, or leave it out for the SDK's default");
        }
        checks.throwIfAny();
    }

    /** One cluster count on a fresh lab. */
    private final class Run {
        int clusters;
        long wallMs;
        long lowerBoundMs;
        int helmUpgradesPerCluster;
        long k8sReads;
        long k8sWrites;
        long armCalls;
        long reapplyWrites;
        long peakHeapMb;
        long cpuMs;
        boolean converged;
        String problem = "";
        /** When each kind of step last finished, from the start of the run (text output only). */
        String phases = "";

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clusters", clusters);
            m.put("wallMs", wallMs);
            m.put("lowerBoundMs", lowerBoundMs);
            m.put("helmUpgradesPerCluster", helmUpgradesPerCluster);
            m.put("k8sReads", k8sReads);
            m.put("k8sWrites", k8sWrites);
            m.put("armCalls", armCalls);
            m.put("reapplyWrites", reapplyWrites);
            m.put("peakHeapMb", peakHeapMb);
            m.put("cpuMs", cpuMs);
            return m;
        }

        String summary() {
            return (converged ? "converged" : "NOT CONVERGED (" + problem + ")") + " in " + wallMs + " ms (lower bound " + lowerBoundMs
                    + " ms, x" + String.format(Locale.ROOT, "%.2f", lowerBoundMs == 0 ? 0.0 : (double) wallMs / lowerBoundMs) + "), "
                    + helmUpgradesPerCluster + " Helm upgrade(s) per cluster, " + k8sReads + " reads, " + k8sWrites + " writes, re-apply "
                    + reapplyWrites + " writes, peak heap " + peakHeapMb + " MB, CPU " + cpuMs + " ms" + (phases.isEmpty() ? "" : "\n    last finished: " + phases);
        }
    }

    private Run run(int n, PrintStream progress) {
        Run r = new Run();
        r.clusters = n;
        MeshLab.Builder b = MeshLab.builder().name("bench").clusters(n).nodesPerCluster(nodes)
                .apiLatency(Duration.ofMillis(apiLatencyMs)).lbDelay(Duration.ofMillis(lbDelayMs)).rolloutDelay(Duration.ofMillis(rolloutDelayMs));
        try (MeshLab lab = b.start()) {
            MeshSpec labSpec = lab.spec();
            MeshSpec meshSpec = meshIps == MeshIps.known ? labSpec
                    : labSpec.withClusters(labSpec.clusters().stream().map(c -> c.meshIp(null)).toList());
            Mesh.Builder mb = lab.meshBuilder().spec(meshSpec)
                    // the SDK's own deadlines (not the lab's short test ones): a large mesh on a small machine is slow, not broken
                    .timeouts(MeshTimeouts.defaults().withPollInterval(Duration.ofMillis(pollIntervalMs)));
            if (verbose) {
                mb.listener(new ConsoleProgress(progress, false, true));
            }
            if (concurrency != null) {
                mb.concurrency(concurrency);
            }
            try (Mesh mesh = mb.build()) {
                lab.clusters().forEach(LabCluster::resetCounts);
                HeapPeak heap = HeapPeak.start();
                long cpu0 = processCpuNanos();
                // the simulated agents' own view, read in memory: when the lab itself had every agent connected
                AtomicLong labConnectedAt = new AtomicLong(-1);
                java.util.concurrent.ScheduledExecutorService watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(x -> {
                    Thread t = new Thread(x, "bench-lab-watch");
                    t.setDaemon(true);
                    return t;
                });
                long t0 = System.nanoTime();
                watch.scheduleWithFixedDelay(() -> {
                    if (labConnectedAt.get() < 0 && lab.clusters().stream().allMatch(c -> lab.cilium(c.name()).remoteClusters().stream()
                            .filter(io.clustermesh.testing.sim.RemoteClusterState::ready).count() == n - 1)) {
                        labConnectedAt.set((System.nanoTime() - t0) / 1_000_000);
                    }
                }, 10, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
                java.time.Instant start = java.time.Instant.now();
                MeshPlan plan = mesh.plan();
                long planned = (System.nanoTime() - t0) / 1_000_000;
                MeshReport report = plan.hasErrors() ? null : mesh.apply(plan);
                r.wallMs = (System.nanoTime() - t0) / 1_000_000;
                r.cpuMs = (processCpuNanos() - cpu0) / 1_000_000;
                r.peakHeapMb = heap.stop() / (1024 * 1024);
                for (LabCluster c : lab.clusters()) {
                    r.k8sReads += c.counts().reads();
                    r.k8sWrites += c.counts().writes();
                }
                r.armCalls = 0; // the bench's spec has no azure section: nothing is discovered from ARM
                if (plan.hasErrors()) {
                    r.problem = "plan has findings: " + plan.findings();
                    return r;
                }
                watch.shutdownNow();
                r.phases = phases(planned, start, report) + "; the lab's agents were all connected at " + labConnectedAt.get() + " ms";
                r.lowerBoundMs = CriticalPath.lowerBoundMs(plan, new CriticalPath.LabTiming(apiLatencyMs, lbDelayMs, rolloutDelayMs));
                r.helmUpgradesPerCluster = lab.clusters().stream().mapToInt(BenchCommand::helmRevisions).max().orElse(0);
                MeshStatus status = mesh.status();
                boolean allPeers = status.clusters().stream().allMatch(c -> c.connectedPeers().size() == n - 1);
                r.converged = report.succeeded() && status.healthy() && allPeers;
                if (!r.converged) {
                    r.problem = !report.succeeded() ? "apply failed: " + report.failures()
                            : "status: " + status.clusters().stream().filter(c -> !c.healthy()).map(ClusterStatus::name).toList();
                }
                lab.clusters().forEach(LabCluster::resetCounts);
                MeshReport again = mesh.apply(mesh.plan());
                r.reapplyWrites = lab.clusters().stream().mapToLong(c -> c.counts().writes()).sum();
                if (!again.succeeded()) {
                    r.converged = false;
                    r.problem = "re-apply failed: " + again.failures();
                }
            }
        }
        return r;
    }

    /** "plan 120 ms, local-cert 300 ms, helm-upgrade 900 ms, ...": when the last step of each kind ended. */
    private static String phases(long plannedMs, java.time.Instant start, MeshReport report) {
        Map<String, Long> last = new LinkedHashMap<>();
        for (var s : report.steps()) {
            if (s.finishedAt() != null) {
                last.merge(s.kind(), Duration.between(start, s.finishedAt()).toMillis(), Math::max);
            }
        }
        StringBuilder sb = new StringBuilder("plan " + plannedMs + " ms");
        last.forEach((k, v) -> sb.append(", ").append(k).append(' ').append(v).append(" ms"));
        return sb.toString();
    }

    /** Helm revisions stored in the cluster (install = 1): what Helm itself records, not what the report says. */
    static int helmRevisions(LabCluster c) {
        return c.client().secrets().inNamespace("kube-system").withLabel("owner", "helm").withLabel("name", "cilium").list().getItems().size();
    }

    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * The peak of the heap in use: used heap only grows between collections, so its peak is the largest "before"
     * figure of the collections seen (GC notifications) or the figure at the end.
     */
    static final class HeapPeak implements javax.management.NotificationListener {
        private final AtomicLong peak = new AtomicLong();
        private final List<NotificationEmitter> emitters = new ArrayList<>();

        static HeapPeak start() {
            System.gc();
            HeapPeak p = new HeapPeak();
            p.peak.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) {
                    e.addNotificationListener(p, null, null);
                    p.emitters.add(e);
                }
            }
            return p;
        }

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                return;
            }
            var info = com.sun.management.GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long before = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                if (isHeap(e.getKey())) {
                    before += e.getValue().getUsed();
                }
            }
            peak.accumulateAndGet(before, Math::max);
        }

        private static boolean isHeap(String pool) {
            return ManagementFactory.getMemoryPoolMXBeans().stream()
                    .anyMatch(p -> p.getName().equals(pool) && p.getType() == java.lang.management.MemoryType.HEAP);
        }

        long stop() {
            peak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
            for (NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(this);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already gone
                }
            }
            return peak.get();
        }
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return m;
    }

    private void printTable(PrintStream out, List<Map<String, Object>> runs, List<Map<String, Object>> planTimings) {
        out.println();
        out.printf(Locale.ROOT, "%8s %8s %8s %6s %8s %8s %8s %5s %8s %8s %8s%n", "clusters", "wallMs", "boundMs", "ratio", "upgr/cl",
                "reads", "writes", "arm", "reapplyW", "heapMb", "cpuMs");
        Long t3 = null;
        for (Map<String, Object> r : runs) {
            long wall = (Long) r.get("wallMs");
            long bound = (Long) r.get("lowerBoundMs");
            out.printf(Locale.ROOT, "%8d %8d %8d %6.2f %8d %8d %8d %5d %8d %8d %8d%n", r.get("clusters"), wall, bound,
                    bound == 0 ? 0.0 : (double) wall / bound, r.get("helmUpgradesPerCluster"), r.get("k8sReads"), r.get("k8sWrites"),
                    r.get("armCalls"), r.get("reapplyWrites"), r.get("peakHeapMb"), r.get("cpuMs"));
            if (t3 == null) {
                t3 = wall;
            }
        }
        if (runs.size() > 1 && t3 != null && t3 > 0) {
            Map<String, Object> last = runs.get(runs.size() - 1);
            out.printf(Locale.ROOT, "T(%d)/T(%d) = %.2f%n", last.get("clusters"), runs.get(0).get("clusters"), (Long) last.get("wallMs") / (double) t3);
        }
        out.println("armCalls: 0 - the bench's mesh has no azure section, so nothing is discovered from Azure Resource Manager");
        for (Map<String, Object> p : planTimings) {
            out.println("plan for " + p.get("clusters") + " clusters (in memory, no lab): " + p.get("planMs") + " ms");
        }
        out.println("machine: " + machine());
    }
}
