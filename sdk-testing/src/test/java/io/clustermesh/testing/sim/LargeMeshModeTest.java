package io.clustermesh.testing.sim;

import io.clustermesh.Mesh;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.report.MeshReport;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The large-mesh lab mode ({@link SimulatedCilium.Store#IN_MEMORY}): the same SDK, Helm and chart, the
 * clustermesh-apiserver's store in the lab's memory instead of an etcd process, the agents' connections judged by
 * etcd's mutual-TLS rules. What the agents report must be what they report with real etcd.
 */
class LargeMeshModeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");

    private static MeshLab lab() {
        return lab(SimulatedCilium.Store.IN_MEMORY);
    }

    private static MeshLab lab(SimulatedCilium.Store store) {
        return MeshLab.builder().clusters(3).nodesPerCluster(2).apiserverStore(store).start();
    }

    private static long etcdProcesses() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().map(c -> c.endsWith("etcd")).orElse(false)).count();
    }

    @Test
    void theMeshConnectsWithoutAnyEtcdProcessAndAStoppedApiserverIsSeenByItsPeers() {
        try (MeshLab lab = lab(); Mesh mesh = lab.meshBuilder().build()) {
            assertThat(lab.apiserverStore()).isEqualTo(SimulatedCilium.Store.IN_MEMORY);
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            for (String c : CLUSTERS) {
                lab.cilium(c).awaitRemotes(r -> r.size() == 2 && r.stream().allMatch(RemoteClusterState::ready), WAIT);
                assertThat(lab.cilium(c).apiserverRunning()).isTrue();
                assertThat(lab.cilium(c).clientsOpened()).as("no TLS client in the large-mesh mode").isZero();
            }
            MeshStatus status = mesh.status();
            assertThat(status.healthy()).as(status.toString()).isTrue();
            assertThat(status.clusters()).allSatisfy(c -> assertThat(c.connectedPeers()).hasSize(2));
            assertThat(etcdProcesses()).as("etcd processes the lab started").isZero();
            assertThat(lab.cilium("cluster1").peerReads()).containsOnlyKeys("cluster2", "cluster3");

            // the clustermesh-apiserver of cluster3 goes away: its address is gone from the lab's network
            lab.cluster("cluster3").client().apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").delete();
            for (String c : List.of("cluster1", "cluster2")) {
                List<RemoteClusterState> seen = lab.cilium(c).awaitRemotes(r -> r.stream()
                        .anyMatch(x -> x.name().equals("cluster3") && !x.connected()), WAIT);
                assertThat(seen).filteredOn(x -> x.name().equals("cluster3")).singleElement()
                        .satisfies(x -> assertThat(x.status()).endsWith(":2379: connect: connection refused"));
            }
            assertThat(lab.cilium("cluster3").apiserverRunning()).isFalse();
        }
    }

    /** The same story with both stores: what the agents report must not depend on the mode. */
    @ParameterizedTest
    @EnumSource(SimulatedCilium.Store.class)
    void aClusterWhoseCaAndCertificatesWereReplacedIsRefusedOnTrustBothWays(SimulatedCilium.Store store) {
        try (MeshLab lab = lab(store); Mesh mesh = lab.meshBuilder().build()) {
            MeshReport report = mesh.apply(mesh.plan());
            assertThat(report.succeeded()).as(report.toText()).isTrue();
            for (String c : CLUSTERS) {
                lab.cilium(c).awaitRemotes(r -> r.size() == 2 && r.stream().allMatch(RemoteClusterState::ready), WAIT);
                assertThat(lab.cilium(c).trustFailures()).isEmpty();
            }
            // cluster1 gets a CA of its own and certificates from it; nobody else trusts it
            BouncyCastleCertificateAuthority x509 = new BouncyCastleCertificateAuthority();
            PemCredential ca = x509.createCa("Cilium CA elsewhere", Duration.ofDays(365));
            var issued = new MeshCertificates(x509).issue(ca, MeshCertificates.Profile.of("cluster1"));
            LabCluster c1 = lab.cluster("cluster1");
            Map<String, PemCredential> leaves = new LinkedHashMap<>();
            leaves.put("clustermesh-apiserver-server-cert", issued.server());
            leaves.put("clustermesh-apiserver-admin-cert", issued.admin());
            leaves.put("clustermesh-apiserver-remote-cert", issued.remote());
            // (the agents' own certificate for the local clustermesh-apiserver with KVStoreMesh, from the same CA)
            leaves.put("clustermesh-apiserver-local-cert", x509.issue(ca, new CertificateRequest("local-cluster1", List.of(), List.of(), false, true,
                    Duration.ofDays(365))));
            replace(c1, "cilium-ca", Map.of("ca.crt", ca.certificatePem(), "ca.key", ca.privateKeyPem()));
            leaves.forEach((name, cert) -> replace(c1, name, Map.of("ca.crt", ca.certificatePem(), "tls.crt", cert.certificatePem(),
                    "tls.key", cert.privateKeyPem())));

            List<RemoteClusterState> seen = lab.cilium("cluster2").awaitRemotes(r -> r.stream()
                    .anyMatch(x -> x.name().equals("cluster1") && x.status().contains("x509")), WAIT);
            assertThat(seen).filteredOn(x -> x.name().equals("cluster1")).singleElement().satisfies(x -> {
                assertThat(x.ready()).isFalse();
                assertThat(x.status()).startsWith("failed to connect to etcd: tls: failed to verify certificate: x509: certificate signed by "
                        + "unknown authority").contains("cluster1.mesh.cilium.io");
            });
            lab.cilium("cluster1").awaitRemotes(r -> lab.cilium("cluster1").trustFailures().stream().anyMatch(f -> !f.peer().equals("cluster1")),
                    WAIT);
            assertThat(lab.cilium("cluster2").trustFailures()).anySatisfy(f -> {
                assertThat(f.peer()).isEqualTo("cluster1");
                assertThat(f.detail()).contains("signed by unknown authority");
            });
            assertThat(lab.cilium("cluster1").trustFailures()).as("cluster1 (its KVStoreMesh) refuses the others' certificates of the old CA")
                    .anySatisfy(f -> {
                        assertThat(f.peer()).isIn("cluster2", "cluster3");
                        assertThat(f.detail()).contains("signed by unknown authority");
                    });
            assertThat(mesh.status().healthy()).isFalse();
        }
    }

    private static void replace(LabCluster c, String name, Map<String, String> data) {
        Secret now = c.client().secrets().inNamespace("kube-system").withName(name).get();
        if (now == null) {
            return; // a certificate this chart does not use
        }
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        c.client().secrets().inNamespace("kube-system").resource(new SecretBuilder(now).withData(encoded).build()).update();
    }
}
