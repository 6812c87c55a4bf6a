package io.clustermesh.spi;

import io.clustermesh.Finding;
import io.clustermesh.model.MeshSpec;

import java.util.List;

/**
 * Discovers clusters, their CIDRs, API FQDN and credentials, and checks the network topology. Default: Azure
 * ({@code clustermesh-azure}). Without one, clusters come from kubeconfig contexts and the spec.
 */
public interface CloudProvider extends MeshProvider {

    /** Whether this provider applies to the spec (e.g. it has an {@code azure} section). */
    boolean supports(MeshSpec spec);

    /** Reads the cloud and fills what the spec leaves out. Read-only. */
    Discovery discover(MeshSpec spec);

    /** Everything the cloud must provide for the mesh, as findings, all at once. Read-only. */
    List<Finding> preflight(MeshSpec spec);
}
