package io.clustermesh.samples;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshReport;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.testing.MeshLab;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A custom {@link HelmTransport} from outside the SDK: instead of installing, it hands each cluster's complete values
 * to a GitOps pipeline (here: it collects them; the SDK's own {@code ValuesFileHelmTransport} writes files). Argo CD or
 * Flux then own the release — this is why the SDK always produces the complete values, never a partial {@code --set}.
 */
public final class GitOpsExport {
    private GitOpsExport() {
    }

    /** Collects the values the mesh would install, per cluster. */
    public static final class CollectingHelmTransport implements HelmTransport {
        private final Map<String, HelmRelease> releases = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "gitops-collector";
        }

        @Override
        public Optional<HelmRelease> release(ClusterConnection c, MeshCluster cluster, String namespace, String releaseName) {
            return Optional.ofNullable(releases.get(cluster.name()));
        }

        @Override
        public HelmRelease upgradeInstall(ClusterConnection c, MeshCluster cluster, HelmRequest request) {
            // a real pipeline would commit request.values() (encrypted: they hold keys) to the cluster's GitOps repo here
            HelmRelease r = new HelmRelease(request.releaseName(), request.namespace(), 1, "deployed", "cilium", request.chartVersion(),
                    request.values());
            releases.put(cluster.name(), r);
            return r;
        }

        @Override
        public boolean uninstall(ClusterConnection c, MeshCluster cluster, String namespace, String releaseName) {
            return releases.remove(cluster.name()) != null;
        }

        /** Cluster name to its complete values (holds keys: never print). */
        public Map<String, Map<String, Object>> values() {
            Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
            releases.forEach((c, r) -> out.put(c, r.values()));
            return out;
        }
    }

    public static void main(String[] args) {
        CollectingHelmTransport gitops = new CollectingHelmTransport();
        try (MeshLab lab = MeshLab.start(2);
             Mesh mesh = lab.meshBuilder()
                     .helmTransport(gitops)
                     // GitOps: nothing to wait for, the pipeline installs later
                     .driver(new CiliumMeshDriver(ChartSource.ciliumRepository(), false))
                     .build()) {
            MeshReport report = mesh.apply(mesh.plan());
            System.out.println(report.succeeded() ? "values ready for " + gitops.values().keySet() : report.toText());
            System.out.println("a second run changes nothing: " + (mesh.plan().writeSteps() == 0));
        }
    }
}
