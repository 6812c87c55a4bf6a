package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The Multi-Cluster Services API as the lab's Cilium operators run it (cilium/cilium {@code pkg/clustermesh/mcsapi}:
 * the ServiceExport controller validates a local export, the export is published through the clustermesh-apiserver,
 * and the ServiceImport controller of every cluster creates a {@code ServiceImport} from the exports of the clusters
 * it is connected to). Kept to what the lab needs: in every cluster whose rendered {@code cilium-config} has
 * {@code clustermesh-enable-mcs-api: "true"} the MCS CRDs are registered (the operator installs them unless
 * {@code clustermesh-mcs-api-install-crds} is "false"); a {@code ServiceExport} counts when the Service of the same
 * namespace and name exists in its cluster; a cluster sees the exports of itself and of the peers its agents are
 * connected to ({@link SimulatedCilium#remoteClusters()}, real mutual-TLS etcd connections), and holds one
 * {@code ServiceImport} per exported Service: {@code spec.type ClusterSetIP}, the Service's ports, and
 * {@code status.clusters} naming the exporting clusters. ServiceImports without an export are deleted.
 */
public final class LabMcsApi {
    public static final String GROUP = "multicluster.x-k8s.io";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String ENABLE_KEY = "clustermesh-enable-mcs-api";
    public static final String INSTALL_CRDS_KEY = "clustermesh-mcs-api-install-crds";

    private final Map<String, KubernetesClient> clusters;
    private final Function<String, SimulatedCilium> sims;
    private volatile boolean anyEnabled;

    /**
     * @param clusters the lab's own client of each cluster, by cluster name, in the lab's order
     * @param sims     the simulated Cilium of each cluster, by name
     */
    public LabMcsApi(Map<String, KubernetesClient> clusters, Function<String, SimulatedCilium> sims) {
        this.clusters = new LinkedHashMap<>(clusters);
        this.sims = Objects.requireNonNull(sims, "sims");
    }

    /** A periodic pass: nothing to do until some cluster runs with MCS-API. */
    public void tick() {
        if (anyEnabled) {
            sync();
        }
    }

    /** One pass over every cluster. */
    public synchronized void sync() {
        Map<String, Boolean> enabled = new LinkedHashMap<>();
        for (Map.Entry<String, KubernetesClient> c : clusters.entrySet()) {
            ConfigMap cm = c.getValue().configMaps().inNamespace(SimulatedCilium.NAMESPACE).withName("cilium-config").get();
            Map<String, String> cfg = cm == null || cm.getData() == null ? Map.of() : cm.getData();
            boolean on = "true".equals(cfg.get(ENABLE_KEY));
            enabled.put(c.getKey(), on);
            if (on && !"false".equals(cfg.get(INSTALL_CRDS_KEY))) {
                registerCrds(c.getValue());
            }
        }
        anyEnabled = enabled.containsValue(true);
        if (!anyEnabled) {
            return;
        }
        // exports: "namespace/name" -> exporting cluster -> the Service's ports
        Map<String, Map<String, List<Map<String, Object>>>> exports = new TreeMap<>();
        for (Map.Entry<String, KubernetesClient> c : clusters.entrySet()) {
            if (!enabled.get(c.getKey())) {
                continue;
            }
            for (GenericKubernetesResource e : c.getValue().genericKubernetesResources(API_VERSION, "ServiceExport").inAnyNamespace().list().getItems()) {
                String ns = e.getMetadata().getNamespace();
                String name = e.getMetadata().getName();
                Service svc = c.getValue().services().inNamespace(ns).withName(name).get();
                if (svc != null) {
                    exports.computeIfAbsent(ns + "/" + name, k -> new TreeMap<>()).put(c.getKey(), ports(svc));
                }
            }
        }
        for (Map.Entry<String, KubernetesClient> c : clusters.entrySet()) {
            if (enabled.get(c.getKey())) {
                importInto(c.getKey(), c.getValue(), exports);
            }
        }
    }

    private void importInto(String cluster, KubernetesClient k, Map<String, Map<String, List<Map<String, Object>>>> exports) {
        TreeSet<String> sees = new TreeSet<>(List.of(cluster));
        for (RemoteClusterState r : sims.apply(cluster).remoteClusters()) {
            if (r.connected()) {
                sees.add(r.name());
            }
        }
        Map<String, GenericKubernetesResource> want = new TreeMap<>();
        for (Map.Entry<String, Map<String, List<Map<String, Object>>>> e : exports.entrySet()) {
            List<String> from = e.getValue().keySet().stream().filter(sees::contains).toList();
            if (from.isEmpty()) {
                continue;
            }
            String[] nn = e.getKey().split("/", 2);
            List<Map<String, Object>> clustersStatus = new ArrayList<>();
            from.forEach(x -> clustersStatus.add(Map.of("cluster", x)));
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("type", "ClusterSetIP");
            spec.put("ports", e.getValue().get(from.get(0)));
            want.put(e.getKey(), new GenericKubernetesResourceBuilder().withApiVersion(API_VERSION).withKind("ServiceImport")
                    .withNewMetadata().withNamespace(nn[0]).withName(nn[1]).endMetadata()
                    .addToAdditionalProperties("spec", spec)
                    .addToAdditionalProperties("status", Map.of("clusters", clustersStatus)).build());
        }
        for (GenericKubernetesResource have : k.genericKubernetesResources(API_VERSION, "ServiceImport").inAnyNamespace().list().getItems()) {
            String key = have.getMetadata().getNamespace() + "/" + have.getMetadata().getName();
            GenericKubernetesResource w = want.get(key);
            if (w == null) {
                k.genericKubernetesResources(API_VERSION, "ServiceImport").inNamespace(have.getMetadata().getNamespace())
                        .withName(have.getMetadata().getName()).delete();
            } else if (Objects.equals(w.getAdditionalProperties().get("spec"), have.getAdditionalProperties().get("spec"))
                    && Objects.equals(w.getAdditionalProperties().get("status"), have.getAdditionalProperties().get("status"))) {
                want.remove(key);
            } else {
                w.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
            }
        }
        for (GenericKubernetesResource w : want.values()) {
            k.genericKubernetesResources(API_VERSION, "ServiceImport").inNamespace(w.getMetadata().getNamespace())
                    .resource(w).createOr(r -> r.update());
        }
    }

    private static List<Map<String, Object>> ports(Service s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ServicePort p : s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (p.getName() != null) {
                m.put("name", p.getName());
            }
            m.put("protocol", p.getProtocol() == null ? "TCP" : p.getProtocol());
            m.put("port", p.getPort());
            out.add(m);
        }
        return out;
    }

    private static void registerCrds(KubernetesClient k) {
        for (String[] kind : new String[][]{{"ServiceExport", "serviceexports", "serviceexport"}, {"ServiceImport", "serviceimports", "serviceimport"}}) {
            try {
                var crds = k.apiextensions().v1().customResourceDefinitions();
                if (crds.withName(kind[1] + "." + GROUP).get() == null) {
                    crds.resource(new CustomResourceDefinitionBuilder()
                            .withNewMetadata().withName(kind[1] + "." + GROUP).endMetadata()
                            .withNewSpec().withGroup(GROUP).withScope("Namespaced")
                            .withNewNames().withKind(kind[0]).withPlural(kind[1]).withSingular(kind[2]).endNames()
                            .addNewVersion().withName(VERSION).withServed(true).withStorage(true).endVersion()
                            .endSpec().build()).create();
                }
            } catch (RuntimeException e) {
                // created concurrently, or the lab is closing: nothing to do
            }
        }
    }
}
