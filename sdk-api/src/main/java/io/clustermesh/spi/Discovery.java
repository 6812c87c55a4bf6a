package io.clustermesh.spi;

import io.clustermesh.Finding;
import io.clustermesh.model.MeshSpec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link CloudProvider} learned.
 *
 * @param spec     the spec with missing fields filled (podCidr, apiServer, access with kubeconfig content)
 * @param findings problems found (e.g. a cluster that does not exist)
 * @param notes    where each filled value came from, keyed {@code <cluster>.<field>}
 */
public record Discovery(MeshSpec spec, List<Finding> findings, Map<String, String> notes) {
    public Discovery {
        Objects.requireNonNull(spec, "spec");
        findings = List.copyOf(findings == null ? List.of() : findings);
        notes = Map.copyOf(notes == null ? Map.of() : notes);
    }
}
