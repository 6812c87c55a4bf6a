package io.clustermesh.testing;

import io.clustermesh.testing.sim.LabMcsApi;
import io.clustermesh.testing.sim.SimulatedCilium;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link LabAddon} that gives every cluster of a {@link MeshLab} its {@link SimulatedCilium}: the simulator reads
 * and writes through the cluster's internal client, is woken by every write to the cluster ({@link LabCluster#onChange}),
 * answers exec in its agent pods ({@link LabCluster#execHandler}) and registers its clustermesh-apiserver in the lab's
 * resolver. Its passes run on two schedulers of their own, one for the Kubernetes side (API requests) and one for the
 * agents (etcd probes, which wait on slow peers), stopped on close together with every etcd.
 */
public final class SimulatedCiliumAddon implements LabAddon, AutoCloseable {
    /** Most threads the simulators' Kubernetes passes run on, whatever the number of clusters. */
    static final int MAX_PASS_THREADS = 8;
    /** Most threads the simulated agents' passes (probes of peers) run on, whatever the number of clusters. */
    static final int MAX_AGENT_THREADS = 8;
    /** Most etcd servers starting at once (each start is a process launch and a wait for its health). */
    static final int MAX_STARTING_ETCD = 4;

    /**
     * Resources no pass of the simulator reads (the SDK's lock leases, events, the policies {@code LabPolicies} reads at
     * query time, the ServiceImports the MCS-API pass writes): a write to them does not start a Kubernetes pass.
     */
    private static final java.util.Set<String> UNREAD_BY_THE_SIMULATOR = java.util.Set.of("leases", "events", "ciliumnetworkpolicies",
            "serviceimports");

    private final Knobs knobs;
    private final SimulatedCilium.Store store;
    private final Map<String, SimulatedCilium> byCluster = new LinkedHashMap<>();
    private ScheduledThreadPoolExecutor scheduler;
    private ScheduledThreadPoolExecutor agentScheduler;
    private ThreadPoolExecutor starter;
    private final java.util.concurrent.atomic.AtomicBoolean mcsQueued = new java.util.concurrent.atomic.AtomicBoolean();

    /** Daemon threads named {@code prefix1}, {@code prefix2}, ... (the bench counts threads named lab-* as the lab's CPU). */
    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Timing not given by the lab itself (the LB and rollout delays come from the {@link MeshLab}). */
    public record Knobs(Duration heartbeatInterval, Duration agentRefresh, Duration probeTimeout) {
        public Knobs {
            Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
            Objects.requireNonNull(agentRefresh, "agentRefresh");
            Objects.requireNonNull(probeTimeout, "probeTimeout");
        }

        public static Knobs defaults() {
            return new Knobs(Duration.ofSeconds(60), Duration.ofMillis(250), Duration.ofSeconds(2));
        }
    }

    public SimulatedCiliumAddon(Knobs knobs) {
        this(knobs, SimulatedCilium.Store.ETCD);
    }

    /** @param store what plays each cluster's clustermesh-apiserver store (see {@link SimulatedCilium.Store}) */
    public SimulatedCiliumAddon(Knobs knobs, SimulatedCilium.Store store) {
        this.knobs = Objects.requireNonNull(knobs, "knobs");
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public AutoCloseable start(MeshLab lab) {
        int n = lab.clusters().size();
        scheduler = new ScheduledThreadPoolExecutor(Math.max(2, Math.min(MAX_PASS_THREADS, n)), daemonThreads("lab-cilium-"));
        scheduler.setRemoveOnCancelPolicy(true);
        agentScheduler = new ScheduledThreadPoolExecutor(Math.max(2, Math.min(MAX_AGENT_THREADS, n)), daemonThreads("lab-agents-"));
        agentScheduler.setRemoveOnCancelPolicy(true);
        int startThreads = Math.min(MAX_STARTING_ETCD, n);
        starter = new ThreadPoolExecutor(startThreads, startThreads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("lab-etcd-start-"));
        starter.allowCoreThreadTimeOut(true); // no thread left once every etcd runs
        Map<String, KubernetesClient> clients = new LinkedHashMap<>();
        lab.clusters().forEach(c -> clients.put(c.name(), c.client()));
        LabMcsApi mcs = new LabMcsApi(clients, this::cluster);
        SimulatedCilium.Knobs k = new SimulatedCilium.Knobs(lab.lbDelay(), lab.rolloutDelay(), knobs.heartbeatInterval(),
                knobs.agentRefresh(), knobs.probeTimeout());
        for (LabCluster c : lab.clusters()) {
            SimulatedCilium sim = new SimulatedCilium(c.name(), c.client(), c.spec().subnet(), lab.resolver(), k, scheduler, agentScheduler, starter,
                    Clock.systemUTC(), lab.workDir(), store);
            synchronized (byCluster) {
                byCluster.put(c.name(), sim);
            }
            c.execHandler(sim::exec);
            // the Cilium operator registers Cilium's CRDs at startup: the lab does so once cilium-config exists
            c.expectCustomResource("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true);
            // and the MCS-API kinds (cilium/cilium pkg/clustermesh/mcsapi)
            c.expectCustomResource(LabMcsApi.GROUP, LabMcsApi.VERSION, "ServiceExport", "serviceexports", true);
            c.expectCustomResource(LabMcsApi.GROUP, LabMcsApi.VERSION, "ServiceImport", "serviceimports", true);
            c.onChange(change -> {
                if ("configmaps".equals(change.resource()) && "cilium-config".equals(change.name())) {
                    scheduler.execute(() -> registerCrds(c));
                }
                if (("configmaps".equals(change.resource()) && "cilium-config".equals(change.name()))
                        || "serviceexports".equals(change.resource()) || "services".equals(change.resource())) {
                    requestMcsSync(mcs);
                }
                if (change.resource() == null || !UNREAD_BY_THE_SIMULATOR.contains(change.resource())) {
                    sim.poke(); // the first write wakes it: an idle lab costs nothing
                }
            });
        }
        // MCS-API imports follow the agents' connections too, which change without a write: a cheap periodic pass
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                mcs.tick();
            } catch (RuntimeException e) {
                // the lab is closing; the next pass retries
            }
        }, knobs.agentRefresh().toMillis(), knobs.agentRefresh().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Asks for one MCS-API pass over every cluster; requests coalesce (at most one queued): each pass reads every
     * cluster, and a pass per Service written (Helm writes several per cluster) held the pass threads, waiting for
     * each other, while the clusters' load balancers and rollouts waited for a thread.
     */
    private void requestMcsSync(LabMcsApi mcs) {
        if (mcsQueued.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    mcsQueued.set(false);
                    syncQuietly(mcs);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                mcsQueued.set(false); // the lab is closing
            }
        }
    }

    private static void syncQuietly(LabMcsApi mcs) {
        try {
            mcs.sync();
        } catch (RuntimeException e) {
            // the lab is closing, or an object changed under the pass: the periodic pass retries
        }
    }

    private static void registerCrds(LabCluster c) {
        try {
            var crds = c.client().apiextensions().v1().customResourceDefinitions();
            if (crds.withName("ciliumnetworkpolicies.cilium.io").get() == null) {
                crds.resource(new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
                        .withNewMetadata().withName("ciliumnetworkpolicies.cilium.io").endMetadata()
                        .withNewSpec().withGroup("cilium.io").withScope("Namespaced")
                        .withNewNames().withKind("CiliumNetworkPolicy").withPlural("ciliumnetworkpolicies").withSingular("ciliumnetworkpolicy")
                        .withShortNames("cnp").endNames()
                        .addNewVersion().withName("v2").withServed(true).withStorage(true).endVersion()
                        .endSpec().build()).create();
            }
        } catch (RuntimeException e) {
            // the lab is closing or the CRD was created concurrently: nothing to do
        }
    }

    /** Every cluster's simulator, by cluster name, in the lab's order. */
    public Map<String, SimulatedCilium> clusters() {
        synchronized (byCluster) {
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byCluster));
        }
    }

    /** The simulator of a cluster. */
    public SimulatedCilium cluster(String name) {
        synchronized (byCluster) {
            SimulatedCilium s = byCluster.get(name);
            if (s == null) {
                throw new NoSuchElementException("no simulated Cilium for cluster '" + name + "'");
            }
            return s;
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (agentScheduler != null) {
            agentScheduler.shutdownNow();
        }
        synchronized (byCluster) {
            byCluster.values().forEach(SimulatedCilium::close);
        }
        if (starter != null) {
            starter.shutdown(); // queued starts run and find their simulator closed: they stop what they started
        }
        for (ScheduledThreadPoolExecutor pool : new ScheduledThreadPoolExecutor[]{scheduler, agentScheduler}) {
            if (pool != null) {
                try {
                    pool.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
