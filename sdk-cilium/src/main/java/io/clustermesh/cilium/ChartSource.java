package io.clustermesh.cilium;

import java.util.Objects;

/**
 * Where the Cilium chart comes from.
 *
 * @param chart      chart name ({@code cilium}) or a local chart directory / archive when {@code repository} is null
 * @param repository chart repository URL, or {@code null} for a local chart
 */
public record ChartSource(String chart, String repository) {
    public static final String CILIUM_REPOSITORY = "https://helm.cilium.io/";

    public ChartSource {
        Objects.requireNonNull(chart, "chart");
    }

    /** The official chart {@code cilium} from the Cilium Helm repository. */
    public static ChartSource ciliumRepository() {
        return new ChartSource("cilium", CILIUM_REPOSITORY);
    }

    /** A chart on disk (an air-gapped copy, or a test chart). */
    public static ChartSource local(java.nio.file.Path dir) {
        return new ChartSource(dir.toString(), null);
    }
}
