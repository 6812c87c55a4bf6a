package io.clustermesh.cilium.internal;

import io.clustermesh.report.AgentStatus;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.report.RemoteClusterStatus;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PodInfo;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.WorkloadStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Mesh status as {@code cilium clustermesh status} computes it, from every agent's {@code cilium-dbg status -o json}
 * (exec in container {@code cilium-agent}), keeping every error text and adding a remediation per error kind.
 */
public final class StatusReader {
    /**
     * Agent statuses are read with the token stream alone: a mapper's parser sets up a deserialization context per
     * document, and hundreds of agents read at once queued on it.
     */
    private static final tools.jackson.core.json.JsonFactory TOKENS = new tools.jackson.core.json.JsonFactory();
    static final String[] STATUS_COMMAND = {"cilium-dbg", "status", "-o", "json"};

    private StatusReader() {
    }

    public static MeshStatus read(MeshContext ctx) {
        List<CompletableFuture<ClusterStatus>> fs = new ArrayList<>();
        for (MeshCluster c : ctx.spec().clusters()) {
            fs.add(CompletableFuture.supplyAsync(() -> cluster(ctx, c, true), ctx.executor()));
        }
        List<ClusterStatus> out = new ArrayList<>();
        for (CompletableFuture<ClusterStatus> f : fs) {
            out.add(f.join());
        }
        return new MeshStatus(ctx.spec().name(), ctx.clock().now(), out);
    }

    /** One cluster's view without certificate expiry (what waits poll); never throws. */
    public static ClusterStatus cluster(MeshContext ctx, MeshCluster c) {
        return cluster(ctx, c, false);
    }

    /** One cluster's view; never throws (errors become part of the status). */
    public static ClusterStatus cluster(MeshContext ctx, MeshCluster c, boolean withCertificates) {
        return cluster(ctx, c, withCertificates, null);
    }

    /**
     * One cluster's view, taking {@code justRead} (an agent's status the caller read a moment ago, in the same poll)
     * for that agent's pod instead of asking it again: in an N-cluster mesh each agent's answer lists N-1 remotes.
     * Never throws.
     */
    public static ClusterStatus cluster(MeshContext ctx, MeshCluster c, boolean withCertificates, AgentStatus justRead) {
        List<String> expectedPeers = ctx.spec().clusters().stream().map(MeshCluster::name).filter(n -> !n.equals(c.name())).toList();
        try {
            ClusterConnection conn = ctx.connection(c.name());
            // the reads are independent: one round trip instead of five
            List<Object> read = Parallel.all(ctx.executor(), List.of(
                    () -> conn.configMap(Names.NAMESPACE, Names.CILIUM_CONFIG),
                    () -> conn.service(Names.NAMESPACE, Names.APISERVER),
                    () -> conn.deployment(Names.NAMESPACE, Names.APISERVER),
                    () -> conn.secret(Names.NAMESPACE, Names.CA_SECRET),
                    () -> conn.pods(Names.NAMESPACE, Names.AGENT_SELECTOR),
                    () -> conn.secret(Names.NAMESPACE, Names.CLUSTERMESH_SECRET),
                    () -> conn.secret(Names.NAMESPACE, Names.KVSTOREMESH_SECRET)));
            @SuppressWarnings("unchecked")
            Optional<Map<String, String>> config = (Optional<Map<String, String>>) read.get(0);
            @SuppressWarnings("unchecked")
            Optional<ServiceInfo> svc = (Optional<ServiceInfo>) read.get(1);
            @SuppressWarnings("unchecked")
            Optional<WorkloadStatus> dep = (Optional<WorkloadStatus>) read.get(2);
            @SuppressWarnings("unchecked")
            Optional<io.clustermesh.spi.SecretData> caSecret = (Optional<io.clustermesh.spi.SecretData>) read.get(3);
            @SuppressWarnings("unchecked")
            List<PodInfo> pods = (List<PodInfo>) read.get(4);
            @SuppressWarnings("unchecked")
            Optional<io.clustermesh.spi.SecretData> clustermesh = (Optional<io.clustermesh.spi.SecretData>) read.get(5);
            @SuppressWarnings("unchecked")
            Optional<io.clustermesh.spi.SecretData> kvstoremeshSecret = (Optional<io.clustermesh.spi.SecretData>) read.get(6);
            if (config.isEmpty()) {
                return new ClusterStatus(c.name(), 0, null, null, false, false, null, List.of(),
                        emptyPeers(expectedPeers), List.of("Cilium is not installed (no kube-system/cilium-config) - fix: run apply to install it"));
            }
            Map<String, String> cfg = config.get();
            int id = parseInt(cfg.get("cluster-id"));
            String name = cfg.get("cluster-name");
            String address = svc.flatMap(s -> s.ingressIps().stream().findFirst()).orElse(c.meshIp());
            boolean apiserverReady = dep.map(WorkloadStatus::rolledOut).orElse(false);
            boolean kvstoremesh = dep.map(d -> d.containers().contains("kvstoremesh")).orElse(false);
            String fp = caSecret.map(s -> s.string("ca.crt"))
                    .map(pem -> ctx.certificateAuthority().inspect(pem).sha256()).orElse(null);
            List<String> errors = new ArrayList<>();
            if (name != null && !name.equals(c.name())) {
                errors.add("cilium-config names the cluster '" + name + "' but the spec calls it '" + c.name()
                        + "' - fix: peers look the cluster up by cluster.name; use the same name in the spec");
            }
            if (svc.isEmpty()) {
                errors.add("no clustermesh-apiserver Service - fix: run apply (clustermesh.useAPIServer=true)");
            } else if (address == null) {
                errors.add("the clustermesh-apiserver Service has no LoadBalancer IP yet - fix: check the Service's events; on AKS the identity needs Network Contributor on the subnet");
            }
            if (caSecret.isEmpty()) {
                errors.add("secret kube-system/cilium-ca is missing: the cluster no longer holds the mesh CA - fix: run apply (it restores the CA"
                        + " from the release's values)");
            }
            if (dep.isEmpty() && svc.isPresent()) {
                errors.add("the clustermesh-apiserver Deployment is missing: peers cannot reach this cluster - fix: run apply (it restores it)");
            } else if (dep.isPresent() && dep.get().desired() == 0) {
                errors.add("the clustermesh-apiserver Deployment is scaled to 0 replicas: peers cannot reach this cluster - fix: run apply"
                        + " (it restores the release's replicas)");
            } else if (!apiserverReady) {
                errors.add("the clustermesh-apiserver Deployment is not ready - fix: kubectl -n kube-system describe deployment clustermesh-apiserver");
            }
            peerConfigs(errors, Names.CLUSTERMESH_SECRET, clustermesh, expectedPeers);
            if (kvstoremesh) {
                peerConfigs(errors, Names.KVSTOREMESH_SECRET, kvstoremeshSecret, expectedPeers);
            }
            if (pods.isEmpty()) {
                errors.add("no Cilium agent pods (k8s-app=cilium) - fix: check the cilium DaemonSet");
            }
            List<AgentStatus> agents = agents(ctx, conn, pods, justRead);
            // each agent reports every remote: look them up by name (a list search per peer is N^2 per cluster)
            List<Map<String, RemoteClusterStatus>> byName = agents.stream().map(StatusReader::byName).toList();
            List<PeerStatus> peers = new ArrayList<>();
            for (String peer : expectedPeers) {
                peers.add(peer(peer, agents, byName));
            }
            errors.addAll(unexpectedRemotes(c.name(), expectedPeers, agents));
            List<String> warnings = new ArrayList<>();
            List<io.clustermesh.report.CertificateExpiry> certificates = withCertificates ? certificates(ctx, conn, c, caSecret, warnings, errors) : List.of();
            return new ClusterStatus(c.name(), id, name, address, apiserverReady, kvstoremesh, fp, agents, peers, errors, certificates, warnings);
        } catch (MeshException e) {
            return new ClusterStatus(c.name(), 0, null, null, false, false, null, List.of(), emptyPeers(expectedPeers),
                    List.of(e.getMessage() + (e.remediation().isEmpty() ? "" : " - fix: " + e.remediation())));
        }
    }

    /**
     * Remote clusters the agents are configured for that are not clusters of the mesh: typically a peer entry with a
     * wrong name (the agents then connect but find no {@code cilium/cluster-config/<name>}), whose error would otherwise
     * only show as "not configured" for the real peer.
     */
    static List<String> unexpectedRemotes(String cluster, List<String> expectedPeers, List<AgentStatus> agents) {
        Map<String, RemoteClusterStatus> unexpected = new java.util.TreeMap<>();
        Set<String> expected = new java.util.HashSet<>(expectedPeers);
        for (AgentStatus a : agents) {
            for (RemoteClusterStatus r : a.remotes()) {
                if (!expected.contains(r.name()) && !r.name().equals(cluster)) {
                    unexpected.putIfAbsent(r.name(), r);
                }
            }
        }
        List<String> out = new ArrayList<>();
        unexpected.forEach((name, r) -> out.add("the agents are configured for a remote cluster '" + name + "' that is not in the mesh"
                + (r.status().isEmpty() ? "" : " (" + r.status() + ")")
                + " - fix: correct the entry's name to the peer's cluster.name, or remove it from clustermesh.config.clusters (run apply)"));
        return out;
    }

    /** The Cluster Mesh certificates whose expiry status reports (the CA first). */
    static final List<String> CERT_SECRETS = List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert",
            "clustermesh-apiserver-remote-cert", "clustermesh-apiserver-local-cert", "clustermesh-apiserver-client-cert");

    /**
     * Not-after of the CA and of each leaf certificate present; a certificate with less than {@code renewBefore} left is
     * a warning, an expired one an error (agents reject it).
     */
    private static List<io.clustermesh.report.CertificateExpiry> certificates(MeshContext ctx, ClusterConnection conn, MeshCluster c,
                                                                        Optional<io.clustermesh.spi.SecretData> caSecret,
                                                                        List<String> warnings, List<String> errors) {
        Duration threshold = ctx.spec().ciliumFor(c).renewBefore();
        java.time.Instant now = ctx.clock().now();
        List<io.clustermesh.report.CertificateExpiry> out = new ArrayList<>();
        java.util.Map<String, Optional<io.clustermesh.spi.SecretData>> secrets = new java.util.LinkedHashMap<>();
        secrets.put(Names.CA_SECRET, caSecret);
        List<Optional<io.clustermesh.spi.SecretData>> leaves = Parallel.all(ctx.executor(), CERT_SECRETS.stream()
                .<java.util.function.Supplier<Optional<io.clustermesh.spi.SecretData>>>map(n -> () -> conn.secret(Names.NAMESPACE, n)).toList());
        for (int i = 0; i < CERT_SECRETS.size(); i++) {
            secrets.put(CERT_SECRETS.get(i), leaves.get(i));
        }
        secrets.forEach((secret, data) -> {
            String pem = data.map(d -> d.string(Names.CA_SECRET.equals(secret) ? "ca.crt" : "tls.crt")).orElse(null);
            if (pem == null || pem.isBlank()) {
                return;
            }
            try {
                io.clustermesh.spi.CertificateInfo info = ctx.certificateAuthority().inspect(pem);
                Duration left = Duration.between(now, info.notAfter());
                boolean expiring = left.compareTo(threshold) < 0;
                out.add(new io.clustermesh.report.CertificateExpiry(secret, info.commonName(), info.notAfter(), left, expiring));
                if (left.isNegative()) {
                    errors.add("the certificate in secret kube-system/" + secret + " (" + info.commonName() + ") expired at " + info.notAfter()
                            + " - fix: run apply (it renews SDK-issued certificates); a CA that expired needs a CA rotation");
                } else if (expiring) {
                    warnings.add("the certificate in secret kube-system/" + secret + " (" + info.commonName() + ") expires at " + info.notAfter()
                            + " (" + left.toDays() + " days left, under " + threshold.toDays() + ")"
                            + (Names.CA_SECRET.equals(secret) ? " - fix: rotate the CA before it expires: mesh.rotateCa() (meshctl rotate-ca) with spec.ca generate(validity)"
                            : " - fix: run apply (it renews it)"));
                }
            } catch (RuntimeException e) {
                warnings.add("the certificate in secret kube-system/" + secret + " cannot be parsed");
            }
        });
        return out;
    }

    /** A peer-config secret that is missing or lacks peers of the mesh: the agents cannot know those peers. */
    private static void peerConfigs(List<String> errors, String secret, Optional<io.clustermesh.spi.SecretData> data, List<String> expected) {
        if (expected.isEmpty()) {
            return;
        }
        if (data.isEmpty()) {
            errors.add("secret kube-system/" + secret + " is missing: no peer configs (0/" + expected.size() + ") - fix: run apply (it restores"
                    + " the peer configs from the release's values)");
            return;
        }
        List<String> missing = expected.stream().filter(p -> data.get().string(p) == null).toList();
        if (!missing.isEmpty()) {
            errors.add("secret kube-system/" + secret + " has no peer config for " + String.join(", ", missing)
                    + " - fix: run apply (it writes every peer into clustermesh.config.clusters)");
        }
    }

    private static List<PeerStatus> emptyPeers(List<String> peers) {
        return peers.stream().map(p -> new PeerStatus(p, 0, 0, 0, List.of())).toList();
    }

    /** An agent's remote clusters by name (the first entry of a name, as a search of the list would find). */
    static Map<String, RemoteClusterStatus> byName(AgentStatus a) {
        Map<String, RemoteClusterStatus> out = new java.util.HashMap<>(Math.max(4, a.remotes().size() * 2));
        for (RemoteClusterStatus r : a.remotes()) {
            out.putIfAbsent(r.name(), r);
        }
        return out;
    }

    private static PeerStatus peer(String peer, List<AgentStatus> agents, List<Map<String, RemoteClusterStatus>> byName) {
        int configured = 0;
        int connected = 0;
        Set<String> errors = new LinkedHashSet<>();
        int asked = 0;
        for (int i = 0; i < agents.size(); i++) {
            AgentStatus a = agents.get(i);
            if (a.error() != null) {
                asked++;
                errors.add(a.pod() + ": " + a.error());
                continue;
            }
            asked++;
            Optional<RemoteClusterStatus> r = Optional.ofNullable(byName.get(i).get(peer));
            if (r.isEmpty()) {
                errors.add("not configured on " + a.pod() + " - fix: " + remediationNotConfigured(peer));
                continue;
            }
            configured++;
            if (r.get().ready()) {
                connected++;
            } else {
                String text = r.get().status().isEmpty() ? (r.get().connected() ? "connected but not ready" : "not connected") : r.get().status();
                errors.add(text + " - fix: " + r.get().remediation());
            }
        }
        return new PeerStatus(peer, asked, configured, connected, new ArrayList<>(errors));
    }

    /** Every agent's status, asked at once (on the mesh's executor, not the JVM's common pool: exec waits on I/O). */
    static List<AgentStatus> agents(MeshContext ctx, ClusterConnection conn, List<PodInfo> pods) {
        return agents(ctx, conn, pods, null);
    }

    /** As {@link #agents(MeshContext, ClusterConnection, List)}, reusing {@code justRead} for its pod (null: none). */
    static List<AgentStatus> agents(MeshContext ctx, ClusterConnection conn, List<PodInfo> pods, AgentStatus justRead) {
        return Parallel.all(ctx.executor(), pods.stream().<java.util.function.Supplier<AgentStatus>>map(p ->
                justRead != null && justRead.pod().equals(p.name()) ? () -> justRead : () -> agent(ctx, conn, p)).toList());
    }

    private static AgentStatus agent(MeshContext ctx, ClusterConnection conn, PodInfo pod) {
        try {
            Duration t = ctx.timeouts().request();
            ExecResult r = conn.exec(Names.NAMESPACE, pod.name(), Names.AGENT_CONTAINER, t, STATUS_COMMAND);
            if (r.exitCode() != 0 && r.stdout().isBlank()) {
                return new AgentStatus(pod.name(), pod.node(), List.of(), "cilium-dbg status failed (exit " + r.exitCode() + "): "
                        + firstLine(r.stderr()));
            }
            return new AgentStatus(pod.name(), pod.node(), parseRemotes(r.stdout()), null);
        } catch (MeshException e) {
            return new AgentStatus(pod.name(), pod.node(), List.of(), e.getMessage());
        } catch (RuntimeException e) {
            return new AgentStatus(pod.name(), pod.node(), List.of(), "unreadable agent status: " + io.clustermesh.internal.Causes.describe(e));
        }
    }

    /**
     * Parses {@code cluster-mesh.clusters[]} of an agent's status JSON, streaming: an agent of an N-cluster mesh
     * reports N-1 remotes, and a mesh status reads every agent of every cluster, so no tree of the whole document is
     * built. Values are read leniently as a tree's {@code as*} accessors would (a missing or mistyped field is its
     * default); a document that is not JSON fails as a whole.
     */
    public static List<RemoteClusterStatus> parseRemotes(String json) {
        List<RemoteClusterStatus> out = new ArrayList<>();
        try (tools.jackson.core.JsonParser p = TOKENS.createParser(tools.jackson.core.ObjectReadContext.empty(), json)) {
            if (p.nextToken() == tools.jackson.core.JsonToken.START_OBJECT) {
                while (p.nextToken() == tools.jackson.core.JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    if (p.nextToken() == tools.jackson.core.JsonToken.START_OBJECT && "cluster-mesh".equals(field)) {
                        clusterMesh(p, out);
                    } else {
                        p.skipChildren();
                    }
                }
            }
            while (p.nextToken() != null) {
                // read to the end: a document that is not JSON is refused whole, not used up to where it breaks
            }
        }
        return out;
    }

    /** Inside {@code cluster-mesh}: the last {@code clusters} array wins, as in a tree. */
    private static void clusterMesh(tools.jackson.core.JsonParser p, List<RemoteClusterStatus> out) {
        while (p.nextToken() == tools.jackson.core.JsonToken.PROPERTY_NAME) {
            String field = p.currentName();
            if (p.nextToken() == tools.jackson.core.JsonToken.START_ARRAY && "clusters".equals(field)) {
                out.clear();
                while (p.nextToken() != tools.jackson.core.JsonToken.END_ARRAY) {
                    out.add(remote(p));
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /** One entry of {@code clusters[]} (the parser on its first token); an entry that is not an object has defaults. */
    private static RemoteClusterStatus remote(tools.jackson.core.JsonParser p) {
        String name = "";
        String status = "";
        String lastFailure = null;
        boolean connected = false;
        boolean ready = false;
        boolean required = false;
        boolean retrieved = false;
        boolean kvstoremesh = false;
        int failures = 0;
        int nodes = 0;
        int endpoints = 0;
        int identities = 0;
        int sharedServices = 0;
        int clusterId = 0;
        boolean[] synced = new boolean[4];
        if (p.currentToken() == tools.jackson.core.JsonToken.START_OBJECT) {
            while (p.nextToken() == tools.jackson.core.JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                tools.jackson.core.JsonToken t = p.nextToken();
                switch (field) {
                    case "name" -> name = text(p, "");
                    case "status" -> status = text(p, "");
                    case "connected" -> connected = bool(p);
                    case "ready" -> ready = bool(p);
                    case "num-failures" -> failures = number(p);
                    case "num-nodes" -> nodes = number(p);
                    case "num-endpoints" -> endpoints = number(p);
                    case "num-identities" -> identities = number(p);
                    case "num-shared-services" -> sharedServices = number(p);
                    case "last-failure" -> lastFailure = t == tools.jackson.core.JsonToken.VALUE_NULL ? null : lastFailure(text(p, ""));
                    case "config" -> {
                        clusterId = 0;
                        required = false;
                        retrieved = false;
                        kvstoremesh = false;
                        if (t == tools.jackson.core.JsonToken.START_OBJECT) {
                            while (p.nextToken() == tools.jackson.core.JsonToken.PROPERTY_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                switch (f) {
                                    case "cluster-id" -> clusterId = number(p);
                                    case "required" -> required = bool(p);
                                    case "retrieved" -> retrieved = bool(p);
                                    case "kvstoremesh" -> kvstoremesh = bool(p);
                                    default -> p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "synced" -> {
                        java.util.Arrays.fill(synced, false);
                        if (t == tools.jackson.core.JsonToken.START_OBJECT) {
                            while (p.nextToken() == tools.jackson.core.JsonToken.PROPERTY_NAME) {
                                int k = SYNCED.indexOf(p.currentName());
                                p.nextToken();
                                if (k >= 0) {
                                    synced[k] = bool(p);
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } else {
            p.skipChildren();
        }
        boolean allSynced = synced[0] && synced[1] && synced[2] && synced[3];
        return new RemoteClusterStatus(name, connected, ready, status, failures, lastFailure, nodes, endpoints, identities,
                sharedServices, clusterId, required, retrieved, kvstoremesh, allSynced,
                ready ? null : remediation(name, connected, required, retrieved, status));
    }

    /** The kinds of state an agent syncs from a remote cluster; all must be synced. */
    private static final List<String> SYNCED = List.of("nodes", "endpoints", "identities", "services");

    /** A scalar as text (numbers and booleans as written), {@code dflt} for null, objects and arrays (skipped). */
    private static String text(tools.jackson.core.JsonParser p, String dflt) {
        if (p.currentToken() != null && p.currentToken().isStructStart()) {
            p.skipChildren();
            return dflt;
        }
        return p.getValueAsString(dflt);
    }

    /** A boolean read leniently ({@code true}, a non-zero number, the text "true"); false otherwise. */
    private static boolean bool(tools.jackson.core.JsonParser p) {
        if (p.currentToken() != null && p.currentToken().isStructStart()) {
            p.skipChildren();
            return false;
        }
        return p.getValueAsBoolean(false);
    }

    /** A number read leniently (a numeric text counts; a boolean, a number beyond int, or anything else is 0). */
    private static int number(tools.jackson.core.JsonParser p) {
        tools.jackson.core.JsonToken t = p.currentToken();
        if (t != null && t.isStructStart()) {
            p.skipChildren();
            return 0;
        }
        if (t == tools.jackson.core.JsonToken.VALUE_TRUE || t == tools.jackson.core.JsonToken.VALUE_FALSE) {
            return 0;
        }
        try {
            return p.getValueAsInt(0);
        } catch (tools.jackson.core.JacksonException e) {
            return 0;
        }
    }

    /**
     * The agent's {@code last-failure}, or {@code null} when there was none: Cilium prints Go's zero time
     * ({@code 0001-01-01T00:00:00.000Z}) for a remote cluster that never failed.
     */
    private static String lastFailure(String s) {
        return s.isBlank() || s.startsWith("0001-01-01T00:00:00") ? null : s;
    }

    static String remediationNotConfigured(String peer) {
        return "add " + peer + " to clustermesh.config.clusters of this cluster (run apply or connect)";
    }

    /** A remediation for a not-ready remote cluster, by the kind of its error. */
    static String remediation(String peer, boolean connected, boolean required, boolean retrieved, String status) {
        String s = status.toLowerCase(Locale.ROOT);
        if (s.contains("non-unique name") || s.contains("non-unique id")) {
            return "give every cluster a unique cluster.name and cluster.id (fixed at install)";
        }
        if (s.contains("max connected clusters")) {
            return "use the same clustermesh.maxConnectedClusters on every cluster (it is fixed at install)";
        }
        if (s.contains("certificate") || s.contains("x509") || s.contains("tls") || s.contains("authority")) {
            return "the clusters do not trust one CA: share one cilium-ca across the mesh (run apply) and restart the agents";
        }
        if (connected && required && !retrieved || s.contains("cluster configuration") || s.contains("config") && s.contains("not found")) {
            return "the remote cluster configuration of " + peer + " was not found: check that " + peer
                    + " is the peer's cluster.name (it publishes cilium/cluster-config/<its name>)";
        }
        if (s.contains("refused") || s.contains("timeout") || s.contains("deadline") || s.contains("no route") || s.contains("unreachable")
                || !connected) {
            return "check that 2379/tcp is open from this cluster's nodes to " + peer
                    + "'s clustermesh-apiserver load balancer IP, that the IP in clustermesh.config.clusters is current, and that the LB exists";
        }
        return "check the clustermesh-apiserver logs of " + peer + " and this agent's logs";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** For tests: a map of peer to status line. */
    static Map<String, String> summarize(List<PeerStatus> peers) {
        Map<String, String> m = new LinkedHashMap<>();
        peers.forEach(p -> m.put(p.peer(), p.connected() + "/" + p.agents()));
        return m;
    }
}
