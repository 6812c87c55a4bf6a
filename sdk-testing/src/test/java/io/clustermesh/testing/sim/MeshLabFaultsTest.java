package io.clustermesh.testing.sim;

import io.clustermesh.Mesh;
import io.clustermesh.MeshReport;
import io.clustermesh.RetryPolicy;
import io.clustermesh.testing.Fault;
import io.clustermesh.testing.FaultRule;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 4, Kubernetes side: with 20 % of the SDK's API requests answered with HTTP 500, apply still converges through
 * the engine's one retry layer, and the request counters show the faults. (Helm's own object traffic is the lab's and
 * not faulted; the release reads and writes are the SDK's and are.)
 */
class MeshLabFaultsTest {

    @Test
    void applyConvergesWhenOneRequestInFiveFails() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).seed(42)
                .clusterFault(FaultRule.atRate(0.2, Fault.serverError())).start();
             Mesh mesh = lab.meshBuilder().retryPolicy(RetryPolicy.defaults()).build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report + " " + report.failures()).isTrue();
            // the faults happened and were retried: some step needed more than one attempt, and the counters saw the 500s
            assertThat(report.steps()).anySatisfy(s -> assertThat(s.attempts()).isGreaterThan(1));
            assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().faults()).isPositive());
            long total = lab.clusters().stream().mapToLong(c -> c.counts().total()).sum();
            long faults = lab.clusters().stream().mapToLong(c -> c.counts().faults()).sum();
            assertThat((double) faults / total).isBetween(0.1, 0.3);
        }
    }
}
