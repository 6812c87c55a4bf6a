package io.clustermesh.testing.sim;

import io.clustermesh.model.IpCidr;
import io.clustermesh.spi.ExecResult;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The simulated Cilium of one lab cluster: reacts to what the chart rendered the way AKS, the kubelet, the
 * clustermesh-apiserver and the Cilium agents would. Each part is a class of its own. The Kubernetes side (rollouts,
 * load balancer, certgen, clustermesh-apiserver) runs in this order on one serialised pass, the agents on a pass of
 * their own on another pool, so that agents probing slow peers never hold up a cluster's load balancer or rollouts:
 *
 * <ul>
 *   <li>{@link SimulatedRollouts}: one agent pod per node for DaemonSet {@code cilium}, and DaemonSet {@code cilium}
 *       and Deployment {@code clustermesh-apiserver} rolled out {@link Knobs#rolloutDelay()} after each new generation;</li>
 *   <li>{@link SimulatedLoadBalancer}: the {@code clustermesh-apiserver} Service of type LoadBalancer gets its ingress
 *       IP after {@link Knobs#lbDelay()} (the requested one when it lies in the cluster's subnet);</li>
 *   <li>{@link CertgenJob}: with {@code tls.auto.method} {@code cronJob}/{@code certmanager}, the certificates the
 *       chart does not render;</li>
 *   <li>{@link SimulatedApiserver}: the clustermesh-apiserver, a real etcd with mutual TLS behind the LB IP:2379 in the
 *       lab's {@link LabNetwork}, publishing cluster config, heartbeat (every {@link Knobs#heartbeatInterval()}), nodes
 *       and global services;</li>
 *   <li>{@link SimulatedAgents}: the agents' connections to each peer's etcd (real mutual TLS, one client per peer,
 *       reused) and the RemoteCluster status they compute, refreshed every {@link Knobs#agentRefresh()} and after
 *       every change; {@link #exec} answers {@code cilium-dbg status -o json} and {@code cilium-dbg service list -o json}
 *       in the agent pods from it.</li>
 * </ul>
 *
 * <p>The Kubernetes side runs only when something was written or a delay is due (an idle lab makes no API requests);
 * the agents' service table is rebuilt only when what it is made of changed.
 *
 * <p>Global services as published, one key per Service: {@value #SERVICES_PREFIX}{@code <cluster>/<namespace>/<name>}
 * holding a JSON object close to Cilium's {@code serviceStore.ClusterService} (cilium/cilium
 * {@code pkg/clustermesh/store/store.go}): {@code cluster}, {@code namespace}, {@code name}, {@code frontends}
 * ({@code {"<clusterIP>": {"<port name>": {"Protocol","Port"}}}}), {@code backends} (the same shape, keyed by the IPs
 * of the ready pods the Service selects), {@code labels}, {@code selector}, {@code shared}, {@code includeExternal},
 * {@code clusterID}. Only Services annotated {@code service.cilium.io/global: "true"} (or the legacy
 * {@code io.cilium/global-service}) and not {@code service.cilium.io/shared: "false"} (legacy
 * {@code io.cilium/shared-service}) are published.
 *
 * <p>Thread-safe: the Kubernetes side runs serialised on the lab's scheduler, the agents serialised on the agents'
 * scheduler; they share only what the Kubernetes pass read (volatile, replaced whole). {@link #close()} stops etcd.
 */
public final class SimulatedCilium implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCilium.class);
    public static final String NAMESPACE = "kube-system";
    public static final String APISERVER = "clustermesh-apiserver";
    public static final String SERVICES_PREFIX = "cilium/state/services/v1/";
    public static final String NODES_PREFIX = "cilium/state/nodes/v1/";
    public static final String HEARTBEAT_KEY = "cilium/.heartbeat";
    public static final String HAS_CLUSTER_CONFIG_KEY = "cilium/.has-cluster-config";
    public static final String CLUSTER_CONFIG_PREFIX = "cilium/cluster-config/";
    static final List<String> STATUS_COMMAND = List.of("cilium-dbg", "status", "-o", "json");
    static final List<String> SERVICE_LIST_COMMAND = List.of("cilium-dbg", "service", "list", "-o", "json");

    /**
     * The simulator's timing.
     *
     * @param lbDelay           from a LoadBalancer Service (or a new requested IP) to its ingress IP
     * @param rolloutDelay      from a new workload generation to rolled out
     * @param heartbeatInterval how often the clustermesh-apiserver refreshes {@code cilium/.heartbeat} (lab clock)
     * @param agentRefresh      how often agents re-check their peers besides reacting to changes
     * @param probeTimeout      bound of each request an agent makes to a peer
     */
    public record Knobs(Duration lbDelay, Duration rolloutDelay, Duration heartbeatInterval, Duration agentRefresh, Duration probeTimeout) {
        public Knobs {
            for (Duration d : new Duration[]{lbDelay, rolloutDelay, heartbeatInterval, agentRefresh, probeTimeout}) {
                Objects.requireNonNull(d, "knob");
                if (d.isNegative()) {
                    throw new IllegalArgumentException("lab delays must not be negative: " + d);
                }
            }
            if (agentRefresh.isZero() || probeTimeout.isZero() || heartbeatInterval.isZero()) {
                throw new IllegalArgumentException("agentRefresh, probeTimeout and heartbeatInterval must be positive");
            }
        }
    }

    /**
     * What plays each cluster's clustermesh-apiserver store.
     */
    public enum Store {
        /**
         * A real etcd process per cluster with mutual TLS, and a real TLS connection from each cluster's agents to each
         * peer: the default, and what every lab of up to 16 clusters runs.
         */
        ETCD,
        /**
         * The large-mesh lab mode: each clustermesh-apiserver's store is kept in the lab's memory (no process, no socket)
         * and the agents' connections are judged by the rules of etcd's mutual-TLS handshake (the server certificate's
         * chain to the CA the agents trust, its validity, key usage and DNS name; the client certificate's chain to the
         * CA the server trusts), computed by the lab with the JDK's PKIX validator. For meshes of hundreds of clusters,
         * where one etcd process and one TLS connection per cluster pair (64 770 at 255 clusters) do not fit a small
         * machine. Everything else (Kubernetes API servers, Helm, rollouts, load balancers, what is published and when)
         * is the same. Never the default.
         */
        IN_MEMORY
    }

    /**
     * A TLS handshake between an agent (or KVStoreMesh) of this cluster and a clustermesh-apiserver that failed on
     * trust: the peer's certificate was not signed by a CA the connecting side trusts, or the server refused the
     * client certificate.
     *
     * @param at      the lab clock's time
     * @param cluster the connecting cluster (this one)
     * @param peer    the cluster whose clustermesh-apiserver was dialled ({@code cluster} itself for the agents'
     *                connection to the local KVStoreMesh)
     * @param detail  the agent's status text
     */
    public record TrustFailure(Instant at, String cluster, String peer, String detail) {
    }

    private final String cluster;
    private final KubernetesClient kube;
    private final Knobs knobs;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService agentScheduler;
    private final SimulatedRollouts rollouts;
    private final SimulatedLoadBalancer loadBalancer;
    private final CertgenJob certgen;
    private final SimulatedApiserver apiserver;
    private final SimulatedAgents agents;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean agentsQueued = new AtomicBoolean();
    /** Whether the agents' periodic refresh is armed: one timer at a time, however often a pass is asked for. */
    private final AtomicBoolean agentsTimerArmed = new AtomicBoolean();
    /** Guards the Kubernetes pass. */
    private final Object lock = new Object();
    /** Guards the agents' pass. */
    private final Object agentLock = new Object();
    private final Object refreshed = new Object();
    private final AtomicLong agentPasses = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean dirty = true;

    // Kubernetes pass state (guarded by lock)
    private Long dueAt;
    // what the Kubernetes pass read for the agents' pass
    private volatile String sourceIp;
    private volatile List<Service> localServices = List.of();
    private volatile List<EndpointSlice> localSlices = List.of();
    // agents' pass state (guarded by agentLock)
    private Object serviceListInputs;
    /** The agents' {@code cilium-dbg service list -o json}, rebuilt when its inputs changed. */
    private volatile String serviceList = "[]";

    /**
     * A simulator whose agents' passes share the Kubernetes passes' scheduler (see the other constructor).
     */
    public SimulatedCilium(String cluster, KubernetesClient kube, String subnet, LabNetwork network, Knobs knobs,
                           ScheduledExecutorService scheduler, Executor starter, Clock clock, Path tempRoot) {
        this(cluster, kube, subnet, network, knobs, scheduler, scheduler, starter, clock, tempRoot);
    }

    /**
     * @param cluster   the lab cluster's name
     * @param kube      a client for the lab's own requests to that cluster (not counted)
     * @param subnet    the cluster's node subnet (load balancer IPs come from it)
     * @param network   the lab's address book: the LB IP:2379 is registered there, peers are looked up there
     * @param knobs     timing
     * @param scheduler where the Kubernetes passes run (shared by the lab's simulators)
     * @param agentScheduler where the agents' passes run (shared by the lab's simulators; their probes of peers wait
     *                  on the network)
     * @param starter   where the clustermesh-apiserver's etcd starts (blocking work, off the passes)
     * @param clock     the lab clock (heartbeats)
     * @param tempRoot  where etcd data directories go ({@code null}: java.io.tmpdir)
     */
    public SimulatedCilium(String cluster, KubernetesClient kube, String subnet, LabNetwork network, Knobs knobs,
                           ScheduledExecutorService scheduler, ScheduledExecutorService agentScheduler, Executor starter, Clock clock,
                           Path tempRoot) {
        this(cluster, kube, subnet, network, knobs, scheduler, agentScheduler, starter, clock, tempRoot, Store.ETCD);
    }

    /**
     * Like the other constructors, with {@code store} playing the clustermesh-apiserver's store (see {@link Store}).
     */
    public SimulatedCilium(String cluster, KubernetesClient kube, String subnet, LabNetwork network, Knobs knobs,
                           ScheduledExecutorService scheduler, ScheduledExecutorService agentScheduler, Executor starter, Clock clock,
                           Path tempRoot, Store store) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.kube = Objects.requireNonNull(kube, "kube");
        this.knobs = Objects.requireNonNull(knobs, "knobs");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.agentScheduler = Objects.requireNonNull(agentScheduler, "agentScheduler");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(clock, "clock");
        this.rollouts = new SimulatedRollouts(cluster, kube, knobs.rolloutDelay());
        this.loadBalancer = new SimulatedLoadBalancer(cluster, kube, IpCidr.parse(subnet), knobs.lbDelay());
        this.certgen = new CertgenJob(cluster, kube);
        this.apiserver = new SimulatedApiserver(cluster, kube, network, knobs.heartbeatInterval(), clock, tempRoot,
                Objects.requireNonNull(starter, "starter"), this::poke, Objects.requireNonNull(store, "store"));
        this.agents = new SimulatedAgents(cluster, kube, network, knobs.probeTimeout(), clock);
    }

    public String cluster() {
        return cluster;
    }

    /** Asks for a reconciliation soon (cheap; calls coalesce). Called on every write to the cluster. */
    public void poke() {
        dirty = true;
        wake();
    }

    /** Schedules a Kubernetes pass without claiming that the cluster changed (timers: deadlines, heartbeat). */
    private void wake() {
        if (!closed && queued.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::run);
            } catch (RejectedExecutionException e) {
                queued.set(false);
            }
        }
    }

    /** Schedules an agents' pass (after a Kubernetes pass, every {@link Knobs#agentRefresh()}, or when waited for). */
    private void wakeAgents() {
        if (!closed && agentsQueued.compareAndSet(false, true)) {
            try {
                agentScheduler.execute(this::runAgents);
            } catch (RejectedExecutionException e) {
                agentsQueued.set(false);
            }
        }
    }

    private void pokeIn(long nanos) {
        schedule(this::wake, nanos);
    }

    private void schedule(Runnable r, long nanos) {
        if (!closed) {
            try {
                scheduler.schedule(r, Math.max(1, nanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException ignored) {
                // the lab is closing
            }
        }
    }

    /**
     * One Kubernetes pass: the cluster's objects only when something was written or a delay is due (so an idle lab
     * makes no API requests), then the heartbeat; an agents' pass follows whatever this one read.
     */
    private void run() {
        queued.set(false);
        if (closed) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            long next = knobs.agentRefresh().toNanos();
            try {
                long now = System.nanoTime();
                if (dirty || (dueAt != null && now - dueAt >= 0)) {
                    dirty = false;
                    long wait = reconcile();
                    dueAt = wait == Long.MAX_VALUE ? null : System.nanoTime() + wait;
                    // what the agents' service watch sees (read here, never on an exec: exec answers run on the API server's event loop)
                    localServices = kube.services().inAnyNamespace().list().getItems();
                    localSlices = kube.discovery().v1().endpointSlices().inAnyNamespace().list().getItems();
                    wakeAgents();
                }
                if (dueAt != null) {
                    next = Math.min(next, Math.max(0, dueAt - System.nanoTime()));
                }
                apiserver.heartbeat();
            } catch (KubernetesClientException e) {
                LOG.debug("{}: simulated Cilium will retry after: {}", cluster, e.getMessage());
                dirty = true;
                next = TimeUnit.MILLISECONDS.toNanos(50);
            } catch (RuntimeException e) {
                if (!closed && !Thread.currentThread().isInterrupted()) { // interrupted: the lab is closing
                    LOG.warn("{}: simulated Cilium step failed: {}", cluster, e.toString());
                }
                dirty = true;
                next = TimeUnit.MILLISECONDS.toNanos(100);
            }
            pokeIn(next);
        }
    }

    /**
     * One agents' pass: every peer looked at (from what the last Kubernetes pass read) and the service table; the next
     * one {@link Knobs#agentRefresh()} later. On a pool of its own: a probe of a peer that does not answer waits up to
     * {@link Knobs#probeTimeout()}, and must not hold up the Kubernetes side of other clusters.
     */
    private void runAgents() {
        agentsQueued.set(false);
        if (closed) {
            return;
        }
        synchronized (agentLock) {
            if (closed) {
                return;
            }
            try {
                agents.refresh(sourceIp, apiserver.clientAddress());
                agentPasses.incrementAndGet();
                rebuildServiceList();
            } catch (RuntimeException e) {
                if (!closed && !Thread.currentThread().isInterrupted()) {
                    LOG.warn("{}: simulated Cilium agents' step failed: {}", cluster, e.toString());
                }
            }
            if (agentsTimerArmed.compareAndSet(false, true)) {
                schedule(() -> {
                    agentsTimerArmed.set(false);
                    wakeAgents();
                }, knobs.agentRefresh().toNanos());
            }
        }
        synchronized (refreshed) {
            refreshed.notifyAll();
        }
    }

    /** The service table changes only with the local Services, their slices or what the agents synced from peers. */
    private void rebuildServiceList() {
        Map<String, Map<String, String>> remote = agents.remoteServices();
        List<Object> inputs = List.of(localServices, localSlices, remote);
        if (serviceListInputs instanceof List<?> last && last.size() == 3 && last.get(0) == localServices
                && last.get(1) == localSlices && last.get(2).equals(remote)) {
            return;
        }
        serviceList = AgentServices.serviceListJson(cluster, localServices, localSlices, remote);
        serviceListInputs = inputs;
    }

    /** One pass over the cluster; returns nanoseconds until the next pass is due. */
    private long reconcile() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        List<Node> nodes = kube.nodes().list().getItems();
        // the address the agents' connections to peers leave with (masqueraded to the node's)
        sourceIp = nodes.stream().map(SimObjects::internalIp).filter(Objects::nonNull).sorted().findFirst().orElse(null);
        DaemonSet ds = kube.apps().daemonSets().inNamespace(NAMESPACE).withName("cilium").get();
        Deployment dep = kube.apps().deployments().inNamespace(NAMESPACE).withName(APISERVER).get();
        Service svc = kube.services().inNamespace(NAMESPACE).withName(APISERVER).get();

        rollouts.syncAgentPods(ds, nodes);
        next = Math.min(next, rollouts.rollout("DaemonSet", ds, nodes.size(), now));
        next = Math.min(next, rollouts.rollout("Deployment", dep, dep == null || dep.getSpec().getReplicas() == null ? 1 : dep.getSpec().getReplicas(), now));
        next = Math.min(next, loadBalancer.sync(svc, nodes, now));
        certgen.issueMissingCertificates(svc, dep);
        apiserver.sync(svc, dep);
        apiserver.publish(nodes);
        agents.readInputs(ds, dep);
        return next == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, next - System.nanoTime());
    }

    /**
     * Waits until the agents' view satisfies {@code condition} (checked after every pass of the simulator, no
     * polling), for at most {@code timeout}.
     *
     * @return the view that satisfied it
     * @throws IllegalStateException with the last view when the time is up
     */
    public List<RemoteClusterState> awaitRemotes(Predicate<List<RemoteClusterState>> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (refreshed) {
            while (true) {
                List<RemoteClusterState> now = agents.remotes();
                if (condition.test(now)) {
                    return now;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw new IllegalStateException(cluster + ": the agents did not reach the expected state within " + timeout
                            + "; last view: " + now);
                }
                wake();
                wakeAgents();
                try {
                    refreshed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** How many agents' passes (every peer looked at) ran so far. */
    public long agentPasses() {
        return agentPasses.get();
    }

    /**
     * Waits, without asking for extra passes, until the agents' own passes (every {@link Knobs#agentRefresh()}, and
     * after Kubernetes passes) have run {@code passes} more times, for at most {@code timeout}.
     *
     * @throws IllegalStateException when the time is up
     */
    public void awaitAgentPasses(long passes, Duration timeout) {
        long target = agentPasses.get() + passes;
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (refreshed) {
            while (agentPasses.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw new IllegalStateException(cluster + ": the agents ran " + (passes - (target - agentPasses.get()))
                            + " of " + passes + " passes within " + timeout);
                }
                try {
                    refreshed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ what the lab reads

    /** What this cluster's agents report per remote cluster (all agents of a cluster share one view). */
    public List<RemoteClusterState> remoteClusters() {
        return agents.remotes();
    }

    /** The agent pods the simulator runs. */
    public Set<String> agentPods() {
        return rollouts.agentPods();
    }

    /** What this cluster's agents do with a request to {@code namespace/name} (see {@link AgentBackendSelection}). */
    public AgentBackendSelection.Outcome agentOutcome(String namespace, String name) {
        return AgentServices.outcome(cluster, kube, agents.remoteServices(), namespace, name);
    }

    /**
     * The global services the agents synced from each peer: peer name to (etcd key to {@code ClusterService} JSON).
     * The extension point for resolving global services with Cilium's global-service semantics
     * (cilium/cilium {@code pkg/clustermesh/service_merger.go}): local backends plus these, by the Service's affinity.
     */
    public Map<String, Map<String, String>> remoteServices() {
        return agents.remoteServices();
    }

    /** Whether the simulated clustermesh-apiserver's etcd is running. */
    public boolean apiserverRunning() {
        return apiserver.running();
    }

    /** The agents' {@code cilium-dbg status -o json}. */
    public String statusJson() {
        return agents.statusJson();
    }

    /**
     * Every trust failure the agents of this cluster met since the lab started, in order: a connection refused for an
     * unknown CA or a refused client certificate. Transient refusals while a clustermesh-apiserver restarts are
     * connection failures, not trust failures, and are not listed.
     */
    public List<TrustFailure> trustFailures() {
        return agents.trustFailures();
    }

    /**
     * How many TLS clients the agents of this cluster opened so far, to peers and to the local KVStoreMesh: one per peer
     * while nothing changes, a new one only after a certificate, address or trust change or a refused handshake.
     */
    public int clientsOpened() {
        return agents.clientsOpened();
    }

    /**
     * How many times the agents of this cluster read each peer's etcd in full so far, by peer name: again only when
     * the peer's etcd changed (what a real agent's watch reports), its heartbeat went stale, the agents' own inputs
     * changed, or a minute passed.
     */
    public Map<String, Long> peerReads() {
        return agents.peerReads();
    }

    /**
     * Answers exec in the agent pods (the lab's exec handler for this cluster): {@code cilium-dbg status -o json} and
     * {@code cilium-dbg service list -o json} in container {@code cilium-agent}.
     *
     * @return empty when the pod is not one of the agent pods
     */
    public Optional<ExecResult> exec(String namespace, String pod, String container, List<String> command) {
        if (!NAMESPACE.equals(namespace) || !rollouts.agentPods().contains(pod)) {
            return Optional.empty();
        }
        if (container != null && !"cilium-agent".equals(container)) {
            return Optional.of(new ExecResult(1, "", "error: container " + container + " is not valid for pod " + pod + "\n"));
        }
        List<String> cmd = command.isEmpty() ? List.of() : new ArrayList<>(command);
        if (!cmd.isEmpty() && cmd.get(0).equals("cilium")) {
            cmd.set(0, "cilium-dbg");
        }
        if (cmd.equals(STATUS_COMMAND)) {
            return Optional.of(new ExecResult(0, statusJson(), ""));
        }
        if (cmd.equals(SERVICE_LIST_COMMAND)) {
            return Optional.of(new ExecResult(0, serviceList, ""));
        }
        return Optional.of(new ExecResult(127, "", "the lab's simulated agent only answers 'cilium-dbg status -o json' and "
                + "'cilium-dbg service list -o json'\n"));
    }

    @Override
    public void close() {
        closed = true;
        synchronized (refreshed) {
            refreshed.notifyAll();
        }
        synchronized (agentLock) {
            agents.close();
        }
        synchronized (lock) {
            apiserver.close();
        }
    }

    @Override
    public String toString() {
        return "SimulatedCilium[" + cluster + ", " + apiserver + "]";
    }
}
