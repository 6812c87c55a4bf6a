package io.clustermesh.cilium.helm;

import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.SecretData;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Helm 3's release storage in Kubernetes secrets ({@code sh.helm.release.v1.<name>.v<N>}, type
 * {@code helm.sh/release.v1}, labels {@code owner=helm,name,status,version}; the {@code release} key holds
 * base64(gzip(JSON))). Reading it needs no Helm binary and works the same on a real cluster and on the lab.
 */
public final class HelmStorage {
    public static final String SECRET_TYPE = "helm.sh/release.v1";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private HelmStorage() {
    }

    public static String secretName(String release, int revision) {
        return "sh.helm.release.v1." + release + ".v" + revision;
    }

    /** Every stored revision of the release, newest first. */
    public static List<HelmRelease> history(ClusterConnection conn, String namespace, String release) {
        return conn.secrets(namespace, "owner=helm,name=" + release).stream()
                .filter(s -> s.data().containsKey("release"))
                .map(s -> decode(conn.cluster(), s))
                .sorted(Comparator.comparingInt(HelmRelease::revision).reversed())
                .toList();
    }

    /** The latest deployed revision, if any. */
    public static Optional<HelmRelease> deployed(ClusterConnection conn, String namespace, String release) {
        return history(conn, namespace, release).stream().filter(r -> "deployed".equals(r.status())).findFirst();
    }

    /** Helm's states of an install or upgrade that has started and not ended ({@code pending-install}, {@code pending-upgrade}, ...). */
    public static boolean isPending(String status) {
        return status != null && status.startsWith("pending-");
    }

    /**
     * The release to plan against: the newest revision when it is an install or upgrade that never completed (its
     * status is still {@code pending-*}: the run that started it was stopped), else the latest deployed one.
     */
    public static Optional<HelmRelease> current(ClusterConnection conn, String namespace, String release) {
        List<HelmRelease> history = history(conn, namespace, release);
        if (!history.isEmpty() && isPending(history.get(0).status())) {
            return Optional.of(history.get(0));
        }
        return history.stream().filter(r -> "deployed".equals(r.status())).findFirst();
    }

    /**
     * Marks the newest revision {@code failed} when it is still {@code pending-*}, as Helm records an operation that did
     * not complete, so that the next upgrade proceeds instead of failing with "another operation (install/upgrade/
     * rollback) is in progress". Everything else stored in the revision is kept. Call it only while holding the mesh's
     * change lock: a pending revision is then one that a stopped run left behind, not one in progress.
     *
     * @return the revision marked failed, or empty when the newest revision was not pending
     */
    @SuppressWarnings("unchecked")
    public static Optional<Integer> markInterruptedFailed(ClusterConnection conn, String namespace, String release) {
        List<SecretData> stored = conn.secrets(namespace, "owner=helm,name=" + release).stream()
                .filter(s -> s.data().containsKey("release")).toList();
        SecretData newest = null;
        HelmRelease newestRelease = null;
        for (SecretData s : stored) {
            HelmRelease r = decode(conn.cluster(), s);
            if (newestRelease == null || r.revision() > newestRelease.revision()) {
                newest = s;
                newestRelease = r;
            }
        }
        if (newestRelease == null || !isPending(newestRelease.status())) {
            return Optional.empty();
        }
        try {
            Map<String, Object> rel = JSON.readValue(unpack(newest), LinkedHashMap.class);
            Map<String, Object> info = new LinkedHashMap<>((Map<String, Object>) rel.getOrDefault("info", Map.of()));
            info.put("status", "failed");
            info.put("description", "interrupted while " + newestRelease.status() + "; marked failed by clustermesh before upgrading again");
            rel.put("info", info);
            Map<String, String> labels = new LinkedHashMap<>(newest.labels() == null ? Map.of() : newest.labels());
            labels.put("status", "failed");
            conn.putSecret(namespace, new SecretData(newest.name(), newest.resourceVersion(), newest.type(), labels,
                    Map.of("release", pack(rel))));
            return Optional.of(newestRelease.revision());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes one storage secret. */
    @SuppressWarnings("unchecked")
    public static HelmRelease decode(String cluster, SecretData secret) {
        try {
            Map<String, Object> rel = JSON.readValue(unpack(secret), LinkedHashMap.class);
            Map<String, Object> info = (Map<String, Object>) rel.getOrDefault("info", Map.of());
            Map<String, Object> chart = (Map<String, Object>) rel.getOrDefault("chart", Map.of());
            Map<String, Object> meta = chart == null ? Map.of() : (Map<String, Object>) chart.getOrDefault("metadata", Map.of());
            Map<String, Object> config = (Map<String, Object>) rel.get("config");
            return new HelmRelease(String.valueOf(rel.get("name")), String.valueOf(rel.get("namespace")),
                    ((Number) rel.getOrDefault("version", 0)).intValue(), String.valueOf(info.get("status")),
                    meta == null ? null : (String) meta.get("name"), meta == null ? null : (String) meta.get("version"),
                    config == null ? Map.of() : config);
        } catch (IOException | RuntimeException e) {
            throw new MeshPreconditionException(cluster + ": the Helm release secret " + secret.name() + " cannot be decoded ("
                    + e.getClass().getSimpleName() + ")",
                    Details.inCluster(cluster)
                            .fix("check the release with 'helm history' on the cluster; a corrupt release must be repaired with Helm first")
                            .cause(e));
        }
    }

    /**
     * Encodes a release the way Helm stores it (for tools and test labs that store releases without Helm).
     *
     * @param manifest the rendered manifest, may be empty
     */
    public static SecretData encode(HelmRelease release, String manifest, Instant deployedAt) {
        Map<String, Object> rel = new LinkedHashMap<>();
        rel.put("name", release.name());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("first_deployed", deployedAt.toString());
        info.put("last_deployed", deployedAt.toString());
        info.put("deleted", "");
        info.put("description", release.revision() == 1 ? "Install complete" : "Upgrade complete");
        info.put("status", release.status());
        rel.put("info", info);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", release.chartName());
        meta.put("version", release.chartVersion());
        meta.put("appVersion", release.chartVersion());
        meta.put("apiVersion", "v2");
        rel.put("chart", Map.of("metadata", meta));
        rel.put("config", release.values());
        rel.put("manifest", manifest == null ? "" : manifest);
        rel.put("version", release.revision());
        rel.put("namespace", release.namespace());
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("name", release.name());
        labels.put("owner", "helm");
        labels.put("status", release.status());
        labels.put("version", String.valueOf(release.revision()));
        return new SecretData(secretName(release.name(), release.revision()), null, SECRET_TYPE, labels,
                Map.of("release", pack(rel)));
    }

    /** The release JSON of a storage secret: base64, then gzip. */
    private static byte[] unpack(SecretData secret) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(secret.data().get("release"))))) {
            return in.readAllBytes();
        }
    }

    /** The {@code release} value of a storage secret for this release JSON: gzip, then base64. */
    private static byte[] pack(Map<String, Object> rel) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(JSON.writeValueAsBytes(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encode(bytes.toByteArray());
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
