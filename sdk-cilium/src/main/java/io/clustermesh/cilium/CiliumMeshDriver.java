package io.clustermesh.cilium;

import io.clustermesh.internal.Driver;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.internal.ApplyPlanner;
import io.clustermesh.cilium.internal.StatusReader;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.MeshDriver;

import java.util.Map;
import java.util.Objects;

/**
 * The Cilium {@link MeshDriver}: Helm mode, as the Cilium CLI does it, but for all clusters at once. Per cluster: one
 * Helm upgrade with the complete values (AKS BYOCNI base, shared CA, clustermesh-apiserver exposure, every peer),
 * a second one only when peer LB IPs are unknown in advance; then waits for the LB IP, the rollouts and the agents'
 * connections. Found by {@link java.util.ServiceLoader}; construct one to choose the chart source.
 */
public final class CiliumMeshDriver implements Driver {
    private final ChartSource chart;
    private final boolean waitForConvergence;

    /** The official chart from the Cilium Helm repository; waits for convergence. */
    public CiliumMeshDriver() {
        this(ChartSource.ciliumRepository(), true);
    }

    /**
     * @param chart              where the chart comes from
     * @param waitForConvergence false for GitOps (values are only written; nothing to wait for)
     */
    public CiliumMeshDriver(ChartSource chart, boolean waitForConvergence) {
        this.chart = Objects.requireNonNull(chart, "chart");
        this.waitForConvergence = waitForConvergence;
    }

    /** A CA generated for a mesh that has none yet, kept while that mesh lives so that its plans agree. */
    private final Map<MeshContext, io.clustermesh.spi.PemCredential> generated = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private io.clustermesh.spi.PemCredential generatedCa(MeshContext context) {
        return generated.computeIfAbsent(context, c -> c.certificateAuthority()
                .createCa("Cilium CA " + c.spec().name(), c.spec().ca().validity()));
    }

    @Override
    public String name() {
        return "cilium";
    }

    @Override
    public MeshPlan planApply(MeshContext context) {
        return new ApplyPlanner(context, chart, waitForConvergence, () -> generatedCa(context)).planApply();
    }

    @Override
    public MeshPlan planDisconnect(MeshContext context, String cluster) {
        return new ApplyPlanner(context, chart, waitForConvergence, () -> generatedCa(context)).planDisconnect(cluster);
    }

    @Override
    public MeshPlan planDisable(MeshContext context) {
        return new ApplyPlanner(context, chart, waitForConvergence, () -> generatedCa(context)).planDisable();
    }

    @Override
    public MeshPlan planRotateCa(MeshContext context) {
        return new io.clustermesh.cilium.internal.CaRotation(context, chart).plan();
    }

    @Override
    public io.clustermesh.MeshServices services(MeshContext context) {
        return new io.clustermesh.cilium.services.CiliumMeshServices(context);
    }

    @Override
    public MeshStatus status(MeshContext context) {
        return StatusReader.read(context);
    }

    /**
     * The complete values every reachable cluster would get in one pass (peers with known addresses). Holds private
     * keys: write them only to protected files ({@link io.clustermesh.cilium.helm.ValuesFileHelmTransport}).
     */
    public Map<String, Map<String, Object>> intendedValues(Mesh mesh) {
        MeshContext context = MeshContexts.of(mesh);
        return new ApplyPlanner(context, chart, waitForConvergence, () -> generatedCa(context)).intendedValues();
    }
}
