package io.clustermesh.samples;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.testing.MeshLab;

import java.nio.file.Path;

/**
 * The README's Java example, runnable: three clusters of the embedded lab brought into one mesh with the fluent API.
 * The clusters are reached through the lab's kubeconfig file, one context per cluster, as users reach AKS clusters
 * after {@code az aks get-credentials}: on real clusters give your kubeconfig (or {@code ClusterAccess.azure(resourceGroup,
 * name)}) and drop the lab's Helm transport and timeouts.
 */
public final class QuickStart {
    private QuickStart() {
    }

    public static void main(String[] args) {
        try (MeshLab lab = MeshLab.start(3)) {
            Path kubeconfig = lab.kubeconfigFile();                  // one kubeconfig, a context per cluster, as az aks get-credentials leaves it
            // --- the README example starts here
            try (Mesh mesh = Mesh.builder()
                    .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.1.0.0/16").withMeshIp(lab.meshIp("cluster1"))
                            .withApiServer(lab.cluster("cluster1").apiServer()).withAccess(ClusterAccess.kubeContext("cluster1", kubeconfig)))
                    .cluster(MeshCluster.named("cluster2").withId(2).withPodCidr("10.2.0.0/16").withMeshIp(lab.meshIp("cluster2"))
                            .withApiServer(lab.cluster("cluster2").apiServer()).withAccess(ClusterAccess.kubeContext("cluster2", kubeconfig)))
                    .cluster(MeshCluster.named("cluster3").withId(3).withPodCidr("10.3.0.0/16").withMeshIp(lab.meshIp("cluster3"))
                            .withApiServer(lab.cluster("cluster3").apiServer()).withAccess(ClusterAccess.kubeContext("cluster3", kubeconfig)))
                    .cilium(CiliumOptions.version("1.16.19").withKubeProxyReplacement(true).withHubble(true))
                    .ca(CaStrategy.generate())      // or CaStrategy.adoptFrom("cluster1")
                    .exposure(Exposure.azureInternalLoadBalancer())
                    .helmTransport(lab.helmTransport())               // the lab's Helm; on AKS the default helm-java
                    .timeouts(MeshLab.timeouts())
                    .build()) {                                       // validates everything that needs no I/O
                MeshPlan plan = mesh.plan();                          // read-only: findings + per-cluster changes
                System.out.print(plan.toText());                      // never shows keys
                MeshReport report = mesh.apply(plan);                 // parallel, retried, isolated per cluster
                MeshStatus status = mesh.status();                    // per cluster and peer, with remediations
                System.out.print(status.toText());
                if (!report.succeeded() || !status.healthy()) {
                    throw new IllegalStateException("the mesh did not converge:\n" + report.toText());
                }
            }
            // --- the README example ends here
        }
    }
}
