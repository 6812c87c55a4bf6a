package io.clustermesh.cilium;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the Cilium chart comes from: the Cilium Helm repository, a local chart (directory or {@code .tgz}), or a
 * directory of chart packages named as Helm names them ({@code cilium-<version>.tgz}, e.g. an air-gapped mirror or
 * a test fixture), from which each cluster gets the package of its chart version.
 *
 * @param chart      chart name ({@code cilium}), a local chart directory / archive when {@code repository} is null, or
 *                   a directory of chart packages when {@code packages} is true
 * @param repository chart repository URL, or {@code null} for a local chart
 * @param packages   whether {@code chart} is a directory of {@code cilium-<version>.tgz} packages
 */
public record ChartSource(String chart, String repository, boolean packages) {
    public static final String CILIUM_REPOSITORY = "https://helm.cilium.io/";

    public ChartSource {
        Objects.requireNonNull(chart, "chart");
        if (packages && repository != null) {
            throw new IllegalArgumentException("a directory of chart packages has no repository");
        }
    }

    public ChartSource(String chart, String repository) {
        this(chart, repository, false);
    }

    /** The official chart {@code cilium} from the Cilium Helm repository. */
    public static ChartSource ciliumRepository() {
        return new ChartSource("cilium", CILIUM_REPOSITORY);
    }

    /** A chart on disk (an air-gapped copy, or a test chart), used whatever the version asked for. */
    public static ChartSource local(Path dir) {
        return new ChartSource(dir.toString(), null);
    }

    /**
     * A directory of chart packages {@code cilium-<version>.tgz} (as {@code helm pull cilium/cilium --version V} saves
     * them): each cluster gets the package of its chart version.
     */
    public static ChartSource packages(Path dir) {
        return new ChartSource(dir.toString(), null, true);
    }

    /**
     * The chart reference Helm gets for a chart version.
     *
     * @throws IllegalStateException if this is a directory of packages without the version's package
     */
    public String chartFor(String version) {
        if (!packages) {
            return chart;
        }
        Path p = Path.of(chart).resolve("cilium-" + version + ".tgz");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no chart package cilium-" + version + ".tgz in " + chart
                    + "; add it (helm pull cilium/cilium --version " + version + " -d " + chart + ") or choose a version that is there");
        }
        return p.toString();
    }
}
