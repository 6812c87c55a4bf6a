package io.clustermesh.spring;

import io.clustermesh.Finding;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The mesh configuration of the application has errors: every finding of the SDK, with where the spec came from.
 * Thrown while the {@code Mesh} bean is created, so the application does not start; {@link MeshConfigurationFailureAnalyzer}
 * turns it into Spring Boot's startup report. The message holds codes, paths and fixes, never a secret.
 */
public class MeshConfigurationFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient MeshSpecSource source;

    /** @param source the spec and its findings (at least one error) */
    public MeshConfigurationFailure(MeshSpecSource source) {
        super("the mesh configuration from " + source.origin() + " has errors:\n"
                + source.findings().stream().filter(Finding::isError).map(Finding::toString).collect(Collectors.joining("\n")));
        this.source = source;
    }

    /** Where the spec came from and every finding about it. */
    public MeshSpecSource source() {
        return source;
    }

    /** The error findings. */
    public List<Finding> errors() {
        return source.findings().stream().filter(Finding::isError).toList();
    }
}
