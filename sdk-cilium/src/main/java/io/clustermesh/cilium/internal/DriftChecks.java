package io.clustermesh.cilium.internal;

import io.clustermesh.report.Change;
import io.clustermesh.Finding;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.ServiceInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Drift: live objects of a cluster that no longer match what its Helm release renders (a secret deleted, the
 * clustermesh-apiserver scaled down, the release's values reset by a {@code helm upgrade} without them — the most
 * reported way meshes get lost, cilium/cilium#35975). Each drift is a warning finding saying what changed and what
 * apply does about it, and a {@link Change} on the cluster's Helm upgrade, which apply then runs even when the values
 * are unchanged: Helm's upgrade recreates deleted objects and its three-way merge restores changed fields.
 */
final class DriftChecks {
    /** A drift: the finding, and the change the repair makes. */
    record Drift(Finding finding, Change change) {
    }

    private static final String FIX = "apply repairs it: a Helm upgrade with the complete values";

    private DriftChecks() {
    }

    /**
     * Compares the live objects with what a deployed release with {@code releaseValues} renders.
     *
     * @param cluster       the cluster
     * @param releaseValues the values of the deployed release
     * @param ca            the live {@code cilium-ca}, {@code null} when missing
     * @param ciliumConfig  the live {@code cilium-config}, {@code null} when missing
     * @param service       the live clustermesh-apiserver Service, {@code null} when missing
     * @param live          the other live objects
     */
    static List<Drift> check(String cluster, Map<String, Object> releaseValues, PemCredential ca, Map<String, String> ciliumConfig,
                             ServiceInfo service, LiveObjects live) {
        List<Drift> out = new ArrayList<>();
        Object caCert = Values.get(releaseValues, "tls.ca.cert");
        if (caCert instanceof String b64 && !b64.isBlank()) {
            String expected = decode(b64);
            if (ca == null) {
                out.add(drift("DRIFT_CA_MISSING", cluster, "secret kube-system/" + Names.CA_SECRET,
                        cluster + ": secret kube-system/cilium-ca is missing, so the cluster no longer holds the mesh CA",
                        "ca.crt", "<missing>", "<the mesh CA>"));
            } else if (expected != null && !normalize(expected).equals(normalize(ca.certificatePem()))) {
                out.add(drift("DRIFT_CA_CHANGED", cluster, "secret kube-system/" + Names.CA_SECRET,
                        cluster + ": secret kube-system/cilium-ca holds another CA than the release's tls.ca (replaced outside the SDK)",
                        "ca.crt", "<another CA>", "<the mesh CA>"));
            }
        }
        if (ciliumConfig == null) {
            out.add(drift("DRIFT_CILIUM_CONFIG_MISSING", cluster, "configmap kube-system/" + Names.CILIUM_CONFIG,
                    cluster + ": configmap kube-system/cilium-config is missing although the release is deployed",
                    "data", "<missing>", "<rendered by the chart>"));
        } else {
            check(out, cluster, ciliumConfig, "cluster-name", Values.get(releaseValues, "cluster.name"));
            check(out, cluster, ciliumConfig, "cluster-id", Values.get(releaseValues, "cluster.id"));
        }
        boolean useApiServer = Boolean.TRUE.equals(Values.get(releaseValues, "clustermesh.useAPIServer"));
        if (useApiServer) {
            if (live.apiserver() == null) {
                out.add(drift("DRIFT_APISERVER_MISSING", cluster, "deployment kube-system/" + Names.APISERVER,
                        cluster + ": deployment kube-system/clustermesh-apiserver is missing: peers cannot reach this cluster",
                        "replicas", "<missing>", String.valueOf(replicas(releaseValues))));
            } else if (live.apiserver().desired() < replicas(releaseValues)) {
                out.add(drift("DRIFT_APISERVER_SCALED_DOWN", cluster, "deployment kube-system/" + Names.APISERVER,
                        cluster + ": deployment kube-system/clustermesh-apiserver is scaled to " + live.apiserver().desired()
                                + " replicas (the release says " + replicas(releaseValues) + "): peers cannot reach this cluster",
                        "replicas", String.valueOf(live.apiserver().desired()), String.valueOf(replicas(releaseValues))));
            }
            if (service == null) {
                out.add(drift("DRIFT_APISERVER_SERVICE_MISSING", cluster, "service kube-system/" + Names.APISERVER,
                        cluster + ": service kube-system/clustermesh-apiserver is missing: peers cannot reach this cluster",
                        "spec", "<missing>", "<rendered by the chart>"));
            } else {
                Object type = Values.get(releaseValues, "clustermesh.apiserver.service.type");
                if (type instanceof String t && !t.equals(service.type())) {
                    out.add(drift("DRIFT_APISERVER_SERVICE", cluster, "service kube-system/" + Names.APISERVER,
                            cluster + ": service kube-system/clustermesh-apiserver is of type " + service.type() + ", the release says " + t,
                            "spec.type", service.type(), t));
                }
                if (Values.get(releaseValues, "clustermesh.apiserver.service.annotations") instanceof Map<?, ?> wanted) {
                    for (Map.Entry<?, ?> e : wanted.entrySet()) {
                        String k = String.valueOf(e.getKey());
                        String v = String.valueOf(e.getValue());
                        String now = service.annotations().get(k);
                        if (!v.equals(now)) {
                            out.add(drift("DRIFT_APISERVER_SERVICE", cluster, "service kube-system/" + Names.APISERVER,
                                    cluster + ": service kube-system/clustermesh-apiserver has annotation " + k + "=" + (now == null ? "<none>" : now)
                                            + ", the release says " + v, "metadata.annotations." + k, now == null ? "<none>" : now, v));
                        }
                    }
                }
            }
        }
        Set<String> peers = peers(releaseValues);
        if (Boolean.TRUE.equals(Values.get(releaseValues, "clustermesh.config.enabled")) && !peers.isEmpty()) {
            peerSecret(out, cluster, Names.CLUSTERMESH_SECRET, live.clustermeshPeers(), peers);
            boolean kvstoremesh = !Boolean.FALSE.equals(Values.get(releaseValues, "clustermesh.apiserver.kvstoremesh.enabled"));
            if (useApiServer && kvstoremesh) {
                peerSecret(out, cluster, Names.KVSTOREMESH_SECRET, live.kvstoremeshPeers(), peers);
            }
        }
        return out;
    }

    /**
     * The release's values lost what the SDK always writes (a {@code helm upgrade --reset-values}, or {@code --set}
     * without the SDK's values): the mesh is gone on the next rollout.
     */
    static Finding valuesReset(String cluster, Map<String, Object> releaseValues) {
        List<String> lost = new ArrayList<>();
        for (String path : List.of("cluster.name", "cluster.id", "clustermesh.config.clusters", "tls.ca.cert")) {
            if (Values.get(releaseValues, path) == null) {
                lost.add(path);
            }
        }
        if (lost.isEmpty()) {
            return null;
        }
        return Finding.warning("DRIFT_RELEASE_VALUES_RESET", cluster, "helm release kube-system/cilium",
                cluster + ": the deployed release has no " + String.join(", ", lost)
                        + " (a helm upgrade without the SDK's values, e.g. --reset-values or --set without the full values; cilium/cilium#35975)",
                FIX + " (the plan's changes list every value it restores)");
    }

    private static void peerSecret(List<Drift> out, String cluster, String secret, Set<String> live, Set<String> expected) {
        if (live == null) {
            out.add(drift("DRIFT_PEER_CONFIG_MISSING", cluster, "secret kube-system/" + secret,
                    cluster + ": secret kube-system/" + secret + " is missing: the agents have no peer configs (0/" + expected.size() + " peers)",
                    "data", "<missing>", String.join(", ", expected)));
        } else if (!live.containsAll(expected)) {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(live);
            out.add(drift("DRIFT_PEER_CONFIG", cluster, "secret kube-system/" + secret,
                    cluster + ": secret kube-system/" + secret + " lacks the peer configs of " + String.join(", ", missing),
                    "data", live.isEmpty() ? "<none>" : String.join(", ", new TreeSet<>(live)), String.join(", ", expected)));
        }
    }

    private static void check(List<Drift> out, String cluster, Map<String, String> cfg, String key, Object wanted) {
        if (wanted == null) {
            return;
        }
        String now = cfg.get(key);
        if (!String.valueOf(wanted).equals(now)) {
            out.add(drift("DRIFT_CILIUM_CONFIG", cluster, "configmap kube-system/" + Names.CILIUM_CONFIG,
                    cluster + ": cilium-config has " + key + "=" + (now == null ? "<none>" : now) + ", the release says " + wanted,
                    "data." + key, now == null ? "<none>" : now, String.valueOf(wanted)));
        }
    }

    static Set<String> peers(Map<String, Object> values) {
        Object clusters = Values.get(values, "clustermesh.config.clusters");
        Set<String> out = new TreeSet<>();
        if (clusters instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") != null && !Boolean.FALSE.equals(m.get("enabled"))) {
                    out.add(String.valueOf(m.get("name")));
                }
            }
        } else if (clusters instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if (!(v instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("enabled")))) {
                    out.add(String.valueOf(k));
                }
            });
        }
        return out;
    }

    private static int replicas(Map<String, Object> values) {
        Object r = Values.get(values, "clustermesh.apiserver.replicas");
        return r instanceof Number n ? n.intValue() : 1;
    }

    private static Drift drift(String code, String cluster, String object, String message, String field, String found, String expected) {
        return new Drift(Finding.warning(code, cluster, object, message, FIX + " (" + object + " " + field + ": " + found + " -> " + expected + ")"),
                new Change(object, field, found, expected));
    }

    private static String decode(String b64) {
        try {
            return new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String normalize(String pem) {
        return Objects.requireNonNullElse(pem, "").replaceAll("\\s+", "");
    }
}
