package io.clustermesh.cilium.helm;

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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A values-only {@link HelmTransport} for GitOps: instead of upgrading a release, writes each cluster's complete
 * values to {@code <dir>/<cluster>.values.yaml} (mode 0600: the files hold the CA key and certificate keys) for
 * Argo CD or Flux to apply. The "current release" is the file written before, so re-running writes nothing when
 * nothing changed.
 */
public final class ValuesFileHelmTransport implements HelmTransport {
    private static final Logger LOG = LoggerFactory.getLogger(ValuesFileHelmTransport.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private final Path dir;

    public ValuesFileHelmTransport(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    public Path dir() {
        return dir;
    }

    /** The file a cluster's values go to. */
    public Path file(String cluster) {
        return dir.resolve(cluster + ".values.yaml");
    }

    @Override
    public String name() {
        return "values-files(" + dir + ")";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        Path f = file(cluster.name());
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> values = HelmValuesYaml.read(Files.readString(f, StandardCharsets.UTF_8));
            return Optional.of(new HelmRelease(releaseName, namespace, 1, "deployed", "cilium", null, values));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
        try {
            Files.createDirectories(dir);
            Path target = file(cluster.name());
            Path tmp = Files.createTempFile(dir, "." + cluster.name(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(tmp, "# Cilium values for " + cluster.name() + " (chart " + request.chartVersion() + "), written by clustermesh.\n"
                    + "# Holds private keys: keep it in a secret store (e.g. SOPS, sealed secrets), not in plain git.\n"
                    + HelmValuesYaml.write(request.values()), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.setPosixFilePermissions(target, OWNER_ONLY);
            LOG.info("{}: wrote values to {}", cluster.name(), target);
            return new HelmRelease(request.releaseName(), request.namespace(), 1, "deployed", request.chart(), request.chartVersion(),
                    request.values());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        try {
            return Files.deleteIfExists(file(cluster.name()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
