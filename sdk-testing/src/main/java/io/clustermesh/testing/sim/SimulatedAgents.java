package io.clustermesh.testing.sim;

import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.CiliumClusterConfig;
import io.clustermesh.cilium.EtcdProbe;
import io.clustermesh.model.IpCidr;
import io.clustermesh.spi.PemCredential;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.clustermesh.testing.sim.SimObjects.NAMESPACE;
import static io.clustermesh.testing.sim.SimObjects.data;

/**
 * The Cilium agents of one lab cluster (all agents of a cluster share one view): they read {@code cilium-clustermesh}
 * (or {@code cilium-kvstoremesh} when KVStoreMesh is on), the peer addresses from the rendered {@code hostAliases},
 * and the client certificate of {@code clustermesh-apiserver-remote-cert}; connect to each peer's etcd over real
 * mutual TLS with {@link EtcdProbe} (server name {@code <peer>.mesh.cilium.io}), trusting what their pods (or
 * KVStoreMesh's) mount at {@code common-etcd-client-ca.crt}; and compute the RemoteCluster status of the agent's
 * cluster-mesh status (cilium/cilium {@code pkg/clustermesh/common/remote_cluster.go}, {@code api/v1/models/remote_cluster.go}).
 * <p>
 * One TLS client per peer, kept across passes while the address, certificate and trusted CA stay the same: the
 * agents of a cluster share it (as they share one view). A healthy peer is looked at in full again when its etcd
 * changed ({@link EtcdChanges}: what a real agent's watch reports), when its heartbeat went stale on the lab clock,
 * when the agents' own inputs changed, and at least every {@value #MEMO_MAX_SECONDS} s; a peer that is not up yet is
 * dialled again with the same client. A client is
 * replaced only when a handshake failed on trust or the peer answered something else than unreachable. Every
 * handshake refused on trust is recorded ({@link #trustFailures()}). Called on the simulator's serialised pass only,
 * except the volatile views.
 */
final class SimulatedAgents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedAgents.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Duration HEARTBEAT_STALE = Duration.ofMinutes(2);
    private static final int FULL_PROBE_SECONDS = 3;
    private static final long FULL_PROBE_NANOS = Duration.ofSeconds(FULL_PROBE_SECONDS).toNanos();
    private static final int MEMO_MAX_SECONDS = 60;
    private static final long MEMO_MAX_NANOS = Duration.ofSeconds(MEMO_MAX_SECONDS).toNanos();
    private static final String LOCAL_SERVER_NAME = "clustermesh-apiserver." + NAMESPACE + ".svc";

    private final String cluster;
    private final KubernetesClient kube;
    private final LabNetwork network;
    private final Duration probeTimeout;
    private final Clock clock;

    private final Map<String, Probe> probes = new HashMap<>();
    private final Map<String, Failures> failures = new HashMap<>();
    private final Map<String, Memo> memos = new HashMap<>();
    /** A remote configuration's text to the endpoint it names (parsed once, not on every pass). */
    private final Map<String, Optional<URI>> endpoints = new HashMap<>();
    private final List<SimulatedCilium.TrustFailure> trustFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger clientsOpened = new AtomicInteger();
    /** Full reads of each peer's etcd (range requests over its TLS client), by peer. */
    private final Map<String, AtomicLong> peerReads = new ConcurrentHashMap<>();
    /** Written by the Kubernetes pass ({@link #readInputs}), read by the agents' pass. */
    private volatile AgentInputs inputs;
    private EtcdProbe localProbe;
    private String localFingerprint;
    private long localOkAtNanos;

    // what the agents report (read by exec and the lab on other threads)
    private volatile List<RemoteClusterState> remotes = List.of();
    private volatile Map<String, Map<String, String>> remoteServices = Map.of();

    /**
     * What the agents read from their cluster: the remote configurations, host aliases and client certificates, and
     * the fingerprints of the credentials, computed once per read.
     */
    private record AgentInputs(boolean kvstoremesh, Map<String, String> configs, Map<String, List<String>> aliases, Secret remoteCert,
                               Secret localCert, Optional<SimObjects.Mounted> remoteTrust, Optional<SimObjects.Mounted> localTrust,
                               String remoteCrt, String remoteKey, String remoteCa, String remoteFingerprint) {
    }

    private static final class Failures {
        int count;
        Instant last;
    }

    /** A TLS client to a peer; {@code key} (address and credentials) is built once, when it opens. */
    private record Probe(InetSocketAddress target, String fingerprint, String key, EtcdProbe probe) {
    }

    /**
     * The last full look at a peer, reused (nothing is read) while the agents' inputs for it are the same, the peer's
     * etcd has not changed since ({@link EtcdChanges}), its heartbeat is not stale on the lab clock, and it is younger
     * than {@value #MEMO_MAX_SECONDS} s.
     */
    private record Memo(String config, String ip, int port, String credentials, long change, long fullAtNanos, RemoteClusterState state, Map<String, String> services,
                        Instant staleAfter) {
    }

    SimulatedAgents(String cluster, KubernetesClient kube, LabNetwork network, Duration probeTimeout, Clock clock) {
        this.cluster = cluster;
        this.kube = kube;
        this.network = network;
        this.probeTimeout = probeTimeout;
        this.clock = clock;
    }

    List<RemoteClusterState> remotes() {
        return remotes;
    }

    Map<String, Map<String, String>> remoteServices() {
        return remoteServices;
    }

    List<SimulatedCilium.TrustFailure> trustFailures() {
        return List.copyOf(trustFailures);
    }

    /** How many TLS clients to peers (and to the local KVStoreMesh) the agents of this cluster opened so far. */
    int clientsOpened() {
        return clientsOpened.get();
    }

    /** How many times the agents read each peer's etcd in full so far, by peer name. */
    Map<String, Long> peerReads() {
        Map<String, Long> out = new TreeMap<>();
        peerReads.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Reads what the agents mount (after a Kubernetes pass). */
    void readInputs(DaemonSet ds, Deployment dep) {
        if (ds == null) {
            inputs = null;
            return;
        }
        boolean kvstoremesh = dep != null && dep.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> "kvstoremesh".equals(c.getName()));
        Secret configs = kube.secrets().inNamespace(NAMESPACE).withName(kvstoremesh ? "cilium-kvstoremesh" : "cilium-clustermesh").get();
        Map<String, String> texts = new TreeMap<>();
        if (configs != null && configs.getData() != null) {
            configs.getData().forEach((k, v) -> texts.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        Map<String, List<String>> aliases = SimObjects.hostAliases(kvstoremesh ? dep.getSpec().getTemplate().getSpec() : ds.getSpec().getTemplate().getSpec());
        Secret remoteCert = kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-remote-cert").get();
        Secret localCert = kvstoremesh ? kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-local-cert").get() : null;
        // the CA the remote connections verify servers with: KVStoreMesh's (clustermesh-apiserver) or the agents'
        PodSpec agentSpec = ds.getSpec().getTemplate().getSpec();
        Optional<SimObjects.Mounted> remoteTrust = kvstoremesh
                ? SimObjects.mounted(kube, dep.getSpec().getTemplate().getSpec(), "kvstoremesh-secrets", "common-etcd-client-ca.crt")
                : SimObjects.mounted(kube, agentSpec, "clustermesh-secrets", "common-etcd-client-ca.crt");
        Optional<SimObjects.Mounted> localTrust = kvstoremesh ? SimObjects.mounted(kube, agentSpec, "clustermesh-secrets", "local-etcd-client-ca.crt")
                : Optional.empty();
        String crt = remoteCert == null ? null : data(remoteCert, "tls.crt");
        String key = remoteCert == null ? null : data(remoteCert, "tls.key");
        String ca = remoteTrust.isPresent() ? remoteTrust.get().content() : remoteCert == null ? null : data(remoteCert, "ca.crt");
        inputs = new AgentInputs(kvstoremesh, texts, aliases, remoteCert, localCert, remoteTrust, localTrust, crt, key, ca,
                SimObjects.sha256(crt + key + ca));
    }

    /**
     * The agents look at every peer (from what the last Kubernetes pass read).
     *
     * @param sourceIp  the address their connections leave with (a node's)
     * @param localEtcd where the local clustermesh-apiserver's etcd listens, {@code null} while it does not run
     */
    void refresh(String sourceIp, InetSocketAddress localEtcd) {
        AgentInputs in = inputs;
        if (in == null || in.configs.isEmpty()) {
            remotes = List.of();
            remoteServices = Map.of();
            return;
        }
        List<RemoteClusterState> out = new ArrayList<>();
        Map<String, Map<String, String>> services = new TreeMap<>();
        // with KVStoreMesh the agents reach every remote cluster through the local clustermesh-apiserver
        String localProblem = in.kvstoremesh ? localKvstoremesh(in.localCert, in.localTrust, localEtcd) : null;
        for (Map.Entry<String, String> e : in.configs.entrySet()) {
            if (!e.getValue().contains("endpoints:")) {
                continue; // not a remote cluster configuration (e.g. a certificate file)
            }
            out.add(localProblem != null ? failed(e.getKey(), localProblem, true)
                    : probePeer(e.getKey(), e.getValue(), in, sourceIp, services));
        }
        // (sets, not lists: at hundreds of peers a scan of the list per key was most of a pass)
        java.util.Set<String> names = new java.util.HashSet<>();
        out.forEach(r -> names.add(r.name()));
        probes.keySet().stream().filter(k -> !names.contains(k)).toList().forEach(this::closeProbe); // a peer gone: its client too
        memos.keySet().retainAll(names);
        endpoints.keySet().retainAll(new java.util.HashSet<>(in.configs.values()));
        remotes = List.copyOf(out);
        remoteServices = Map.copyOf(services);
    }

    private Optional<URI> endpoint(String config) {
        return endpoints.computeIfAbsent(config, c -> {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> parsed = YAML.readValue(c, LinkedHashMap.class);
                Object eps = parsed.get("endpoints");
                return Optional.of(URI.create(String.valueOf(eps instanceof List<?> l && !l.isEmpty() ? l.get(0) : eps)));
            } catch (RuntimeException ex) {
                return Optional.empty();
            }
        });
    }

    private RemoteClusterState probePeer(String peer, String config, AgentInputs in, String sourceIp,
                                         Map<String, Map<String, String>> services) {
        boolean kvstoremesh = in.kvstoremesh;
        Optional<URI> parsedEndpoint = endpoint(config);
        if (parsedEndpoint.isEmpty()) {
            return failed(peer, "unable to read the etcd configuration of " + peer + ": it is not YAML with endpoints", kvstoremesh);
        }
        URI endpoint = parsedEndpoint.get();
        Secret remoteCert = in.remoteCert;
        if (remoteCert == null || in.remoteCrt == null || in.remoteKey == null || data(remoteCert, "ca.crt") == null) {
            return failed(peer, "unable to load the etcd client certificate: secret " + NAMESPACE
                    + "/clustermesh-apiserver-remote-cert is missing or incomplete", kvstoremesh);
        }
        if (in.remoteCa == null) {
            return failed(peer, "unable to read the trusted CA file common-etcd-client-ca.crt: " + in.remoteTrust.get().source() + " is missing", kvstoremesh);
        }
        String host = endpoint.getHost();
        int port = endpoint.getPort() < 0 ? 2379 : endpoint.getPort();
        List<String> ips = IpCidr.isAddress(host) ? List.of(host) : in.aliases.getOrDefault(host, List.of());
        if (ips.isEmpty() && network.resolve(host, port).isPresent()) {
            ips = List.of(host); // a DNS name the lab serves (an entry with an address instead of ips)
        }
        if (ips.isEmpty()) {
            return failed(peer, "failed to connect to etcd: dial tcp: lookup " + host + ": no such host", kvstoremesh);
        }
        String ip = ips.get(0);
        Optional<InetSocketAddress> target = network.resolve(ip, port);
        if (target.isEmpty()) {
            return failed(peer, "failed to connect to etcd: dial tcp " + ip + ":" + port + ": connect: connection refused", kvstoremesh);
        }
        if (!network.admits(ip, port, sourceIp)) {
            // the peer's load balancer drops what comes from outside its source ranges: the dial times out
            return failed(peer, "failed to connect to etcd: dial tcp " + ip + ":" + port + ": i/o timeout", kvstoremesh);
        }
        // the lab's large-mesh mode: the peer's store is in memory, the handshake judged by the same certificate rules
        MemoryApiserverStore inMemory = MemoryApiserverStore.at(target.get());
        Probe client = inMemory == null ? probe(peer, target.get(), in) : null;
        // what the last look depended on, compared part by part (the same strings pass after pass: no text built per peer)
        String credentials = client == null ? in.remoteFingerprint : client.key();
        Memo memo = memos.get(peer);
        // read before looking: a change written while the agents read moves the number on, and the next pass reads again
        long change = EtcdChanges.of(target.get());
        try {
            if (memo != null && change >= 0 && memo.change == change && memo.config.equals(config) && memo.ip.equals(ip)
                    && memo.port == port && memo.credentials.equals(credentials) && memo.state.ready()
                    && (memo.staleAfter == null || !clock.instant().isAfter(memo.staleAfter)) && System.nanoTime() - memo.fullAtNanos < MEMO_MAX_NANOS) {
                services.put(peer, memo.services);
                return memo.state; // healthy, and nothing it reads changed since (what a watch would have told)
            }
            memos.remove(peer);
            // everything an agent reads before and while syncing, in one range request (etcd's JSON gateway)
            peerReads.computeIfAbsent(peer, k -> new AtomicLong()).incrementAndGet();
            Map<String, String> all = client != null ? client.probe().range("cilium/") : readInMemory(peer, inMemory, host, ip, port, in);
            boolean required = all.containsKey(SimulatedCilium.HAS_CLUSTER_CONFIG_KEY);
            Optional<CiliumClusterConfig> cfg;
            try {
                cfg = Optional.ofNullable(all.get(SimulatedCilium.CLUSTER_CONFIG_PREFIX + peer)).map(CiliumClusterConfig::parse);
            } catch (IllegalArgumentException bad) {
                return failed(peer, "unable to parse the cluster configuration " + SimulatedCilium.CLUSTER_CONFIG_PREFIX + peer + ": "
                        + bad.getMessage(), kvstoremesh);
            }
            Optional<String> heartbeat = Optional.ofNullable(all.get(SimulatedCilium.HEARTBEAT_KEY));
            int nodes = (int) all.keySet().stream().filter(k -> k.startsWith(SimulatedCilium.NODES_PREFIX + peer + "/")).count();
            Map<String, String> svcs = new TreeMap<>();
            all.forEach((k, v) -> {
                if (k.startsWith(SimulatedCilium.SERVICES_PREFIX + peer + "/")) {
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
                        + heartbeat.get() + " is older than " + HEARTBEAT_STALE.toMinutes() + "m") + " under " + SimulatedCilium.HEARTBEAT_KEY
                        + ": the clustermesh-apiserver of " + peer + " is not running", f.count, f.last, nodes, svcs.size(),
                        cfg.map(CiliumClusterConfig::id).orElse(0), required, cfg.isPresent(), kvstoremesh,
                        cfg.map(CiliumClusterConfig::syncedCanaries).orElse(false));
            }
            Failures f = failures.get(peer);
            if (cfg.isEmpty() && required) {
                return new RemoteClusterState(peer, true, false, "cluster configuration expected to be present but not found ("
                        + SimulatedCilium.CLUSTER_CONFIG_PREFIX + peer + " does not exist at " + host + "); " + etcdStatus, f == null ? 0 : f.count,
                        f == null ? null : f.last, nodes, svcs.size(), 0, true, false, kvstoremesh, false);
            }
            RemoteClusterState ok = new RemoteClusterState(peer, true, true, etcdStatus, f == null ? 0 : f.count, f == null ? null : f.last, nodes,
                    svcs.size(), cfg.map(CiliumClusterConfig::id).orElse(0), required, cfg.isPresent(), kvstoremesh,
                    cfg.map(CiliumClusterConfig::syncedCanaries).orElse(false));
            memos.put(peer, new Memo(config, ip, port, credentials, change, System.nanoTime(), ok, svcs, staleAfter(heartbeat.get())));
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
                    : m.toLowerCase(Locale.ROOT).contains("refused") || m.contains("cannot connect")
                    ? "failed to connect to etcd: dial tcp " + ip + ":" + port + ": connect: connection refused" : "failed to connect to etcd: " + m;
            return failed(peer, text, kvstoremesh);
        }
    }

    /**
     * One read of a peer's in-memory store; a refused handshake comes out as the TLS probe's would (a
     * {@link MeshAccessException} naming the address dialled, the server name and what was refused).
     */
    private static Map<String, String> readInMemory(String peer, MemoryApiserverStore store, String host, String ip, int port, AgentInputs in) {
        String serverName = peer + "." + EtcdProbe.MESH_DOMAIN;
        try {
            return store.range("cilium/", serverName, in.remoteFingerprint, in.remoteCrt, in.remoteKey, in.remoteCa);
        } catch (MemoryApiserverStore.HandshakeRefused refused) {
            throw new MeshAccessException(peer + ": the TLS handshake with the clustermesh-apiserver at " + ip + ":" + port + " ("
                    + serverName + ") failed: " + refused.getMessage(), MeshException.Details.inCluster(peer)
                    .fix("the lab's in-memory store judged the handshake of " + host + " by etcd's mutual-TLS rules"));
        } catch (IllegalStateException closed) {
            throw new MeshUnreachableException(peer + ": cannot connect to the clustermesh-apiserver at " + ip + ":" + port
                    + " (connection refused)", MeshException.Details.inCluster(peer).fix("the store was closed while it was read"));
        }
    }

    /** The probe connects to the loopback stand-in; messages name the lab address the agent dialled. */
    private static String labAddress(String message, InetSocketAddress target, String ip, int port) {
        if (message == null) {
            return "";
        }
        return target.isUnresolved() ? message : message.replace(target.getAddress().getHostAddress() + ":" + target.getPort(), ip + ":" + port);
    }

    /** When a heartbeat goes stale on the lab clock, {@code null} for a format we do not know (never stale). */
    private static Instant staleAfter(String heartbeat) {
        try {
            return Instant.parse(heartbeat.trim()).plus(HEARTBEAT_STALE);
        } catch (RuntimeException e) {
            return null;
        }
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

    /** The TLS client to a peer: the one already open while address and credentials are the same, else a new one. */
    private Probe probe(String peer, InetSocketAddress target, AgentInputs in) {
        Probe p = probes.get(peer);
        if (p != null && p.target.equals(target) && p.fingerprint.equals(in.remoteFingerprint)) {
            return p;
        }
        closeProbe(peer);
        EtcdProbe probe = EtcdProbe.builder().peer(peer).address(target.getAddress().getHostAddress(), target.getPort())
                .client(new PemCredential(in.remoteCrt, in.remoteKey)).trustedCa(in.remoteCa).timeout(probeTimeout).build();
        clientsOpened.incrementAndGet();
        Probe opened = new Probe(target, in.remoteFingerprint, target + "|" + in.remoteFingerprint, probe);
        probes.put(peer, opened);
        return opened;
    }

    private void closeProbe(String peer) {
        Probe p = probes.remove(peer);
        if (p != null) {
            p.probe.close();
        }
    }

    /**
     * The agents' own connection to the local clustermesh-apiserver (KVStoreMesh): real mutual TLS with the
     * {@code clustermesh-apiserver-local-cert} client certificate, the server checked for
     * {@code clustermesh-apiserver.kube-system.svc}.
     *
     * @return why it fails, or {@code null} when the agents can use it
     */
    private String localKvstoremesh(Secret localCert, Optional<SimObjects.Mounted> trust, InetSocketAddress target) {
        String endpoint = "https://" + LOCAL_SERVER_NAME + ":2379";
        if (target == null) {
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
        MemoryApiserverStore inMemory = MemoryApiserverStore.at(target);
        if (inMemory != null) {
            closeLocalProbe();
            try {
                inMemory.range(SimulatedCilium.HEARTBEAT_KEY, LOCAL_SERVER_NAME, SimObjects.sha256(crt + key + ca), crt, key, ca);
                return null;
            } catch (MemoryApiserverStore.HandshakeRefused refused) {
                String m = cluster + ": the TLS handshake with the clustermesh-apiserver at " + LOCAL_SERVER_NAME + ":2379 ("
                        + LOCAL_SERVER_NAME + ") failed: " + refused.getMessage();
                if (trustVerdict(m)) {
                    recordTrustFailure(cluster, tlsFailure(m, LOCAL_SERVER_NAME));
                }
                return tlsFailure(m, LOCAL_SERVER_NAME);
            } catch (IllegalStateException closed) {
                return "failed to connect to etcd: dial tcp " + LOCAL_SERVER_NAME + ":2379: connect: connection refused";
            }
        }
        String fp = target + "|" + crt + key + ca;
        if (localProbe != null && fp.equals(localFingerprint) && System.nanoTime() - localOkAtNanos < FULL_PROBE_NANOS) {
            return null;
        }
        if (localProbe == null || !fp.equals(localFingerprint)) {
            closeLocalProbe();
            localProbe = EtcdProbe.builder().peer(cluster).serverName(LOCAL_SERVER_NAME)
                    .address(target.getAddress().getHostAddress(), target.getPort())
                    .client(new PemCredential(crt, key)).trustedCa(ca).timeout(probeTimeout).build();
            clientsOpened.incrementAndGet();
            localFingerprint = fp;
        }
        try {
            localProbe.get(SimulatedCilium.HEARTBEAT_KEY);
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

    /** Whether a {@link MeshAccessException} of a probe is a verdict on certificates (not an etcd permission answer, not a cut handshake). */
    private static boolean trustVerdict(String message) {
        if (message.contains("answered HTTP")) {
            return false;
        }
        if (!message.contains("refused the client certificate")) {
            return true; // the agent's own trust manager rejected the server certificate
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("bad_certificate") || m.contains("unknown_ca") || m.contains("certificate_unknown")
                || m.contains("not signed by the mesh ca");
    }

    private void recordTrustFailure(String peer, String detail) {
        trustFailures.add(new SimulatedCilium.TrustFailure(clock.instant(), cluster, peer, detail));
        LOG.debug("{}: trust failure towards {}: {}", cluster, peer, detail);
    }

    /** The agents' {@code cilium-dbg status -o json}. */
    String statusJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> mesh = new LinkedHashMap<>();
        mesh.put("clusters", remotes.stream().map(RemoteClusterState::toJson).toList());
        int global = remoteServices.values().stream().mapToInt(Map::size).sum();
        mesh.put("num-global-services", global);
        root.put("cluster-mesh", mesh);
        root.put("kvstore", Map.of("state", "Disabled"));
        return JSON.writeValueAsString(root);
    }

    @Override
    public void close() {
        probes.keySet().stream().toList().forEach(this::closeProbe);
        closeLocalProbe();
    }
}
