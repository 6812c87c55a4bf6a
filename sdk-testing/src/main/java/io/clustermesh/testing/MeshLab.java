package io.clustermesh.testing;

import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.testing.sim.LabChart;
import io.clustermesh.testing.sim.LabHelmTransport;
import io.clustermesh.testing.sim.LoopbackResolver;
import io.clustermesh.testing.sim.SimulatedCilium;
import io.clustermesh.testing.sim.StandInCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole mesh on one machine: per cluster a lab Kubernetes API (fabric8's mock server in CRUD mode, seeded like AKS
 * BYOCNI), a {@linkplain SimulatedCilium simulated Cilium} with a real etcd as its clustermesh-apiserver, and Helm
 * through the {@linkplain LabHelmTransport lab chart}. The SDK runs against it unchanged:
 *
 * <pre>{@code
 * try (MeshLab lab = MeshLab.builder().clusters(3).start();
 *      Mesh mesh = Mesh.builder().spec(lab.spec()).helmTransport(lab.helmTransport()).build()) {
 *     mesh.apply(mesh.plan());
 *     MeshStatus status = mesh.status();
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops every etcd, scheduler and API server and deletes the extracted chart.
 */
public final class MeshLab implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshLab.class);

    private final List<StandInCluster> clusters = new ArrayList<>();
    private final Map<String, SimulatedCilium> cilium = new LinkedHashMap<>();
    private final LoopbackResolver resolver = new LoopbackResolver();
    private final ScheduledThreadPoolExecutor scheduler;
    private final LabChart chart;
    private final LabHelmTransport helm;
    private final CiliumOptions options;
    private final boolean fixedMeshIps;

    private MeshLab(Builder b) {
        AtomicInteger n = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(Math.max(2, Math.min(8, b.clusters)), r -> {
            Thread t = new Thread(r, "mesh-lab-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.options = b.cilium;
        this.fixedMeshIps = b.fixedMeshIps;
        this.chart = LabChart.extract();
        this.helm = new LabHelmTransport(chart.directory(), Clock.systemUTC());
        try {
            for (int i = 1; i <= b.clusters; i++) {
                StandInCluster c = new StandInCluster("cluster" + i, i, b.nodes, b.seed);
                clusters.add(c);
                SimulatedCilium sim = new SimulatedCilium(c.name(), c.internalClient(), c.subnet(), resolver, b.knobs, scheduler, Clock.systemUTC());
                cilium.put(c.name(), sim);
                c.execHandler(sim.execHandler());
                c.writeListener(sim::poke);
                sim.poke();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The mesh spec of the lab's clusters (names {@code cluster1..N}, ids 1..N, pod CIDRs, mesh IPs, access). */
    public MeshSpec spec() {
        List<MeshCluster> list = new ArrayList<>();
        for (int i = 0; i < clusters.size(); i++) {
            StandInCluster c = clusters.get(i);
            MeshCluster m = MeshCluster.named(c.name()).id(i + 1).podCidr(c.podCidr()).apiServer(c.apiServerFqdn()).access(c.access());
            list.add(fixedMeshIps ? m.meshIp(c.meshIp()) : m);
        }
        return new MeshSpec("lab", options, CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null, list);
    }

    /** A {@code Mesh} builder with the lab's spec and Helm transport. */
    public Mesh.Builder meshBuilder() {
        return Mesh.builder().spec(spec()).helmTransport(helmTransport());
    }

    /** Deadlines that suit the lab (short polls, a few seconds of waiting). */
    public static MeshTimeouts timeouts() {
        return new MeshTimeouts(Duration.ofMinutes(2), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(45),
                Duration.ofSeconds(10), Duration.ofMillis(50));
    }

    /** The one Helm transport of the lab (it works through the connection of whichever cluster it is given). */
    public HelmTransport helmTransport() {
        return helm;
    }

    public List<String> clusterNames() {
        return clusters.stream().map(StandInCluster::name).toList();
    }

    public StandInCluster cluster(String name) {
        return clusters.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no lab cluster " + name));
    }

    public SimulatedCilium cilium(String name) {
        return Optional.ofNullable(cilium.get(name)).orElseThrow(() -> new NoSuchElementException("no lab cluster " + name));
    }

    public LoopbackResolver resolver() {
        return resolver;
    }

    /** Requests the SDK made to every cluster (the lab's own excluded). */
    public Map<String, RequestCounts> counts() {
        Map<String, RequestCounts> out = new LinkedHashMap<>();
        clusters.forEach(c -> out.put(c.name(), c.counts()));
        return out;
    }

    public void resetCounts() {
        clusters.forEach(StandInCluster::resetCounts);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        for (SimulatedCilium s : cilium.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping the simulated Cilium of {} failed: {}", s.cluster(), e.toString());
            }
        }
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (StandInCluster c : clusters) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping lab cluster {} failed: {}", c.name(), e.toString());
            }
        }
        if (chart != null) {
            chart.close();
        }
    }

    /** Builds a {@link MeshLab}; {@link #start()} brings it up. */
    public static final class Builder {
        private int clusters = 3;
        private int nodes = 2;
        private long seed = 1;
        private SimulatedCilium.Knobs knobs = SimulatedCilium.Knobs.fast();
        private CiliumOptions cilium = CiliumOptions.defaults();
        private boolean fixedMeshIps = true;

        private Builder() {
        }

        public Builder clusters(int n) {
            if (n < 1 || n > 254) {
                throw new IllegalArgumentException("a lab has 1..254 clusters: " + n);
            }
            this.clusters = n;
            return this;
        }

        public Builder nodesPerCluster(int n) {
            if (n < 1 || n > 200) {
                throw new IllegalArgumentException("nodes per cluster must be 1..200: " + n);
            }
            this.nodes = n;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder knobs(SimulatedCilium.Knobs knobs) {
            this.knobs = Objects.requireNonNull(knobs, "knobs");
            return this;
        }

        public Builder cilium(CiliumOptions options) {
            this.cilium = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Whether the spec gives every cluster a fixed mesh IP (one Helm pass) or leaves LB IPs to be discovered. */
        public Builder fixedMeshIps(boolean on) {
            this.fixedMeshIps = on;
            return this;
        }

        public MeshLab start() {
            return new MeshLab(this);
        }
    }
}
