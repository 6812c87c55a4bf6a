package io.clustermesh.samples.meshctl;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.internal.Json;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.SimulatedCilium;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code meshctl bench}: convergence of a whole mesh on a fresh embedded lab per cluster count, the writes of a
 * re-apply, whose CPU it was (the SDK's, the lab's), and the time planning takes for large meshes; with
 * {@code --instant}, the SDK alone on in-memory clusters ({@link InstantBench}); with {@code --compare-cli}, the Cilium
 * CLI's manual sequence and the SDK's single pass on the same lab ({@link CliWorkflow}). See docs/performance.md.
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

    @Option(names = "--wait-minutes", paramLabel = "MIN",
            description = "lab runs (and the SDK pass of --compare-cli): the deadline of each of the SDK's waits (load balancer address, rollout, peers connected; a step at least as long) instead of the SDK's defaults (5, 10 and 5 minutes; 15 per step): for meshes of hundreds of clusters on a small machine")
    Integer waitMinutes;

    /** What plays each lab cluster's clustermesh-apiserver store (see {@link SimulatedCilium.Store}). */
    enum ApiserverStore {
        etcd(SimulatedCilium.Store.ETCD), memory(SimulatedCilium.Store.IN_MEMORY);

        final SimulatedCilium.Store store;

        ApiserverStore(SimulatedCilium.Store store) {
            this.store = store;
        }
    }

    @Option(names = "--apiserver-store", paramLabel = "STORE",
            description = "lab runs: etcd (default: a real etcd process with mutual TLS per cluster) or memory (the large-mesh lab mode: each clustermesh-apiserver's store in the lab's memory, the agents' connections judged by etcd's mutual-TLS rules without a handshake; for hundreds of clusters on a small machine)")
    ApiserverStore apiserverStore = ApiserverStore.etcd;

    @Option(names = "--instant", description = "run plan + apply + status on in-memory clusters (every read answers at once): the SDK's own time, CPU and memory for up to 511 clusters, and their growth exponent")
    boolean instant;

    @Option(names = "--render-cost-ms", paramLabel = "MS", description = "with --instant: how long each Helm install or upgrade takes (default ${DEFAULT-VALUE}: recorded without rendering)")
    long renderCostMs = 0;

    @Option(names = "--compare-cli", description = "per cluster count, the Cilium CLI's manual sequence (install, clustermesh enable, connect --parallel 1, each upgrade waiting for its rollout) and then the SDK's single pass, each on a fresh lab with the same delays: both wall times and their ratio")
    boolean compareCli;

    @Option(names = "--no-warmup", description = "skip the unreported 2-cluster run that warms the JVM (class loading, JIT, Helm's native library) before the measured runs; with --instant, also the first run of each size (firstRunWallMs), so that each size runs once")
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
        if (instant) {
            return instant(out, progress, json);
        }
        int largest = clusters.stream().mapToInt(Integer::intValue).max().orElse(0);
        maxOpenFiles().flatMap(max -> openFilesWarning(largest, max, System.getProperty(KEEPALIVE_PROPERTY))).ifPresent(progress::println);
        if (compareCli) {
            return compareCli(out, progress, json);
        }
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
                    + rolloutDelayMs + " ms, mesh IPs " + meshIps + ", clustermesh-apiserver store " + apiserverStore + " ...");
            Run r = run(n, progress);
            ok &= r.converged;
            runs.add(r.toMap());
            progress.println("  " + r.summary());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mode", "lab");
        doc.put("waitMinutes", waitMinutes);
        doc.put("apiserverStore", apiserverStore.name());
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

    /** {@code --instant}: one fresh instant world per cluster count, the growth exponents over the counts. */
    private Integer instant(PrintStream out, PrintStream progress, boolean json) {
        List<Integer> sizes = clusters.stream().filter(n -> n > 0).toList();
        if (!noWarmup && !sizes.isEmpty()) {
            progress.println("warming up: one 8-cluster instant world, not reported ...");
            InstantBench.run(8, nodes, renderCostMs, pollIntervalMs, concurrency);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        boolean ok = true;
        for (int n : sizes) {
            Map<String, Object> first = noWarmup ? null : warmUpRun(n, progress);
            if (first != null) {
                // the JVM's first run of a size compiles the code paths that only grow hot at that size (JIT) and grows the
                // heap: it is reported apart (firstRunWallMs), and the measured run is the second, as in a long-lived
                // service that applies again and again
                ok &= Boolean.TRUE.equals(first.get("converged"));
            }
            progress.println("instant world with " + n + " clusters, " + nodes + " nodes each, render cost " + renderCostMs + " ms ...");
            Map<String, Object> measured = InstantBench.run(n, nodes, renderCostMs, pollIntervalMs, concurrency);
            Map<String, Object> r = new LinkedHashMap<>();
            measured.forEach((k, v) -> {
                r.put(k, v);
                if (k.equals("wallMs")) {
                    r.put("firstRunWallMs", first == null ? v : first.get("wallMs"));
                }
            });
            ok &= Boolean.TRUE.equals(r.get("converged"));
            runs.add(r);
            progress.println("  " + r);
        }
        Map<String, Object> growth = new LinkedHashMap<>();
        for (String k : List.of("wallMs", "sdkCpuMs", "peakHeapMb", "heapAfterGcMb", "writes", "reads")) {
            double b = InstantBench.growthExponent(sizes, runs.stream().map(r -> ((Number) r.get(k)).longValue()).toList());
            growth.put(k, Double.isNaN(b) ? null : Math.round(b * 100) / 100.0);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mode", "instant");
        doc.put("renderCostMs", renderCostMs);
        doc.put("nodesPerCluster", nodes);
        doc.put("runs", runs);
        doc.put("growthExponent", growth);
        doc.put("machine", machine());
        if (json) {
            out.println(Json.write(doc));
        } else {
            out.println();
            out.printf(Locale.ROOT, "%8s %8s %8s %8s %8s %8s %9s %8s %8s %8s %8s %8s %8s %8s%n", "clusters", "wallMs", "firstMs", "planMs", "applyMs", "statusMs",
                    "sdkCpuMs", "worldCpu", "heapMb", "afterGc", "threads", "writes", "upgr/cl", "reapplyW");
            for (Map<String, Object> r : runs) {
                out.printf(Locale.ROOT, "%8d %8d %8d %8d %8d %8d %9d %8d %8d %8d %8d %8d %8d %8d%n", r.get("clusters"), r.get("wallMs"), r.get("firstRunWallMs"), r.get("planMs"),
                        r.get("applyMs"), r.get("statusMs"), r.get("sdkCpuMs"), r.get("worldCpuMs"), r.get("peakHeapMb"), r.get("heapAfterGcMb"), r.get("threadsPeak"),
                        r.get("writes"), r.get("helmUpgradesPerCluster"), r.get("reapplyWrites"));
            }
            out.println("growth exponent (y ~ N^b, log-log least squares over " + sizes + "): " + growth);
            out.println("machine: " + machine());
        }
        return ok ? Meshctl.OK : Meshctl.FAILED;
    }

    private Map<String, Object> warmUpRun(int n, PrintStream progress) {
        progress.println("instant world with " + n + " clusters: first run (warm-up, reported as firstRunWallMs) ...");
        return InstantBench.run(n, nodes, renderCostMs, pollIntervalMs, concurrency);
    }

    /** {@code --compare-cli}: per cluster count, the CLI's sequence on a fresh lab, then the SDK's pass on another. */
    private Integer compareCli(PrintStream out, PrintStream progress, boolean json) {
        List<Integer> sizes = clusters.stream().filter(n -> n > 0).toList();
        if (!noWarmup && !sizes.isEmpty()) {
            progress.println("warming up: one 2-cluster lab, not reported ...");
            run(2, progress);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        boolean ok = true;
        for (int n : sizes) {
            progress.println(n + " clusters, the Cilium CLI's sequence: api latency " + apiLatencyMs + " ms, LB delay " + lbDelayMs
                    + " ms, rollout delay " + rolloutDelayMs + " ms ...");
            CliWorkflow.Result cli;
            try (MeshLab lab = labBuilder(n).start()) {
                cli = CliWorkflow.run(lab, pollIntervalMs, progress, verbose);
            }
            progress.println("  CLI: " + (cli.converged() ? "converged" : "NOT CONVERGED (" + cli.problem() + ")") + " in " + cli.wallMs() + " ms, "
                    + cli.helmUpgrades() + " Helm installs/upgrades, " + cli.rolloutWaits() + " rollout waits");
            progress.println(n + " clusters, the SDK's single pass on a fresh lab ...");
            Run sdk = run(n, progress);
            progress.println("  SDK: " + sdk.summary());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clusters", n);
            m.put("rolloutDelayMs", rolloutDelayMs);
            m.put("cliWallMs", cli.wallMs());
            m.put("sdkWallMs", sdk.wallMs);
            m.put("ratio", sdk.wallMs == 0 ? null : Math.round(100.0 * cli.wallMs() / sdk.wallMs) / 100.0);
            m.put("cliHelmUpgrades", cli.helmUpgrades());
            m.put("cliHelmRevisionsPerClusterMax", cli.maxRevisionsPerCluster());
            m.put("cliRolloutWaits", cli.rolloutWaits());
            m.put("sdkHelmUpgradesPerCluster", sdk.helmUpgradesPerCluster);
            m.put("sdkReapplyWrites", sdk.reapplyWrites);
            m.put("sdkCpuMs", sdk.sdkCpuMs);
            m.put("cliConverged", cli.converged());
            m.put("sdkConverged", sdk.converged);
            if (!cli.converged() || !sdk.converged) {
                m.put("problem", (cli.converged() ? "" : "CLI: " + cli.problem() + " ") + (sdk.converged ? "" : "SDK: " + sdk.problem));
            }
            ok &= cli.converged() && sdk.converged;
            runs.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mode", "compare-cli");
        doc.put("apiLatencyMs", apiLatencyMs);
        doc.put("lbDelayMs", lbDelayMs);
        doc.put("rolloutDelayMs", rolloutDelayMs);
        doc.put("apiserverStore", apiserverStore.name());
        doc.put("runs", runs);
        doc.put("machine", machine());
        if (json) {
            out.println(Json.write(doc));
        } else {
            out.println();
            out.printf(Locale.ROOT, "%8s %10s %10s %7s %9s %9s %9s %9s%n", "clusters", "cliWallMs", "sdkWallMs", "ratio", "cliUpgr", "cliWaits",
                    "sdkUpg/cl", "reapplyW");
            for (Map<String, Object> r : runs) {
                out.printf(Locale.ROOT, "%8d %10d %10d %7s %9d %9d %9d %9d%n", r.get("clusters"), r.get("cliWallMs"), r.get("sdkWallMs"), r.get("ratio"),
                        r.get("cliHelmUpgrades"), r.get("cliRolloutWaits"), r.get("sdkHelmUpgradesPerCluster"), r.get("sdkReapplyWrites"));
            }
            out.println("machine: " + machine());
        }
        return ok ? Meshctl.OK : Meshctl.FAILED;
    }

    private MeshLab.Builder labBuilder(int n) {
        return MeshLab.builder().name("bench").clusters(n).nodesPerCluster(nodes).helm(MeshLab.Helm.REAL)
                .apiLatency(Duration.ofMillis(apiLatencyMs)).lbDelay(Duration.ofMillis(lbDelayMs)).rolloutDelay(Duration.ofMillis(rolloutDelayMs))
                .apiserverStore(apiserverStore.store);
    }

    /** The SDK's own deadlines (not the lab's short test ones), each wait's replaced by {@code --wait-minutes} when given. */
    MeshTimeouts timeouts() {
        MeshTimeouts t = MeshTimeouts.defaults().withPollInterval(Duration.ofMillis(pollIntervalMs));
        if (waitMinutes == null) {
            return t;
        }
        Duration wait = Duration.ofMinutes(waitMinutes);
        return t.withLoadBalancerIp(wait).withRollout(wait).withConnection(wait).withStep(wait.compareTo(t.step()) > 0 ? wait : t.step());
    }

    /** Every option value in range, all problems at once (exit code 2), before any lab starts. */
    private void checkOptions() {
        OptionChecks checks = new OptionChecks();
        int max = instant ? 511 : 255;
        for (int n : clusters) {
            if (n < 0 || n > max) {
                checks.add("--clusters", n + " is out of range: cluster counts are within 1.." + max
                                + (instant ? " (the instant world; 0 = none)" : " (the lab's address plan; 0 = none)"),
                        "give counts within 1.." + max + ", e.g. --clusters " + (instant ? "64,255,511" : "3,16"));
            }
        }
        if (instant && compareCli) {
            checks.add("--instant", "--instant and --compare-cli are two different benchmarks", "give one of them per run");
        }
        checks.range("--render-cost-ms", renderCostMs, 0, 60_000, "give a cost in milliseconds within 0..60000");
        if (renderCostMs > 0 && !instant) {
            checks.add("--render-cost-ms", "applies to the instant world only: the lab renders its chart with Helm", "add --instant, or leave it out");
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
        if (waitMinutes != null) {
            checks.range("--wait-minutes", waitMinutes, 1, 24 * 60, "give a deadline in minutes within 1..1440, or leave it out for the SDK's defaults");
            if (instant) {
                checks.add("--wait-minutes", "applies to the lab modes only: the instant world answers at once", "leave it out with --instant");
            }
        }
        if (instant && apiserverStore != ApiserverStore.etcd) {
            checks.add("--apiserver-store", "applies to the lab modes only: the instant world has no clustermesh-apiserver store", "leave it out with --instant");
        }
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
        long sdkCpuMs;
        long labCpuMs;
        long etcdCpuMs;
        long otherCpuMs;
        long helmRenderMs;
        int threadsPeak;
        long detectionLagMs = -1;
        long peerDetectionLagMs = -1;
        String topThreads = "";
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
            m.put("sdkCpuMs", sdkCpuMs);
            m.put("labCpuMs", labCpuMs);
            m.put("etcdCpuMs", etcdCpuMs);
            m.put("otherCpuMs", otherCpuMs);
            m.put("helmRenderMs", helmRenderMs);
            m.put("threadsPeak", threadsPeak);
            m.put("detectionLagMs", detectionLagMs);
            m.put("peerDetectionLagMs", peerDetectionLagMs);
            m.put("converged", converged);
            return m;
        }

        String summary() {
            return (converged ? "converged" : "NOT CONVERGED (" + problem + ")") + " in " + wallMs + " ms (lower bound " + lowerBoundMs
                    + " ms, x" + String.format(Locale.ROOT, "%.2f", lowerBoundMs == 0 ? 0.0 : (double) wallMs / lowerBoundMs) + "), "
                    + helmUpgradesPerCluster + " Helm upgrade(s) per cluster, " + k8sReads + " reads, " + k8sWrites + " writes, re-apply "
                    + reapplyWrites + " writes, peak heap " + peakHeapMb + " MB, CPU " + cpuMs + " ms (SDK " + sdkCpuMs + ", lab " + labCpuMs
                    + " of which etcd " + etcdCpuMs + ", other " + otherCpuMs + "), in Helm " + helmRenderMs + " ms, threads peak " + threadsPeak
                    + ", detection lag " + detectionLagMs + " ms (peers " + peerDetectionLagMs + " ms)"
                    + (phases.isEmpty() ? "" : "\n    last finished: " + phases) + (topThreads.isEmpty() ? "" : "\n    CPU by thread: " + topThreads);
        }
    }

    private Run run(int n, PrintStream progress) {
        Run r = new Run();
        r.clusters = n;
        try (MeshLab lab = labBuilder(n).start()) {
            MeshSpec labSpec = lab.spec();
            MeshSpec meshSpec = meshIps == MeshIps.known ? labSpec
                    : labSpec.withClusters(labSpec.clusters().stream().map(c -> c.withMeshIp(null)).toList());
            // the lab's production path (MeshLab.Helm.REAL, see labBuilder): helm-java with the real chart, timed
            TimedHelm helm = new TimedHelm(new io.clustermesh.cilium.helm.HelmJavaTransport());
            Mesh.Builder mb = lab.meshBuilder().spec(meshSpec).helmTransport(helm)
                    // the SDK's own deadlines (not the lab's short test ones): a large mesh on a small machine is slow, not broken
                    .timeouts(timeouts());
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
                CpuAttribution cpu = CpuAttribution.start(Thread.currentThread());
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
                CpuAttribution.Result used = cpu.stop();
                r.sdkCpuMs = used.sdkCpuMs();
                r.labCpuMs = used.labCpuMs();
                r.etcdCpuMs = used.etcdCpuMs();
                r.otherCpuMs = used.otherCpuMs();
                r.threadsPeak = used.threadsPeak();
                r.helmRenderMs = helm.ms();
                if (verbose) {
                    r.topThreads = cpu.top(8);
                }
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
                            : "status: " + unhealthy(status);
                }
                lab.clusters().forEach(LabCluster::resetCounts);
                MeshReport again = mesh.apply(mesh.plan());
                r.reapplyWrites = lab.clusters().stream().mapToLong(c -> c.counts().writes()).sum();
                if (!again.succeeded()) {
                    r.converged = false;
                    r.problem = "re-apply failed: " + again.failures();
                }
                if (r.converged) {
                    detectionLag(lab, mesh, r);
                }
            }
        }
        return r;
    }

    /**
     * The SDK's detection lag. The lab deletes the clustermesh-apiserver Deployment of the last cluster through its
     * own client (not the SDK's) at {@code t0}; the bench then calls {@code mesh.status()} back to back.
     * {@code detectionLagMs}: from {@code t0} to the end of the first status call that reports that cluster
     * unhealthy (its own reads see the Deployment gone). {@code peerDetectionLagMs}: to the end of the first call in
     * which every other cluster reports that peer not connected (the simulated agents must first lose it). Each is
     * -1 when not seen within 60 s.
     */
    private static void detectionLag(MeshLab lab, Mesh mesh, Run r) {
        LabCluster last = lab.clusters().get(lab.clusters().size() - 1);
        long t0 = System.nanoTime();
        last.client().apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").delete();
        long deadline = t0 + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && (r.detectionLagMs < 0 || r.peerDetectionLagMs < 0)) {
            MeshStatus s = mesh.status();
            long at = (System.nanoTime() - t0) / 1_000_000;
            if (r.detectionLagMs < 0 && s.clusters().stream().anyMatch(c -> c.name().equals(last.name()) && !c.healthy())) {
                r.detectionLagMs = at;
            }
            if (r.peerDetectionLagMs < 0 && s.clusters().stream().filter(c -> !c.name().equals(last.name()))
                    .allMatch(c -> !c.connectedPeers().contains(last.name()))) {
                r.peerDetectionLagMs = at;
            }
        }
    }

    /**
     * Why the status is not healthy, per cluster: its own errors, then every peer not connected by all its agents
     * (agents connected of agents, and the first error the agents gave for it), at most 5 peers per cluster.
     */
    static String unhealthy(MeshStatus status) {
        StringBuilder sb = new StringBuilder();
        for (ClusterStatus c : status.clusters()) {
            if (c.healthy()) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : "; ").append(c.name()).append(':');
            c.errors().forEach(e -> sb.append(' ').append(e));
            if (c.agents().isEmpty()) {
                sb.append(" no agent answered");
            }
            List<PeerStatus> missing = c.peers().stream().filter(p -> !p.fullyConnected()).toList();
            missing.stream().limit(5).forEach(p -> sb.append(" peer ").append(p.peer()).append(' ').append(p.connected())
                    .append('/').append(p.agents()).append(" agents connected")
                    .append(p.errors().isEmpty() ? "" : " (" + p.errors().get(0) + ")"));
            if (missing.size() > 5) {
                sb.append(" and ").append(missing.size() - 5).append(" more peers");
            }
        }
        return sb.toString();
    }

    static final String KEEPALIVE_PROPERTY = "jdk.httpclient.keepalive.timeout";

    /**
     * A lab run holds the files of every cluster's API server, its clients' connections (the SDK's, the lab's, Helm's)
     * and their selectors in this one process: more than 78 per cluster at the peak of a 255-cluster run with the JDK's
     * idle-connection timeout of 20 minutes (it reached the limit of 20 000), about 40 seen when idle HTTP connections
     * close after 5 s (docs/performance.md). Past the process's limit, accepts and connects fail with "Too many open files" and the run
     * stalls, so say so before it starts. Empty for the instant world (no lab), or when the limit is ample.
     */
    static Optional<String> openFilesWarning(int clusters, long maxOpenFiles, String keepalive) {
        long perCluster = keepalive == null ? 80 : 40;
        if (clusters <= 0 || perCluster * clusters <= maxOpenFiles) {
            return Optional.empty();
        }
        return Optional.of("warning: a lab of " + clusters + " clusters may hold about " + perCluster * clusters + " open files and this process may hold "
                + maxOpenFiles + " (ulimit -n): past it the run stalls on \"Too many open files\" - fix: raise ulimit -n"
                + (keepalive == null ? ", or close idle HTTP connections sooner: MESHCTL_JAVA_OPTS=\"-D" + KEEPALIVE_PROPERTY + "=5\"" : ""));
    }

    private Optional<Long> maxOpenFiles() {
        if (instant || !(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os)) {
            return Optional.empty();
        }
        return Optional.of(os.getMaxFileDescriptorCount());
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
        private final AtomicLong afterGc = new AtomicLong();
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
            long after = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (isHeap(e.getKey())) {
                    after += e.getValue().getUsed();
                }
            }
            peak.accumulateAndGet(before, Math::max);
            afterGc.accumulateAndGet(after, Math::max);
        }

        /**
         * The largest heap in use right after a collection during the run: what the run kept alive, plus whatever
         * garbage a young collection left in the old generation (an upper bound of the live set, unlike the peak,
         * which also counts garbage not yet collected and so follows the maximum heap the JVM was given). 0 when no
         * collection ran. Read after {@link #stop()}.
         */
        long afterGc() {
            return afterGc.get();
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
        // the collector matters at hundreds of clusters (the work allocates a lot): results say which one ran
        m.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return m;
    }

    private void printTable(PrintStream out, List<Map<String, Object>> runs, List<Map<String, Object>> planTimings) {
        out.println();
        out.printf(Locale.ROOT, "%8s %8s %8s %6s %8s %8s %8s %5s %8s %8s %8s %8s %8s %8s %8s %7s %7s%n", "clusters", "wallMs", "boundMs", "ratio", "upgr/cl",
                "reads", "writes", "arm", "reapplyW", "heapMb", "cpuMs", "sdkCpu", "labCpu", "etcdCpu", "helmMs", "threads", "lagMs");
        Long t3 = null;
        for (Map<String, Object> r : runs) {
            long wall = (Long) r.get("wallMs");
            long bound = (Long) r.get("lowerBoundMs");
            out.printf(Locale.ROOT, "%8d %8d %8d %6.2f %8d %8d %8d %5d %8d %8d %8d %8d %8d %8d %8d %7d %7d%n", r.get("clusters"), wall, bound,
                    bound == 0 ? 0.0 : (double) wall / bound, r.get("helmUpgradesPerCluster"), r.get("k8sReads"), r.get("k8sWrites"),
                    r.get("armCalls"), r.get("reapplyWrites"), r.get("peakHeapMb"), r.get("cpuMs"), r.get("sdkCpuMs"), r.get("labCpuMs"),
                    r.get("etcdCpuMs"), r.get("helmRenderMs"), r.get("threadsPeak"), r.get("detectionLagMs"));
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
