package io.clustermesh.testing.apiserver;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real Cilium charts of the project's fixtures, found from the module directory upwards. */
final class Charts {
    private Charts() {
    }

    /**
     * {@code shared/fixtures/charts/cilium-<version>.tgz} next to the project root (or an ancestor of it). Fails — a
     * missing chart must not turn the test into a skip.
     */
    static Path require(String version) {
        String file = "cilium-" + version + ".tgz";
        Path start = Path.of("").toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("fixtures").resolve("charts").resolve(file);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("the real Cilium chart " + file + " is missing: looked for shared/fixtures/charts/" + file
                + " in " + start + " and each directory above it; put the chart there (it is a project fixture)");
    }
}
