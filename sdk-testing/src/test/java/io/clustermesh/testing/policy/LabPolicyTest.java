package io.clustermesh.testing.policy;

import io.clustermesh.Mesh;
import io.clustermesh.cilium.policy.ClusterMeshPolicy;
import io.clustermesh.cilium.policy.PolicyPeer;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.MeshLabTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A cross-cluster CiliumNetworkPolicy applied to every lab cluster once Cilium is installed, read back, idempotent. */
@MeshLabTest(clusters = 3)
class LabPolicyTest {

    @Test
    @SuppressWarnings("unchecked")
    void aPolicyIsAppliedToEveryClusterWithExplicitClusterLabels(MeshLab lab) {
        try (Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.connect().succeeded()).isTrue();
            ClusterMeshPolicy policy = ClusterMeshPolicy.named("allow-frontend-to-backend").namespace("meshtest")
                    .from(PolicyPeer.labels(Map.of("app", "frontend")).in("cluster1"))
                    .to(PolicyPeer.labels(Map.of("app", "backend")).in("cluster2", "cluster3"))
                    .port(8080, "TCP").bothWays().build();
            assertThat(policy.validate(List.of("cluster1", "cluster2", "cluster3"))).isEmpty();
            var first = policy.apply(mesh);
            assertThat(first.toString()).doesNotContain("failed");
            for (String c : List.of("cluster2", "cluster3")) {
                var stored = MeshContexts.of(mesh).connection(c).list("cilium.io/v2", "CiliumNetworkPolicy", "meshtest");
                assertThat(stored).isNotEmpty();
                Map<String, Object> spec = (Map<String, Object>) stored.get(0).get("spec");
                assertThat(String.valueOf(spec)).contains("io.cilium.k8s.policy.cluster");
            }
            assertThat(MeshContexts.of(mesh).connection("cluster1").list("cilium.io/v2", "CiliumNetworkPolicy", "meshtest")).isNotEmpty();
            long writesBefore = lab.clusters().stream().mapToLong(c -> c.counts().writes()).sum();
            policy.apply(mesh);
            long writesAfter = lab.clusters().stream().mapToLong(c -> c.counts().writes()).sum();
            assertThat(writesAfter).as("re-applying the same policy writes nothing").isEqualTo(writesBefore);
        }
    }
}
