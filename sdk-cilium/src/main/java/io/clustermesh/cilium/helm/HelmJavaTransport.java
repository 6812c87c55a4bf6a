package io.clustermesh.cilium.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.UpgradeCommand;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.kube.ClusterKubeconfig;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The default {@link HelmTransport}: Helm 3 in-process through helm-java. Releases are read from Helm's storage
 * secrets through the cluster connection; upgrades always pass the complete values (never {@code --reuse-values}
 * or partial {@code --set}). Values files are written 0600 to a private temp dir and deleted right after.
 *
 * <p>Helm reaches the cluster through {@link ClusterKubeconfig}: a kubeconfig holding exactly the cluster's own context,
 * the same the Kubernetes client of the connection was built from, written 0600 into the private temp dir (never the user's whole
 * kubeconfig, whose {@code current-context} may be another cluster).
 */
public final class HelmJavaTransport implements HelmTransport {
    private static final Logger LOG = LoggerFactory.getLogger(HelmJavaTransport.class);

    @Override
    public String name() {
        return "helm-java";
    }

    @Override
    public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        return HelmStorage.current(connection, namespace, releaseName);
    }

    @Override
    public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
        Path dir = null;
        try {
            // a revision left pending by a stopped run would make Helm refuse ("another operation is in progress")
            HelmStorage.markInterruptedFailed(connection, request.namespace(), request.releaseName()).ifPresent(rev ->
                    LOG.info("{}: Helm release {} revision {} was left pending by an interrupted run; marked failed", cluster.name(),
                            request.releaseName(), rev));
            dir = privateDir();
            Path values = dir.resolve("values.yaml");
            Files.writeString(values, HelmValuesYaml.write(request.values()), StandardCharsets.UTF_8);
            UpgradeCommand cmd = chart(request, dir).install().withName(request.releaseName()).withNamespace(request.namespace())
                    .withValuesFile(values);
            if (request.chartVersion() != null) cmd = cmd.withVersion(request.chartVersion());
            if (request.timeout() != null) cmd = cmd.withTimeout((int) request.timeout().toSeconds());
            // exactly the cluster's own context, the same the connection's client uses (helm-java has no context option)
            // (written 0600 into the private temp dir: helm-java 0.0.21's upgrade ignores withKubeConfigContents and falls
            // back to localhost:8080)
            cmd = cmd.withKubeConfig(ClusterKubeconfig.of(connection, cluster).writeTo(dir));
            LOG.info("{}: helm upgrade --install {} {} {}", cluster.name(), request.releaseName(), request.chart(), request.chartVersion());
            Release r = cmd.call();
            return new HelmRelease(r.getName(), r.getNamespace(), parseInt(r.getRevision()), r.getStatus(), request.chart(),
                    request.chartVersion(), request.values());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MeshException e) {
            throw e;
        } catch (RuntimeException e) {
            throw mapHelm(cluster.name(), "helm upgrade of " + request.releaseName(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static UpgradeCommand chart(HelmRequest request, Path dir) throws IOException {
        if (request.repository() == null) {
            return new Helm(Path.of(request.chart())).upgrade();
        }
        Path repoConfig = dir.resolve("repositories.yaml");
        String repoName = "clustermesh-charts";
        Helm.repo().add().withRepositoryConfig(repoConfig).withName(repoName).withUrl(java.net.URI.create(request.repository())).call();
        String chartName = request.chart().contains("/") ? request.chart().substring(request.chart().indexOf('/') + 1) : request.chart();
        return Helm.upgrade(repoName + "/" + chartName).withRepositoryConfig(repoConfig);
    }

    @Override
    public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        if (HelmStorage.history(connection, namespace, releaseName).isEmpty()) {
            return false;
        }
        Path dir = null;
        try {
            dir = privateDir();
            Helm.uninstall(releaseName).withNamespace(namespace)
                    .withKubeConfig(ClusterKubeconfig.of(connection, cluster).writeTo(dir))
                    .call();
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MeshException e) {
            throw e;
        } catch (RuntimeException e) {
            throw mapHelm(cluster.name(), "helm uninstall of " + releaseName, e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static Path privateDir() throws IOException {
        return Files.createTempDirectory("clustermesh-helm-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    static MeshException mapHelm(String cluster, String what, RuntimeException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        String first = msg.lines().findFirst().orElse("").replaceAll("(?i)(token|password|client-key-data)\\S*", "<redacted>");
        if (msg.contains("connection refused") || msg.contains("i/o timeout") || msg.contains("TLS handshake timeout")) {
            return new MeshUnreachableException(cluster + ": " + what + " could not reach the cluster: " + first,
                    Details.inCluster(cluster).fix("check that the API server of " + cluster + " is reachable").cause(e));
        }
        if (msg.contains("another operation (install/upgrade/rollback) is in progress")) {
            return new MeshConflictException(cluster + ": " + what + ": another Helm operation is in progress",
                    Details.inCluster(cluster)
                            .fix("wait for it to finish, or roll back a stuck release with 'helm rollback cilium -n kube-system'")
                            .cause(e));
        }
        return MeshException.failed(cluster + ": " + what + " failed: " + first,
                Details.inCluster(cluster).fix("read the Helm error above; 'helm history cilium -n kube-system' shows the release state")
                        .cause(e));
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the directory is private (0700)
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
