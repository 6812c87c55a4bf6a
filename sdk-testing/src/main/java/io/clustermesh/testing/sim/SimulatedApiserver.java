package io.clustermesh.testing.sim;

import io.clustermesh.cilium.CiliumClusterConfig;
import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.etcd.EtcdServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static io.clustermesh.testing.sim.SimObjects.NAMESPACE;
import static io.clustermesh.testing.sim.SimObjects.data;
import static io.clustermesh.testing.sim.SimObjects.internalIp;

/**
 * The clustermesh-apiserver of one lab cluster: a real etcd ({@link EtcdServer}) with the server certificate of secret
 * {@code clustermesh-apiserver-server-cert} (trusting what the Deployment projects at {@code ca.crt}: the secret's
 * {@code ca.crt}, or the CA bundle with {@code tls.caBundle.enabled}), {@code --client-cert-auth}, on a loopback port,
 * restarted when the certificate changes, stopped when the mesh is disabled; the LB IP:2379 is registered in the
 * lab's {@link LabNetwork} with the Service's {@code loadBalancerSourceRanges}. It publishes
 * {@code cilium/cluster-config/<name>}, {@code cilium/.has-cluster-config}, the heartbeat {@code cilium/.heartbeat}
 * (every heartbeat interval of the lab clock), the nodes and the global shared services (see
 * {@link SimulatedCilium#SERVICES_PREFIX}), each written only when it changed. With
 * {@link SimulatedCilium.Store#IN_MEMORY} the store is a {@link MemoryApiserverStore} instead of an etcd process, opened
 * and closed on the same conditions, behind the same address. Called on the simulator's serialised pass only, except
 * {@link #running()} and {@link #clientAddress()}.
 */
final class SimulatedApiserver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedApiserver.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PORT = 2379;

    private final String cluster;
    private final KubernetesClient kube;
    private final LabNetwork network;
    private final Duration heartbeatInterval;
    private final Clock clock;
    private final Path tempRoot;
    private final Executor starter;
    private final Runnable poke;
    private final SimulatedCilium.Store store;

    private volatile EtcdServer etcd;
    private volatile MemoryApiserverStore memory;
    /** The certificates an in-memory store last refused to open with (not tried again until they change). */
    private String refusedFingerprint;
    private EtcdAdmin admin;
    private String etcdFingerprint;
    private String registeredIp;
    private Map<String, String> published = new TreeMap<>();
    private Instant lastHeartbeat;
    private CompletableFuture<EtcdServer> starting;
    private String startingFingerprint;

    /**
     * @param starter where etcd starts (blocking; a start never holds up a pass)
     * @param poke    asks the simulator for a pass (after a start finished)
     * @param store   a real etcd per cluster, or the lab's in-memory store
     */
    SimulatedApiserver(String cluster, KubernetesClient kube, LabNetwork network, Duration heartbeatInterval, Clock clock,
                       Path tempRoot, Executor starter, Runnable poke, SimulatedCilium.Store store) {
        this.cluster = cluster;
        this.kube = kube;
        this.network = network;
        this.heartbeatInterval = heartbeatInterval;
        this.clock = clock;
        this.tempRoot = tempRoot;
        this.starter = starter;
        this.poke = poke;
        this.store = store;
    }

    /** Whether its etcd (or in-memory store) is running. */
    boolean running() {
        EtcdServer e = etcd;
        MemoryApiserverStore m = memory;
        return (e != null && e.isAlive()) || (m != null && m.isOpen());
    }

    /** Where its etcd really listens (or the in-memory store's address), {@code null} while it does not run. */
    InetSocketAddress clientAddress() {
        EtcdServer e = etcd;
        MemoryApiserverStore m = memory;
        return e != null ? e.clientAddress() : m != null ? m.address() : null;
    }

    /** Starts, restarts or stops etcd for what the cluster holds, and registers it behind the Service's LB IP. */
    void sync(Service svc, Deployment dep) {
        Secret server = kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-server-cert").get();
        String crt = server == null ? null : data(server, "tls.crt");
        String key = server == null ? null : data(server, "tls.key");
        String ca = server == null ? null : data(server, "ca.crt");
        // etcd's --trusted-ca-file: what the chart projects at ca.crt of volume etcd-server-secrets (the CA bundle when
        // tls.caBundle.enabled, else the server secret's ca.crt)
        Optional<SimObjects.Mounted> serverTrust = dep == null ? Optional.empty()
                : SimObjects.mounted(kube, dep.getSpec().getTemplate().getSpec(), "etcd-server-secrets", "ca.crt");
        if (serverTrust.isPresent()) {
            ca = serverTrust.get().content();
        } else if (ca == null) {
            Secret ciliumCa = kube.secrets().inNamespace(NAMESPACE).withName("cilium-ca").get();
            ca = ciliumCa == null ? null : data(ciliumCa, "ca.crt");
        }
        boolean wanted = svc != null && dep != null && crt != null && key != null && ca != null;
        String fingerprint = wanted ? SimObjects.sha256(crt + key + ca) : null;
        if ((etcd != null || memory != null) && (!wanted || !fingerprint.equals(etcdFingerprint) || !running())) {
            stopEtcd();
        }
        if (store == SimulatedCilium.Store.IN_MEMORY && wanted && memory == null && !fingerprint.equals(refusedFingerprint)) {
            openMemory(crt, key, ca, fingerprint);
        }
        if (starting != null && starting.isDone()) {
            EtcdServer started = null;
            try {
                started = starting.join();
            } catch (RuntimeException e) {
                LOG.warn("{}: the clustermesh-apiserver etcd did not start: {}", cluster, e.getMessage());
            }
            String startedFor = startingFingerprint;
            starting = null;
            if (started != null && wanted && fingerprint.equals(startedFor) && etcd == null) {
                admin = new EtcdAdmin(started.adminUrl().orElseThrow());
                etcdFingerprint = startedFor;
                published = new TreeMap<>();
                lastHeartbeat = null;
                etcd = started;
                InetSocketAddress address = started.clientAddress();
                EtcdChanges.changed(address);
                ProcessHandle.of(started.pid()).ifPresent(h -> h.onExit().thenRun(() -> EtcdChanges.exited(address)));
                LOG.debug("{}: clustermesh-apiserver etcd on {}", cluster, started.clientUrl());
            } else if (started != null) {
                started.close();
            }
        }
        if (store == SimulatedCilium.Store.ETCD && wanted && etcd == null && starting == null) {
            start(crt, key, ca, fingerprint);
        }
        String ip = svc == null ? null : SimObjects.ingressIp(svc);
        InetSocketAddress serving = clientAddress();
        if (registeredIp != null && (serving == null || !registeredIp.equals(ip))) {
            network.unregister(registeredIp, PORT);
            registeredIp = null;
        }
        if (serving != null && ip != null && registeredIp == null) {
            network.register(ip, PORT, serving);
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
            network.restrictSources(registeredIp, PORT, ranges);
        }
    }

    /** An in-memory store opens at once, on the pass; one etcd would refuse to start with is refused the same way. */
    private void openMemory(String crt, String key, String ca, String fingerprint) {
        try {
            MemoryApiserverStore opened = MemoryApiserverStore.open(cluster, crt, key, ca);
            memory = opened;
            etcdFingerprint = fingerprint;
            refusedFingerprint = null;
            published = new TreeMap<>();
            lastHeartbeat = null;
            EtcdChanges.changed(opened.address());
            LOG.debug("{}: clustermesh-apiserver store in memory at {}", cluster, opened.address().getHostString());
        } catch (IllegalArgumentException e) {
            refusedFingerprint = fingerprint;
            LOG.warn("{}: the clustermesh-apiserver did not start: {}", cluster, e.getMessage());
        }
    }

    /** etcd starts off the pass so that a slow start never holds up load balancers and rollouts. */
    private void start(String crt, String key, String ca, String fingerprint) {
        startingFingerprint = fingerprint;
        CompletableFuture<EtcdServer> f = new CompletableFuture<>();
        starting = f;
        Runnable start = () -> {
            if (f.isDone()) {
                return; // cancelled: the simulator closed before its turn came
            }
            try {
                EtcdServer.Builder b = EtcdServer.builder().name("lab-" + cluster).tls(crt, key, ca).startTimeout(Duration.ofSeconds(30));
                EtcdServer server = (tempRoot == null ? b : b.tempRoot(tempRoot)).start();
                if (!f.complete(server)) {
                    server.close(); // the simulator closed while it started
                }
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
            poke.run();
        };
        try {
            starter.execute(start);
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IllegalStateException("the lab is closing"));
        }
    }

    private void stopEtcd() {
        if (registeredIp != null) {
            network.unregister(registeredIp, PORT);
            registeredIp = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (etcd != null) {
            EtcdChanges.gone(etcd.clientAddress());
            etcd.close();
            etcd = null;
        }
        if (memory != null) {
            EtcdChanges.gone(memory.address());
            memory.close();
            memory = null;
        }
        etcdFingerprint = null;
    }

    /** What the clustermesh-apiserver publishes; written only when changed. */
    void publish(List<Node> nodes) {
        if (admin == null && memory == null) {
            return;
        }
        Map<String, String> cfg = Optional.ofNullable(kube.configMaps().inNamespace(NAMESPACE).withName("cilium-config").get())
                .map(c -> c.getData()).orElse(Map.of());
        String name = cfg.getOrDefault("cluster-name", cluster);
        int id = SimObjects.parseInt(cfg.get("cluster-id"));
        int max = cfg.get("max-connected-clusters") == null ? 255 : SimObjects.parseInt(cfg.get("max-connected-clusters"));
        Map<String, String> want = new TreeMap<>();
        want.put(SimulatedCilium.CLUSTER_CONFIG_PREFIX + name, CiliumClusterConfig.of(id, max).toJson());
        want.put(SimulatedCilium.HAS_CLUSTER_CONFIG_KEY, "true");
        for (Node n : nodes) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("Name", n.getMetadata().getName());
            node.put("Cluster", name);
            node.put("IPAddresses", List.of(new TreeMap<>(Map.of("Type", "InternalIP", "IP", String.valueOf(internalIp(n))))));
            node.put("ClusterID", id);
            want.put(SimulatedCilium.NODES_PREFIX + name + "/" + n.getMetadata().getName(), JSON.writeValueAsString(node));
        }
        for (Service s : kube.services().inAnyNamespace().list().getItems()) {
            if (AgentBackendSelection.exportedBy(s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations())
                    && LabGlobalNamespaces.global(kube, cfg, s.getMetadata().getNamespace())) {
                want.put(SimulatedCilium.SERVICES_PREFIX + name + "/" + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
                        JSON.writeValueAsString(clusterService(s, name, id)));
            }
        }
        boolean changed = false;
        try {
            for (Map.Entry<String, String> e : want.entrySet()) {
                if (!e.getValue().equals(published.get(e.getKey()))) {
                    changed = true;
                    put(e.getKey(), e.getValue());
                }
            }
            for (String old : published.keySet()) {
                if (!want.containsKey(old)) {
                    changed = true;
                    delete(old);
                }
            }
        } finally {
            if (changed) {
                EtcdChanges.changed(clientAddress()); // also after a write that failed half-way: the peers look again
            }
        }
        published = want;
    }

    /** {@code cilium/.heartbeat}, refreshed every heartbeat interval of the lab clock. */
    void heartbeat() {
        if (admin == null && memory == null) {
            return;
        }
        Instant now = clock.instant();
        if (lastHeartbeat == null || !now.isBefore(lastHeartbeat.plus(heartbeatInterval))) {
            put(SimulatedCilium.HEARTBEAT_KEY, now.toString());
            lastHeartbeat = now;
        }
    }

    private void delete(String key) {
        if (memory != null) {
            memory.delete(key);
        } else {
            admin.delete(key);
        }
    }

    private void put(String key, String value) {
        if (memory != null) {
            memory.put(key, value);
        } else {
            admin.put(key, value);
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

    @Override
    public void close() {
        stopEtcd();
        if (starting != null) {
            if (starting.cancel(false)) {
                starting = null; // not started yet: whoever starts it closes it
                return;
            }
            try {
                starting.join().close();
            } catch (RuntimeException e) {
                // it did not start: nothing to stop
            }
            starting = null;
        }
    }

    @Override
    public String toString() {
        EtcdServer e = etcd;
        MemoryApiserverStore m = memory;
        return e != null ? "etcd " + e.clientUrl() : m != null ? m.toString() : "no etcd";
    }
}
