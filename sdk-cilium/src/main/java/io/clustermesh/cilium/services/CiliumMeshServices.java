package io.clustermesh.cilium.services;

import io.clustermesh.Finding;
import io.clustermesh.GlobalServiceRequest;
import io.clustermesh.McsExport;
import io.clustermesh.McsImport;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshServices;
import io.clustermesh.ProbeAnswer;
import io.clustermesh.ProbeRequest;
import io.clustermesh.ProbeResult;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;
import io.clustermesh.ServiceUpdate;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.internal.ServiceRequests;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.TrafficProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * {@link MeshServices} over the mesh's {@link ClusterConnection}s: Service annotations are read and written with
 * {@code service(..)}/{@code annotateService(..)}, EndpointSlices with the generic {@code list(..)}. Clusters are
 * read in parallel on the context's executor. Thread-safe; holds no state besides the context.
 */
public final class CiliumMeshServices implements MeshServices {
    private static final Logger LOG = LoggerFactory.getLogger(CiliumMeshServices.class);

    private final MeshContext context;

    public CiliumMeshServices(MeshContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    private List<String> clusters() {
        return context.spec().clusters().stream().map(MeshCluster::name).toList();
    }

    private boolean kubeProxyReplacement(String cluster) {
        return options(cluster).kubeProxyReplacement();
    }

    private CiliumOptions options(String cluster) {
        MeshSpec spec = context.spec();
        return spec.cluster(cluster).map(spec::ciliumFor).orElse(spec.cilium());
    }

    /** The namespace's annotations in a cluster (empty if it has none or is not there). */
    @SuppressWarnings("unchecked")
    private Map<String, String> namespaceAnnotations(String cluster, String namespace) {
        return context.connection(cluster).get("v1", "Namespace", null, namespace)
                .map(n -> n.get("metadata")).filter(Map.class::isInstance).map(m -> ((Map<String, Object>) m).get("annotations"))
                .filter(Map.class::isInstance).map(a -> (Map<String, String>) a).orElse(Map.of());
    }

    /** Whether the namespace is global in the cluster (Cilium 1.20 global namespaces; always before 1.20). */
    private boolean namespaceGlobal(String cluster, String namespace) {
        CiliumOptions o = options(cluster);
        if (!o.chartVersion().atLeast(1, 20)) {
            return true;
        }
        return GlobalServiceChecks.namespaceGlobal(namespaceAnnotations(cluster, namespace), o.effectiveDefaultGlobalNamespace());
    }

    /**
     * Marks the namespace global ({@code clustermesh.cilium.io/global: "true"}) where Cilium 1.20 would not export a global
     * service from it: chart 1.20+, {@code defaultGlobalNamespace} false, and no annotation (an explicit "false" is the
     * user's and stays, {@link #check} warns about it). Returns the annotation set, or an empty map.
     */
    @SuppressWarnings("unchecked")
    private Map<String, String> markNamespaceGlobal(String cluster, String namespace) {
        CiliumOptions o = options(cluster);
        if (!o.chartVersion().atLeast(1, 20) || o.effectiveDefaultGlobalNamespace()) {
            return Map.of();
        }
        ClusterConnection conn = context.connection(cluster);
        Optional<Map<String, Object>> ns = conn.get("v1", "Namespace", null, namespace);
        if (ns.isEmpty() || namespaceAnnotations(cluster, namespace).containsKey(GlobalServiceChecks.NAMESPACE_GLOBAL)) {
            return Map.of();
        }
        Map<String, Object> obj = new LinkedHashMap<>(ns.get());
        Map<String, Object> meta = new LinkedHashMap<>((Map<String, Object>) obj.get("metadata"));
        Map<String, Object> annotations = meta.get("annotations") instanceof Map<?, ?> a ? new LinkedHashMap<>((Map<String, Object>) a) : new LinkedHashMap<>();
        annotations.put(GlobalServiceChecks.NAMESPACE_GLOBAL, "true");
        meta.put("annotations", annotations);
        obj.put("metadata", meta);
        LOG.info("{}: marking namespace {} global ({}: \"true\"; defaultGlobalNamespace is false)", cluster, namespace, GlobalServiceChecks.NAMESPACE_GLOBAL);
        conn.apply(obj, false);
        return Map.of("namespace/" + namespace + ":" + GlobalServiceChecks.NAMESPACE_GLOBAL, "true");
    }

    @Override
    public McsExport exportMcs(String namespace, String name) {
        requireName(namespace, "namespace");
        requireName(name, "name");
        List<String> exported = new ArrayList<>();
        List<String> created = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (String c : clusters()) {
            McsApiServices.exportIn(c, context.connection(c), options(c), namespace, name, exported, created).ifPresent(findings::add);
        }
        if (exported.isEmpty() && findings.stream().noneMatch(Finding::isError)) {
            findings.add(Finding.warning(GlobalServiceChecks.NOT_FOUND, null, "service/" + namespace + "/" + name,
                    "Service " + namespace + "/" + name + " exists in no cluster of the mesh: nothing was exported",
                    "check the namespace and name, or create the Service in the clusters that should serve it"));
        }
        LOG.info("{}/{}: ServiceExport in {} (created in {})", namespace, name, exported, created);
        return McsApiServices.outcome(namespace, name, exported, created, findings);
    }

    @Override
    public List<McsImport> mcsImports(String namespace, String name) {
        requireName(namespace, "namespace");
        requireName(name, "name");
        return List.copyOf(perCluster(clusters(), c -> McsApiServices.importIn(c, context.connection(c), namespace, name)).values());
    }

    /** Runs {@code f} for each cluster in parallel; results in the given order; the first failure is rethrown as is. */
    private <T> Map<String, T> perCluster(List<String> clusters, Function<String, T> f) {
        Map<String, CompletableFuture<T>> futures = new LinkedHashMap<>();
        for (String c : clusters) {
            futures.put(c, CompletableFuture.supplyAsync(() -> f.apply(c), context.executor()));
        }
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<T>> e : futures.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().join());
            } catch (CompletionException ex) {
                futures.values().forEach(x -> x.cancel(true));
                if (ex.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw ex;
            }
        }
        return out;
    }

    private static void requireName(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    private ServiceSetting read(String cluster, String namespace, String name) {
        Optional<ServiceInfo> svc = context.connection(cluster).service(namespace, name);
        return svc.map(s -> ServiceSetting.of(namespace, name, cluster, s.type(), s.annotations()))
                .orElseGet(() -> ServiceSetting.missing(namespace, name, cluster));
    }

    @Override
    public List<ServiceSetting> settings(String namespace, String name) {
        requireName(namespace, "namespace");
        requireName(name, "name");
        return List.copyOf(perCluster(clusters(), c -> read(c, namespace, name)).values());
    }

    @Override
    public List<ServiceSetting> list() {
        List<String> clusters = clusters();
        Map<String, List<ServiceInfo>> all = perCluster(clusters, c -> context.connection(c).services(null));
        TreeSet<String[]> keys = new TreeSet<>(Comparator.<String[], String>comparing(k -> k[0]).thenComparing(k -> k[1]));
        all.values().forEach(svcs -> svcs.stream()
                .filter(s -> s.annotations().keySet().stream().anyMatch(ServiceSetting.KEYS::contains))
                .forEach(s -> keys.add(new String[]{s.namespace(), s.name()})));
        List<ServiceSetting> out = new ArrayList<>();
        for (String[] k : keys) {
            for (String c : clusters) {
                out.add(all.get(c).stream().filter(s -> k[0].equals(s.namespace()) && k[1].equals(s.name())).findFirst()
                        .map(s -> ServiceSetting.of(k[0], k[1], c, s.type(), s.annotations()))
                        .orElseGet(() -> ServiceSetting.missing(k[0], k[1], c)));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<Finding> check(String namespace, String name) {
        List<ServiceSetting> settings = settings(namespace, name);
        List<Finding> out = new ArrayList<>(GlobalServiceChecks.check(settings, this::kubeProxyReplacement));
        out.addAll(GlobalServiceChecks.namespaceChecks(settings, c -> namespaceGlobal(c, namespace)));
        return out;
    }

    @Override
    public List<ServiceRoute> routes(String namespace, String name) {
        requireName(namespace, "namespace");
        requireName(name, "name");
        Map<String, GlobalServiceResolver.ClusterState> states = perCluster(clusters(), c -> {
            ServiceSetting s = read(c, namespace, name);
            if (s.exists() && s.global() && !namespaceGlobal(c, namespace)) {
                // Cilium 1.20: a global service in a namespace that is not global is not exported (chart values.yaml,
                // clustermesh.defaultGlobalNamespace): the resolver sees it as not shared there
                Map<String, String> annotations = new LinkedHashMap<>(s.annotations());
                annotations.put(ServiceSetting.SHARED, "false");
                s = ServiceSetting.of(namespace, name, c, s.type(), annotations);
            }
            List<ServiceBackend> backends = s.exists()
                    ? EndpointSlices.backends(c, name, context.connection(c).list(EndpointSlices.API_VERSION, EndpointSlices.KIND, namespace))
                    : List.of();
            return new GlobalServiceResolver.ClusterState(s, backends);
        });
        return GlobalServiceResolver.resolveAll(List.copyOf(states.values()));
    }

    @Override
    public List<ServiceRoute> awaitRoutes(String namespace, String name, java.time.Duration timeout) {
        requireName(namespace, "namespace");
        requireName(name, "name");
        java.util.Objects.requireNonNull(timeout, "timeout");
        java.time.Instant deadline = context.clock().now().plus(timeout);
        java.time.Instant started = context.clock().now();
        while (true) {
            List<ServiceRoute> routes = routes(namespace, name);
            Map<String, String> lagging = new java.util.TreeMap<>();
            for (ServiceRoute r : routes) {
                if (!r.serviceExists()) {
                    continue;
                }
                java.util.Set<String> predicted = new java.util.TreeSet<>(r.backends().stream().map(ServiceBackend::address).toList());
                java.util.Optional<java.util.Set<String>> actual;
                try {
                    actual = AgentServiceList.backends(context, r.cluster(), namespace, name);
                } catch (MeshException e) {
                    lagging.put(r.cluster(), "its agents' services could not be read: " + e.getMessage());
                    continue;
                }
                if (actual.isEmpty()) {
                    lagging.put(r.cluster(), "its agents have no service " + namespace + "/" + name + " yet");
                } else if (!actual.get().equals(predicted)) {
                    lagging.put(r.cluster(), "its agents use " + actual.get() + ", predicted " + predicted);
                }
            }
            java.time.Duration elapsed = java.time.Duration.between(started, context.clock().now());
            if (lagging.isEmpty()) {
                LOG.info("{}/{}: every cluster's agents use the predicted backends ({} ms)", namespace, name, elapsed.toMillis());
                return routes;
            }
            context.listener().waiting(new io.clustermesh.event.Waiting(String.join(",", lagging.keySet()), "await-routes/" + namespace + "/" + name,
                    "agents of " + String.join(", ", lagging.keySet()) + " to use the backends of " + namespace + "/" + name,
                    elapsed, timeout, (double) (routes.size() - lagging.size()) / Math.max(1, routes.size())));
            if (!context.clock().now().isBefore(deadline)) {
                StringBuilder why = new StringBuilder();
                lagging.forEach((c, w) -> why.append(why.length() == 0 ? "" : "; ").append(c).append(": ").append(w));
                throw new io.clustermesh.MeshTimeoutException(namespace + "/" + name + " has not propagated within " + timeout.toSeconds() + " s: " + why,
                        Details.inCluster(lagging.keySet().iterator().next())
                                .fix("check the clusters' connections (mesh.status()); a peer whose agents lag may not be connected")
                                .retryable(true));
            }
            try {
                context.clock().sleep(context.timeouts().pollInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.clustermesh.MeshTimeoutException("interrupted while waiting for " + namespace + "/" + name,
                        Details.meshWide().fix("run again").retryable(true).cause(e));
            }
        }
    }

    @Override
    public GlobalServiceRequest global(String namespace, String name) {
        return ServiceRequests.global(namespace, name, new Writer());
    }

    @Override
    public ProbeRequest probe(String namespace, String name) {
        return ServiceRequests.probe(namespace, name, this::sendProbe);
    }

    private ProbeResult sendProbe(String namespace, String name, String fromCluster, int requests) {
        if (context.spec().cluster(fromCluster).isEmpty()) {
            throw unknownClusters(List.of(fromCluster));
        }
        TrafficProbe probe = context.trafficProbe().orElseThrow(() -> MeshException.internal("no TrafficProbe is available to send requests from " + fromCluster + " to " + namespace + "/" + name,
                Details.inCluster(fromCluster)
                        .fix("pass an io.clustermesh.spi.TrafficProbe to Mesh.builder().trafficProbe(..) (the embedded lab of"
                        + " io.clustermesh:clustermesh-testing provides one), or use services().routes(\"" + namespace + "\", \"" + name
                        + "\") to see where requests would go without sending any")));
        List<ProbeAnswer> answers = probe.send(context.connection(fromCluster), namespace, name, requests);
        if (answers == null || answers.size() != requests) {
            throw MeshException.internal("the TrafficProbe " + probe.name() + " returned " + (answers == null ? "no" : answers.size()) + " answers for " + requests + " requests",
                    Details.inCluster(fromCluster).fix("fix the TrafficProbe: it must return one answer per request, failures included"));
        }
        return new ProbeResult(namespace, name, fromCluster, answers);
    }

    private MeshConfigurationException unknownClusters(List<String> unknown) {
        return new MeshConfigurationException(String.join(", ", unknown) + (unknown.size() == 1 ? " is" : " are")
                + " not " + (unknown.size() == 1 ? "a cluster" : "clusters") + " of mesh " + context.spec().name(),
                Details.inCluster(unknown.get(0)).fix("name clusters of the mesh: " + String.join(", ", clusters())));
    }

    /** Writes annotations for {@link GlobalServiceRequest}s. */
    private final class Writer implements ServiceRequests.GlobalServiceWriter {

        @Override
        public ServiceUpdate apply(GlobalServiceRequest r) {
            return run(r, false);
        }

        @Override
        public ServiceUpdate remove(GlobalServiceRequest r) {
            return run(r, true);
        }

        private ServiceUpdate run(GlobalServiceRequest r, boolean remove) {
            List<String> all = clusters();
            List<String> unknown = r.clusters().stream().filter(c -> !all.contains(c)).distinct().toList();
            if (!unknown.isEmpty()) {
                throw unknownClusters(unknown);
            }
            List<String> targets = r.clusters().isEmpty() ? all : all.stream().filter(r.clusters()::contains).toList();
            Map<String, ServiceUpdate.ClusterResult> results = perCluster(targets, c -> one(c, r, remove));
            List<Finding> after;
            try {
                after = check(r.namespace(), r.name());
            } catch (MeshException e) {
                after = List.of(Finding.error("GLOBAL_SERVICE_CHECK_FAILED", e.cluster(), "service/" + r.namespace() + "/" + r.name(),
                        "could not re-check " + r.namespace() + "/" + r.name() + " across the mesh: " + e.getMessage(), e.remediation()));
            }
            return new ServiceUpdate(r.namespace(), r.name(), List.copyOf(results.values()), after);
        }

        private ServiceUpdate.ClusterResult one(String c, GlobalServiceRequest r, boolean remove) {
            String path = "service/" + r.namespace() + "/" + r.name();
            ClusterConnection conn = context.connection(c);
            try {
                Optional<ServiceInfo> svc = conn.service(r.namespace(), r.name());
                if (svc.isEmpty()) {
                    ServiceSetting missing = ServiceSetting.missing(r.namespace(), r.name(), c);
                    List<Finding> f = remove ? List.of() : List.of(Finding.warning(GlobalServiceChecks.MISSING, c, path,
                            c + " has no Service " + r.namespace() + "/" + r.name() + ": nothing was written there (Cilium merges remote backends only into an existing local Service)",
                            "create the Service in " + c + " (same namespace, name and ports), then apply again"));
                    return new ServiceUpdate.ClusterResult(c, false, Map.of(), List.of(), missing, f);
                }
                Map<String, String> current = svc.get().annotations();
                AnnotationEdit edit = remove ? AnnotationEdit.remove(current)
                        : AnnotationEdit.apply(current, r.requestedShared(), r.requestedAffinity());
                Map<String, String> set = new LinkedHashMap<>(edit.set());
                if (!remove) {
                    set.putAll(markNamespaceGlobal(c, r.namespace()));
                }
                if (edit.isEmpty()) {
                    return new ServiceUpdate.ClusterResult(c, !set.isEmpty(), set, List.of(),
                            ServiceSetting.of(r.namespace(), r.name(), c, svc.get().type(), current), List.of());
                }
                LOG.info("{}: annotating service {}/{}: set {} remove {}", c, r.namespace(), r.name(), edit.set(), edit.remove());
                boolean changed = conn.annotateService(r.namespace(), r.name(), edit.set(), edit.remove()) || set.size() > edit.set().size();
                ServiceSetting after = read(c, r.namespace(), r.name());
                List<Finding> f = new ArrayList<>();
                String mismatch = mismatch(after, r, remove);
                if (mismatch != null) {
                    f.add(Finding.error("GLOBAL_SERVICE_READBACK_MISMATCH", c, path,
                            c + ": after writing, " + r.namespace() + "/" + r.name() + " reads back with " + mismatch,
                            "check for a controller or admission webhook rewriting Service annotations in " + c + ", then apply again"));
                }
                return new ServiceUpdate.ClusterResult(c, changed, set, List.copyOf(edit.remove()), after, f);
            } catch (MeshException e) {
                return new ServiceUpdate.ClusterResult(c, false, Map.of(), List.of(), ServiceSetting.missing(r.namespace(), r.name(), c),
                        List.of(Finding.error("GLOBAL_SERVICE_WRITE_FAILED", c, path, e.describe().split("\n")[0], e.remediation())));
            }
        }

        /** What differs between the read-back setting and the request, or null. */
        private String mismatch(ServiceSetting after, GlobalServiceRequest r, boolean remove) {
            if (!after.exists()) {
                return "the Service gone";
            }
            if (remove) {
                return after.annotated() ? "annotations " + after.annotations().keySet() + " still present" : null;
            }
            if (!after.global()) {
                return "global false";
            }
            if (r.requestedShared().isPresent() && after.shared() != r.requestedShared().get()) {
                return "shared " + after.shared();
            }
            if (r.requestedAffinity().isPresent() && after.affinity() != r.requestedAffinity().get()) {
                return "affinity " + after.affinity().value();
            }
            if (after.usesLegacyAnnotations()) {
                return "legacy annotations " + after.annotations().keySet();
            }
            return null;
        }
    }
}
