package io.clustermesh.testing.sim;

import com.marcnuri.helm.Helm;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.helm.HelmValuesYaml;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.SecretData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Helm on the lab: renders the {@linkplain LabChart lab chart} with helm-java's {@code template()} (Helm 3 in-process,
 * {@code --kube-version 1.30.0}), applies the rendered objects (create-or-replace; unchanged objects are not written;
 * objects of the previous revision that are no longer rendered are deleted, in Helm's uninstall order) and stores the
 * release through the SDK's connection in Helm's own storage ({@link HelmStorage}: revision N+1 {@code deployed}, the
 * previous one {@code superseded}, chart version = the request's), so that the SDK's release reader works unchanged.
 * The objects go through the SDK's connection too, or — in a {@code MeshLab} — through the lab's own client of the
 * cluster (see the constructors).
 *
 * <p>Real Helm runs on the lab too: the lab's API server answers what Helm needs (discovery, {@code /version}, OpenAPI
 * v3, strategic merge patches, protobuf Secret bodies; see docs/lab.md), and {@code RealHelmOnLabTest} installs,
 * upgrades and uninstalls the real Cilium charts with helm-java's {@code upgrade().install()}. The mesh lab still
 * renders the small lab chart through this transport because the simulated Cilium reacts to the lab chart's objects
 * (the real chart's differ: more objects, other secret layouts per version), rendering it is fast, every write goes
 * through the SDK's own connection (so request counters stay honest) and it needs no kubeconfig on disk.
 * <p>Like the real chart, the CA is the values' {@code tls.ca} when given, else the one in the cluster (what the
 * chart's {@code lookup} would find; {@code helm template} cannot look up, so the transport passes it in as
 * {@code lab.existingCa}, which is never stored in the release), else a new one ({@code genCA}).
 *
 * <p>Values are never logged. Thread-safe; one instance serves every cluster of a lab.
 */
public final class LabHelmTransport implements HelmTransport {
    private static final Logger LOG = LoggerFactory.getLogger(LabHelmTransport.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** The order Helm installs kinds in (a subset of Helm's InstallOrder). */
    private static final List<String> KIND_ORDER = List.of("Namespace", "Secret", "ConfigMap", "Service", "DaemonSet", "Deployment", "Job");
    public static final String KUBE_VERSION = "1.30.0";

    private final Path chart;
    private final Clock clock;
    private final java.util.function.Function<String, io.fabric8.kubernetes.client.KubernetesClient> labClients;

    /**
     * Everything through the connection the SDK passes in: Helm's object traffic counts as the SDK's.
     *
     * @param chart the chart directory (normally {@link LabChart#directory()})
     * @param clock the time recorded in the release
     */
    public LabHelmTransport(Path chart, Clock clock) {
        this(chart, clock, null);
    }

    /**
     * Release storage through the SDK's connection; the chart's objects (and the chart's CA lookup) through the lab's
     * own client of the cluster, as if Helm ran inside the simulated world: they are neither counted nor faulted.
     * What the SDK decides — reading the release and storing the new one — still goes through its own connection.
     *
     * @param labClients the lab's client of a cluster by name ({@code null} for a cluster: use the connection)
     */
    public LabHelmTransport(Path chart, Clock clock, java.util.function.Function<String, io.fabric8.kubernetes.client.KubernetesClient> labClients) {
        this.chart = Objects.requireNonNull(chart, "chart");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.labClients = labClients;
    }

    private ClusterObjects objects(ClusterConnection connection, MeshCluster cluster) {
        io.fabric8.kubernetes.client.KubernetesClient client = labClients == null ? null : labClients.apply(cluster.name());
        return client == null ? ClusterObjects.of(connection) : ClusterObjects.of(client);
    }

    @Override
    public String name() {
        return "lab-helm";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        return HelmStorage.current(connection, namespace, releaseName);
    }

    @Override
    public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
        String ns = request.namespace();
        String name = request.releaseName();
        // as Helm does (HelmJavaTransport too): a revision a stopped run left pending is marked failed, not built upon
        List<StoredRevision> history = revisions(connection, ns, name);
        Optional<Integer> interrupted = Optional.empty();
        if (!history.isEmpty() && HelmStorage.isPending(history.get(0).release.status())) {
            interrupted = HelmStorage.markInterruptedFailed(connection, ns, name);
            history = revisions(connection, ns, name);
        }
        List<StoredRevision> stored = history;
        ClusterObjects objects = objects(connection, cluster);
        Map<String, Object> labValues = labValues(objects, ns, request.values(), request.chartVersion());
        String manifest = render(cluster.name(), name, ns, request.values(), labValues);
        List<Map<String, Object>> rendering = parse(manifest, ns);
        Optional<StoredRevision> previous = history.stream().filter(r -> "deployed".equals(r.release.status())).findFirst();
        Map<String, Map<String, Object>> before = new LinkedHashMap<>();
        previous.ifPresent(p -> parse(p.manifest, ns).forEach(o -> before.put(ref(o), o)));
        // what the interrupted revision may have created is this release's too: removed if no longer rendered
        interrupted.flatMap(rev -> stored.stream().filter(r -> r.release.revision() == rev).findFirst())
                .ifPresent(p -> parse(p.manifest, ns).forEach(o -> before.putIfAbsent(ref(o), o)));
        int revision = history.stream().mapToInt(r -> r.release.revision()).max().orElse(0) + 1;
        // like Helm: the new revision is recorded as pending first, so a run stopped while the objects are applied leaves
        // a pending release behind (and not objects that no release owns)
        connection.putSecret(ns, HelmStorage.encode(new HelmRelease(name, ns, revision, revision == 1 || previous.isEmpty()
                ? "pending-install" : "pending-upgrade", "cilium", request.chartVersion(), request.values()), manifest, clock.instant()));
        Set<String> rendered = new LinkedHashSet<>();
        for (Map<String, Object> o : rendering) {
            rendered.add(ref(o));
            applyObject(objects, owned(o, name, ns), before.get(ref(o)) == null ? null : owned(before.get(ref(o)), name, ns));
        }
        List<Map<String, Object>> gone = new ArrayList<>();
        before.forEach((ref, o) -> {
            if (!rendered.contains(ref)) {
                gone.add(o);
            }
        });
        deleteInUninstallOrder(objects, gone);
        HelmRelease next = new HelmRelease(name, ns, revision, "deployed", "cilium", request.chartVersion(), request.values());
        connection.putSecret(ns, HelmStorage.encode(next, manifest, clock.instant()));
        for (StoredRevision r : history) {
            if ("deployed".equals(r.release.status())) {
                HelmRelease old = r.release;
                connection.putSecret(ns, HelmStorage.encode(new HelmRelease(old.name(), old.namespace(), old.revision(), "superseded",
                        old.chartName(), old.chartVersion(), old.values()), r.manifest, clock.instant()));
            }
        }
        LOG.info("{}: lab helm {} {} revision {} ({} objects)", cluster.name(), revision == 1 ? "install" : "upgrade", name, revision,
                rendering.size());
        return next;
    }

    @Override
    public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        List<StoredRevision> history = revisions(connection, namespace, releaseName);
        if (history.isEmpty()) {
            return false;
        }
        history.stream().filter(r -> "deployed".equals(r.release.status())).findFirst()
                .ifPresent(r -> deleteInUninstallOrder(objects(connection, cluster), parse(r.manifest, namespace)));
        for (StoredRevision r : history) {
            connection.deleteSecret(namespace, HelmStorage.secretName(releaseName, r.release.revision()));
        }
        LOG.info("{}: lab helm uninstall {}", cluster.name(), releaseName);
        return true;
    }

    /** Renders the chart for these values (the lab's own values in a second file); the manifest holds keys. */
    String render(String cluster, String release, String namespace, Map<String, Object> values, Map<String, Object> labValues) {
        Path dir = null;
        try {
            dir = privateDirectory();
            Path userFile = writePrivate(dir.resolve("values.yaml"), HelmValuesYaml.write(values));
            var cmd = new Helm(chart).template().withName(release).withNamespace(namespace).withKubeVersion(KUBE_VERSION)
                    .withValuesFile(userFile);
            if (!labValues.isEmpty()) {
                cmd = cmd.withValuesFile(writePrivate(dir.resolve("lab-values.yaml"), HelmValuesYaml.write(labValues)));
            }
            return cmd.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            String first = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw MeshException.failed(cluster + ": rendering the lab chart failed: " + first,
                    Details.inCluster(cluster).fix("read the chart error; the values the SDK generated do not fit the lab chart").cause(e));
        } finally {
            LabChart.delete(dir);
        }
    }

    /** What the chart cannot know by itself: the version the release asks for, and what its lookup would find. */
    private static Map<String, Object> labValues(ClusterObjects objects, String ns, Map<String, Object> values, String chartVersion) {
        Map<String, Object> lab = new LinkedHashMap<>();
        if (chartVersion != null && !chartVersion.isBlank()) {
            lab.put("chartVersion", chartVersion);
        }
        Object caCert = path(values, "tls", "ca", "cert");
        if (!(caCert instanceof String s && !s.isBlank())) {
            Object data = objects.get("v1", "Secret", ns, "cilium-ca").map(m -> m.get("data")).orElse(null);
            if (data instanceof Map<?, ?> d && d.get("ca.crt") instanceof String crt && d.get("ca.key") instanceof String key) {
                Map<String, Object> ca = new LinkedHashMap<>();
                ca.put("cert", crt);  // the API's base64, what the chart's lookup would see
                ca.put("key", key);
                lab.put("existingCa", ca);
            }
        }
        return lab.isEmpty() ? Map.of() : Map.of("lab", lab);
    }

    private static Object path(Map<String, ?> m, String... keys) {
        Object node = m;
        for (String k : keys) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(k);
        }
        return node;
    }

    /** The objects of a manifest, in Helm's install order, each with its namespace set. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parse(String manifest, String namespace) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (manifest == null || manifest.isBlank()) {
            return out;
        }
        try (var it = YAML.readerFor(LinkedHashMap.class).readValues(manifest)) {
            while (it.hasNextValue()) {
                Object doc = it.nextValue();
                if (doc instanceof Map<?, ?> m && m.get("kind") != null) {
                    Map<String, Object> o = (Map<String, Object>) m;
                    Map<String, Object> meta = (Map<String, Object>) o.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
                    meta.putIfAbsent("namespace", namespace);
                    out.add(o);
                }
            }
        }
        out.sort(Comparator.comparingInt(o -> {
            int i = KIND_ORDER.indexOf(String.valueOf(o.get("kind")));
            return i < 0 ? KIND_ORDER.size() : i;
        }));
        return out;
    }

    /**
     * Writes one rendered object unless nothing is to be done, in the spirit of Helm's three-way merge: an object whose
     * rendering did not change since the previous revision and whose every rendered field is in place in the cluster
     * is not written; otherwise it is replaced by its rendering, keeping what the server filled in (a Service's
     * cluster IPs and node ports, any {@code status}), so that fields the chart no longer renders go away.
     */
    @SuppressWarnings("unchecked")
    private static void applyObject(ClusterObjects objects, Map<String, Object> desired, Map<String, Object> previous) {
        Map<String, Object> meta = (Map<String, Object>) desired.get("metadata");
        Optional<Map<String, Object>> current = objects.get(String.valueOf(desired.get("apiVersion")), String.valueOf(desired.get("kind")),
                (String) meta.get("namespace"), String.valueOf(meta.get("name")));
        if (current.isPresent()) {
            boolean renderedAsBefore = previous == null || (contains(previous, desired) && contains(desired, previous));
            if (renderedAsBefore && contains(current.get(), desired)) {
                return;
            }
            desired = keepServerFields(desired, current.get());
        }
        objects.put(desired);
    }

    /**
     * The object as Helm stores it: labelled {@code app.kubernetes.io/managed-by: Helm} and annotated with its release
     * ({@code meta.helm.sh/release-name}, {@code meta.helm.sh/release-namespace}), which is how Helm adopts objects
     * into a release (Helm's {@code pkg/action/validate.go}).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> owned(Map<String, Object> o, String release, String namespace) {
        Map<String, Object> out = new LinkedHashMap<>(o);
        Map<String, Object> meta = new LinkedHashMap<>((Map<String, Object>) o.getOrDefault("metadata", Map.of()));
        Map<String, Object> labels = new LinkedHashMap<>(meta.get("labels") instanceof Map<?, ?> l ? (Map<String, Object>) l : Map.of());
        labels.put("app.kubernetes.io/managed-by", "Helm");
        Map<String, Object> annotations = new LinkedHashMap<>(meta.get("annotations") instanceof Map<?, ?> a ? (Map<String, Object>) a : Map.of());
        annotations.put("meta.helm.sh/release-name", release);
        annotations.put("meta.helm.sh/release-namespace", namespace);
        meta.put("labels", labels);
        meta.put("annotations", annotations);
        out.put("metadata", meta);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> keepServerFields(Map<String, Object> desired, Map<String, Object> current) {
        Map<String, Object> out = new LinkedHashMap<>(desired);
        if (current.get("status") != null) {
            out.put("status", current.get("status"));
        }
        if ("Service".equals(desired.get("kind")) && desired.get("spec") instanceof Map<?, ?> ds && current.get("spec") instanceof Map<?, ?> cs) {
            Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) ds);
            for (String f : List.of("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy")) {
                if (!spec.containsKey(f) && cs.get(f) != null) {
                    spec.put(f, cs.get(f));
                }
            }
            if (spec.get("ports") instanceof List<?> ports && cs.get("ports") instanceof List<?> old) {
                List<Object> merged = new ArrayList<>();
                for (Object p : ports) {
                    Map<String, Object> port = new LinkedHashMap<>((Map<String, Object>) p);
                    for (Object o : old) {
                        if (o instanceof Map<?, ?> op && Objects.equals(op.get("port"), port.get("port")) && op.get("nodePort") != null
                                && !port.containsKey("nodePort")) {
                            port.put("nodePort", op.get("nodePort"));
                        }
                    }
                    merged.add(port);
                }
                spec.put("ports", merged);
            }
            out.put("spec", spec);
        }
        return out;
    }

    /** Whether every field of {@code wanted} is in {@code actual} with the same value (numbers compared by value). */
    static boolean contains(Object actual, Object wanted) {
        if (wanted instanceof Map<?, ?> w) {
            if (!(actual instanceof Map<?, ?> a)) {
                return false;
            }
            for (Map.Entry<?, ?> e : w.entrySet()) {
                if (!contains(a.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (wanted instanceof List<?> w) {
            if (!(actual instanceof List<?> a) || a.size() != w.size()) {
                return false;
            }
            for (int i = 0; i < w.size(); i++) {
                if (!contains(a.get(i), w.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (wanted instanceof Number w && actual instanceof Number a) {
            return w.doubleValue() == a.doubleValue();
        }
        return Objects.equals(wanted, actual);
    }

    @SuppressWarnings("unchecked")
    private static String ref(Map<String, Object> o) {
        Map<String, Object> meta = (Map<String, Object>) o.get("metadata");
        return o.get("apiVersion") + "/" + o.get("kind") + "/" + meta.get("namespace") + "/" + meta.get("name");
    }

    /** Helm deletes in the reverse of its install order: workloads first, their secrets last. */
    private static void deleteInUninstallOrder(ClusterObjects objects, List<Map<String, Object>> gone) {
        List<Map<String, Object>> reversed = new ArrayList<>(gone);
        java.util.Collections.reverse(reversed);
        reversed.forEach(o -> deleteObject(objects, o));
    }

    @SuppressWarnings("unchecked")
    private static void deleteObject(ClusterObjects objects, Map<String, Object> o) {
        Map<String, Object> meta = (Map<String, Object>) o.get("metadata");
        objects.delete(String.valueOf(o.get("apiVersion")), String.valueOf(o.get("kind")), (String) meta.get("namespace"),
                String.valueOf(meta.get("name")));
    }

    /** One stored revision with its manifest (which {@link HelmStorage#decode} does not return). */
    private record StoredRevision(HelmRelease release, String manifest) {
    }

    private static List<StoredRevision> revisions(ClusterConnection connection, String ns, String name) {
        List<StoredRevision> out = new ArrayList<>();
        for (SecretData s : connection.secrets(ns, "owner=helm,name=" + name)) {
            if (s.data().containsKey("release")) {
                out.add(new StoredRevision(HelmStorage.decode(connection.cluster(), s), manifest(s)));
            }
        }
        out.sort(Comparator.comparingInt((StoredRevision r) -> r.release.revision()).reversed());
        return out;
    }

    private static String manifest(SecretData s) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(s.data().get("release"))))) {
            Object m = JSON.readTree(in.readAllBytes()).path("manifest").asString("");
            return String.valueOf(m);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static Path privateDirectory() throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        return posix ? Files.createTempDirectory("clustermesh-lab-helm-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                : Files.createTempDirectory("clustermesh-lab-helm-");
    }

    private static Path writePrivate(Path file, String content) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    @Override
    public String toString() {
        return "LabHelmTransport[" + chart + "]";
    }
}
