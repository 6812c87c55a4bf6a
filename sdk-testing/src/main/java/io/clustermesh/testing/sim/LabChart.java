package io.clustermesh.testing.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The lab's Cilium chart, shipped as resources of this jar and extracted to a private temporary directory for
 * helm-java. Its value paths are the real chart's for everything the SDK sets (see {@code values.yaml} in the
 * resources); it renders the objects the Cilium chart renders for Cluster Mesh and no real workloads. {@link #close()} deletes the
 * directory.
 */
public final class LabChart implements AutoCloseable {
    static final String RESOURCE_ROOT = "/io/clustermesh/testing/sim/chart/";
    /** Every file of the chart (resources cannot be listed from a jar). */
    static final List<String> FILES = List.of("Chart.yaml", "values.yaml", "templates/_helpers.tpl",
            "templates/cilium-config.yaml", "templates/cilium-ca-secret.yaml", "templates/clustermesh-apiserver-certs.yaml",
            "templates/clustermesh-apiserver.yaml", "templates/clustermesh-apiserver-generate-certs.yaml", "templates/clustermesh-secrets.yaml",
            "templates/cilium-agent.yaml");

    private final Path root;
    private final Path dir;

    private LabChart(Path root) {
        this.root = root;
        this.dir = root.resolve("cilium");
    }

    /** Extracts the chart into a new private temporary directory under java.io.tmpdir. */
    public static LabChart extract() {
        return extract(null);
    }

    /** Extracts the chart into a new private temporary directory under {@code parent} ({@code null}: java.io.tmpdir). */
    public static LabChart extract(Path parent) {
        Path root = null;
        try {
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            var attr = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            root = parent == null
                    ? (posix ? Files.createTempDirectory("clustermesh-lab-chart-", attr) : Files.createTempDirectory("clustermesh-lab-chart-"))
                    : (posix ? Files.createTempDirectory(parent, "chart-", attr) : Files.createTempDirectory(parent, "chart-"));
            for (String f : FILES) {
                Path target = root.resolve("cilium").resolve(f);
                Files.createDirectories(target.getParent());
                try (InputStream in = LabChart.class.getResourceAsStream(RESOURCE_ROOT + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the lab chart file " + f + " is missing from the class path");
                    }
                    Files.copy(in, target);
                }
            }
            return new LabChart(root);
        } catch (IOException e) {
            delete(root);
            throw new UncheckedIOException("cannot extract the lab chart: " + e.getMessage(), e);
        }
    }

    /** The chart directory (its {@code Chart.yaml} names the chart {@code cilium}). */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        delete(root);
    }

    static void delete(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            // best effort: the directory is private
        }
    }

    @Override
    public String toString() {
        return "LabChart[" + dir + "]";
    }
}
