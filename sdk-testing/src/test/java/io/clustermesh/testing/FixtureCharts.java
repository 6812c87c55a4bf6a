package io.clustermesh.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The official Cilium chart packages of the project's test fixtures ({@code shared/fixtures/charts/cilium-<version>.tgz}
 * beside the project), found from the module directory upwards. A missing chart fails the test with what to do: it
 * must never turn into a skip.
 */
public final class FixtureCharts {
    private FixtureCharts() {
    }

    /** The chart package {@code cilium-<version>.tgz}. */
    public static Path require(String version) {
        return dir(version).resolve(fileName(version));
    }

    /** The directory holding {@code cilium-<version>.tgz}, for {@link MeshLab.Builder#charts(Path)}. */
    public static Path dir(String version) {
        String file = fileName(version);
        Path start = Path.of("").toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            Path dir = d.resolve("shared").resolve("fixtures").resolve("charts");
            if (Files.isRegularFile(dir.resolve(file))) {
                return dir;
            }
        }
        throw new AssertionError("the official Cilium chart " + file + " is missing: looked for shared/fixtures/charts/" + file
                + " in " + start + " and each directory above it; put the chart package there (it is a project test fixture)");
    }

    private static String fileName(String version) {
        return "cilium-" + version + ".tgz";
    }
}
