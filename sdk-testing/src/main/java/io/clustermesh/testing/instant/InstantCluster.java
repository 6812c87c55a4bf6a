package io.clustermesh.testing.instant;

import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.spi.NodeInfo;
import io.clustermesh.spi.PodInfo;
import io.clustermesh.spi.SecretData;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.WorkloadStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One cluster of an {@link InstantWorld}: its objects in memory, and the {@link ClusterConnection} the SDK gets for
 * it. Every read answers at once from the maps; writes follow the connection's contract (create-or-update,
 * optimistic concurrency on {@code resourceVersion}, {@code createOnly} conflicts). Reads and write calls are counted
 * ({@link #reads()}, {@link #writes()}): every write call counts, also one that finds nothing to change, so that a
 * re-apply that writes nothing shows 0. Thread-safe (one lock per cluster).
 */
public final class InstantCluster {
    private final InstantWorld world;
    private final String name;
    private final int index;
    private final int nodes;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong agentStatusReads = new AtomicLong();
    private long resourceVersion;
    /** Bumped (under this cluster's lock) by every write and every Helm change: what the world derived from it is stale when it moves. */
    private volatile long modifications;

    // objects, keyed namespace/name
    private final Map<String, SecretData> secrets = new TreeMap<>();
    private final Map<String, Map<String, String>> configMaps = new TreeMap<>();
    private final Map<String, ServiceInfo> services = new TreeMap<>();
    private final Map<String, WorkloadStatus> deployments = new TreeMap<>();
    private final Map<String, WorkloadStatus> daemonSets = new TreeMap<>();
    /** Other objects by apiVersion|kind|namespace|name (the mesh's Lease, ...). */
    private final Map<String, Map<String, Object>> objects = new TreeMap<>();
    /** What the last Helm operation materialised (the chart's objects), to delete what a later one no longer renders. */
    private ChartObjects chart = ChartObjects.NONE;

    InstantCluster(InstantWorld world, String name, int index, int nodes) {
        this.world = world;
        this.name = name;
        this.index = index;
        this.nodes = nodes;
    }

    /** The cluster's name. */
    public String name() {
        return name;
    }

    /** Read requests since the last {@link #resetCounts()}. */
    public long reads() {
        return reads.get();
    }

    /** Write calls since the last {@link #resetCounts()} (the SDK's and Helm's release records). */
    public long writes() {
        return writes.get();
    }

    /**
     * Agent status reads ({@code cilium-dbg status -o json} in an agent pod) since the last {@link #resetCounts()};
     * they are also counted in {@link #reads()}. Each answer lists every remote cluster: in an N-cluster mesh, N-1.
     */
    public long agentStatusReads() {
        return agentStatusReads.get();
    }

    /** Zeroes the counters. */
    public void resetCounts() {
        reads.set(0);
        writes.set(0);
        agentStatusReads.set(0);
    }

    /** Revisions of the {@code cilium} release in Helm's storage (install = 1): one per install or upgrade. */
    public synchronized int helmRevisions() {
        return (int) secrets.values().stream().filter(s -> "helm".equals(s.labels().get("owner")) && "cilium".equals(s.labels().get("name"))).count();
    }

    int index() {
        return index;
    }

    int nodeCount() {
        return nodes;
    }

    // ---- the world's side (Helm and the truth read and write here without counting)

    synchronized Optional<SecretData> secretNow(String namespace, String secretName) {
        return Optional.ofNullable(secrets.get(namespace + "/" + secretName));
    }

    synchronized Optional<Map<String, String>> configMapNow(String namespace, String cmName) {
        return Optional.ofNullable(configMaps.get(namespace + "/" + cmName)).map(LinkedHashMap::new);
    }

    synchronized Optional<ServiceInfo> serviceNow(String namespace, String svcName) {
        return Optional.ofNullable(services.get(namespace + "/" + svcName));
    }

    synchronized Optional<WorkloadStatus> deploymentNow(String namespace, String depName) {
        return Optional.ofNullable(deployments.get(namespace + "/" + depName));
    }

    /** The agents' host aliases (peer host name to IPs), as the chart last rendered them. */
    synchronized Map<String, List<String>> hostAliases() {
        return chart.hostAliases();
    }

    /** Bumped by every write and every Helm change (read without the lock: a volatile). */
    long modifications() {
        return modifications;
    }

    /** Removes Helm's storage of the release (uninstall). */
    synchronized void dropRelease(String namespace, String release) {
        modifications++;
        secrets.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/") && "helm".equals(e.getValue().labels().get("owner"))
                && release.equals(e.getValue().labels().get("name")));
    }

    /** Replaces the chart's objects with {@code next}: new and changed ones stored, those no longer rendered deleted. */
    synchronized void materialise(ChartObjects next) {
        for (String k : chart.secrets().keySet()) {
            if (!next.secrets().containsKey(k)) {
                secrets.remove(k);
            }
        }
        for (String k : chart.configMaps().keySet()) {
            if (!next.configMaps().containsKey(k)) {
                configMaps.remove(k);
            }
        }
        for (String k : chart.services().keySet()) {
            if (!next.services().containsKey(k)) {
                services.remove(k);
            }
        }
        for (String k : chart.deployments().keySet()) {
            if (!next.deployments().containsKey(k)) {
                deployments.remove(k);
            }
        }
        for (String k : chart.daemonSets().keySet()) {
            if (!next.daemonSets().containsKey(k)) {
                daemonSets.remove(k);
            }
        }
        next.secrets().forEach((k, s) -> {
            SecretData old = secrets.get(k);
            if (old == null || !old.sameContent(s)) {
                secrets.put(k, new SecretData(s.name(), nextVersion(), s.type(), s.labels(), s.data()));
            }
        });
        configMaps.putAll(next.configMaps());
        services.putAll(next.services());
        // a changed pod template is a new generation, rolled out at once (every read answers at once)
        next.deployments().forEach((k, w) -> deployments.put(k, rolled(deployments.get(k), w, chart.templates().get(k), next.templates().get(k))));
        next.daemonSets().forEach((k, w) -> daemonSets.put(k, rolled(daemonSets.get(k), w, chart.templates().get(k), next.templates().get(k))));
        chart = next;
        modifications++;
        world.changed();
    }

    private static WorkloadStatus rolled(WorkloadStatus old, WorkloadStatus next, String oldTemplate, String newTemplate) {
        long generation = old == null ? 1 : Objects.equals(oldTemplate, newTemplate) && old.desired() == next.desired() ? old.generation() : old.generation() + 1;
        return new WorkloadStatus(next.name(), next.desired(), next.desired(), next.desired(), generation, generation, next.containers());
    }

    private String nextVersion() {
        return Long.toString(++resourceVersion);
    }

    // ---- the SDK's side

    /** A connection to this cluster: what {@link InstantWorld#connect} returns. */
    ClusterConnection connection(String apiServerUrl) {
        return new Connection(apiServerUrl);
    }

    private final class Connection implements ClusterConnection {
        private final String url;

        Connection(String url) {
            this.url = url;
        }

        @Override
        public String cluster() {
            return name;
        }

        @Override
        public String apiServerUrl() {
            return url;
        }

        private <T> T read(java.util.function.Supplier<T> op) {
            long t = world.enter();
            try {
                reads.incrementAndGet();
                synchronized (InstantCluster.this) {
                    return op.get();
                }
            } finally {
                world.exit(t);
            }
        }

        private <T> T write(java.util.function.Supplier<T> op) {
            long t = world.enter();
            try {
                writes.incrementAndGet();
                T out;
                synchronized (InstantCluster.this) {
                    modifications++;
                    out = op.get();
                }
                world.changed();
                return out;
            } finally {
                world.exit(t);
            }
        }

        @Override
        public Optional<Map<String, String>> configMap(String namespace, String cmName) {
            return read(() -> Optional.ofNullable(configMaps.get(namespace + "/" + cmName)).map(LinkedHashMap::new));
        }

        @Override
        public Optional<SecretData> secret(String namespace, String secretName) {
            return read(() -> Optional.ofNullable(secrets.get(namespace + "/" + secretName)));
        }

        @Override
        public List<SecretData> secrets(String namespace, String labelSelector) {
            Map<String, String> selector = selector(labelSelector);
            return read(() -> secrets.entrySet().stream()
                    .filter(e -> namespace == null || e.getKey().startsWith(namespace + "/"))
                    .map(Map.Entry::getValue)
                    .filter(s -> selector.entrySet().stream().allMatch(l -> l.getValue().equals(s.labels().get(l.getKey()))))
                    .toList());
        }

        @Override
        public boolean putSecret(String namespace, SecretData secret) {
            return write(() -> {
                String k = namespace + "/" + secret.name();
                SecretData old = secrets.get(k);
                if (secret.resourceVersion() != null && (old == null || !secret.resourceVersion().equals(old.resourceVersion()))) {
                    throw new MeshConflictException("secret " + k + " changed since it was read (resourceVersion " + secret.resourceVersion()
                            + ")", Details.inCluster(name).fix("read it again and retry"));
                }
                if (old != null && old.sameContent(secret)) {
                    return false;
                }
                secrets.put(k, new SecretData(secret.name(), nextVersion(), secret.type(), secret.labels(), secret.data()));
                return true;
            });
        }

        @Override
        public boolean deleteSecret(String namespace, String secretName) {
            return write(() -> secrets.remove(namespace + "/" + secretName) != null);
        }

        @Override
        public Optional<ServiceInfo> service(String namespace, String svcName) {
            return read(() -> Optional.ofNullable(services.get(namespace + "/" + svcName)));
        }

        @Override
        public List<ServiceInfo> services(String namespace) {
            return read(() -> services.entrySet().stream().filter(e -> namespace == null || e.getKey().startsWith(namespace + "/"))
                    .map(Map.Entry::getValue).toList());
        }

        @Override
        public boolean annotateService(String namespace, String svcName, Map<String, String> set, Set<String> remove) {
            return write(() -> {
                ServiceInfo s = services.get(namespace + "/" + svcName);
                if (s == null) {
                    throw new io.clustermesh.MeshPreconditionException("service " + namespace + "/" + svcName + " does not exist in " + name, Details.inCluster(name).fix("install Cilium with the clustermesh-apiserver first"));
                }
                Map<String, String> a = new TreeMap<>(s.annotations());
                a.putAll(set);
                remove.forEach(a::remove);
                if (a.equals(new TreeMap<>(s.annotations()))) {
                    return false;
                }
                services.put(namespace + "/" + svcName, new ServiceInfo(s.namespace(), s.name(), s.type(), a, s.ports(), s.ingressIps(), s.clusterIp()));
                return true;
            });
        }

        @Override
        public Optional<WorkloadStatus> deployment(String namespace, String depName) {
            return read(() -> Optional.ofNullable(deployments.get(namespace + "/" + depName)));
        }

        @Override
        public Optional<WorkloadStatus> daemonSet(String namespace, String dsName) {
            return read(() -> Optional.ofNullable(daemonSets.get(namespace + "/" + dsName)));
        }

        @Override
        public List<NodeInfo> nodes() {
            return read(InstantCluster.this::nodeList);
        }

        @Override
        public List<PodInfo> pods(String namespace, String labelSelector) {
            Map<String, String> selector = selector(labelSelector);
            return read(() -> podList().stream().filter(p -> namespace == null || namespace.equals(p.namespace()))
                    .filter(p -> selector.entrySet().stream().allMatch(l -> l.getValue().equals(p.labels().get(l.getKey())))).toList());
        }

        @Override
        public ExecResult exec(String namespace, String pod, String container, Duration timeout, String... command) {
            long t = world.enter();
            try {
                reads.incrementAndGet();
                boolean agent;
                synchronized (InstantCluster.this) {
                    agent = podList().stream().anyMatch(p -> p.name().equals(pod) && p.namespace().equals(namespace));
                }
                if (!agent) {
                    return new ExecResult(1, "", "Error from server (NotFound): pods \"" + pod + "\" not found");
                }
                if ("cilium-agent".equals(container) && List.of(command).equals(List.of("cilium-dbg", "status", "-o", "json"))) {
                    agentStatusReads.incrementAndGet();
                    return new ExecResult(0, world.agentStatusJson(InstantCluster.this), "");
                }
                return new ExecResult(127, "", "the instant world answers only 'cilium-dbg status -o json' in container cilium-agent");
            } finally {
                world.exit(t);
            }
        }

        @Override
        public Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String objName) {
            return read(() -> Optional.ofNullable(objects.get(key(apiVersion, kind, namespace, objName))).map(InstantCluster::copy));
        }

        @Override
        public List<Map<String, Object>> list(String apiVersion, String kind, String namespace) {
            String prefix = apiVersion + "|" + kind + "|" + (namespace == null ? "" : namespace + "|");
            return read(() -> objects.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(e -> copy(e.getValue())).toList());
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<String, Object> apply(Map<String, Object> object, boolean createOnly) {
            return write(() -> {
                Map<String, Object> meta = (Map<String, Object>) object.getOrDefault("metadata", Map.of());
                String ns = (String) meta.get("namespace");
                String k = key(String.valueOf(object.get("apiVersion")), String.valueOf(object.get("kind")), ns, String.valueOf(meta.get("name")));
                Map<String, Object> old = objects.get(k);
                if (old != null && createOnly) {
                    throw new MeshConflictException(object.get("kind") + " " + (ns == null ? "" : ns + "/") + meta.get("name")
                            + " already exists in " + name, Details.inCluster(name).fix("wait for its holder to release it, or retry"));
                }
                Object rv = meta.get("resourceVersion");
                if (rv != null && (old == null || !rv.equals(((Map<String, Object>) old.get("metadata")).get("resourceVersion")))) {
                    throw new MeshConflictException(object.get("kind") + " " + meta.get("name") + " changed since it was read", Details.inCluster(name).fix("read it again and retry"));
                }
                Map<String, Object> stored = copy(object);
                Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) stored.getOrDefault("metadata", Map.of()));
                m.put("resourceVersion", nextVersion());
                stored.put("metadata", m);
                objects.put(k, stored);
                return copy(stored);
            });
        }

        @Override
        public boolean delete(String apiVersion, String kind, String namespace, String objName) {
            return write(() -> objects.remove(key(apiVersion, kind, namespace, objName)) != null);
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    List<NodeInfo> nodeList() {
        List<NodeInfo> out = new ArrayList<>();
        for (int k = 0; k < nodes; k++) {
            out.add(new NodeInfo(nodeName(k), "172." + (16 + index / 256) + "." + (index % 256) + "." + (4 + k),
                    Map.of("kubernetes.io/hostname", nodeName(k), "topology.kubernetes.io/zone", "instant-" + (k % 3 + 1))));
        }
        return out;
    }

    private String nodeName(int k) {
        return "aks-nodepool1-" + index + "-vmss" + String.format(java.util.Locale.ROOT, "%06d", k);
    }

    /** The Cilium agents: one per node while the cilium DaemonSet exists. */
    private List<PodInfo> podList() {
        if (!daemonSets.containsKey("kube-system/cilium")) {
            return List.of();
        }
        List<PodInfo> out = new ArrayList<>();
        for (int k = 0; k < nodes; k++) {
            out.add(new PodInfo("kube-system", "cilium-" + index + "-" + k, nodeName(k), "Running", true,
                    "10." + (index % 250 + 1) + "." + k + ".10", Map.of("k8s-app", "cilium")));
        }
        return out;
    }

    private static String key(String apiVersion, String kind, String namespace, String objName) {
        return apiVersion + "|" + kind + "|" + (namespace == null ? "" : namespace + "|") + objName;
    }

    private static Map<String, String> selector(String labelSelector) {
        Map<String, String> out = new HashMap<>();
        if (labelSelector == null || labelSelector.isBlank()) {
            return out;
        }
        for (String part : labelSelector.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("the instant world understands label selectors of key=value pairs, not '" + part + "'");
            }
            out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> inner ? copy((Map<String, Object>) inner)
                : v instanceof List<?> l ? new ArrayList<>(l) : v));
        return out;
    }
}
