package io.clustermesh.spi;

import io.clustermesh.MeshPlan;
import io.clustermesh.MeshStatus;

/**
 * Turns a spec and the observed cluster state into plans, and reads status. The Cilium implementation lives in
 * {@code clustermesh-cilium}; the engine that runs plans lives in sdk-api. Planning is read-only.
 */
public interface MeshDriver extends MeshProvider {

    /** Everything needed to bring the mesh to the spec (install/upgrade, CA, exposure, peers, waits). */
    MeshPlan planApply(MeshContext context);

    /** Removes {@code cluster} from every peer's configuration (the cluster keeps Cilium). */
    MeshPlan planDisconnect(MeshContext context, String cluster);

    /** Turns cluster mesh off everywhere ({@code useAPIServer=false}, {@code config.enabled=false}, no peers). */
    MeshPlan planDisable(MeshContext context);

    /** Status per cluster and peer. Read-only. */
    MeshStatus status(MeshContext context);
}
