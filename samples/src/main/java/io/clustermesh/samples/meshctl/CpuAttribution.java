package io.clustermesh.samples.meshctl;

import io.clustermesh.testing.etcd.EtcdServer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whose CPU a run used. Every {@value #SAMPLE_MS} ms (longer when a sample takes more than a ninth of that, see
 * {@link #nextDelayMs}), the CPU time of every live JVM thread is sampled by thread id
 * ({@link ThreadMXBean#getThreadCpuTime(long)}) with its name, and the CPU time of every etcd process the lab started
 * ({@link EtcdServer#liveProcesses()}) from {@code /proc/<pid>/stat} ({@code utime + stime}, in clock ticks). A
 * thread's or process's share is its last sample minus its first (0 for one born during the run). Threads are told
 * apart by name:
 * <ul>
 *   <li><b>SDK</b>: the mesh's pools ({@code clustermesh-*}) and the caller thread that runs plan and apply;</li>
 *   <li><b>lab</b>: the lab's threads ({@code lab-*}, {@code mesh-lab-*}), the mock API servers' threads (fabric8's
 *       mock web server runs on Vert.x: {@code vert.x-*}, {@code MockWebServer*}), plus the etcd processes;</li>
 *   <li><b>other</b>: the rest of the process's CPU ({@code getProcessCpuTime} minus the two): the JDK HTTP clients'
 *       threads (shared by the SDK's and the lab's Kubernetes clients, not told apart), Helm's native Go threads
 *       (helm-java runs Helm in-process through JNA: invisible to the thread MXBean), GC, JIT, and threads that lived
 *       less than one sample.</li>
 * </ul>
 * Also the peak number of live threads ({@link ThreadMXBean#getPeakThreadCount()} after a reset).
 */
final class CpuAttribution implements AutoCloseable {
    static final long SAMPLE_MS = 100;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel configuration). */
    private static final long TICKS_PER_SECOND = 100;

    private final long callerId;
    private final long processCpu0;
    private final Map<Long, long[]> threads = new HashMap<>(); // id -> {first, last}
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, long[]> etcd = new HashMap<>(); // pid -> {first, last} in ms
    private final ScheduledExecutorService sampler;
    private boolean first = true;

    /** What the run used, in milliseconds of CPU. */
    record Result(long sdkCpuMs, long labCpuMs, long etcdCpuMs, long otherCpuMs, long processCpuMs, int threadsPeak) {
    }

    private CpuAttribution(Thread caller) {
        this.callerId = caller.getId(); // Java 17: threadId() is 19+
        if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
        THREADS.resetPeakThreadCount();
        this.processCpu0 = BenchCommand.processCpuNanos();
        sample();
        first = false;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-cpu-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.schedule(this::tick, SAMPLE_MS, TimeUnit.MILLISECONDS);
    }

    /** A sample, and the next one after {@link #nextDelayMs}. */
    private void tick() {
        long t0 = System.nanoTime();
        sample();
        try {
            sampler.schedule(this::tick, nextDelayMs((System.nanoTime() - t0) / 1_000_000), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // stop() or close() ran
        }
    }

    /**
     * The pause before the next sample: {@value #SAMPLE_MS} ms, or nine times as long as the last sample took when that
     * is longer, so that the sampler never uses more than a tenth of a core (a lab of hundreds of clusters has thousands
     * of threads, and every sample asks each for its CPU time).
     */
    static long nextDelayMs(long lastSampleTookMs) {
        return Math.max(SAMPLE_MS, 9 * lastSampleTookMs);
    }

    /** Starts sampling; {@code caller} is the thread that will run plan and apply. */
    static CpuAttribution start(Thread caller) {
        return new CpuAttribution(caller);
    }

    private synchronized void sample() {
        long[] ids = THREADS.getAllThreadIds();
        for (long id : ids) {
            long cpu = THREADS.getThreadCpuTime(id);
            if (cpu < 0) {
                continue;
            }
            long[] v = threads.get(id);
            if (v != null) {
                v[1] = cpu;
                continue;
            }
            // a thread seen for the first time: its name, once (asking every thread's info at every sample costs)
            ThreadInfo info = THREADS.getThreadInfo(id);
            if (info != null) {
                threads.put(id, new long[]{first ? cpu : 0, cpu});
                names.put(id, info.getThreadName());
            }
        }
        for (ProcessHandle p : EtcdServer.liveProcesses()) {
            long ms = procCpuMs(p.pid());
            if (ms < 0) {
                continue;
            }
            long[] v = etcd.get(p.pid());
            if (v == null) {
                etcd.put(p.pid(), new long[]{first ? ms : 0, ms});
            } else {
                v[1] = ms;
            }
        }
    }

    /** utime + stime of a process from /proc/<pid>/stat (fields 14 and 15), in ms; -1 when unreadable. */
    static long procCpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Takes a last sample and stops. */
    Result stop() {
        sampler.shutdownNow();
        synchronized (this) {
            sample();
            long sdk = 0;
            long lab = 0;
            for (Map.Entry<Long, long[]> e : threads.entrySet()) {
                long used = e.getValue()[1] - e.getValue()[0];
                String n = names.get(e.getKey());
                if (e.getKey() == callerId || isSdk(n)) {
                    sdk += used;
                } else if (isLab(n)) {
                    lab += used;
                }
            }
            long etcdMs = etcd.values().stream().mapToLong(v -> v[1] - v[0]).sum();
            long process = (BenchCommand.processCpuNanos() - processCpu0) / 1_000_000;
            long sdkMs = sdk / 1_000_000;
            long labMs = lab / 1_000_000;
            return new Result(sdkMs, labMs + etcdMs, etcdMs, Math.max(0, process - sdkMs - labMs), process, THREADS.getPeakThreadCount());
        }
    }

    static boolean isSdk(String name) {
        return name != null && name.startsWith("clustermesh-");
    }

    static boolean isLab(String name) {
        return name != null && (name.startsWith("lab-") || name.startsWith("mesh-lab-") || name.startsWith("vert.x-") || name.startsWith("MockWebServer")
                || name.startsWith("bench-lab-"));
    }

    /** The threads that used the most CPU, for {@code --verbose}: "name 123 ms, ...". */
    synchronized String top(int n) {
        Map<String, Long> byName = new HashMap<>();
        threads.forEach((id, v) -> byName.merge(names.get(id).replaceAll("\\d+", "#"), (v[1] - v[0]) / 1_000_000, Long::sum));
        return byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(e -> e.getKey() + " " + e.getValue() + " ms").reduce((a, b) -> a + ", " + b).orElse("");
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
