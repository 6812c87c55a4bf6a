package io.clustermesh;

import io.clustermesh.MeshException.Details;
import io.clustermesh.event.CredentialPlugin;
import io.clustermesh.event.MeshListener;
import io.clustermesh.internal.Engine;
import io.clustermesh.internal.Driver;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.internal.MeshLock;
import io.clustermesh.internal.Providers;
import io.clustermesh.internal.SafeListener;
import io.clustermesh.internal.Validator;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CloudProvider;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.Discovery;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.spi.TrafficProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Cilium Cluster Mesh across clusters: plan, apply, status. Built by {@link #builder()}; immutable and
 * thread-safe; closes the connections and threads it owns.
 *
 * <pre>{@code
 * try (Mesh mesh = Mesh.builder()
 *         .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withAccess(ClusterAccess.kubeContext("aks-1")))
 *         .cluster(MeshCluster.named("cluster2").withId(2).withPodCidr("10.20.0.0/16").withAccess(ClusterAccess.kubeContext("aks-2")))
 *         .build()) {
 *     MeshPlan plan = mesh.plan();
 *     MeshReport report = mesh.apply(plan);
 *     MeshStatus status = mesh.status();
 * }
 * }</pre>
 */
public final class Mesh implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Mesh.class);

    static {
        MeshContexts.register(Mesh::context);
    }

    private final MeshSpec spec;
    private final MeshListener listener;
    private final MeshClock clock;
    private final RetryPolicy retryPolicy;
    private final MeshTimeouts timeouts;
    private final int concurrency;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    private final ScheduledExecutorService watchdog;
    private final ClusterTransport clusterTransportOverride;
    private final HelmTransport helmOverride;
    private final CertificateAuthority caOverride;
    private final CloudProvider cloudOverride;
    private final MeshDriver driverOverride;
    private final TrafficProbe probeOverride;
    private final String holder;
    private final java.time.Duration lockDuration;
    private final Map<String, ClusterConnection> connections = new ConcurrentHashMap<>();
    private volatile Resolved resolved;
    private volatile boolean closed;

    private Mesh(Builder b, MeshSpec spec) {
        this.spec = spec;
        this.listener = new SafeListener(b.listeners);
        this.clock = b.clock;
        this.retryPolicy = b.retryPolicy;
        this.timeouts = b.timeouts;
        this.concurrency = b.concurrency;
        this.ownsExecutor = b.executor == null;
        this.executor = b.executor != null ? b.executor : Executors.newCachedThreadPool(daemonThreads("clustermesh-" + spec.name()));
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, daemonThreads("clustermesh-deadline"));
        deadlines.setRemoveOnCancelPolicy(true); // a finished step's guard leaves the queue at once, not after its timeout
        this.watchdog = deadlines;
        this.clusterTransportOverride = b.clusterTransport;
        this.helmOverride = b.helmTransport;
        this.caOverride = b.certificateAuthority;
        this.cloudOverride = b.cloudProvider;
        this.driverOverride = b.driver;
        this.probeOverride = b.trafficProbe;
        this.holder = b.holder != null ? b.holder : defaultHolder();
        this.lockDuration = b.lockDuration;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every finding about the spec that needs no I/O (docs/findings.md), all at once. Never throws. */
    public static List<Finding> validate(MeshSpec spec) {
        return Validator.validate(Objects.requireNonNull(spec, "spec"));
    }

    /** The spec as given to the builder. */
    public MeshSpec spec() {
        return spec;
    }

    /**
     * Reads the clusters (and the cloud) and computes what {@link #apply} would do. Writes nothing. A plan with
     * error findings has no steps.
     */
    public MeshPlan plan() {
        Resolved r = resolve();
        if (hasErrors(r.findings)) {
            return new MeshPlan(spec.name(), "apply", clock.now(), r.findings, List.of(), r.notes);
        }
        MeshPlan p = r.driver.planApply(r.context);
        return merge(p, r);
    }

    /** Plans removing {@code cluster} from every peer. */
    public MeshPlan planDisconnect(String cluster) {
        Resolved r = resolve();
        if (cluster == null || spec.cluster(cluster).isEmpty()) {
            throw new MeshConfigurationException(Finding.error("CLUSTER_UNKNOWN", null, "planDisconnect(cluster)",
                    (cluster == null ? "no cluster was named" : "'" + cluster + "' is not a cluster of mesh " + spec.name()),
                    "name one of: " + String.join(", ", spec.clusters().stream().map(MeshCluster::name).toList())));
        }
        if (hasErrors(r.findings)) {
            return new MeshPlan(spec.name(), "disconnect", clock.now(), r.findings, List.of(), r.notes);
        }
        return merge(r.driver.planDisconnect(r.context, cluster), r);
    }

    /** Plans turning cluster mesh off on every cluster. */
    public MeshPlan planDisable() {
        Resolved r = resolve();
        if (hasErrors(r.findings)) {
            return new MeshPlan(spec.name(), "disable", clock.now(), r.findings, List.of(), r.notes);
        }
        return merge(r.driver.planDisable(r.context), r);
    }

    /**
     * Plans moving the running mesh to a new CA without losing connectivity. The new CA is what {@link MeshSpec#ca()}
     * names: a generated one ({@code CaStrategy.generate(validity)}) or a cluster's ({@code CaStrategy.adoptFrom}).
     * Three phases, each gated on every cluster's agents seeing every peer connected: (1) every cluster trusts the
     * current and the new CA, (2) the CA and the clustermesh-apiserver certificates are re-issued from the new CA,
     * (3) the old CA is dropped. The new CA and the completed phases are recorded in the clusters before anything else
     * is written, so a run that stops resumes (the plan's notes name the phase it starts at). Writes nothing.
     */
    public MeshPlan planRotateCa() {
        Resolved r = resolve();
        if (hasErrors(r.findings)) {
            return new MeshPlan(spec.name(), "rotate-ca", clock.now(), r.findings, List.of(), r.notes);
        }
        return merge(r.driver.planRotateCa(r.context), r);
    }

    /** {@code apply(planRotateCa())}: rotates the mesh CA, or resumes a rotation that stopped. */
    public MeshReport rotateCa() {
        return apply(planRotateCa());
    }

    /**
     * Runs a plan. Independent steps run in parallel; a failing cluster's branch stops while the others go on;
     * the report tells every step's outcome.
     *
     * @throws MeshConfigurationException if the plan has error findings (nothing is written)
     */
    public MeshReport apply(MeshPlan plan) {
        ensureOpen();
        Objects.requireNonNull(plan, "plan");
        if (plan.hasErrors()) {
            throw new MeshConfigurationException(plan.findings());
        }
        MeshContext ctx = resolve().context;
        List<String> clusters = spec.clusters().stream().map(MeshCluster::name).toList();
        if (plan.writeSteps() == 0 && MeshLock.recordedRun(clusters, ctx::connection, spec.name()).isEmpty()) {
            // nothing to change and no unfinished run to take over: no lock, no write
            return new Engine(executor, watchdog, concurrency, clock, retryPolicy, timeouts, listener).run(plan);
        }
        try (MeshLock lock = MeshLock.acquire(clusters, ctx::connection, spec.name(), holder, clock, lockDuration, watchdog,
                retryPolicy, plan)) {
            lock.resumes().ifPresent(r -> {
                LOG.info("{}", r.describe());
                listener.resuming(r);
            });
            // the lease's record first: a listener told of a step (that may stop the run, as a cancelled job does) must
            // find the step already counted, or the record written on the way out would miss it
            MeshListener tracked = new SafeListener(List.of(lock.track(plan), listener));
            MeshReport report = new Engine(executor, watchdog, concurrency, clock, retryPolicy, timeouts, tracked).run(plan);
            lock.finished(report);
            return report;
        }
    }

    /** {@code apply(plan())}: brings every cluster into the mesh; idempotent. */
    public MeshReport connect() {
        return apply(plan());
    }

    /** Removes {@code cluster} from every peer's configuration. */
    public MeshReport disconnect(String cluster) {
        return apply(planDisconnect(cluster));
    }

    /** Turns cluster mesh off on every cluster. */
    public MeshReport disable() {
        return apply(planDisable());
    }

    /** Status of every cluster and peer connection. Read-only. */
    public MeshStatus status() {
        Resolved r = resolve();
        if (hasErrors(r.findings)) {
            throw new MeshConfigurationException(r.findings);
        }
        return r.driver.status(r.context);
    }

    /**
     * Global services across the clusters (Cilium docs, "Load-balancing & Service Discovery", network/clustermesh/services): make Services global, read their settings, check them, see
     * where requests go, probe them.
     *
     * @throws MeshConfigurationException if the spec has error findings
     */
    public MeshServices services() {
        Resolved r = resolve();
        if (hasErrors(r.findings)) {
            throw new MeshConfigurationException(r.findings);
        }
        return r.driver.services(r.context);
    }

    /** The spec after discovery (missing fields filled from the cloud); triggers discovery on first use. */
    public MeshSpec resolvedSpec() {
        return resolve().context.spec();
    }

    /** The context providers work with; the SDK's modules reach it through {@link MeshContexts}. */
    private MeshContext context() {
        return resolve().context;
    }

    private static boolean hasErrors(List<Finding> f) {
        return f.stream().anyMatch(Finding::isError);
    }

    private MeshPlan merge(MeshPlan p, Resolved r) {
        List<Finding> f = new ArrayList<>(r.findings);
        f.addAll(p.findings());
        Map<String, String> notes = new LinkedHashMap<>(r.notes);
        notes.putAll(p.notes());
        return new MeshPlan(p.mesh(), p.operation(), p.createdAt(), f, hasErrors(f) ? List.of() : p.steps(), notes);
    }

    private record Resolved(Driver driver, MeshContext context, List<Finding> findings, Map<String, String> notes) {
    }

    private Resolved resolve() {
        ensureOpen();
        Resolved r = resolved;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            if (resolved != null) {
                return resolved;
            }
            ClassLoader cl = Mesh.class.getClassLoader();
            Driver driver = Providers.driver(Providers.select(MeshDriver.class, driverOverride, "clustermesh-cilium", cl));
            ClusterTransport transport = Providers.select(ClusterTransport.class, clusterTransportOverride, "clustermesh-cilium", cl);
            HelmTransport helm = Providers.select(HelmTransport.class, helmOverride, "clustermesh-cilium", cl);
            CertificateAuthority ca = Providers.select(CertificateAuthority.class, caOverride, "clustermesh-cilium", cl);
            Optional<CloudProvider> cloud = Optional.ofNullable(cloudOverride);
            if (cloud.isEmpty() && spec.azure() != null) {
                cloud = Optional.of(Providers.select(CloudProvider.class, null, "clustermesh-azure", cl));
            }
            List<Finding> findings = new ArrayList<>();
            Map<String, String> notes = new LinkedHashMap<>();
            MeshSpec effective = spec;
            if (cloud.isPresent() && cloud.get().supports(spec)) {
                Discovery d = cloud.get().discover(spec);
                effective = d.spec();
                findings.addAll(d.findings());
                notes.putAll(d.notes());
                findings.addAll(Validator.validate(effective).stream()
                        .filter(f -> findings.stream().noneMatch(g -> g.code().equals(f.code()) && Objects.equals(g.path(), f.path())))
                        .toList());
                if (!hasErrors(findings)) {
                    findings.addAll(cloud.get().preflight(effective));
                }
            } else {
                findings.addAll(Validator.validate(effective));
            }
            MeshContext ctx = new Context(effective, transport, helm, ca, cloud);
            resolved = new Resolved(driver, ctx, List.copyOf(findings), notes);
            return resolved;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this Mesh is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ClusterConnection c : connections.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.debug("closing connection to {} failed: {}", c.cluster(), e.toString());
            }
        }
        connections.clear();
        watchdog.shutdownNow();
        if (ownsExecutor) {
            executor.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "Mesh[" + spec.name() + ", " + spec.clusters().size() + " clusters]";
    }

    private final class Context implements MeshContext {
        private final MeshSpec effective;
        private final ClusterTransport transport;
        private final HelmTransport helm;
        private final CertificateAuthority ca;
        private final Optional<CloudProvider> cloud;

        Context(MeshSpec effective, ClusterTransport transport, HelmTransport helm, CertificateAuthority ca, Optional<CloudProvider> cloud) {
            this.effective = effective;
            this.transport = transport;
            this.helm = helm;
            this.ca = ca;
            this.cloud = cloud;
        }

        @Override
        public MeshSpec spec() {
            return effective;
        }

        @Override
        public ClusterConnection connection(String cluster) {
            ensureOpen();
            return connections.computeIfAbsent(cluster, n -> {
                MeshCluster c = effective.cluster(n).orElseThrow(() -> new MeshConfigurationException("'" + n + "' is not a cluster of mesh " + effective.name(),
                        Details.inCluster(n).fix("use a cluster name from the spec")));
                // announced before anything can run it: fabric8 runs an exec plugin when it loads the configuration
                transport.credentialPlugin(c).ifPresent(p -> {
                    LOG.info("{}: the kubeconfig's credential plugin '{}' (context {}) will run to get the cluster's credentials",
                            n, p.command(), p.context());
                    listener.credentialPlugin(new CredentialPlugin(n, p.context(), p.command()));
                });
                return transport.connect(c, timeouts);
            });
        }

        @Override
        public HelmTransport helm() {
            return helm;
        }

        @Override
        public CertificateAuthority certificateAuthority() {
            return ca;
        }

        @Override
        public Optional<CloudProvider> cloud() {
            return cloud;
        }

        @Override
        public MeshClock clock() {
            return clock;
        }

        @Override
        public MeshTimeouts timeouts() {
            return timeouts;
        }

        @Override
        public RetryPolicy retryPolicy() {
            return retryPolicy;
        }

        @Override
        public MeshListener listener() {
            return listener;
        }

        @Override
        public ExecutorService executor() {
            return executor;
        }

        @Override
        public String holderIdentity() {
            return holder;
        }

        @Override
        public Optional<TrafficProbe> trafficProbe() {
            return Providers.find(TrafficProbe.class, probeOverride, Mesh.class.getClassLoader());
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static String defaultHolder() {
        String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        int at = jvm.indexOf('@');
        return at > 0 ? "clustermesh@" + jvm.substring(at + 1) + ":" + jvm.substring(0, at) : "clustermesh@" + jvm;
    }

    /**
     * Builds a {@link Mesh}. Setters reject nulls and impossible values at once; {@link #build()} does no I/O and
     * reports every problem of the spec at once in a {@link MeshConfigurationException}.
     */
    public static final class Builder {
        private String name = MeshSpec.DEFAULT_NAME;
        private final List<MeshCluster> clusters = new ArrayList<>();
        private CiliumOptions cilium = CiliumOptions.defaults();
        private CaStrategy ca = CaStrategy.generate();
        private Exposure exposure = Exposure.azureInternalLoadBalancer();
        private AzureSpec azure;
        private final List<MeshListener> listeners = new ArrayList<>();
        private MeshClock clock = MeshClock.system();
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private MeshTimeouts timeouts = MeshTimeouts.defaults();
        private int concurrency = 16;
        private ExecutorService executor;
        private ClusterTransport clusterTransport;
        private HelmTransport helmTransport;
        private CertificateAuthority certificateAuthority;
        private CloudProvider cloudProvider;
        private MeshDriver driver;
        private TrafficProbe trafficProbe;
        private String holder;
        private java.time.Duration lockDuration = java.time.Duration.ofSeconds(60);
        private boolean allowSpecExec;

        private Builder() {
        }

        /** A null argument names the builder call and what to pass, not only a parameter name. */
        private static <T> T nonNull(T value, String call, String what) {
            if (value == null) {
                throw new NullPointerException("Mesh.builder()." + call + " was given null: pass " + what);
            }
            return value;
        }

        /** Starts from a whole spec (e.g. read from YAML); later setters change it. */
        public Builder spec(MeshSpec spec) {
            nonNull(spec, "spec(MeshSpec)", "a MeshSpec, e.g. MeshSpecYaml.read(path).orThrow()");
            this.name = spec.name();
            this.clusters.clear();
            this.clusters.addAll(spec.clusters());
            this.cilium = spec.cilium();
            this.ca = spec.ca();
            this.exposure = spec.exposure();
            this.azure = spec.azure();
            return this;
        }

        public Builder name(String name) {
            this.name = nonNull(name, "name(String)", "the mesh name, e.g. \"article\"");
            return this;
        }

        public Builder cluster(MeshCluster cluster) {
            clusters.add(nonNull(cluster, "cluster(MeshCluster)", "a MeshCluster, e.g. MeshCluster.named(\"cluster1\").withId(1).withPodCidr(\"10.1.0.0/16\")"));
            return this;
        }

        public Builder clusters(List<MeshCluster> all) {
            nonNull(all, "clusters(List)", "a list of MeshCluster (possibly empty)").forEach(this::cluster);
            return this;
        }

        public Builder cilium(CiliumOptions options) {
            this.cilium = nonNull(options, "cilium(CiliumOptions)", "CiliumOptions, e.g. CiliumOptions.version(\"1.16.19\")");
            return this;
        }

        public Builder ca(CaStrategy strategy) {
            this.ca = nonNull(strategy, "ca(CaStrategy)", "a CaStrategy, e.g. CaStrategy.generate() or CaStrategy.adoptFrom(\"cluster1\")");
            return this;
        }

        public Builder exposure(Exposure exposure) {
            this.exposure = nonNull(exposure, "exposure(Exposure)", "an Exposure, e.g. Exposure.azureInternalLoadBalancer()");
            return this;
        }

        public Builder azure(AzureSpec azure) {
            this.azure = nonNull(azure, "azure(AzureSpec)", "an AzureSpec (subscription and hub); leave the call out when Azure is not used");
            return this;
        }

        /** Adds a listener; several may be added. */
        public Builder listener(MeshListener listener) {
            listeners.add(nonNull(listener, "listener(MeshListener)", "a MeshListener; leave the call out for none"));
            return this;
        }

        public Builder clock(MeshClock clock) {
            this.clock = nonNull(clock, "clock(MeshClock)", "a MeshClock, e.g. MeshClock.system()");
            return this;
        }

        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = nonNull(policy, "retryPolicy(RetryPolicy)", "a RetryPolicy, e.g. RetryPolicy.defaults() or RetryPolicy.none()");
            return this;
        }

        public Builder timeouts(MeshTimeouts timeouts) {
            this.timeouts = nonNull(timeouts, "timeouts(MeshTimeouts)", "MeshTimeouts, e.g. MeshTimeouts.defaults()");
            return this;
        }

        /**
         * Writing steps (Helm upgrades, certificate writes) running at once (default 16): they take the CPU and memory of
         * rendering and the API servers' write load. Steps that only read or wait (LB IPs, rollouts, connections) are
         * not limited: a mesh of n clusters has at most one chain of them per cluster, and holding them back would
         * delay every cluster behind the slowest waits.
         */
        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, was " + n);
            }
            this.concurrency = n;
            return this;
        }

        /** An executor to run steps on; the mesh does not shut it down. Default: its own. */
        public Builder executor(ExecutorService executor) {
            this.executor = nonNull(executor, "executor(ExecutorService)", "an ExecutorService; leave the call out to let the mesh own one");
            return this;
        }

        public Builder clusterTransport(ClusterTransport t) {
            this.clusterTransport = nonNull(t, "clusterTransport(ClusterTransport)", "a ClusterTransport; leave the call out for the default (fabric8)");
            return this;
        }

        public Builder helmTransport(HelmTransport t) {
            this.helmTransport = nonNull(t, "helmTransport(HelmTransport)", "a HelmTransport; leave the call out for the default (helm-java)");
            return this;
        }

        /** The certificate implementation (default: Bouncy Castle from clustermesh-cilium). */
        public Builder certificateAuthority(CertificateAuthority a) {
            this.certificateAuthority = nonNull(a, "certificateAuthority(CertificateAuthority)", "a CertificateAuthority; leave the call out for the default (Bouncy Castle)");
            return this;
        }

        public Builder cloudProvider(CloudProvider p) {
            this.cloudProvider = nonNull(p, "cloudProvider(CloudProvider)", "a CloudProvider; leave the call out for none or the one on the class path");
            return this;
        }

        public Builder driver(MeshDriver d) {
            this.driver = Providers.driver(nonNull(d, "driver(MeshDriver)", "a MeshDriver; leave the call out for the default (Cilium)"));
            return this;
        }

        /** What sends probe requests for {@code services().probe(...)} (the embedded lab provides one). */
        public Builder trafficProbe(TrafficProbe p) {
            this.trafficProbe = nonNull(p, "trafficProbe(TrafficProbe)", "a TrafficProbe; leave the call out for none");
            return this;
        }

        /** Who changes the mesh, shown to a concurrent run that finds the lock taken. */
        public Builder holderIdentity(String holder) {
            this.holder = nonNull(holder, "holderIdentity(String)", "who changes the mesh, e.g. \"deploy-service@host\"");
            return this;
        }

        /**
         * How long the mesh's change lock (a Lease) lives without renewal (default 60 s; renewed every third of it
         * while a run goes on). A crashed run blocks others at most this long.
         */
        public Builder lockDuration(java.time.Duration d) {
            nonNull(d, "lockDuration(Duration)", "a Duration of at least one second, e.g. Duration.ofSeconds(60)");
            if (d.toSeconds() < 1) {
                throw new IllegalArgumentException("lockDuration must be at least one second");
            }
            this.lockDuration = d;
            return this;
        }

        /**
         * Lets kubeconfig files named inside a spec file run their credential plugin ({@code exec}), as kubeconfigs given
         * in code do (default: refused, with a finding naming the cluster and the command). A spec file often comes
         * from a repository others can write to; allow it only for specs you trust ({@code meshctl --allow-exec}).
         */
        public Builder allowExecFromSpecFiles(boolean allow) {
            this.allowSpecExec = allow;
            return this;
        }

        /** The spec as currently configured. */
        public MeshSpec toSpec() {
            if (!allowSpecExec) {
                return MeshSpec.of(name, cilium, ca, exposure, azure, clusters);
            }
            List<MeshCluster> allowed = clusters.stream()
                    .map(c -> c.access() == null ? c : c.withAccess(c.access().withExecAllowed(true))).toList();
            return MeshSpec.of(name, cilium, ca, exposure, azure, allowed);
        }

        /**
         * Validates (no I/O) and builds.
         *
         * @throws MeshConfigurationException with every error finding, if any
         */
        public Mesh build() {
            MeshSpec spec = toSpec();
            List<Finding> findings = Validator.validate(spec);
            if (hasErrors(findings)) {
                throw new MeshConfigurationException(findings);
            }
            findings.forEach(f -> LOG.warn("{}", f));
            return new Mesh(this, spec);
        }
    }
}
