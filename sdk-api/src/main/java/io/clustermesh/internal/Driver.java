package io.clustermesh.internal;

import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshServices;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.spi.MeshDriver;

/**
 * What a {@link MeshDriver} does: turns a spec and the observed cluster state into plans, and reads status. The
 * Cilium implementation ({@code io.clustermesh.cilium.CiliumMeshDriver}) lives in {@code clustermesh-cilium}; the
 * engine that runs plans lives here. Planning is read-only.
 *
 * <p>Not API: this interface and the plan-step plumbing beside it ({@link MeshContext}, {@link StepAction},
 * {@link StepContext}, {@link StepResult}) change with the Cilium driver, in any release.
 */
public interface Driver extends MeshDriver {

    /** Everything needed to bring the mesh to the spec (install/upgrade, CA, exposure, peers, waits). */
    MeshPlan planApply(MeshContext context);

    /** Removes {@code cluster} from every peer's configuration (the cluster keeps Cilium). */
    MeshPlan planDisconnect(MeshContext context, String cluster);

    /** Turns cluster mesh off everywhere ({@code useAPIServer=false}, {@code config.enabled=false}, no peers). */
    MeshPlan planDisable(MeshContext context);

    /**
     * Moves a running mesh to a new CA without losing connectivity (see {@code Mesh.planRotateCa()}): the new CA is
     * added to every cluster's trust, the certificates are re-issued from it, then the old CA is dropped, each phase
     * gated on every peer connected and resumable. Drivers that cannot rotate keep this default.
     */
    default MeshPlan planRotateCa(MeshContext context) {
        throw MeshException.internal("the mesh driver " + name() + " does not support CA rotation",
                Details.meshWide().fix("use the Cilium driver from io.clustermesh:clustermesh-cilium"));
    }

    /** Status per cluster and peer. Read-only. */
    MeshStatus status(MeshContext context);

    /** Global services over the context's clusters. Drivers that do not support them keep this default. */
    default MeshServices services(MeshContext context) {
        throw MeshException.internal("the mesh driver " + name() + " does not support global services",
                Details.meshWide()
                        .fix("use the Cilium driver from io.clustermesh:clustermesh-cilium, or build io.clustermesh.cilium.services.CiliumMeshServices"
                        + " yourself"));
    }
}
