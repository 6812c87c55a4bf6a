package io.clustermesh.testing.instant;

import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.internal.Json;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.SecretData;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Clusters in memory behind the SDK's own transport SPI: give it to {@code Mesh.builder().clusterTransport(world)
 * .helmTransport(world)} and plan, apply, status and verify run unchanged, with every read answered at once. Used by
 * {@code meshctl bench --instant} to measure the SDK's own time and memory for up to 511 clusters.
 *
 * <ul>
 *   <li>A cluster exists from its first {@link #connect}: a fresh AKS cluster without Cilium, with
 *       {@link Builder#nodesPerCluster(int)} nodes.</li>
 *   <li>Helm ({@link #upgradeInstall}) stores the release in Helm's own storage through the SDK's connection (as the
 *       lab's Helm does: revision N+1 {@code deployed}, the previous one {@code superseded}) and materialises the
 *       chart's Cluster Mesh objects from the values without rendering ({@link ChartObjects}); a LoadBalancer gets
 *       its address and a new pod template is rolled out at once. {@link Builder#renderCost(Duration)} makes each
 *       install or upgrade hold its caller for that long, standing in for Helm's rendering and apply.</li>
 *   <li>The agents ({@code cilium-dbg status -o json}, the only command {@code exec} answers) are the world's own
 *       truth: a remote cluster is ready when the peer config secret names it, its host resolves (the chart's
 *       {@code hostAliases}) to an address whose clustermesh-apiserver Service and rolled-out Deployment exist,
 *       the peer's server certificate is signed by this cluster's CA and this cluster's client certificate by the
 *       peer's CA (JDK X.509 signature checks), the peer publishes the expected cluster name with a distinct cluster
 *       id and the same {@code max-connected-clusters}, and — with KVStoreMesh — the local client certificate is
 *       signed by the own CA. Each check that fails is reported with the text the agent would show.</li>
 * </ul>
 * Thread-safe. Secrets are never logged or printed.
 */
public final class InstantWorld implements ClusterTransport, HelmTransport {
    private static final Pattern ENDPOINT = Pattern.compile("(?m)^- https://([^:/\\s]+):(\\d+)");
    private static final Pattern IPV4 = Pattern.compile("[0-9.]+");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final java.security.Provider SIGNATURES = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private final int nodesPerCluster;
    private final Duration renderCost;
    private final Map<String, InstantCluster> clusters = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    private final AtomicLong helmOperations = new AtomicLong();
    private final LongAdder cpuNanos = new LongAdder();
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
    private final boolean cpuMeasured;
    private final Map<String, Cached> statusCache = new ConcurrentHashMap<>();
    private final Map<String, X509Certificate> parsed = new ConcurrentHashMap<>();
    /**
     * Each CA's public key as a Bouncy Castle key: with the JDK's key object Bouncy Castle converts the key at every
     * verification and loses the point's precomputation (0.21 against 0.07 ms per P-256 verification, measured).
     */
    private final Map<String, java.security.PublicKey> caKeys = new ConcurrentHashMap<>();
    private final Map<SignedBy, java.util.concurrent.CompletableFuture<Boolean>> signatures = new ConcurrentHashMap<>();
    private final Map<String, Facts> facts = new ConcurrentHashMap<>();
    private volatile Index index;

    private InstantWorld(Builder b) {
        this.nodesPerCluster = b.nodes;
        this.renderCost = b.renderCost;
        boolean cpu = false;
        try {
            cpu = THREADS.isCurrentThreadCpuTimeSupported();
            if (cpu && !THREADS.isThreadCpuTimeEnabled()) {
                THREADS.setThreadCpuTimeEnabled(true);
            }
        } catch (UnsupportedOperationException e) {
            cpu = false;
        }
        this.cpuMeasured = cpu;
    }

    /** A builder: 3 nodes per cluster, no render cost. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "instant-world";
    }

    // ------------------------------------------------------------------ ClusterTransport

    @Override
    public ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts) {
        InstantCluster c = clusters.computeIfAbsent(cluster.name(),
                n -> new InstantCluster(this, n, cluster.id() > 0 ? cluster.id() : clusters.size() + 1, nodesPerCluster));
        return c.connection("https://" + (cluster.apiServer() == null ? cluster.name() + ".instant" : cluster.apiServer()) + ":443");
    }

    // ------------------------------------------------------------------ HelmTransport

    @Override
    public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        long t = enter();
        try {
            return HelmStorage.current(connection, namespace, releaseName);
        } finally {
            exit(t);
        }
    }

    @Override
    public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
        InstantCluster c = cluster(connection.cluster());
        if (!renderCost.isZero()) {
            try {
                Thread.sleep(renderCost.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.clustermesh.MeshUnreachableException("interrupted while Helm was upgrading " + request.releaseName(), Details.inCluster(c.name()).fix("run apply again").cause(e));
            }
        }
        long t = enter();
        try {
            HelmStorage.markInterruptedFailed(connection, request.namespace(), request.releaseName());
            List<HelmRelease> history = HelmStorage.history(connection, request.namespace(), request.releaseName());
            int revision = history.isEmpty() ? 1 : history.get(0).revision() + 1;
            Instant now = Instant.now();
            for (HelmRelease r : history) {
                if ("deployed".equals(r.status())) {
                    connection.putSecret(request.namespace(), HelmStorage.encode(
                            new HelmRelease(r.name(), r.namespace(), r.revision(), "superseded", r.chartName(), r.chartVersion(), r.values()), "", now));
                }
            }
            HelmRelease next = new HelmRelease(request.releaseName(), request.namespace(), revision, "deployed", "cilium", request.chartVersion(),
                    request.values());
            SecretData ca = c.secretNow(ChartObjects.NS, "cilium-ca").orElse(null);
            ChartObjects objects = ChartObjects.render(c, request.values(), ca, "10.240." + (c.index() / 256) + "." + (c.index() % 256));
            connection.putSecret(request.namespace(), HelmStorage.encode(next, "", now));
            c.materialise(objects);
            checkOwnCertificates(c);
            helmOperations.incrementAndGet();
            return next;
        } finally {
            exit(t);
        }
    }

    @Override
    public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        long t = enter();
        try {
            InstantCluster c = cluster(connection.cluster());
            boolean had = !HelmStorage.history(connection, namespace, releaseName).isEmpty();
            c.dropRelease(namespace, releaseName);
            c.materialise(ChartObjects.NONE);
            return had;
        } finally {
            exit(t);
        }
    }

    // ------------------------------------------------------------------ the world's view

    /** Every cluster connected so far, by name. */
    public List<InstantCluster> clusters() {
        return clusters.values().stream().sorted(java.util.Comparator.comparing(InstantCluster::name)).toList();
    }

    /** The cluster named {@code name}. */
    public InstantCluster cluster(String name) {
        InstantCluster c = clusters.get(name);
        if (c == null) {
            throw new MeshConfigurationException("the instant world has no cluster '" + name + "'", Details.inCluster(name).fix("connect to it first (every cluster of the mesh's spec is connected when the mesh plans)"));
        }
        return c;
    }

    /** Zeroes every cluster's counters. */
    public void resetCounts() {
        clusters.values().forEach(InstantCluster::resetCounts);
    }

    /** Helm installs and upgrades performed so far. */
    public long helmOperations() {
        return helmOperations.get();
    }

    /**
     * CPU time spent inside the world's transports (reads, writes, Helm, the agents' status), in nanoseconds, on
     * whatever thread called them: the part of the callers' CPU that is the world's, not the SDK's. -1 when the JVM
     * cannot measure thread CPU time.
     */
    public long cpuNanos() {
        return cpuMeasured ? cpuNanos.sum() : -1;
    }

    /** The peers {@code cluster}'s agents are ready with, by the world's own checks (not the SDK's). */
    public List<String> readyPeers(String cluster) {
        List<String> out = new ArrayList<>();
        for (Remote r : remotes(cluster(cluster))) {
            if (r.ready) {
                out.add(r.name);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ internals

    void changed() {
        version.incrementAndGet();
    }

    long enter() {
        int[] d = depth.get();
        if (d[0]++ > 0 || !cpuMeasured) {
            return -1;
        }
        return THREADS.getCurrentThreadCpuTime();
    }

    void exit(long start) {
        int[] d = depth.get();
        d[0]--;
        if (start >= 0) {
            cpuNanos.add(THREADS.getCurrentThreadCpuTime() - start);
        }
    }

    private record Cached(long version, String json) {
    }

    private record SignedBy(String certificate, String ca) {
    }

    private record Index(long version, Map<String, InstantCluster> byAddress) {
    }

    /** What every agent of {@code c} answers to {@code cilium-dbg status -o json} (all agents of a cluster agree). */
    String agentStatusJson(InstantCluster c) {
        long v = version.get();
        Cached cached = statusCache.get(c.name());
        if (cached != null && cached.version() == v) {
            return cached.json();
        }
        // written as it goes (no map per remote, no generator: hundreds of agents ask at once): every agent of an
        // N-cluster world lists N-1 remotes
        StringBuilder b = new StringBuilder(256 + 400 * clusters.size()).append("{\"cluster-mesh\":{\"clusters\":[");
        boolean first = true;
        for (Remote r : remotes(c)) {
            b.append(first ? "" : ",").append("{\"name\":");
            first = false;
            Json.quote(b, r.name);
            b.append(",\"connected\":").append(r.connected).append(",\"ready\":").append(r.ready).append(",\"status\":");
            Json.quote(b, r.status);
            b.append(",\"num-failures\":").append(r.ready ? 0 : 1)
                    .append(",\"num-nodes\":").append(r.peer == null ? 0 : r.peer.nodeCount())
                    .append(",\"num-endpoints\":").append(r.peer == null || !r.ready ? 0 : r.peer.nodeCount())
                    .append(",\"num-identities\":").append(r.ready ? 1 : 0)
                    .append(",\"num-shared-services\":0")
                    .append(",\"config\":{\"cluster-id\":").append(r.clusterId).append(",\"required\":true,\"retrieved\":")
                    .append(r.ready || r.clusterId > 0).append(",\"kvstoremesh\":").append(r.kvstoremesh).append('}')
                    .append(",\"synced\":{\"nodes\":").append(r.ready).append(",\"endpoints\":").append(r.ready)
                    .append(",\"identities\":").append(r.ready).append(",\"services\":").append(r.ready).append("}}");
        }
        String json = b.append("]}}").toString();
        statusCache.put(c.name(), new Cached(v, json));
        return json;
    }

    /** One remote cluster as an agent of a cluster sees it. */
    private static final class Remote {
        String name;
        InstantCluster peer;
        boolean connected;
        boolean ready;
        String status = "";
        int clusterId;
        boolean kvstoremesh;
    }

    /** An entry of a peer config secret: the remote's name and the first endpoint's host and port (null: none). */
    private record Endpoint(String name, String host, String port) {
    }

    /**
     * What the checks read from one cluster, derived once per change of that cluster (its secrets' PEM texts as one
     * String each, so the signature cache hashes and compares them once), not once per agent, peer and poll.
     */
    private record Facts(long modifications, boolean kvstoremesh, List<Endpoint> endpoints, Map<String, String> config,
                         String ca, String serverCert, String clientCert, String localCert, boolean apiserverUp,
                         Map<String, List<String>> aliases) {
    }

    private Facts facts(InstantCluster c) {
        Facts known = facts.get(c.name());
        if (known != null && known.modifications() == c.modifications()) {
            return known; // every agent of every cluster asks about every peer: no lock on the peer when nothing changed
        }
        synchronized (c) {
            long m = c.modifications();
            Facts f = facts.get(c.name());
            if (f != null && f.modifications() == m) {
                return f;
            }
            Optional<io.clustermesh.spi.WorkloadStatus> apiserver = c.deploymentNow(ChartObjects.NS, "clustermesh-apiserver");
            boolean kvstoremesh = apiserver.map(d -> d.containers().contains("kvstoremesh")).orElse(false);
            // with KVStoreMesh, the local KVStoreMesh reads the remote etcd configurations; the agents read it locally
            Optional<SecretData> config = c.secretNow(ChartObjects.NS, kvstoremesh ? "cilium-kvstoremesh" : "cilium-clustermesh");
            List<Endpoint> endpoints = null;
            if (config.isPresent()) {
                endpoints = new ArrayList<>();
                for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(config.get().data()).entrySet()) {
                    Matcher em = ENDPOINT.matcher(new String(e.getValue(), StandardCharsets.UTF_8));
                    endpoints.add(em.find() ? new Endpoint(e.getKey(), em.group(1), em.group(2)) : new Endpoint(e.getKey(), null, null));
                }
            }
            // KVStoreMesh dials the peers with the remote certificate; agents without it use the client certificate
            String clientCert = (kvstoremesh ? c.secretNow(ChartObjects.NS, "clustermesh-apiserver-remote-cert")
                    : c.secretNow(ChartObjects.NS, "clustermesh-apiserver-client-cert").or(() -> c.secretNow(ChartObjects.NS, "clustermesh-apiserver-remote-cert")))
                    .map(x -> x.string("tls.crt")).orElse(null);
            f = new Facts(m, kvstoremesh, endpoints == null ? null : List.copyOf(endpoints),
                    c.configMapNow(ChartObjects.NS, "cilium-config").orElse(Map.of()),
                    c.secretNow(ChartObjects.NS, "cilium-ca").map(x -> x.string("ca.crt")).orElse(null),
                    c.secretNow(ChartObjects.NS, "clustermesh-apiserver-server-cert").map(x -> x.string("tls.crt")).orElse(null),
                    clientCert,
                    c.secretNow(ChartObjects.NS, "clustermesh-apiserver-local-cert").map(x -> x.string("tls.crt")).orElse(null),
                    apiserver.map(io.clustermesh.spi.WorkloadStatus::rolledOut).orElse(false),
                    c.hostAliases());
            facts.put(c.name(), f);
            return f;
        }
    }

    /** The agents' remote clusters of {@code c}: one per entry of its peer config secret, each checked. */
    private List<Remote> remotes(InstantCluster c) {
        List<Remote> out = new ArrayList<>();
        Facts own = facts(c);
        if (own.endpoints() == null) {
            return out;
        }
        boolean kvstoremesh = own.kvstoremesh();
        String localProblem = null;
        if (kvstoremesh) {
            if (own.localCert() == null) {
                localProblem = "unable to read the local KVStoreMesh: open /var/lib/cilium/clustermesh/local-etcd-client.crt: no such file or directory";
            } else if (!signedBy(own.localCert(), own.ca())) {
                localProblem = "unable to read the local KVStoreMesh: remote error: tls: bad certificate";
            }
        }
        Map<String, InstantCluster> byAddress = index().byAddress();
        int ownId = parse(own.config().get("cluster-id"));
        for (Endpoint e : own.endpoints()) {
            Remote r = new Remote();
            r.name = e.name();
            r.kvstoremesh = kvstoremesh;
            out.add(r);
            if (e.host() == null) {
                r.status = "unable to read the etcd configuration of " + r.name + ": no endpoints";
                continue;
            }
            String host = e.host();
            List<String> ips = IPV4.matcher(host).matches() ? List.of(host) : own.aliases().getOrDefault(host, List.of());
            if (ips.isEmpty()) {
                r.status = "dial tcp: lookup " + host + ": no such host";
                continue;
            }
            InstantCluster peer = ips.stream().map(byAddress::get).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            if (peer == null || !"2379".equals(e.port())) {
                r.status = "dial tcp " + ips.get(0) + ":" + e.port() + ": connect: connection timed out";
                continue;
            }
            r.peer = peer;
            Facts theirs = facts(peer);
            if (!theirs.apiserverUp()) {
                r.status = "dial tcp " + ips.get(0) + ":2379: connect: connection refused";
                continue;
            }
            if (theirs.serverCert() == null) {
                r.status = "remote error: tls: internal error (the clustermesh-apiserver of " + peer.name() + " has no server certificate)";
                continue;
            }
            if (!signedBy(theirs.serverCert(), own.ca())) {
                r.status = "tls: failed to verify certificate: x509: certificate signed by unknown authority";
                continue;
            }
            if (own.clientCert() == null || !signedBy(own.clientCert(), theirs.ca())) {
                r.status = "remote error: tls: bad certificate";
                continue;
            }
            r.connected = true;
            if (!r.name.equals(theirs.config().get("cluster-name"))) {
                r.status = "remote cluster configuration required but not found";
                continue;
            }
            r.clusterId = parse(theirs.config().get("cluster-id"));
            if (r.clusterId == 0 || r.clusterId == ownId) {
                r.status = "remote cluster has non-unique ID (" + r.clusterId + ")";
                continue;
            }
            if (!java.util.Objects.equals(theirs.config().get("max-connected-clusters"), own.config().get("max-connected-clusters"))) {
                r.status = "mismatched MaxConnectedClusters; local=" + own.config().get("max-connected-clusters") + ", remote=" + theirs.config().get("max-connected-clusters");
                continue;
            }
            if (localProblem != null) {
                r.status = localProblem;
                continue;
            }
            r.ready = true;
            r.status = "ready";
        }
        return out;
    }

    /** Which cluster answers at each load balancer address (rebuilt after any change). */
    private Index index() {
        long v = version.get();
        Index i = index;
        if (i != null && i.version() == v) {
            return i;
        }
        Map<String, InstantCluster> byAddress = new HashMap<>();
        for (InstantCluster c : clusters.values()) {
            c.serviceNow(ChartObjects.NS, "clustermesh-apiserver").ifPresent(s -> s.ingressIps().forEach(ip -> byAddress.putIfAbsent(ip, c)));
        }
        i = new Index(v, byAddress);
        index = i;
        return i;
    }

    /**
     * Whether the certificate is signed by the CA: checked once per pair. The check runs outside the map's locks (a
     * computing {@code computeIfAbsent} would hold its bin, and with hundreds of agents asking for the same pairs at
     * once the checks would run one at a time); a second asker of a pair being checked waits for that one check.
     */
    private boolean signedBy(String certificatePem, String caPem) {
        if (certificatePem == null || caPem == null) {
            return false;
        }
        SignedBy key = new SignedBy(certificatePem, caPem);
        java.util.concurrent.CompletableFuture<Boolean> known = signatures.get(key);
        if (known == null) {
            java.util.concurrent.CompletableFuture<Boolean> mine = new java.util.concurrent.CompletableFuture<>();
            known = signatures.putIfAbsent(key, mine);
            if (known == null) {
                try {
                    mine.complete(verify(certificatePem, caPem));
                } finally {
                    mine.complete(false); // a check that threw an Error: no waiter hangs
                }
                return mine.join();
            }
        }
        return known.join();
    }

    private boolean verify(String certificatePem, String caPem) {
        try {
            X509Certificate cert = x509(certificatePem);
            X509Certificate ca = x509(caPem);
            if (!cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                return false;
            }
            // Bouncy Castle's P-256 is about 4x faster than JDK 17's (3N checks per world); the world's own
            // instance, not the SDK's, so that the check stays independent of the code it checks
            cert.verify(caKeys.computeIfAbsent(caPem, pem -> bouncyCastleKey(ca.getPublicKey())), SIGNATURES);
            return true;
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static java.security.PublicKey bouncyCastleKey(java.security.PublicKey key) {
        try {
            return java.security.KeyFactory.getInstance(key.getAlgorithm(), SIGNATURES)
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(key.getEncoded()));
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return key; // Bouncy Castle verifies with the JDK's object all the same
        }
    }

    private X509Certificate x509(String pem) {
        X509Certificate known = parsed.get(pem);
        if (known != null) {
            return known;
        }
        try {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            X509Certificate raced = parsed.putIfAbsent(pem, c);
            return raced == null ? c : raced;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate", e);
        }
    }

    /**
     * Checks, as Helm installs them, the cluster's own certificates against its own CA, as its clustermesh-apiserver
     * and agents would load them: in a mesh of one CA these are the pairs its peers ask about later.
     */
    private void checkOwnCertificates(InstantCluster c) {
        Facts f = facts(c);
        signedBy(f.serverCert(), f.ca());
        signedBy(f.clientCert(), f.ca());
        signedBy(f.localCert(), f.ca());
    }

    private static int parse(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Builds an {@link InstantWorld}. */
    public static final class Builder {
        private int nodes = 3;
        private Duration renderCost = Duration.ZERO;

        private Builder() {
        }

        /** Nodes (and Cilium agents) per cluster, 1..200 (default 3). */
        public Builder nodesPerCluster(int n) {
            if (n < 1 || n > 200) {
                throw new IllegalArgumentException("nodes per cluster must be within 1..200, not " + n);
            }
            this.nodes = n;
            return this;
        }

        /** How long each Helm install or upgrade holds its caller, standing in for rendering and apply (default 0). */
        public Builder renderCost(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("the render cost must be zero or positive");
            }
            this.renderCost = d;
            return this;
        }

        /** The world, with no clusters yet. */
        public InstantWorld build() {
            return new InstantWorld(this);
        }
    }

    /** For diagnostics: the names of the clusters connected so far. */
    @Override
    public String toString() {
        return "InstantWorld[" + new TreeSet<>(clusters.keySet()).size() + " clusters]";
    }
}
