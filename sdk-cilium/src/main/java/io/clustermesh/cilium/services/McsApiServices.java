package io.clustermesh.cilium.services;

import io.clustermesh.Finding;
import io.clustermesh.McsExport;
import io.clustermesh.McsImport;
import io.clustermesh.MeshException;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.McsApi;
import io.clustermesh.spi.ClusterConnection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes Multi-Cluster Services API as Cilium speaks it (docs.cilium.io, network/clustermesh/mcsapi; KEP-1645):
 * a {@code ServiceExport} in a cluster exports the Service of the same namespace and name; Cilium's operator
 * (cilium/cilium {@code pkg/clustermesh/mcsapi}) creates the {@code ServiceImport} in the clusters of the mesh, its
 * {@code status.clusters} naming the exporting clusters. Also the CoreDNS version check of the chart's CoreDNS
 * auto-configuration ({@code clustermesh.mcsapi.corednsAutoConfigure}: "CoreDNS MUST be at least in version v1.12.2").
 */
public final class McsApiServices {
    /** The MCS-API group version Cilium serves ({@code multicluster.x-k8s.io/v1alpha1}). */
    public static final String API_VERSION = "multicluster.x-k8s.io/v1alpha1";
    public static final String EXPORT_KIND = "ServiceExport";
    public static final String IMPORT_KIND = "ServiceImport";
    public static final String MCS_API_OFF = "MCS_API_OFF";
    public static final String COREDNS_TOO_OLD = "COREDNS_TOO_OLD";
    public static final String COREDNS_VERSION_UNKNOWN = "COREDNS_VERSION_UNKNOWN";
    /** The lowest CoreDNS the chart's auto-configuration supports (chart 1.19 values.yaml). */
    public static final int[] COREDNS_MIN = {1, 12, 2};
    private static final Pattern TAG = Pattern.compile(":v?(\\d+)\\.(\\d+)\\.(\\d+)[^:/]*$");

    private McsApiServices() {
    }

    /** Creates the {@code ServiceExport} in one cluster; {@code true} if it was created, {@code false} if it existed. */
    static boolean export(ClusterConnection conn, String namespace, String name) {
        if (conn.get(API_VERSION, EXPORT_KIND, namespace, name).isPresent()) {
            return false;
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("namespace", namespace);
        Map<String, Object> export = new LinkedHashMap<>();
        export.put("apiVersion", API_VERSION);
        export.put("kind", EXPORT_KIND);
        export.put("metadata", metadata);
        conn.apply(export, false);
        return true;
    }

    /** The exports of one cluster, or the finding that kept it from exporting; {@code results} gets created/existing. */
    static Optional<Finding> exportIn(String cluster, ClusterConnection conn, CiliumOptions options, String namespace, String name,
                                      List<String> exported, List<String> created) {
        String path = "service/" + namespace + "/" + name;
        if (!options.mcsApi().enabled()) {
            return Optional.of(Finding.error(MCS_API_OFF, cluster, path,
                    cluster + ": Cilium runs without Multi-Cluster Services API support there, so a ServiceExport of "
                            + namespace + "/" + name + " would export nothing; nothing was written",
                    "set cilium.mcsApi: on (or on-coredns) for " + cluster + " in the spec and apply, then export again"));
        }
        try {
            if (conn.service(namespace, name).isEmpty()) {
                return Optional.of(Finding.warning(GlobalServiceChecks.MISSING, cluster, path,
                        cluster + " has no Service " + namespace + "/" + name + ": nothing was exported from there",
                        "create the Service in " + cluster + ", then export again"));
            }
            if (export(conn, namespace, name)) {
                created.add(cluster);
            }
            exported.add(cluster);
            return Optional.empty();
        } catch (MeshException e) {
            return Optional.of(Finding.error("MCS_EXPORT_FAILED", cluster, path, e.describe().split("\n")[0], e.remediation()));
        }
    }

    /** The {@code ServiceImport} of a cluster. */
    @SuppressWarnings("unchecked")
    static McsImport importIn(String cluster, ClusterConnection conn, String namespace, String name) {
        Optional<Map<String, Object>> imp = conn.get(API_VERSION, IMPORT_KIND, namespace, name);
        if (imp.isEmpty()) {
            return new McsImport(cluster, false, List.of());
        }
        TreeSet<String> from = new TreeSet<>();
        Object status = imp.get().get("status");
        if (status instanceof Map<?, ?> st && st.get("clusters") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("cluster") != null) {
                    from.add(String.valueOf(m.get("cluster")));
                }
            }
        }
        return new McsImport(cluster, true, List.copyOf(from));
    }

    /** Builds the outcome of an export. */
    static McsExport outcome(String namespace, String name, List<String> exported, List<String> created, List<Finding> findings) {
        return new McsExport(namespace, name, new ArrayList<>(exported), new ArrayList<>(created), findings);
    }

    /**
     * With {@link McsApi#ON_COREDNS}, the cluster's CoreDNS (the image tag of Deployment kube-system/coredns; on AKS
     * {@code mcr.microsoft.com/oss/kubernetes/coredns:v<x.y.z>...}) must be 1.12.2 or later: a finding naming the
     * version and the fix if not, or if it cannot be read.
     */
    @SuppressWarnings("unchecked")
    public static Optional<Finding> coreDnsCheck(String cluster, ClusterConnection conn, CiliumOptions options) {
        if (options.mcsApi() != McsApi.ON_COREDNS) {
            return Optional.empty();
        }
        String path = "deployment kube-system/coredns";
        Optional<Map<String, Object>> d;
        try {
            d = conn.get("apps/v1", "Deployment", "kube-system", "coredns");
        } catch (MeshException e) {
            d = Optional.empty();
        }
        String image = d.map(x -> dig(x, "spec", "template", "spec", "containers")).filter(List.class::isInstance)
                .map(l -> ((List<Object>) l).stream().filter(Map.class::isInstance).map(m -> (Map<String, Object>) m)
                        .filter(m -> String.valueOf(m.get("image")).contains("coredns")).findFirst()
                        .map(m -> String.valueOf(m.get("image"))).orElse(null))
                .orElse(null);
        Matcher m = image == null ? null : TAG.matcher(image);
        if (m == null || !m.find()) {
            return Optional.of(Finding.warning(COREDNS_VERSION_UNKNOWN, cluster, path,
                    cluster + ": the CoreDNS version could not be read (" + (image == null ? "no coredns Deployment in kube-system" : "image " + image)
                            + "); the chart's CoreDNS auto-configuration for MCS-API needs CoreDNS 1.12.2 or later",
                    "check the cluster's CoreDNS version, or set cilium.mcsApi: on and configure CoreDNS for clusterset.local yourself"));
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        for (int i = 0; i < 3; i++) {
            if (v[i] != COREDNS_MIN[i]) {
                if (v[i] > COREDNS_MIN[i]) {
                    return Optional.empty();
                }
                String version = v[0] + "." + v[1] + "." + v[2];
                return Optional.of(Finding.error(COREDNS_TOO_OLD, cluster, path,
                        cluster + " runs CoreDNS " + version + ", but the chart's CoreDNS auto-configuration for MCS-API"
                                + " (clustermesh.mcsapi.corednsAutoConfigure) needs CoreDNS 1.12.2 or later",
                        "upgrade the cluster to a Kubernetes version whose CoreDNS is 1.12.2 or later, or set cilium.mcsApi: on"
                                + " for " + cluster + " and configure CoreDNS for clusterset.local yourself"));
            }
        }
        return Optional.empty();
    }

    private static Object dig(Map<String, Object> m, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> map)) {
                return null;
            }
            cur = map.get(k);
        }
        return cur;
    }
}
