package io.clustermesh.testing;

import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.ArmChange;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.etcd.EtcdServer;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.clustermesh.testing.sim.LabChart;
import io.clustermesh.testing.sim.LabHelmTransport;
import io.clustermesh.testing.sim.SimulatedCilium;
import io.clustermesh.testing.sim.LabPolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A whole mesh on one machine: N {@link LabCluster}s named {@code cluster1..N} (ids 1..N, addresses from
 * {@link LabAddressing}), optionally a {@link FakeArm} holding the Azure topology (resource groups, spoke VNets,
 * a Standard Virtual WAN with one hub, hub connections, BYOCNI managed clusters whose credentials are the lab
 * kubeconfigs), one {@link LoopbackResolver}, and the {@link LabAddon}s that bring the simulated world to life.
 *
 * <pre>{@code
 * try (MeshLab lab = MeshLab.builder().clusters(3).seed(7).apiLatency(Duration.ofMillis(5)).start()) {
 *     MeshSpec spec = lab.spec();            // valid: kubeconfig access, pod CIDRs, mesh IPs, API FQDNs
 *     ...
 * }
 * }</pre>
 *
 * <p>Everything binds to 127.0.0.1; nothing reads {@code ~/.kube} or Azure settings. {@link #close()} stops addons,
 * etcd servers, clusters and the fake ARM and deletes the lab's temporary directory.
 */
public final class MeshLab implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshLab.class);
    public static final String HUB_RESOURCE_GROUP = "rg-hub";
    public static final String VIRTUAL_WAN = "vwan-lab";
    public static final String HUB = "hub1";
    public static final String SUBNET = "snet-aks";
    /** The clustermesh-apiserver port. */
    public static final int MESH_PORT = 2379;

    private final Settings settings;
    private final List<LabCluster> clusters;
    private final Map<String, LabCluster> byName = new LinkedHashMap<>();
    private final FakeArm arm;
    private final LoopbackResolver resolver = new LoopbackResolver();
    private final ScheduledExecutorService scheduler;
    private final Path workDir;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final Map<String, MeshCluster> meshClusters = new LinkedHashMap<>();
    private volatile boolean closed;
    private volatile Thread atExit;
    private volatile SimulatedCiliumAddon cilium;
    private LabHelmTransport helm;
    private final Object kubeconfigLock = new Object();
    private Path kubeconfigFile;
    private Path chartsDir;

    /**
     * What a started lab needs from its builder, copied at {@link Builder#start()}: the builder is never read again, so
     * changing or reusing it cannot change a running lab.
     */
    record Settings(String name, MeshSpec spec, long seed, Duration lbDelay, Duration rolloutDelay, CiliumOptions cilium,
                            Path charts, Helm helm, LabEntraId entraId, SimulatedCilium.Store apiserverStore) {
        static Settings of(Builder b) {
            return new Settings(b.name, b.spec, b.seed, b.lbDelay, b.rolloutDelay, b.cilium, b.charts, b.helm, b.entraId, b.apiserverStore);
        }
    }

    MeshLab(Settings settings, List<LabCluster> clusters, FakeArm arm, Path workDir, ScheduledExecutorService scheduler,
                    Map<String, MeshCluster> meshClusters) {
        this.settings = settings;
        this.clusters = List.copyOf(clusters);
        this.arm = arm;
        this.workDir = workDir;
        this.scheduler = scheduler;
        this.meshClusters.putAll(meshClusters);
        for (LabCluster c : clusters) {
            byName.put(c.name(), c);
            resolver.register(c.apiServer(), 443, c.apiServerAddress());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A lab of {@code n} clusters with default settings. */
    public static MeshLab start(int n) {
        return builder().clusters(n).start();
    }

    // --- what is in the lab --------------------------------------------------------------------------------------------

    public List<LabCluster> clusters() {
        return clusters;
    }

    /** @throws IllegalArgumentException if no cluster has that name */
    public LabCluster cluster(String name) {
        LabCluster c = byName.get(name);
        if (c == null) {
            throw new IllegalArgumentException("the lab has no cluster '" + name + "'; it has " + byName.keySet());
        }
        return c;
    }

    public Optional<FakeArm> arm() {
        return Optional.ofNullable(arm);
    }

    /**
     * The lab's Microsoft Entra ID: the issuer whose tokens the clusters of {@link Builder#entraIdOnly(String...)}
     * accept (and only those). Exists in every lab; unused when no cluster is Entra-ID-only.
     */
    public LabEntraId entraId() {
        return settings.entraId();
    }

    /**
     * The {@code kubelogin} command that the kubeconfigs of Entra-ID-only clusters name (as AKS's
     * {@code listClusterUserCredential} returns them): a script in {@link #workDir()} that records each run in
     * {@link #kubeloginRuns()} and fails. No {@code kubelogin} is on PATH in the lab.
     */
    public Path kubeloginCommand() {
        return workDir.resolve("bin").resolve("kubelogin");
    }

    /** How many times anything ran the lab's {@link #kubeloginCommand()} (the SDK never should). */
    public int kubeloginRuns() {
        Path log = workDir.resolve("kubelogin-runs");
        try {
            return Files.exists(log) ? (int) Files.readAllLines(log).stream().filter(l -> !l.isBlank()).count() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one resolver of the lab. */
    public LoopbackResolver resolver() {
        return resolver;
    }

    public long seed() {
        return settings.seed();
    }

    /** How long the simulated load balancer takes to assign an IP. */
    public Duration lbDelay() {
        return settings.lbDelay();
    }

    /** How long simulated rollouts (Deployments, DaemonSets) take. */
    public Duration rolloutDelay() {
        return settings.rolloutDelay();
    }

    /** The lab's scheduler for delayed work (daemon threads, stopped on close). */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** A private temporary directory, deleted on close. */
    public Path workDir() {
        return workDir;
    }

    /** The mesh IP (fixed internal LB IP of the clustermesh-apiserver) planned for a cluster. */
    public String meshIp(String cluster) {
        MeshCluster c = meshClusters.get(cluster);
        if (c == null) {
            throw new IllegalArgumentException("the lab has no cluster '" + cluster + "'");
        }
        return c.meshIp();
    }

    /**
     * A valid mesh spec for the lab: every cluster with kubeconfig access, id, pod and service CIDR, node range (its
     * subnet), API FQDN and a mesh IP from its subnet; with the fake ARM, the azure section (subscription and hub). A
     * cluster of {@link Builder#entraIdOnly(String...)} is reached with {@code ClusterAccess.kubeconfig(content, tokens)}:
     * its kubelogin kubeconfig and tokens of {@link #entraId()} ({@link LabEntraId#bearerTokens()}).
     */
    public MeshSpec spec() {
        MeshSpec given = settings.spec();
        CiliumOptions cilium = given != null ? given.cilium() : settings.cilium();
        CaStrategy ca = given != null ? given.ca() : CaStrategy.generate();
        Exposure exposure = given != null ? given.exposure() : Exposure.azureInternalLoadBalancer();
        AzureSpec azure = given != null && given.azure() != null ? given.azure()
                : arm != null ? new AzureSpec(arm.subscription(), new AzureRef(HUB_RESOURCE_GROUP, HUB)) : null;
        List<MeshCluster> out = new ArrayList<>();
        for (LabCluster c : clusters) {
            MeshCluster planned = meshClusters.get(c.name());
            ClusterAccess access = c.entraId().isPresent()
                    ? ClusterAccess.kubeconfig(c.kubeloginKubeconfig(kubeloginCommand().toString()), settings.entraId().bearerTokens())
                    : ClusterAccess.kubeContext(c.name(), kubeconfigFile());
            out.add(planned.withPodCidr(c.spec().podCidr()).withServiceCidr(c.spec().serviceCidr()).withNodeCidr(c.spec().subnet())
                    .withApiServer(c.apiServer()).withAccess(access));
        }
        return MeshSpec.of(given != null ? given.name() : settings.name(), cilium, ca, exposure, azure, out);
    }

    /**
     * The lab's kubeconfig file, as users have one for AKS after {@code az aks get-credentials}: one context per cluster,
     * named like the cluster (cluster entry of the same name, user {@code clusterUser_<resourceGroup>_<name>}, the
     * cluster's CA and a bearer token), {@code current-context} = the first cluster. Written once, 0600, in the lab's
     * private {@link #workDir()}; {@link #spec()} reaches every cluster through it with
     * {@code ClusterAccess.kubeContext(name, file)} — the path {@code meshctl --kubeconfig} users take. A secret: never
     * log its content.
     */
    public Path kubeconfigFile() {
        ensureOpen();
        synchronized (kubeconfigLock) {
            if (kubeconfigFile == null) {
                kubeconfigFile = LabKubeconfig.write(workDir.resolve("kubeconfig"), clusters);
            }
            return kubeconfigFile;
        }
    }

    /**
     * The directory of Cilium chart packages ({@code cilium-<version>.tgz}) the lab's meshes install with real Helm:
     * the official 1.16.19 package the lab ships, and those of {@link Builder#charts(Path)}. Made once, in
     * {@link #workDir()}.
     */
    public Path chartsDir() {
        ensureOpen();
        synchronized (kubeconfigLock) {
            if (chartsDir == null) {
                chartsDir = LabCharts.assemble(workDir.resolve("charts"), settings.charts());
            }
            return chartsDir;
        }
    }

    /** {@code ChartSource.packages(chartsDir())}: what the lab's meshes install. */
    public ChartSource chartSource() {
        return ChartSource.packages(chartsDir());
    }

    // --- Cilium and Helm on the lab -------------------------------------------------------------------------------------

    /**
     * The one Helm transport of the lab, dispatching by cluster: renders the lab chart and applies the objects with the
     * lab's own client of the cluster (Helm's object traffic belongs to the simulated world: neither counted nor
     * faulted), while the release is read and stored through the SDK's connection (counted, faultable); see
     * {@link LabHelmTransport}. Use it with the SDK:
     * {@code Mesh.builder().spec(lab.spec()).helmTransport(lab.helmTransport())}, or {@link #meshBuilder()}.
     */
    public synchronized LabHelmTransport helmTransport() {
        ensureOpen();
        if (helm == null) {
            LabChart chart = own(LabChart.extract(workDir));
            helm = new LabHelmTransport(chart.directory(), java.time.Clock.systemUTC(),
                    name -> byName.containsKey(name) ? byName.get(name).client() : null);
        }
        return helm;
    }

    /**
     * A {@code Mesh} builder with the lab's {@link #spec()}, {@link #helmTransport()}, {@link #timeouts()} and, with the
     * simulated Cilium, a {@link io.clustermesh.testing.sim.LabTrafficProbe} answering {@code mesh.services().probe(..)}.
     */
    public Mesh.Builder meshBuilder() {
        Mesh.Builder b = Mesh.builder().spec(spec()).timeouts(timeouts());
        if (settings.helm() == Helm.REAL) {
            // what users run on AKS: helm-java against the clusters' API servers, the real Cilium chart
            b.helmTransport(new io.clustermesh.cilium.helm.HelmJavaTransport())
                    .driver(new io.clustermesh.cilium.CiliumMeshDriver(chartSource(), true));
        } else {
            b.helmTransport(helmTransport());
        }
        SimulatedCiliumAddon sim = cilium;
        if (sim != null) {
            b.trafficProbe(new io.clustermesh.testing.sim.LabTrafficProbe(sim.clusters()));
        }
        return b;
    }

    /** Deadlines that suit the lab: waits of tens of seconds at most, polled every 50 ms. */
    public static MeshTimeouts timeouts() {
        return new MeshTimeouts(Duration.ofMinutes(2), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(45),
                Duration.ofSeconds(10), Duration.ofMillis(50));
    }

    /** What plays each cluster's clustermesh-apiserver store ({@link Builder#apiserverStore}). */
    public SimulatedCilium.Store apiserverStore() {
        return settings.apiserverStore();
    }

    /** Called once while the lab starts, with the simulated Cilium it runs. */
    void simulatedCilium(SimulatedCiliumAddon sim) {
        this.cilium = sim;
    }

    /**
     * The simulated Cilium of a cluster (see {@link SimulatedCilium}).
     *
     * @throws IllegalStateException if the lab runs without it ({@link Builder#simulatedCilium(boolean)})
     */
    public SimulatedCilium cilium(String cluster) {
        SimulatedCiliumAddon sim = cilium;
        if (sim == null) {
            throw new IllegalStateException("this lab runs without the simulated Cilium");
        }
        cluster(cluster);
        return sim.cluster(cluster);
    }

    /**
     * What the lab's Cilium would allow between endpoints, from the CiliumNetworkPolicies and {@code cilium-config} of
     * each cluster, read with the lab's own clients at each query (see {@link LabPolicies}).
     */
    public LabPolicies policies() {
        return LabPolicies.of(name -> cluster(name).client());
    }

    /**
     * How many threads the lab runs now: every live thread named {@code lab-*} or {@code mesh-lab-*} (the simulators'
     * passes, etcd starts, the lab's scheduler and start-up pools), plus the JDK HTTP clients' selector threads the
     * simulated agents' TLS clients and the lab's etcd admin clients hold (one per client: {@code HttpClient-*}).
     * Bounded by the lab's pools, one API-server front door per cluster and one agents' HTTP client per connecting
     * cluster (see docs/lab.md). A snapshot of the whole JVM: with two labs at once, each counts the other's too.
     */
    public int threadCount() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(MeshLab::labThread).count();
    }

    /** Whether a thread's name says it works for a lab. */
    static boolean labThread(String name) {
        return name.startsWith("lab-") || name.startsWith("mesh-lab-") || (name.startsWith("HttpClient-") && name.endsWith("-SelectorManager"));
    }

    // --- extension points for addons ----------------------------------------------------------------------------------

    /**
     * Starts an etcd playing a cluster's clustermesh-apiserver (mTLS with the given PEMs), owned by the lab, and maps
     * {@code <meshIp>:2379} and {@code <cluster>.mesh.cilium.io:2379} to it.
     */
    public EtcdServer startEtcd(String cluster, String serverCertPem, String serverKeyPem, String trustedCaPem) {
        return startEtcd(cluster, EtcdServer.builder().tls(serverCertPem, serverKeyPem, trustedCaPem));
    }

    /** Like {@link #startEtcd(String, String, String, String)} without TLS. */
    public EtcdServer startEtcd(String cluster) {
        return startEtcd(cluster, EtcdServer.builder());
    }

    private EtcdServer startEtcd(String cluster, EtcdServer.Builder b) {
        ensureOpen();
        String meshIp = meshIp(cluster);
        EtcdServer etcd = own(b.name(cluster).tempRoot(workDir).start());
        resolver.register(meshIp, MESH_PORT, etcd.clientAddress());
        resolver.register(cluster + ".mesh.cilium.io", MESH_PORT, etcd.clientAddress());
        return etcd;
    }

    /** The lab closes {@code resource} on close, before the clusters (last owned, first closed). */
    public <T extends AutoCloseable> T own(T resource) {
        Objects.requireNonNull(resource, "resource");
        synchronized (owned) {
            if (closed) {
                closeQuietly(resource);
                throw new IllegalStateException("the lab is closed");
            }
            owned.push(resource);
        }
        return resource;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the lab is closed");
        }
    }

    // --- lifecycle -------------------------------------------------------------------------------------------------------

    @Override
    public void close() {
        synchronized (owned) {
            if (closed) {
                return;
            }
            closed = true;
        }
        removeExitHook(atExit);
        scheduler.shutdownNow();
        List<AutoCloseable> order = new ArrayList<>();
        synchronized (owned) {
            while (!owned.isEmpty()) {
                order.add(owned.pop());
            }
        }
        order.forEach(MeshLab::closeQuietly);
        clusters.forEach(MeshLab::closeQuietly);
        if (arm != null) {
            closeQuietly(arm);
        }
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(workDir);
        LOG.debug("mesh lab with {} clusters closed", clusters.size());
    }

    /** The JVM shutdown hook that closes this lab if the process ends first (SIGINT, SIGTERM, {@code System.exit}). */
    void closeAtExit(Thread hook) {
        this.atExit = hook;
    }

    static void removeExitHook(Thread hook) {
        if (hook == null || hook == Thread.currentThread()) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) and closes the lab
        }
    }

    public boolean isClosed() {
        return closed;
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", c, e.toString());
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "MeshLab[" + byName.keySet() + (arm != null ? ", arm" : "") + (closed ? ", closed" : "") + "]";
    }

    /** Which Helm the lab's meshes use; {@link #REAL} unless a builder says otherwise. */
    public enum Helm {
        /**
         * The default, and the production path: the SDK's default {@code HelmJavaTransport} (helm-java, Helm 3
         * in-process) installing the real Cilium chart ({@link #chartsDir()}) through each cluster's kubeconfig context,
         * as on AKS.
         */
        REAL,
        /**
         * The lab's {@link LabHelmTransport}: renders the small lab chart with helm-java's {@code template()} and applies
         * its objects through the SDK's own connection, so that faults injected into the SDK's requests hit Helm's
         * object writes too. An explicit choice for tests that need exactly that (a crash injected into a Helm storage
         * write, 20 % failing requests) or what the lab's API server cannot serve real Helm (hook Jobs); each such
         * test says why.
         */
        TEMPLATE
    }

    // --- builder -----------------------------------------------------------------------------------------------------------

    /** Builder of a {@link MeshLab}; {@link #start()} starts everything. Not thread-safe. */
    public static final class Builder {
        // package-private: LabStartup copies them once, in start(); a started lab never reads the builder
        String name = "lab";
        int clusters = 2;
        MeshSpec spec;
        long seed = 1;
        Duration apiLatency = Duration.ZERO;
        Duration lbDelay = Duration.ZERO;
        Duration rolloutDelay = Duration.ZERO;
        final List<FaultRule> clusterFaults = new ArrayList<>();
        final Map<String, List<FaultRule>> faultsByCluster = new LinkedHashMap<>();
        boolean arm;
        boolean armTopology = true;
        Duration armLatency = Duration.ZERO;
        final List<FaultRule> armFaults = new ArrayList<>();
        CiliumOptions cilium = CiliumOptions.defaults();
        int nodes = 3;
        boolean tls = true;
        boolean kubeProxy = true;
        String region = LabAddressing.DEFAULT_REGION;
        UnaryOperator<LabClusterSpec> customizer = UnaryOperator.identity();
        final List<LabAddon> addons = new ArrayList<>();
        Path tempRoot;
        boolean simulatedCilium = true;
        SimulatedCiliumAddon.Knobs ciliumKnobs = SimulatedCiliumAddon.Knobs.defaults();
        SimulatedCilium.Store apiserverStore = SimulatedCilium.Store.ETCD;
        Path charts;
        Helm helm = Helm.REAL;
        LabEntraId entraId = LabEntraId.withLifetime(java.time.Duration.ofMinutes(60));
        final java.util.Set<String> entraIdOnly = new java.util.LinkedHashSet<>();

        private Builder() {
        }

        /**
         * Clusters that accept only Microsoft Entra ID tokens of {@link MeshLab#entraId()} (AKS with Entra ID and local
         * accounts disabled): every other bearer token gets 401. With {@link #arm(boolean)}, their managed clusters
         * carry {@code aadProfile} and {@code disableLocalAccounts: true}, and {@code listClusterUserCredential}
         * returns a kubeconfig whose user runs {@link MeshLab#kubeloginCommand()}; {@link MeshLab#spec()} reaches them
         * with {@link LabEntraId#bearerTokens()}.
         */
        public Builder entraIdOnly(String... clusters) {
            for (String c : clusters) {
                entraIdOnly.add(Objects.requireNonNull(c, "cluster"));
            }
            return this;
        }

        /** The lab's Entra ID (default: tokens living 60 minutes). */
        public Builder entraId(LabEntraId issuer) {
            this.entraId = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /** Which Helm {@link MeshLab#meshBuilder()} gives the lab's meshes (see {@link Helm}). */
        public Builder helm(Helm helm) {
            this.helm = Objects.requireNonNull(helm, "helm");
            return this;
        }

        /**
         * A directory of Cilium chart packages named {@code cilium-<version>.tgz} (as {@code helm pull cilium/cilium
         * --version V -d DIR} saves them) for the chart versions the lab's meshes install. The lab ships the official
         * 1.16.19 package; other versions come from here.
         */
        public Builder charts(Path dir) {
            Objects.requireNonNull(dir, "charts");
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("charts must be a directory of cilium-<version>.tgz packages, not " + dir);
            }
            this.charts = dir;
            return this;
        }

        /** Where the lab's temporary directory is created (default {@code java.io.tmpdir}). */
        public Builder tempRoot(Path dir) {
            this.tempRoot = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The mesh name in {@link #spec()}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Number of clusters, named cluster1..N with ids 1..N (1..{@value LabAddressing#MAX_CLUSTERS}). */
        public Builder clusters(int n) {
            if (n < 1 || n > LabAddressing.MAX_CLUSTERS) {
                throw new IllegalArgumentException("a lab has 1.." + LabAddressing.MAX_CLUSTERS + " clusters, not " + n);
            }
            this.clusters = n;
            this.spec = null;
            return this;
        }

        /**
         * Clusters as in the spec (names, ids, pod/service CIDRs, mesh IPs, API FQDNs where given; lab defaults
         * otherwise). The spec's access settings are replaced by the lab's kubeconfigs in {@link MeshLab#spec()}.
         */
        public Builder spec(MeshSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            if (spec.clusters().isEmpty() || spec.clusters().size() > LabAddressing.MAX_CLUSTERS) {
                throw new IllegalArgumentException("a lab has 1.." + LabAddressing.MAX_CLUSTERS + " clusters, the spec has " + spec.clusters().size());
            }
            return this;
        }

        /** Seed of every generated name and fault decision. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Latency of every Kubernetes API answer of every cluster. */
        public Builder apiLatency(Duration d) {
            this.apiLatency = nonNegative(d, "apiLatency");
            return this;
        }

        public Builder lbDelay(Duration d) {
            this.lbDelay = nonNegative(d, "lbDelay");
            return this;
        }

        public Builder rolloutDelay(Duration d) {
            this.rolloutDelay = nonNegative(d, "rolloutDelay");
            return this;
        }

        /** A fault rule armed on every cluster. */
        public Builder clusterFault(FaultRule rule) {
            clusterFaults.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** A fault rule armed on one cluster. */
        public Builder clusterFault(String cluster, FaultRule rule) {
            faultsByCluster.computeIfAbsent(Objects.requireNonNull(cluster, "cluster"), k -> new ArrayList<>())
                    .add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** That cluster's API server never answers. */
        public Builder unreachable(String cluster) {
            return clusterFault(cluster, FaultRule.always(Fault.hang()));
        }

        /** Start the fake ARM with the lab's Azure topology. */
        public Builder arm(boolean on) {
            this.arm = on;
            return this;
        }

        /**
         * Whether the fake ARM starts with the lab's Azure topology (default true). With false it starts empty except
         * for each cluster's credentials, so that provisioning code (e.g. sdk-azure's {@code AzureTopology}) can
         * create the topology itself; managed clusters named like the lab's clusters then answer
         * {@code listClusterUserCredential} with the lab's kubeconfig.
         */
        public Builder armTopology(boolean seeded) {
            this.armTopology = seeded;
            return this;
        }

        public Builder armLatency(Duration d) {
            this.armLatency = nonNegative(d, "armLatency");
            return this;
        }

        public Builder armFault(FaultRule rule) {
            armFaults.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Cilium options of {@link MeshLab#spec()} (ignored with {@link #spec(MeshSpec)}). */
        public Builder cilium(CiliumOptions options) {
            this.cilium = Objects.requireNonNull(options, "options");
            return this;
        }

        public Builder nodesPerCluster(int n) {
            if (n < 1 || n > 200) {
                throw new IllegalArgumentException("nodesPerCluster must be within 1..200: " + n);
            }
            this.nodes = n;
            return this;
        }

        /** HTTPS (default) or plain HTTP API servers. */
        public Builder tls(boolean on) {
            this.tls = on;
            return this;
        }

        /** Whether clusters start with the kube-proxy DaemonSet (AKS default: yes). */
        public Builder kubeProxy(boolean on) {
            this.kubeProxy = on;
            return this;
        }

        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /** Adjusts each cluster's spec after the lab computed it. */
        public Builder clusterSpec(UnaryOperator<LabClusterSpec> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /** Whether every cluster gets a {@link SimulatedCilium} (default on; started before the other addons). */
        public Builder simulatedCilium(boolean on) {
            this.simulatedCilium = on;
            return this;
        }

        /** Timing of the simulated Cilium besides {@link #lbDelay} and {@link #rolloutDelay}. */
        public Builder ciliumKnobs(SimulatedCiliumAddon.Knobs knobs) {
            this.ciliumKnobs = Objects.requireNonNull(knobs, "knobs");
            return this;
        }

        /**
         * What plays each cluster's clustermesh-apiserver store: {@link SimulatedCilium.Store#ETCD} (the default, a real
         * etcd process with mutual TLS per cluster) or {@link SimulatedCilium.Store#IN_MEMORY}, the large-mesh lab mode
         * for hundreds of clusters on a small machine (see docs/lab.md).
         */
        public Builder apiserverStore(SimulatedCilium.Store store) {
            this.apiserverStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** An addon started after the clusters (e.g. the simulated Cilium). */
        public Builder addon(LabAddon addon) {
            addons.add(Objects.requireNonNull(addon, "addon"));
            return this;
        }

        private static Duration nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }

        /**
         * Starts the lab: clusters in parallel, then the fake ARM, then the addons. The lab keeps a copy of the settings:
         * changing this builder afterwards does not change it.
         */
        public MeshLab start() {
            return new LabStartup(this).start();
        }
    }

    /** AKS removes the kube-proxy DaemonSet once {@code kubeProxyConfig.enabled} is false (after the rollout delay). */
    void armChanged(ArmChange change) {
        if (change.deleted() || !change.type().equalsIgnoreCase("Microsoft.ContainerService/managedClusters") || closed) {
            return;
        }
        Object enabled = path(change.resource(), "properties", "networkProfile", "kubeProxyConfig", "enabled");
        if (!Boolean.FALSE.equals(enabled)) {
            return;
        }
        String name = change.id().substring(change.id().lastIndexOf('/') + 1);
        LabCluster c = byName.get(name);
        if (c == null) {
            return;
        }
        scheduler.schedule(() -> {
            if (!closed && !c.isClosed()) {
                c.client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").delete();
                LOG.debug("{}: kube-proxy DaemonSet removed after kubeProxyConfig.enabled=false", name);
            }
        }, rolloutDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> m, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map)) {
                return null;
            }
            cur = ((Map<String, Object>) cur).get(k);
        }
        return cur;
    }
}
