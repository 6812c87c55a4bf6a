package io.clustermesh.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The lab's directory of Cilium chart packages: the one it ships, plus those a user gives. */
final class LabCharts {
    /** The official chart packages inside the lab's jar (see the README next to them). */
    static final String SHIPPED = "/io/clustermesh/testing/charts/";
    static final String SHIPPED_VERSION = "1.16.19";

    private LabCharts() {
    }

    static Path assemble(Path dir, Path extra) {
        try {
            Files.createDirectories(dir);
            try (InputStream in = LabCharts.class.getResourceAsStream(SHIPPED + "cilium-" + SHIPPED_VERSION + ".tgz")) {
                if (in == null) {
                    throw new IllegalStateException("the lab's chart cilium-" + SHIPPED_VERSION + ".tgz is missing from its jar");
                }
                Files.copy(in, dir.resolve("cilium-" + SHIPPED_VERSION + ".tgz"), StandardCopyOption.REPLACE_EXISTING);
            }
            if (extra != null) {
                try (DirectoryStream<Path> packages = Files.newDirectoryStream(extra, "cilium-*.tgz")) {
                    for (Path p : packages) {
                        Files.copy(p, dir.resolve(p.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the lab's chart packages in " + dir, e);
        }
    }
}
