package io.clustermesh.testing.instant;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The instant world runs the SDK's plan, apply, status and verify, and its agents judge connectivity on their own. */
class InstantWorldTest {

    private static List<MeshCluster> clusters(int n) {
        List<MeshCluster> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String name = "c" + i;
            out.add(MeshCluster.named(name).withId(i).withPodCidr("10." + i + ".0.0/16").withServiceCidr("10.0.0.0/16")
                    .withApiServer(name + ".hcp.eastus.azmk8s.io").withMeshIp("172.16." + i + ".250").withAccess(ClusterAccess.kubeContext(name)));
        }
        return out;
    }

    private static Mesh mesh(InstantWorld world, List<MeshCluster> clusters) {
        return Mesh.builder().name("instant").clusters(clusters).ca(CaStrategy.generate())
                .exposure(Exposure.azureInternalLoadBalancer()).clusterTransport(world).helmTransport(world)
                .timeouts(MeshTimeouts.defaults().withConnection(Duration.ofSeconds(5)).withPollInterval(Duration.ofMillis(10))).build();
    }

    @Test
    void aMeshConvergesWithOneHelmUpgradePerClusterAndAReapplyWritesNothing() {
        InstantWorld world = InstantWorld.builder().nodesPerCluster(2).build();
        try (Mesh mesh = mesh(world, clusters(4))) {
            MeshPlan plan = mesh.plan();
            assertThat(plan.hasErrors()).as(plan.findings().toString()).isFalse();
            MeshReport report = mesh.apply(plan);
            assertThat(report.succeeded()).as(report.failures().toString()).isTrue();

            for (InstantCluster c : world.clusters()) {
                assertThat(world.readyPeers(c.name())).as(c.name()).hasSize(3);
                assertThat(c.helmRevisions()).as(c.name()).isEqualTo(1);
            }
            MeshStatus status = mesh.status();
            assertThat(status.healthy()).as(status.clusters().stream().map(ClusterStatus::errors).toList().toString()).isTrue();
            assertThat(status.clusters()).allSatisfy(c -> assertThat(c.connectedPeers()).hasSize(3));

            world.resetCounts();
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            assertThat(world.clusters().stream().mapToLong(InstantCluster::writes).sum()).isZero();
            assertThat(world.clusters().stream().mapToLong(InstantCluster::reads).sum()).isPositive();
        }
    }

    @Test
    void verifyingThePeersAsksEachAgentOnce_whenTheyAreConnectedAtTheFirstLook() {
        // each answer lists every remote cluster (N-1 of them): verify-peers asks the first agent until it is
        // connected, then reads the cluster; the first agent's answer of that same poll is not asked for again
        InstantWorld world = InstantWorld.builder().nodesPerCluster(3).build();
        try (Mesh mesh = mesh(world, clusters(4))) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.failures().toString()).isTrue();
            for (InstantCluster c : world.clusters()) {
                assertThat(world.readyPeers(c.name())).as(c.name()).hasSize(3);
                assertThat(c.agentStatusReads()).as(c.name() + ": agent status reads during apply").isEqualTo(3);
            }
            world.resetCounts();
            assertThat(mesh.status().healthy()).isTrue();
            assertThat(world.clusters()).allSatisfy(c -> assertThat(c.agentStatusReads()).as(c.name() + ": agent status reads of a status").isEqualTo(3));
        }
    }

    @Test
    void theAgentsJudgeOnTheirOwn_aMissingLocalOrServerCertificateIsNotConnected() {
        InstantWorld world = InstantWorld.builder().nodesPerCluster(1).build();
        List<MeshCluster> spec = clusters(3);
        try (Mesh mesh = mesh(world, spec)) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            try (ClusterConnection c1 = world.connect(spec.get(0), MeshTimeouts.defaults())) {
                assertThat(c1.deleteSecret("kube-system", "clustermesh-apiserver-local-cert")).isTrue();
            }
            assertThat(world.readyPeers("c1")).isEmpty();
            assertThat(world.readyPeers("c2")).containsExactly("c1", "c3");
            MeshStatus status = mesh.status();
            ClusterStatus c1 = status.clusters().stream().filter(c -> c.name().equals("c1")).findFirst().orElseThrow();
            assertThat(c1.connectedPeers()).isEmpty();
            assertThat(String.join(" ", c1.peers().get(0).errors())).contains("local-etcd-client.crt");

            // the peers of c3 cannot verify a server that presents no certificate; c3 itself still reaches them
            try (ClusterConnection c3 = world.connect(spec.get(2), MeshTimeouts.defaults())) {
                assertThat(c3.deleteSecret("kube-system", "clustermesh-apiserver-server-cert")).isTrue();
            }
            assertThat(world.readyPeers("c2")).containsExactly("c1");
            assertThat(world.readyPeers("c3")).containsExactly("c1", "c2");
        }
    }
    @Test
    void theAgentsVerifySignatures_aServerCertificateFromAnotherCaOfTheSameNameIsNotTrusted() {
        InstantWorld world = InstantWorld.builder().nodesPerCluster(1).build();
        List<MeshCluster> spec = clusters(3);
        try (Mesh mesh = mesh(world, spec)) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            assertThat(world.readyPeers("c2")).containsExactly("c1", "c3");
            try (ClusterConnection c3 = world.connect(spec.get(2), MeshTimeouts.defaults())) {
                SecretData server = c3.secret("kube-system", "clustermesh-apiserver-server-cert").orElseThrow();
                String meshCa = new String(server.data().get("ca.crt"), StandardCharsets.UTF_8);
                // an impostor CA with the mesh CA's name: the issuer name matches, only the signature can tell
                BouncyCastleCertificateAuthority bc = new BouncyCastleCertificateAuthority();
                PemCredential impostor = bc.createCa(bc.inspect(meshCa).commonName(), Duration.ofDays(30));
                assertThat(bc.inspect(impostor.certificatePem()).subject()).isEqualTo(bc.inspect(meshCa).subject());
                PemCredential forged = bc.issue(impostor, new CertificateRequest("clustermesh-apiserver.cilium.io",
                        List.of("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io"), List.of("127.0.0.1"), true, true, Duration.ofDays(30)));
                Map<String, byte[]> data = new LinkedHashMap<>(server.data());
                data.put("tls.crt", forged.certificatePem().getBytes(StandardCharsets.UTF_8));
                data.put("tls.key", forged.privateKeyPem().getBytes(StandardCharsets.UTF_8));
                assertThat(c3.putSecret("kube-system", new SecretData(server.name(), server.resourceVersion(), server.type(), server.labels(), data)))
                        .isTrue();
            }
            assertThat(world.readyPeers("c2")).containsExactly("c1");
            assertThat(world.readyPeers("c1")).containsExactly("c2");
        }
    }
}
