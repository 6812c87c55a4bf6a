package io.clustermesh.testing.sim;

import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.CiliumClusterConfig;
import io.clustermesh.cilium.EtcdProbe;
import io.clustermesh.model.IpCidr;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.testing.ExecHandler;
import io.clustermesh.testing.LoopbackResolver;
import io.clustermesh.testing.etcd.EtcdServer;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The simulated Cilium of one lab cluster: reacts to what the (lab) chart rendered the way AKS, the kubelet, the
 * clustermesh-apiserver and the Cilium agents would.
 *
 * <ul>
 *   <li><b>load balancer</b>: the {@code clustermesh-apiserver} Service of type LoadBalancer gets
 *       {@code status.loadBalancer.ingress[0].ip} after {@link Knobs#lbDelay()}: the address asked for with
 *       {@code service.beta.kubernetes.io/azure-load-balancer-ipv4} or {@code spec.loadBalancerIP} (it must lie in the
 *       cluster's subnet, else no address and a Warning event {@code SyncLoadBalancerFailed}), otherwise the next free
 *       address of the subnet. Never for other Service types;</li>
 *   <li><b>rollouts</b>: Deployment {@code clustermesh-apiserver} and DaemonSet {@code cilium} are marked rolled out
 *       ({@code observedGeneration}, ready/updated counts) {@link Knobs#rolloutDelay()} after each new generation;
 *       one agent pod per node ({@code k8s-app=cilium}, Ready, {@code nodeName}, host-network IP); pods of deleted
 *       nodes are removed. Only pods it created are ever deleted;</li>
 *   <li><b>clustermesh-apiserver</b>: a real etcd ({@link EtcdServer}) with the server certificate of secret
 *       {@code clustermesh-apiserver-server-cert} (trusting what the Deployment projects at {@code ca.crt}: the
 *       secret's {@code ca.crt}, or the CA bundle with {@code tls.caBundle.enabled}), {@code --client-cert-auth}, on a
 *       loopback port, restarted when the certificate changes, stopped when the mesh is disabled; the LB IP:2379 is
 *       registered in the lab's {@link LoopbackResolver}. It publishes {@code cilium/cluster-config/<name>},
 *       {@code cilium/.has-cluster-config}, the heartbeat {@code cilium/.heartbeat} (every
 *       {@link Knobs#heartbeatInterval()}), the nodes and the global shared services (see {@link #SERVICES_PREFIX});</li>
 *   <li><b>agents</b>: read {@code cilium-clustermesh} (or {@code cilium-kvstoremesh} when KVStoreMesh is on), the
 *       peer addresses from the rendered {@code hostAliases}, and the client certificate of
 *       {@code clustermesh-apiserver-remote-cert}; connect to each peer's etcd over real mutual TLS with
 *       {@link EtcdProbe} (server name {@code <peer>.mesh.cilium.io}), trusting what their pods (or KVStoreMesh's)
 *       mount at {@code common-etcd-client-ca.crt} — the remote certificate's {@code ca.crt}, or the CA bundle when the
 *       chart projects it — and compute the RemoteCluster status of
 *       the agent's cluster-mesh status, refreshed every {@link Knobs#agentRefresh()} and after every change. {@link #execHandler()}
 *       answers {@code cilium-dbg status -o json} in the agent pods from it. Every handshake refused on trust (a
 *       server certificate of an unknown CA, a client certificate the server refuses) is recorded
 *       ({@link #trustFailures()}).</li>
 * </ul>
 *
 * <p>Global services as published, one key per Service: {@value #SERVICES_PREFIX}{@code <cluster>/<namespace>/<name>}
 * holding a JSON object close to Cilium's {@code serviceStore.ClusterService}: {@code cluster}, {@code namespace},
 * {@code name}, {@code frontends} ({@code {"<clusterIP>": {"<port name>": {"Protocol","Port"}}}}), {@code backends}
 * (the same shape, keyed by the IPs of the ready pods the Service selects), {@code labels}, {@code selector},
 * {@code shared}, {@code includeExternal}, {@code clusterID}. Only Services annotated
 * {@code service.cilium.io/global: "true"} (or the legacy {@code io.cilium/global-service}) and not
 * {@code service.cilium.io/shared: "false"} (legacy {@code io.cilium/shared-service}) are published.
 * {@link #remoteServices()} is the extension point for resolving them per Cilium's global-service rules (network/clustermesh/services).
 *
 * <p>Thread-safe: all work runs serialised on the lab's scheduler. {@link #close()} stops etcd.
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
    static final String OWNER_LABEL = "clustermesh.io/lab-owner";
    static final List<String> STATUS_COMMAND = List.of("cilium-dbg", "status", "-o", "json");
    static final List<String> SERVICE_LIST_COMMAND = List.of("cilium-dbg", "service", "list", "-o", "json");
    private static final Duration HEARTBEAT_STALE = Duration.ofMinutes(2);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

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

    private final String cluster;
    private final KubernetesClient kube;
    private final IpCidr subnet;
    private final LoopbackResolver resolver;
    private final Knobs knobs;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final java.nio.file.Path tempRoot;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Object lock = new Object();
    private volatile boolean closed;

    // reconcile state (guarded by lock)
    private final Map<String, Pending> rollouts = new HashMap<>();
    private Pending lb;
    private final Set<String> warned = new LinkedHashSet<>();
    private EtcdServer etcd;
    private EtcdAdmin admin;
    private String etcdFingerprint;
    private String registeredIp;
    private volatile String sourceIp;
    private Map<String, String> published = new TreeMap<>();
    private Instant lastHeartbeat;
    private final Map<String, Probe> probes = new HashMap<>();
    private final Map<String, Failures> failures = new HashMap<>();

    // what the agents report (read by exec)
    private volatile List<RemoteClusterState> remotes = List.of();
    private volatile Map<String, Map<String, String>> remoteServices = Map.of();
    private volatile Set<String> agentPods = Set.of();

    private record Pending(String what, long readyAtNanos) {
    }

    private static final class Failures {
        int count;
        Instant last;
    }

    private record Probe(String fingerprint, EtcdProbe probe) {
    }

    /**
     * @param cluster   the lab cluster's name
     * @param kube      a client for the lab's own requests to that cluster (not counted)
     * @param subnet    the cluster's node subnet (load balancer IPs come from it)
     * @param resolver  the lab's resolver: the LB IP:2379 is registered there, peers are looked up there
     * @param knobs     timing
     * @param scheduler where passes run (shared by the lab's simulators)
     * @param clock     the lab clock (heartbeats)
     * @param tempRoot  where etcd data directories go ({@code null}: java.io.tmpdir)
     */
    public SimulatedCilium(String cluster, KubernetesClient kube, String subnet, LoopbackResolver resolver, Knobs knobs,
                           ScheduledExecutorService scheduler, Clock clock, java.nio.file.Path tempRoot) {
        this.tempRoot = tempRoot;
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.kube = Objects.requireNonNull(kube, "kube");
        this.subnet = IpCidr.parse(subnet);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.knobs = Objects.requireNonNull(knobs, "knobs");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String cluster() {
        return cluster;
    }

    /** Asks for a reconciliation soon (cheap; calls coalesce). Called on every write to the cluster. */
    public void poke() {
        dirty = true;
        wake();
    }

    /** Schedules a pass without claiming that the cluster changed (timers: deadlines, heartbeat, agent refresh). */
    private void wake() {
        if (!closed && queued.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::run);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                queued.set(false);
            }
        }
    }

    private void pokeIn(long nanos) {
        if (!closed) {
            try {
                scheduler.schedule(this::wake, Math.max(1, nanos), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // the lab is closing
            }
        }
    }

    /**
     * One pass: the Kubernetes side only when something was written or a delay is due (so an idle lab makes no API
     * requests), then the heartbeat and the agents, which work from what the last Kubernetes pass read.
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
                }
                if (dueAt != null) {
                    next = Math.min(next, Math.max(0, dueAt - System.nanoTime()));
                }
                heartbeat();
                refreshAgents();
                serviceList = AgentServices.serviceListJson(cluster, localServices, localSlices, remoteServices);
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
        synchronized (refreshed) {
            refreshed.notifyAll();
        }
    }

    private final Object refreshed = new Object();
    private volatile boolean dirty = true;
    private volatile List<Service> localServices = List.of();
    private volatile List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice> localSlices = List.of();
    /** The agents' {@code cilium-dbg service list -o json}, recomputed after every pass. */
    private volatile String serviceList = "[]";
    private Long dueAt;

    /**
     * Waits until the agents' view satisfies {@code condition} (checked after every pass of the simulator, no
     * polling), for at most {@code timeout}.
     *
     * @return the view that satisfied it
     * @throws IllegalStateException with the last view when the time is up
     */
    public List<RemoteClusterState> awaitRemotes(java.util.function.Predicate<List<RemoteClusterState>> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (refreshed) {
            while (true) {
                List<RemoteClusterState> now = remotes;
                if (condition.test(now)) {
                    return now;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw new IllegalStateException(cluster + ": the agents did not reach the expected state within " + timeout
                            + "; last view: " + now);
                }
                wake();
                try {
                    refreshed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** One pass over the cluster; returns nanoseconds until the next pass is due. */
    private long reconcile() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        List<Node> nodes = kube.nodes().list().getItems();
        // the address the agents' connections to peers leave with (masqueraded to the node's)
        sourceIp = nodes.stream().map(SimulatedCilium::internalIp).filter(Objects::nonNull).sorted().findFirst().orElse(null);
        DaemonSet ds = kube.apps().daemonSets().inNamespace(NAMESPACE).withName("cilium").get();
        Deployment dep = kube.apps().deployments().inNamespace(NAMESPACE).withName(APISERVER).get();
        Service svc = kube.services().inNamespace(NAMESPACE).withName(APISERVER).get();

        syncAgentPods(ds, nodes);
        next = Math.min(next, rollout("DaemonSet", ds, nodes.size(), now));
        next = Math.min(next, rollout("Deployment", dep, dep == null || dep.getSpec().getReplicas() == null ? 1 : dep.getSpec().getReplicas(), now));
        next = Math.min(next, loadBalancer(svc, nodes, now));
        issueMissingCertificates(svc, dep);
        syncApiserver(svc, dep);
        publish(nodes);
        agentInputs = readAgentInputs(ds, dep);
        return next == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, next - System.nanoTime());
    }

    // ------------------------------------------------------------------------------------------ agent pods, rollouts

    private void syncAgentPods(DaemonSet ds, List<Node> nodes) {
        List<Pod> pods = kube.pods().inNamespace(NAMESPACE).withLabel(OWNER_LABEL, "simulated-cilium").list().getItems();
        Map<String, Pod> byNode = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (Pod p : pods) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            boolean nodeGone = nodes.stream().noneMatch(n -> n.getMetadata().getName().equals(node));
            if (ds == null || nodeGone) {
                kube.pods().inNamespace(NAMESPACE).withName(p.getMetadata().getName()).delete();
            } else {
                byNode.put(node, p);
                names.add(p.getMetadata().getName());
            }
        }
        if (ds != null) {
            for (Node n : nodes) {
                String node = n.getMetadata().getName();
                if (byNode.containsKey(node)) {
                    continue;
                }
                String ip = internalIp(n);
                String name = "cilium-" + suffix(node);
                kube.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
                        .addToLabels("k8s-app", "cilium").addToLabels(OWNER_LABEL, "simulated-cilium").endMetadata()
                        .withNewSpec().withNodeName(node).withHostNetwork(true).addNewContainer().withName("cilium-agent")
                        .withImage("quay.io/cilium/cilium").endContainer().endSpec()
                        .withNewStatus().withPhase("Running").withPodIP(ip).withHostIP(ip)
                        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
                names.add(name);
            }
        }
        agentPods = Set.copyOf(names);
    }

    private static String suffix(String node) {
        String h = sha256(node).substring(0, 5);
        return h.replaceAll("[^a-z0-9]", "x");
    }

    private long rollout(String kind, HasMetadata workload, int desired, long now) {
        if (workload == null) {
            rollouts.remove(kind);
            return Long.MAX_VALUE;
        }
        long generation = workload.getMetadata().getGeneration() == null ? 1 : workload.getMetadata().getGeneration();
        boolean done;
        if (workload instanceof Deployment d) {
            var st = d.getStatus();
            done = st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation
                    && Objects.equals(st.getReadyReplicas(), desired) && Objects.equals(st.getUpdatedReplicas(), desired);
        } else {
            var st = ((DaemonSet) workload).getStatus();
            done = st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation
                    && Objects.equals(st.getDesiredNumberScheduled(), desired) && Objects.equals(st.getNumberReady(), desired)
                    && Objects.equals(st.getUpdatedNumberScheduled(), desired);
        }
        if (done) {
            rollouts.remove(kind);
            return Long.MAX_VALUE;
        }
        String what = workload.getMetadata().getUid() + "/" + generation + "/" + desired;
        Pending p = rollouts.get(kind);
        if (p == null || !p.what.equals(what)) {
            p = new Pending(what, now + knobs.rolloutDelay().toNanos());
            rollouts.put(kind, p);
        }
        if (now - p.readyAtNanos < 0) {
            return p.readyAtNanos;
        }
        if (workload instanceof Deployment d) {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(generation).withReplicas(desired).withReadyReplicas(desired)
                    .withUpdatedReplicas(desired).withAvailableReplicas(desired).build());
            kube.apps().deployments().inNamespace(NAMESPACE).resource(d).updateStatus();
        } else {
            DaemonSet s = (DaemonSet) workload;
            s.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation).withDesiredNumberScheduled(desired)
                    .withCurrentNumberScheduled(desired).withNumberReady(desired).withUpdatedNumberScheduled(desired)
                    .withNumberAvailable(desired).withNumberMisscheduled(0).build());
            kube.apps().daemonSets().inNamespace(NAMESPACE).resource(s).updateStatus();
        }
        rollouts.remove(kind);
        LOG.debug("{}: {} generation {} rolled out", cluster, kind, generation);
        return Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------------------------------ load balancer

    private long loadBalancer(Service svc, List<Node> nodes, long now) {
        if (svc == null) {
            lb = null;
            return Long.MAX_VALUE;
        }
        String current = ingressIp(svc);
        if (!"LoadBalancer".equals(svc.getSpec().getType())) {
            lb = null;
            if (current != null) {
                svc.setStatus(new ServiceStatusBuilder().build());
                kube.services().inNamespace(NAMESPACE).resource(svc).updateStatus();
            }
            return Long.MAX_VALUE;
        }
        Map<String, String> annotations = svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations();
        String requested = annotations.getOrDefault("service.beta.kubernetes.io/azure-load-balancer-ipv4", svc.getSpec().getLoadBalancerIP());
        String target;
        if (requested != null && !requested.isBlank()) {
            if (!IpCidr.isAddress(requested) || !subnet.contains(requested)) {
                warnOnce(svc, requested);
                lb = null;
                return Long.MAX_VALUE;
            }
            target = requested;
        } else if (current != null) {
            target = current;
        } else {
            target = nextFree(nodes);
        }
        if (target.equals(current)) {
            lb = null;
            return Long.MAX_VALUE;
        }
        String what = svc.getMetadata().getUid() + "/" + target;
        if (lb == null || !lb.what.equals(what)) {
            lb = new Pending(what, now + knobs.lbDelay().toNanos());
        }
        if (now - lb.readyAtNanos < 0) {
            return lb.readyAtNanos;
        }
        svc.setStatus(new ServiceStatusBuilder().withLoadBalancer(new LoadBalancerStatusBuilder()
                .withIngress(new LoadBalancerIngressBuilder().withIp(target).withIpMode("VIP").build()).build()).build());
        kube.services().inNamespace(NAMESPACE).resource(svc).updateStatus();
        lb = null;
        LOG.debug("{}: clustermesh-apiserver LoadBalancer IP {}", cluster, target);
        return Long.MAX_VALUE;
    }

    private String nextFree(List<Node> nodes) {
        Set<String> used = new LinkedHashSet<>();
        nodes.forEach(n -> used.add(internalIp(n)));
        for (Service s : kube.services().inAnyNamespace().list().getItems()) {
            String ip = ingressIp(s);
            if (ip != null) {
                used.add(ip);
            }
        }
        long size = subnet.size().longValue();
        for (long i = 4; i < size - 1; i++) {
            String a = subnet.address(i);
            if (!used.contains(a)) {
                return a;
            }
        }
        throw new IllegalStateException(cluster + ": no free address left in " + subnet);
    }

    private void warnOnce(Service svc, String requested) {
        String key = svc.getMetadata().getUid() + "/" + requested;
        if (!warned.add(key)) {
            return;
        }
        String message = "Error syncing load balancer: failed to ensure load balancer: the requested private IP " + requested
                + " is not in the subnet " + subnet + " of the cluster";
        kube.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder().withNewMetadata()
                .withName(APISERVER + "." + Long.toHexString(System.nanoTime())).withNamespace(NAMESPACE).endMetadata()
                .withType("Warning").withReason("SyncLoadBalancerFailed").withMessage(message)
                .withNewInvolvedObject().withKind("Service").withNamespace(NAMESPACE).withName(APISERVER)
                .withUid(svc.getMetadata().getUid()).endInvolvedObject()
                .withNewSource().withComponent("service-controller").endSource().build()).create();
        LOG.info("{}: {}", cluster, message);
    }

    private static String ingressIp(Service s) {
        if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return null;
        }
        return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static String internalIp(Node n) {
        if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
            return null;
        }
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress)
                .findFirst().orElse(null);
    }

    // ------------------------------------------------------------------------------------------ clustermesh-apiserver

    /**
     * With {@code tls.auto.method} {@code cronJob} or {@code certmanager} the chart renders no certificate secrets: the
     * certgen job or cert-manager issues them from the CA. The simulator plays that part: when the clustermesh-apiserver
     * exists without its server certificate, it issues the server, admin, remote and local (KVStoreMesh) certificates
     * from {@code cilium-ca}. Secrets that exist are never touched.
     * <p>
     * Only while an issuer is there — the certgen Job or CronJob {@code clustermesh-apiserver-generate-certs}
     * (templates/clustermesh-apiserver/tls-cronjob/) or cert-manager's {@code Certificate}
     * (templates/clustermesh-apiserver/tls-certmanager/): with the {@code helm} or {@code sdk} method nobody issues
     * certificates in a real cluster, and a Helm upgrade that deletes the chart's certificate secrets before the
     * Service must not find simulator-made secrets in their place (Helm refuses to adopt them).
     */
    private void issueMissingCertificates(Service svc, Deployment dep) {
        if (svc == null || dep == null || kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-server-cert").get() != null
                || !certificateIssuerPresent()) {
            return;
        }
        Secret caSecret = kube.secrets().inNamespace(NAMESPACE).withName("cilium-ca").get();
        String caCrt = caSecret == null ? null : data(caSecret, "ca.crt");
        String caKey = caSecret == null ? null : data(caSecret, "ca.key");
        if (caCrt == null || caKey == null) {
            return;
        }
        var authority = new io.clustermesh.cilium.BouncyCastleCertificateAuthority();
        PemCredential ca = new PemCredential(caCrt, caKey);
        var issued = new io.clustermesh.cilium.MeshCertificates(authority).issue(ca, io.clustermesh.cilium.MeshCertificates.Profile.of(cluster).withClient(false));
        PemCredential local = authority.issue(ca, new io.clustermesh.spi.CertificateRequest("local-" + cluster, List.of(), List.of(), false, true,
                Duration.ofDays(365)));
        Map<String, PemCredential> certs = new LinkedHashMap<>();
        certs.put("server", issued.server());
        certs.put("admin", issued.admin());
        certs.put("remote", issued.remote());
        certs.put("local", local);
        certs.forEach((name, cert) -> {
            String secret = "clustermesh-apiserver-" + name + "-cert";
            if (kube.secrets().inNamespace(NAMESPACE).withName(secret).get() == null) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("ca.crt", b64(caCrt));
                d.put("tls.crt", b64(cert.certificatePem()));
                d.put("tls.key", b64(cert.privateKeyPem()));
                kube.secrets().inNamespace(NAMESPACE).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                        .withName(secret).withNamespace(NAMESPACE).addToLabels(OWNER_LABEL, "simulated-cilium").endMetadata()
                        .withType("kubernetes.io/tls").withData(d).build()).create();
            }
        });
        LOG.debug("{}: issued the clustermesh-apiserver certificates from cilium-ca (as the certgen job would)", cluster);
    }

    private boolean certificateIssuerPresent() {
        String certgen = "clustermesh-apiserver-generate-certs";
        if (kube.batch().v1().jobs().inNamespace(NAMESPACE).withName(certgen).get() != null
                || kube.batch().v1().cronjobs().inNamespace(NAMESPACE).withName(certgen).get() != null) {
            return true;
        }
        try {
            return kube.genericKubernetesResources("cert-manager.io/v1", "Certificate").inNamespace(NAMESPACE)
                    .withName("clustermesh-apiserver-server-cert").get() != null;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return false; // cert-manager's CRD is not installed: no Certificate can exist
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private void syncApiserver(Service svc, Deployment dep) {
        Secret server = kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-server-cert").get();
        String crt = server == null ? null : data(server, "tls.crt");
        String key = server == null ? null : data(server, "tls.key");
        String ca = server == null ? null : data(server, "ca.crt");
        // etcd's --trusted-ca-file: what the chart projects at ca.crt of volume etcd-server-secrets (the CA bundle when
        // tls.caBundle.enabled, else the server secret's ca.crt)
        Optional<Mounted> serverTrust = dep == null ? Optional.empty() : mounted(dep.getSpec().getTemplate().getSpec(), "etcd-server-secrets", "ca.crt");
        if (serverTrust.isPresent()) {
            ca = serverTrust.get().content();
        } else if (ca == null) {
            Secret ciliumCa = kube.secrets().inNamespace(NAMESPACE).withName("cilium-ca").get();
            ca = ciliumCa == null ? null : data(ciliumCa, "ca.crt");
        }
        boolean wanted = svc != null && dep != null && crt != null && key != null && ca != null;
        String fingerprint = wanted ? sha256(crt + key + ca) : null;
        if (etcd != null && (!wanted || !fingerprint.equals(etcdFingerprint) || !etcd.isAlive())) {
            stopEtcd();
        }
        if (starting != null && starting.isDone()) {
            // etcd starts on its own thread so that a slow start never holds up load balancers and rollouts
            EtcdServer started = null;
            try {
                started = starting.join();
            } catch (RuntimeException e) {
                LOG.warn("{}: the clustermesh-apiserver etcd did not start: {}", cluster, e.getMessage());
            }
            String startedFor = startingFingerprint;
            starting = null;
            if (started != null && wanted && fingerprint.equals(startedFor) && etcd == null) {
                etcd = started;
                etcdFingerprint = startedFor;
                admin = new EtcdAdmin(etcd.adminUrl().orElseThrow());
                published = new TreeMap<>();
                lastHeartbeat = null;
                LOG.debug("{}: clustermesh-apiserver etcd on {}", cluster, etcd.clientUrl());
            } else if (started != null) {
                started.close();
            }
        }
        if (wanted && etcd == null && starting == null) {
            String c = crt;
            String k = key;
            String a = ca;
            startingFingerprint = fingerprint;
            starting = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<EtcdServer> f = starting;
            Thread t = new Thread(() -> {
                try {
                    EtcdServer.Builder b = EtcdServer.builder().name("lab-" + cluster).tls(c, k, a).startTimeout(Duration.ofSeconds(30));
                    f.complete((tempRoot == null ? b : b.tempRoot(tempRoot)).start());
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
                poke();
            }, "lab-" + cluster + "-etcd-start");
            t.setDaemon(true);
            t.start();
        }
        String ip = svc == null ? null : ingressIp(svc);
        if (registeredIp != null && (etcd == null || !registeredIp.equals(ip))) {
            resolver.unregister(registeredIp, 2379);
            registeredIp = null;
        }
        if (etcd != null && ip != null && registeredIp == null) {
            lastTarget = etcd.clientAddress();
            resolver.register(ip, 2379, lastTarget);
            registeredIp = ip;
        }
        if (registeredIp != null) {
            // the load balancer drops connections from outside spec.loadBalancerSourceRanges (as the rendered Service says)
            List<IpCidr> ranges = new ArrayList<>();
            for (String r : svc.getSpec().getLoadBalancerSourceRanges() == null ? List.<String>of() : svc.getSpec().getLoadBalancerSourceRanges()) {
                try {
                    ranges.add(IpCidr.parse(r));
                } catch (IllegalArgumentException bad) {
                    LOG.warn("{}: the clustermesh-apiserver Service has an invalid loadBalancerSourceRanges entry '{}'; ignored", cluster, r);
                }
            }
            resolver.restrictSources(registeredIp, 2379, ranges);
        }
    }

    private InetSocketAddress lastTarget;
    private java.util.concurrent.CompletableFuture<EtcdServer> starting;
    private String startingFingerprint;

    private void stopEtcd() {
        if (registeredIp != null) {
            resolver.unregister(registeredIp, 2379);
            registeredIp = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
        etcdFingerprint = null;
    }

    /** What the clustermesh-apiserver publishes; written only when changed (the heartbeat on its interval). */
    private void publish(List<Node> nodes) {
        if (admin == null) {
            return;
        }
        Map<String, String> cfg = Optional.ofNullable(kube.configMaps().inNamespace(NAMESPACE).withName("cilium-config").get())
                .map(c -> c.getData()).orElse(Map.of());
        String name = cfg.getOrDefault("cluster-name", cluster);
        int id = parseInt(cfg.get("cluster-id"));
        int max = cfg.get("max-connected-clusters") == null ? 255 : parseInt(cfg.get("max-connected-clusters"));
        Map<String, String> want = new TreeMap<>();
        want.put(CLUSTER_CONFIG_PREFIX + name, CiliumClusterConfig.of(id, max).toJson());
        want.put(HAS_CLUSTER_CONFIG_KEY, "true");
        for (Node n : nodes) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("Name", n.getMetadata().getName());
            node.put("Cluster", name);
            node.put("IPAddresses", List.of(new TreeMap<>(Map.of("Type", "InternalIP", "IP", String.valueOf(internalIp(n))))));
            node.put("ClusterID", id);
            want.put(NODES_PREFIX + name + "/" + n.getMetadata().getName(), JSON.writeValueAsString(node));
        }
        for (Service s : kube.services().inAnyNamespace().list().getItems()) {
            if (AgentBackendSelection.exportedBy(s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations())
                    && LabGlobalNamespaces.global(kube, cfg, s.getMetadata().getNamespace())) {
                want.put(SERVICES_PREFIX + name + "/" + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
                        JSON.writeValueAsString(clusterService(s, name, id)));
            }
        }
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!e.getValue().equals(published.get(e.getKey()))) {
                admin.put(e.getKey(), e.getValue());
            }
        }
        for (String old : published.keySet()) {
            if (!want.containsKey(old)) {
                admin.delete(old);
            }
        }
        published = want;
    }

    /** {@code cilium/.heartbeat}, refreshed every heartbeat interval of the lab clock. */
    private void heartbeat() {
        if (admin == null) {
            return;
        }
        Instant now = clock.instant();
        if (lastHeartbeat == null || !now.isBefore(lastHeartbeat.plus(knobs.heartbeatInterval()))) {
            admin.put(HEARTBEAT_KEY, now.toString());
            lastHeartbeat = now;
        }
    }

    private Map<String, Object> clusterService(Service s, String clusterName, int id) {
        Map<String, Object> ports = new LinkedHashMap<>();
        Map<String, Object> targetPorts = new LinkedHashMap<>();
        for (ServicePort p : s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts()) {
            String portName = p.getName() == null ? "" : p.getName();
            ports.put(portName, portConfiguration(p.getProtocol(), p.getPort()));
            int target = p.getTargetPort() != null && p.getTargetPort().getIntVal() != null ? p.getTargetPort().getIntVal() : p.getPort();
            targetPorts.put(portName, portConfiguration(p.getProtocol(), target));
        }
        Map<String, Object> frontends = new LinkedHashMap<>();
        if (s.getSpec().getClusterIP() != null && !"None".equals(s.getSpec().getClusterIP())) {
            frontends.put(s.getSpec().getClusterIP(), ports);
        }
        Map<String, Object> backends = new TreeMap<>();
        Map<String, String> selector = s.getSpec().getSelector();
        if (selector != null && !selector.isEmpty()) {
            for (Pod p : kube.pods().inNamespace(s.getMetadata().getNamespace()).withLabels(selector).list().getItems()) {
                boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                if (ready && p.getStatus().getPodIP() != null) {
                    backends.put(p.getStatus().getPodIP(), targetPorts);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", clusterName);
        out.put("namespace", s.getMetadata().getNamespace());
        out.put("name", s.getMetadata().getName());
        out.put("frontends", frontends);
        out.put("backends", backends);
        out.put("labels", s.getMetadata().getLabels() == null ? Map.of() : new TreeMap<>(s.getMetadata().getLabels()));
        out.put("selector", selector == null ? Map.of() : new TreeMap<>(selector));
        out.put("shared", true);
        out.put("includeExternal", true);
        out.put("clusterID", id);
        return out;
    }

    /** Cilium's {@code loadbalancer.L4Addr} as JSON: {@code {"Protocol": "TCP", "Port": 80}} (in that order). */
    private static Map<String, Object> portConfiguration(String protocol, int port) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Protocol", protocol == null ? "TCP" : protocol);
        m.put("Port", port);
        return m;
    }

    // ------------------------------------------------------------------------------------------ agents

    /** What the agents read from their cluster: the remote configurations, host aliases and client certificate. */
    private record AgentInputs(boolean kvstoremesh, Map<String, String> configs, Map<String, List<String>> aliases, Secret remoteCert,
                               Secret localCert, Optional<Mounted> remoteTrust, Optional<Mounted> localTrust) {
    }

    /**
     * One file of a projected volume as the kubelet mounts it: {@code content} is {@code null} when the Secret or
     * ConfigMap that projects it (or its key) is missing.
     */
    private record Mounted(String source, String content) {
    }

    /**
     * What a container reads at {@code path} of the projected volume {@code volume}: the item of the Secret or ConfigMap
     * projecting that path. With {@code tls.caBundle.enabled} the chart projects the CA bundle (ConfigMap, or Secret
     * with {@code useSecret}, {@code tls.caBundle.name}/{@code key}) where it otherwise projects a secret's
     * {@code ca.crt} (cilium templates/cilium-agent/daemonset.yaml volume clustermesh-secrets,
     * templates/clustermesh-apiserver/deployment.yaml volumes etcd-server-secrets and, from chart 1.18,
     * kvstoremesh-secrets), so the simulated agents trust exactly what the real ones would read.
     *
     * @return empty when no projection of that volume has the path (the lab's template chart mounts nothing)
     */
    private Optional<Mounted> mounted(PodSpec spec, String volume, String path) {
        if (spec == null || spec.getVolumes() == null) {
            return Optional.empty();
        }
        for (io.fabric8.kubernetes.api.model.Volume v : spec.getVolumes()) {
            if (!volume.equals(v.getName()) || v.getProjected() == null || v.getProjected().getSources() == null) {
                continue;
            }
            for (io.fabric8.kubernetes.api.model.VolumeProjection src : v.getProjected().getSources()) {
                if (src.getSecret() != null && src.getSecret().getItems() != null) {
                    for (io.fabric8.kubernetes.api.model.KeyToPath item : src.getSecret().getItems()) {
                        if (path.equals(item.getPath())) {
                            Secret secret = kube.secrets().inNamespace(NAMESPACE).withName(src.getSecret().getName()).get();
                            return Optional.of(new Mounted("secret " + NAMESPACE + "/" + src.getSecret().getName() + " key " + item.getKey(),
                                    secret == null ? null : data(secret, item.getKey())));
                        }
                    }
                }
                if (src.getConfigMap() != null && src.getConfigMap().getItems() != null) {
                    for (io.fabric8.kubernetes.api.model.KeyToPath item : src.getConfigMap().getItems()) {
                        if (path.equals(item.getPath())) {
                            var cm = kube.configMaps().inNamespace(NAMESPACE).withName(src.getConfigMap().getName()).get();
                            return Optional.of(new Mounted("configmap " + NAMESPACE + "/" + src.getConfigMap().getName() + " key " + item.getKey(),
                                    cm == null || cm.getData() == null ? null : cm.getData().get(item.getKey())));
                        }
                    }
                }
            }
        }
        return Optional.empty();
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

    private final List<TrustFailure> trustFailures = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Every trust failure the agents of this cluster met since the lab started, in order: a connection refused for an
     * unknown CA or a refused client certificate. Transient refusals while a clustermesh-apiserver restarts are
     * connection failures, not trust failures, and are not listed.
     */
    public List<TrustFailure> trustFailures() {
        return List.copyOf(trustFailures);
    }

    /** Whether a {@link MeshAccessException} of a probe is a verdict on certificates (not an etcd permission answer, not a cut handshake). */
    private static boolean trustVerdict(String message) {
        if (message.contains("answered HTTP")) {
            return false;
        }
        if (!message.contains("refused the client certificate")) {
            return true; // the agent's own trust manager rejected the server certificate
        }
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("bad_certificate") || m.contains("unknown_ca") || m.contains("certificate_unknown")
                || m.contains("not signed by the mesh ca");
    }

    private void recordTrustFailure(String peer, String detail) {
        trustFailures.add(new TrustFailure(clock.instant(), cluster, peer, detail));
        LOG.debug("{}: trust failure towards {}: {}", cluster, peer, detail);
    }

    private AgentInputs agentInputs;

    private AgentInputs readAgentInputs(DaemonSet ds, Deployment dep) {
        if (ds == null) {
            return null;
        }
        boolean kvstoremesh = dep != null && dep.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> "kvstoremesh".equals(c.getName()));
        Secret configs = kube.secrets().inNamespace(NAMESPACE).withName(kvstoremesh ? "cilium-kvstoremesh" : "cilium-clustermesh").get();
        Map<String, String> texts = new TreeMap<>();
        if (configs != null && configs.getData() != null) {
            configs.getData().forEach((k, v) -> texts.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        Map<String, List<String>> aliases = hostAliases(kvstoremesh ? dep.getSpec().getTemplate().getSpec() : ds.getSpec().getTemplate().getSpec());
        Secret remoteCert = kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-remote-cert").get();
        Secret localCert = kvstoremesh ? kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-local-cert").get() : null;
        // the CA the remote connections verify servers with: KVStoreMesh's (clustermesh-apiserver) or the agents'
        PodSpec agentSpec = ds.getSpec().getTemplate().getSpec();
        Optional<Mounted> remoteTrust = kvstoremesh ? mounted(dep.getSpec().getTemplate().getSpec(), "kvstoremesh-secrets", "common-etcd-client-ca.crt")
                : mounted(agentSpec, "clustermesh-secrets", "common-etcd-client-ca.crt");
        Optional<Mounted> localTrust = kvstoremesh ? mounted(agentSpec, "clustermesh-secrets", "local-etcd-client-ca.crt") : Optional.empty();
        return new AgentInputs(kvstoremesh, texts, aliases, remoteCert, localCert, remoteTrust, localTrust);
    }

    private void refreshAgents() {
        AgentInputs in = agentInputs;
        if (in == null || in.configs.isEmpty()) {
            remotes = List.of();
            remoteServices = Map.of();
            return;
        }
        List<RemoteClusterState> out = new ArrayList<>();
        Map<String, Map<String, String>> services = new TreeMap<>();
        // with KVStoreMesh the agents reach every remote cluster through the local clustermesh-apiserver
        String localProblem = in.kvstoremesh ? localKvstoremesh(in.localCert, in.localTrust) : null;
        for (Map.Entry<String, String> e : in.configs.entrySet()) {
            if (!e.getValue().contains("endpoints:")) {
                continue; // not a remote cluster configuration (e.g. a certificate file)
            }
            out.add(localProblem != null ? failed(e.getKey(), localProblem, true)
                    : probePeer(e.getKey(), e.getValue(), in.aliases, in.remoteCert, in.remoteTrust, in.kvstoremesh, services));
        }
        probes.keySet().removeIf(k -> out.stream().noneMatch(r -> k.equals(r.name())));
        memos.keySet().removeIf(k -> out.stream().noneMatch(r -> k.equals(r.name())));
        remotes = List.copyOf(out);
        remoteServices = Map.copyOf(services);
    }

    private static final String LOCAL_SERVER_NAME = "clustermesh-apiserver." + NAMESPACE + ".svc";
    private EtcdProbe localProbe;
    private String localFingerprint;
    private long localOkAtNanos;

    /**
     * The agents' own connection to the local clustermesh-apiserver (KVStoreMesh): real mutual TLS with the
     * {@code clustermesh-apiserver-local-cert} client certificate, the server checked for
     * {@code clustermesh-apiserver.kube-system.svc}.
     *
     * @return why it fails, or {@code null} when the agents can use it
     */
    private String localKvstoremesh(Secret localCert, Optional<Mounted> trust) {
        String endpoint = "https://" + LOCAL_SERVER_NAME + ":2379";
        if (etcd == null) {
            closeLocalProbe();
            return "failed to connect to etcd: dial tcp " + LOCAL_SERVER_NAME + ":2379: connect: connection refused "
                    + "(the local clustermesh-apiserver with KVStoreMesh is not running)";
        }
        String crt = localCert == null ? null : data(localCert, "tls.crt");
        String key = localCert == null ? null : data(localCert, "tls.key");
        String ca = trust.isPresent() ? trust.get().content() : localCert == null ? null : data(localCert, "ca.crt");
        // the client certificate and key come first: a missing clustermesh-apiserver-local-cert says so, whatever the CA
        if (crt == null || key == null || (ca == null && trust.isEmpty())) {
            closeLocalProbe();
            return "unable to load the etcd client certificate for " + endpoint + ": secret " + NAMESPACE
                    + "/clustermesh-apiserver-local-cert is missing or incomplete";
        }
        if (ca == null) {
            closeLocalProbe();
            return "unable to read the trusted CA file local-etcd-client-ca.crt: " + trust.get().source() + " is missing";
        }
        InetSocketAddress target = etcd.clientAddress();
        String fp = sha256(target + crt + key + ca);
        if (localProbe != null && fp.equals(localFingerprint) && System.nanoTime() - localOkAtNanos < FULL_PROBE_NANOS) {
            return null;
        }
        if (localProbe == null || !fp.equals(localFingerprint)) {
            closeLocalProbe();
            localProbe = EtcdProbe.builder().peer(cluster).serverName(LOCAL_SERVER_NAME)
                    .address(target.getAddress().getHostAddress(), target.getPort())
                    .client(new PemCredential(crt, key)).trustedCa(ca).timeout(knobs.probeTimeout()).build();
            localFingerprint = fp;
        }
        try {
            localProbe.get(HEARTBEAT_KEY);
            localOkAtNanos = System.nanoTime();
            return null;
        } catch (MeshException e) {
            closeLocalProbe();
            String m = labAddress(e.getMessage(), target, LOCAL_SERVER_NAME, 2379);
            if (e instanceof MeshAccessException && trustVerdict(m)) {
                recordTrustFailure(cluster, tlsFailure(m, LOCAL_SERVER_NAME));
            }
            return e instanceof MeshAccessException ? tlsFailure(m, LOCAL_SERVER_NAME) : "failed to connect to etcd: " + m;
        }
    }

    /** A failed handshake as the Go etcd client words it, with the probe's diagnosis in parentheses. */
    private static String tlsFailure(String diagnosis, String host) {
        String go = diagnosis.contains("refused the client certificate") ? "remote error: tls: bad certificate"
                : diagnosis.contains(", not for '") ? "tls: failed to verify certificate: x509: certificate is not valid for " + host
                : diagnosis.contains("expired at") || diagnosis.contains("is not valid before")
                ? "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
                : "tls: failed to verify certificate: x509: certificate signed by unknown authority";
        return "failed to connect to etcd: " + go + " (" + diagnosis + ")";
    }

    private void closeLocalProbe() {
        if (localProbe != null) {
            localProbe.close();
            localProbe = null;
            localFingerprint = null;
        }
    }

    /** The last full look at a peer, reused while it stays healthy (then only its heartbeat is read). */
    private record Memo(String inputs, long fullAtNanos, RemoteClusterState state, Map<String, String> services) {
    }

    private static final long FULL_PROBE_NANOS = Duration.ofSeconds(3).toNanos();
    private final Map<String, Memo> memos = new HashMap<>();

    private RemoteClusterState probePeer(String peer, String config, Map<String, List<String>> aliases, Secret remoteCert,
                                         Optional<Mounted> trust, boolean kvstoremesh, Map<String, Map<String, String>> services) {
        URI endpoint;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = YAML.readValue(config, LinkedHashMap.class);
            Object eps = parsed.get("endpoints");
            endpoint = URI.create(String.valueOf(eps instanceof List<?> l && !l.isEmpty() ? l.get(0) : eps));
        } catch (RuntimeException ex) {
            return failed(peer, "unable to read the etcd configuration of " + peer + ": it is not YAML with endpoints", kvstoremesh);
        }
        if (remoteCert == null || data(remoteCert, "tls.crt") == null || data(remoteCert, "tls.key") == null || data(remoteCert, "ca.crt") == null) {
            return failed(peer, "unable to load the etcd client certificate: secret " + NAMESPACE
                    + "/clustermesh-apiserver-remote-cert is missing or incomplete", kvstoremesh);
        }
        String trustedCa = trust.isPresent() ? trust.get().content() : data(remoteCert, "ca.crt");
        if (trustedCa == null) {
            return failed(peer, "unable to read the trusted CA file common-etcd-client-ca.crt: " + trust.get().source() + " is missing", kvstoremesh);
        }
        String host = endpoint.getHost();
        int port = endpoint.getPort() < 0 ? 2379 : endpoint.getPort();
        List<String> ips = IpCidr.isAddress(host) ? List.of(host) : aliases.getOrDefault(host, List.of());
        if (ips.isEmpty() && resolver.resolve(host, port).isPresent()) {
            ips = List.of(host); // a DNS name the lab serves (an entry with an address instead of ips)
        }
        if (ips.isEmpty()) {
            return failed(peer, "failed to connect to etcd: dial tcp: lookup " + host + ": no such host", kvstoremesh);
        }
        String ip = ips.get(0);
        Optional<InetSocketAddress> target = resolver.resolve(ip, port);
        if (target.isEmpty()) {
            return failed(peer, "failed to connect to etcd: dial tcp " + ip + ":" + port + ": connect: connection refused", kvstoremesh);
        }
        if (!resolver.admits(ip, port, sourceIp)) {
            // the peer's load balancer drops what comes from outside its source ranges: the dial times out
            return failed(peer, "failed to connect to etcd: dial tcp " + ip + ":" + port + ": i/o timeout", kvstoremesh);
        }
        EtcdProbe probe = probe(peer, target.get(), remoteCert, trustedCa);
        String inputs = sha256(config + ip + port + probes.get(peer).fingerprint());
        Memo memo = memos.get(peer);
        try {
            if (memo != null && memo.inputs.equals(inputs) && memo.state.ready() && System.nanoTime() - memo.fullAtNanos < FULL_PROBE_NANOS) {
                services.put(peer, memo.services);
                return memo.state; // healthy and looked at less than FULL_PROBE ago (the heartbeat goes stale after 2 minutes)
            }
            memos.remove(peer);
            // everything an agent reads before and while syncing, in one range request (etcd's JSON gateway)
            Map<String, String> all = probe.range("cilium/");
            boolean required = all.containsKey(HAS_CLUSTER_CONFIG_KEY);
            Optional<CiliumClusterConfig> cfg;
            try {
                cfg = Optional.ofNullable(all.get(CLUSTER_CONFIG_PREFIX + peer)).map(CiliumClusterConfig::parse);
            } catch (IllegalArgumentException bad) {
                return failed(peer, "unable to parse the cluster configuration " + CLUSTER_CONFIG_PREFIX + peer + ": " + bad.getMessage(), kvstoremesh);
            }
            Optional<String> heartbeat = Optional.ofNullable(all.get(HEARTBEAT_KEY));
            int nodes = (int) all.keySet().stream().filter(k -> k.startsWith(NODES_PREFIX + peer + "/")).count();
            Map<String, String> svcs = new TreeMap<>();
            all.forEach((k, v) -> {
                if (k.startsWith(SERVICES_PREFIX + peer + "/")) {
                    svcs.put(k, v);
                }
            });
            services.put(peer, svcs);
            String etcdStatus = "etcd: 1/1 connected, leases=0, lock leases=0, has-quorum=true: https://" + host + ":" + port + " - 3.4 (Leader)";
            if (heartbeat.isEmpty() || stale(heartbeat.get())) {
                Failures f = failures.computeIfAbsent(peer, k -> new Failures());
                f.count++;
                f.last = clock.instant();
                return new RemoteClusterState(peer, true, false, "etcd: " + (heartbeat.isEmpty() ? "no heartbeat found" : "heartbeat "
                        + heartbeat.get() + " is older than " + HEARTBEAT_STALE.toMinutes() + "m") + " under " + HEARTBEAT_KEY
                        + ": the clustermesh-apiserver of " + peer + " is not running", f.count, f.last, nodes, svcs.size(),
                        cfg.map(CiliumClusterConfig::id).orElse(0), required, cfg.isPresent(), kvstoremesh,
                        cfg.map(CiliumClusterConfig::syncedCanaries).orElse(false));
            }
            Failures f = failures.get(peer);
            if (cfg.isEmpty() && required) {
                return new RemoteClusterState(peer, true, false, "cluster configuration expected to be present but not found ("
                        + CLUSTER_CONFIG_PREFIX + peer + " does not exist at " + host + "); " + etcdStatus, f == null ? 0 : f.count,
                        f == null ? null : f.last, nodes, svcs.size(), 0, true, false, kvstoremesh, false);
            }
            RemoteClusterState ok = new RemoteClusterState(peer, true, true, etcdStatus, f == null ? 0 : f.count, f == null ? null : f.last, nodes,
                    svcs.size(), cfg.map(CiliumClusterConfig::id).orElse(0), required, cfg.isPresent(), kvstoremesh,
                    cfg.map(CiliumClusterConfig::syncedCanaries).orElse(false));
            memos.put(peer, new Memo(inputs, System.nanoTime(), ok, svcs));
            return ok;
        } catch (MeshAccessException ex) {
            closeProbe(peer);
            String m = labAddress(ex.getMessage(), target.get(), ip, port);
            if (trustVerdict(m)) {
                recordTrustFailure(peer, tlsFailure(m, host));
            }
            return failed(peer, tlsFailure(m, host), kvstoremesh);
        } catch (MeshException ex) {
            if (!(ex instanceof MeshUnreachableException)) {
                closeProbe(peer);
            } // a peer not up yet (refused, timed out): the same client dials again next time, no new TLS context and HTTP client
            String m = labAddress(ex.getMessage(), target.get(), ip, port);
            String text = m.contains("within") ? "failed to connect to etcd: context deadline exceeded (" + m + ")"
                    : m.toLowerCase(java.util.Locale.ROOT).contains("refused") || m.contains("cannot connect")
                    ? "failed to connect to etcd: dial tcp " + ip + ":" + port + ": connect: connection refused" : "failed to connect to etcd: " + m;
            return failed(peer, text, kvstoremesh);
        }
    }

    /** The probe connects to the loopback stand-in; messages name the lab address the agent dialled. */
    private static String labAddress(String message, InetSocketAddress target, String ip, int port) {
        return message == null ? "" : message.replace(target.getAddress().getHostAddress() + ":" + target.getPort(), ip + ":" + port);
    }

    private boolean stale(String heartbeat) {
        try {
            return Instant.parse(heartbeat.trim()).plus(HEARTBEAT_STALE).isBefore(clock.instant());
        } catch (RuntimeException e) {
            return false; // a format we do not know: a heartbeat all the same
        }
    }

    private RemoteClusterState failed(String peer, String status, boolean kvstoremesh) {
        Failures f = failures.computeIfAbsent(peer, k -> new Failures());
        f.count++;
        f.last = clock.instant();
        return new RemoteClusterState(peer, false, false, status, f.count, f.last, 0, 0, 0, false, false, kvstoremesh, false);
    }

    private EtcdProbe probe(String peer, InetSocketAddress target, Secret remoteCert, String ca) {
        String crt = data(remoteCert, "tls.crt");
        String key = data(remoteCert, "tls.key");
        String fp = sha256(target + crt + key + ca);
        Probe p = probes.get(peer);
        if (p != null && p.fingerprint.equals(fp)) {
            return p.probe;
        }
        closeProbe(peer);
        EtcdProbe probe = EtcdProbe.builder().peer(peer).address(target.getAddress().getHostAddress(), target.getPort())
                .client(new PemCredential(crt, key)).trustedCa(ca).timeout(knobs.probeTimeout()).build();
        probes.put(peer, new Probe(fp, probe));
        return probe;
    }

    private void closeProbe(String peer) {
        Probe p = probes.remove(peer);
        if (p != null) {
            p.probe.close();
        }
    }

    private static Map<String, List<String>> hostAliases(PodSpec spec) {
        Map<String, List<String>> out = new HashMap<>();
        if (spec == null || spec.getHostAliases() == null) {
            return out;
        }
        for (HostAlias a : spec.getHostAliases()) {
            for (String h : a.getHostnames() == null ? List.<String>of() : a.getHostnames()) {
                out.computeIfAbsent(h, k -> new ArrayList<>()).add(a.getIp());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ what the lab reads

    /** What this cluster's agents report per remote cluster (all agents of a cluster share one view). */
    public List<RemoteClusterState> remoteClusters() {
        return remotes;
    }

    /** The agent pods the simulator runs. */
    public Set<String> agentPods() {
        return agentPods;
    }

    /**
     * The global services the agents synced from each peer: peer name to (etcd key to {@code ClusterService} JSON).
     * The extension point for resolving global services with Cilium's global-service semantics (network/clustermesh/services) (local backends plus these,
     * by the Service's affinity).
     */
    /** What this cluster's agents do with a request to {@code namespace/name} (see {@link AgentBackendSelection}). */
    public AgentBackendSelection.Outcome agentOutcome(String namespace, String name) {
        return AgentServices.outcome(cluster, kube, remoteServices, namespace, name);
    }

    public Map<String, Map<String, String>> remoteServices() {
        return remoteServices;
    }

    /** Whether the simulated clustermesh-apiserver's etcd is running. */
    public boolean apiserverRunning() {
        EtcdServer e = etcd;
        return e != null && e.isAlive();
    }

    /** The agents' {@code cilium-dbg status -o json}. */
    public String statusJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> mesh = new LinkedHashMap<>();
        mesh.put("clusters", remotes.stream().map(RemoteClusterState::toJson).toList());
        int global = remoteServices.values().stream().mapToInt(Map::size).sum();
        mesh.put("num-global-services", global);
        root.put("cluster-mesh", mesh);
        root.put("kvstore", Map.of("state", "Disabled"));
        return JSON.writeValueAsString(root);
    }

    /** Answers exec in the agent pods: {@code cilium-dbg status -o json} in container {@code cilium-agent}. */
    public ExecHandler execHandler() {
        return (ns, pod, container, command) -> {
            if (!NAMESPACE.equals(ns) || !agentPods.contains(pod)) {
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
        };
    }

    @Override
    public void close() {
        closed = true;
        synchronized (refreshed) {
            refreshed.notifyAll();
        }
        synchronized (lock) {
            probes.keySet().stream().toList().forEach(this::closeProbe);
            closeLocalProbe();
            stopEtcd();
            if (starting != null) {
                try {
                    starting.join().close();
                } catch (RuntimeException e) {
                    // it did not start: nothing to stop
                }
                starting = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static String data(Secret s, String key) {
        if (s.getData() != null && s.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
        }
        if (s.getStringData() != null) {
            return s.getStringData().get(key);
        }
        return null;
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "SimulatedCilium[" + cluster + (etcd == null ? "" : ", etcd " + etcd.clientUrl()) + "]";
    }
}
