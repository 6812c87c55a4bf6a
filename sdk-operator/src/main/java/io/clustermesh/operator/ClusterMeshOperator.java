package io.clustermesh.operator;

import com.azure.core.credential.TokenCredential;
import io.clustermesh.Mesh;
import io.clustermesh.model.MeshSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The {@code ClusterMesh} controller: fabric8 informers on {@code ClusterMesh} resources and Secrets of one namespace,
 * a work queue with a bounded worker pool (one reconcile per object at a time, per-object exponential back-off, a
 * periodic resync with jitter for drift), and fabric8's {@code LeaderElector} on a {@code coordination.k8s.io} Lease so
 * that of several replicas exactly one reconciles. Losing the lease stops the informers and the queue at once.
 *
 * <pre>{@code
 * try (ClusterMeshOperator op = ClusterMeshOperator.builder().client(client).namespace("clustermesh-system").build()) {
 *     op.start();
 *     ...
 * }
 * }</pre>
 */
public final class ClusterMeshOperator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMeshOperator.class);

    private final Settings s;
    private final ClusterMeshReconciler reconciler;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicInteger reconciles = new AtomicInteger();
    private final Object lock = new Object();
    private final Map<String, ScheduledFuture<?>> scheduled = new HashMap<>();
    private final Map<String, Long> due = new HashMap<>();
    private final Set<String> running = new HashSet<>();
    private final Set<String> dirty = new HashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private ScheduledExecutorService timer;
    private ExecutorService workers;
    private SharedIndexInformer<GenericKubernetesResource> meshInformer;
    private SharedIndexInformer<Secret> secretInformer;
    private CompletableFuture<?> election;

    private final AzureAccess azure;

    private ClusterMeshOperator(Settings s) {
        this.s = s;
        this.azure = AzureAccess.of(s.azureCredential, s.armEndpoint, s.environment);
        this.reconciler = new ClusterMeshReconciler(s.client, s.meshes, s.identity, s.clock, leading::get, azure);
    }

    /** How clusters given as {@code azure:} are reached, for the start-up log (never a secret). */
    String azure() {
        return azure.describe();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts the leader election; this instance reconciles while it holds the lease. */
    public void start() {
        election = s.client.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName("clustermesh-operator")
                .withLeaseDuration(s.leaseDuration).withRenewDeadline(s.renewDeadline).withRetryPeriod(s.retryPeriod)
                .withLock(new LeaseLock(s.leaseNamespace, s.leaseName, s.identity))
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                        leader -> LOG.info("leader of {}/{}: {}", s.leaseNamespace, s.leaseName, leader)))
                .withReleaseOnCancel(true).build()).build().start();
    }

    /** True while this instance holds the lease and reconciles. */
    public boolean isLeader() {
        return leading.get();
    }

    /** True while this instance takes part in the leader election (leading or standing by). */
    public boolean electionRunning() {
        CompletableFuture<?> e = election;
        return e != null && !e.isDone();
    }

    /** How many reconciles this instance ran (started). */
    public int reconciles() {
        return reconciles.get();
    }

    /** This instance's identity (the Lease holder). */
    public String identity() {
        return s.identity;
    }

    private void startLeading() {
        synchronized (lock) {
            LOG.info("{} leads: reconciling ClusterMesh resources in {}", s.identity, s.namespace);
            leading.set(true);
            timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "clustermesh-operator-timer"));
            AtomicInteger n = new AtomicInteger();
            workers = Executors.newFixedThreadPool(s.workers, r -> daemon(r, "clustermesh-operator-" + n.incrementAndGet()));
        }
        meshInformer = s.client.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(s.namespace)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource r) {
                        enqueue(r.getMetadata().getName(), Duration.ZERO);
                    }

                    @Override
                    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource r) {
                        // a status write is no change of the spec: generation, deletion and finalizers are
                        if (!Objects.equals(old.getMetadata().getGeneration(), r.getMetadata().getGeneration())
                                || !Objects.equals(old.getAdditionalProperties().get("spec"), r.getAdditionalProperties().get("spec"))
                                || r.getMetadata().getDeletionTimestamp() != null) {
                            enqueue(r.getMetadata().getName(), Duration.ZERO);
                        }
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource r, boolean unknown) {
                        forget(r.getMetadata().getName());
                    }
                });
        secretInformer = s.client.secrets().inNamespace(s.namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret r) {
                secretChanged(r.getMetadata().getName());
            }

            @Override
            public void onUpdate(Secret old, Secret r) {
                if (!Objects.equals(old.getData(), r.getData()) || !Objects.equals(old.getStringData(), r.getStringData())) {
                    secretChanged(r.getMetadata().getName());
                }
            }

            @Override
            public void onDelete(Secret r, boolean unknown) {
                secretChanged(r.getMetadata().getName());
            }
        });
    }

    private void stopLeading() {
        LOG.info("{} stops leading", s.identity);
        leading.set(false);
        if (meshInformer != null) meshInformer.close();
        if (secretInformer != null) secretInformer.close();
        synchronized (lock) {
            if (timer != null) timer.shutdownNow();
            if (workers != null) workers.shutdownNow();
            scheduled.clear();
            due.clear();
            running.clear();
            dirty.clear();
        }
    }

    private void secretChanged(String secret) {
        if (meshInformer == null) {
            return;
        }
        for (GenericKubernetesResource r : meshInformer.getStore().list()) {
            ClusterMeshSpec.Result read = ClusterMeshSpec.read(r.getMetadata().getName(), r.getAdditionalProperties().get("spec"), x -> null);
            if (read.secrets().stream().anyMatch(ref -> ref.name().equals(secret))) {
                enqueue(r.getMetadata().getName(), Duration.ZERO);
            }
        }
    }

    private void enqueue(String name, Duration delay) {
        synchronized (lock) {
            if (!leading.get() || timer == null || timer.isShutdown()) {
                return;
            }
            if (running.contains(name)) {
                if (delay.isZero()) dirty.add(name);
                return;
            }
            long at = System.nanoTime() + delay.toNanos();
            Long current = due.get(name);
            if (current != null && current - at <= 0) {
                return;
            }
            ScheduledFuture<?> old = scheduled.remove(name);
            if (old != null) old.cancel(false);
            due.put(name, at);
            scheduled.put(name, timer.schedule(() -> dispatch(name), delay.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    private void dispatch(String name) {
        synchronized (lock) {
            scheduled.remove(name);
            due.remove(name);
            if (!leading.get() || workers.isShutdown()) return;
            running.add(name);
            workers.execute(() -> run(name));
        }
    }

    private void forget(String name) {
        synchronized (lock) {
            ScheduledFuture<?> f = scheduled.remove(name);
            if (f != null) f.cancel(false);
            due.remove(name);
            failures.remove(name);
        }
    }

    private void run(String name) {
        ClusterMeshReconciler.Outcome outcome;
        reconciles.incrementAndGet();
        try {
            outcome = reconciler.reconcile(s.namespace, name);
        } catch (RuntimeException e) {
            LOG.warn("ClusterMesh {}/{}: reconcile failed ({})", s.namespace, name, e.getMessage());
            outcome = ClusterMeshReconciler.Outcome.FAILED;
        }
        Duration next;
        synchronized (lock) {
            running.remove(name);
            if (outcome == ClusterMeshReconciler.Outcome.GONE) {
                failures.remove(name);
                return;
            }
            if (outcome == ClusterMeshReconciler.Outcome.FAILED) {
                int f = failures.merge(name, 1, Integer::sum);
                long ms = Math.min(s.maxBackoff.toMillis(), s.baseBackoff.toMillis() << Math.min(f - 1, 20));
                next = Duration.ofMillis(ms);
            } else {
                failures.remove(name);
                long jitter = s.resyncJitter.isZero() ? 0 : ThreadLocalRandom.current().nextLong(s.resyncJitter.toMillis() + 1);
                next = s.resync.plusMillis(jitter);
            }
            if (dirty.remove(name)) next = Duration.ZERO;
        }
        enqueue(name, next);
    }

    /**
     * Stops reconciling and gives the lease up, in that order: the reconciler is fenced (writes nothing more) before a
     * successor can take the lease.
     */
    @Override
    public void close() {
        stopLeading();
        if (election != null) election.cancel(true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static final class Settings {
        KubernetesClient client;
        String namespace = "default";
        String leaseNamespace;
        String leaseName = "clustermesh-operator";
        String identity = System.getenv().getOrDefault("HOSTNAME", "clustermesh-operator") + "-" + ProcessHandle.current().pid();
        Function<MeshSpec, Mesh.Builder> meshes = spec -> Mesh.builder().spec(spec);
        Duration resync = Duration.ofMinutes(5);
        Duration resyncJitter = Duration.ofSeconds(30);
        Duration baseBackoff = Duration.ofSeconds(1);
        Duration maxBackoff = Duration.ofMinutes(5);
        Duration leaseDuration = Duration.ofSeconds(15);
        Duration renewDeadline = Duration.ofSeconds(10);
        Duration retryPeriod = Duration.ofSeconds(2);
        int workers = 4;
        Clock clock = Clock.systemUTC();
        TokenCredential azureCredential;
        URI armEndpoint;
        Map<String, String> environment = System.getenv();
    }

    /** Configures a {@link ClusterMeshOperator}. */
    public static final class Builder {
        private final Settings s = new Settings();

        /** The management cluster (where the {@code ClusterMesh} resources, their Secrets and the Lease live). */
        public Builder client(KubernetesClient client) {
            s.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The namespace watched for {@code ClusterMesh} resources and Secrets (default {@code default}). */
        public Builder namespace(String ns) {
            s.namespace = Objects.requireNonNull(ns, "namespace");
            return this;
        }

        /** Where the leader-election Lease lives and its name (default: the watched namespace, {@code clustermesh-operator}). */
        public Builder lease(String namespace, String name) {
            s.leaseNamespace = Objects.requireNonNull(namespace, "namespace");
            s.leaseName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Lease duration, renew deadline and retry period of the leader election (default 15 s, 10 s, 2 s). */
        public Builder leaseTimings(Duration duration, Duration renewDeadline, Duration retryPeriod) {
            s.leaseDuration = duration;
            s.renewDeadline = renewDeadline;
            s.retryPeriod = retryPeriod;
            return this;
        }

        /** This instance's identity, the Lease holder (default: {@code $HOSTNAME-pid}). */
        public Builder identity(String identity) {
            s.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /** How a {@link Mesh.Builder} is made for a spec (default {@code Mesh.builder().spec(spec)}). */
        public Builder meshes(Function<MeshSpec, Mesh.Builder> meshes) {
            s.meshes = Objects.requireNonNull(meshes, "meshes");
            return this;
        }

        /** The periodic resync (drift repair) of every resource and its random jitter (default 5 min + up to 30 s). */
        public Builder resync(Duration every, Duration jitter) {
            s.resync = Objects.requireNonNull(every, "every");
            s.resyncJitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /** Per-object exponential back-off after a failed reconcile (default 1 s doubling up to 5 min). */
        public Builder backoff(Duration base, Duration max) {
            s.baseBackoff = Objects.requireNonNull(base, "base");
            s.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /** How many resources are reconciled at once (default 4). */
        public Builder workers(int n) {
            if (n < 1) throw new IllegalArgumentException("workers must be at least 1, was " + n);
            s.workers = n;
            return this;
        }

        /** The clock of status times. */
        public Builder clock(Clock clock) {
            s.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The Azure credential for clusters given as AKS resources ({@code azure: {resourceGroup, name}}): ARM calls and,
         * for Microsoft Entra ID clusters, the tokens of their Kubernetes API. Default: workload identity, a
         * {@code WorkloadIdentityCredential} from {@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID},
         * {@code AZURE_FEDERATED_TOKEN_FILE} and {@code AZURE_AUTHORITY_HOST} (what the AKS workload identity webhook
         * injects); without them, a resource with an Azure cluster is {@code Degraded} with the finding
         * {@code AZURE_WORKLOAD_IDENTITY_MISSING}.
         */
        public Builder azureCredential(TokenCredential credential) {
            s.azureCredential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /**
         * The Azure Resource Manager endpoint (default {@code https://management.azure.com}): a sovereign cloud's, Azure
         * Stack's, or a local fake ({@code http://127.0.0.1:8089}, where no bearer token is sent).
         */
        public Builder armEndpoint(URI endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            String scheme = endpoint.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("armEndpoint must be an http(s) URL such as https://management.azure.com, got " + endpoint);
            }
            s.armEndpoint = endpoint;
            return this;
        }

        /** The environment workload identity is read from (default {@code System.getenv()}); for tests. */
        Builder environment(Map<String, String> env) {
            s.environment = Map.copyOf(Objects.requireNonNull(env, "env"));
            return this;
        }

        /** Builds the operator (not started). */
        public ClusterMeshOperator build() {
            Objects.requireNonNull(s.client, "client(KubernetesClient) is required");
            if (s.leaseNamespace == null) s.leaseNamespace = s.namespace;
            return new ClusterMeshOperator(s);
        }
    }
}
