package io.clustermesh.cilium;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A real etcd serving mutual TLS with SDK-issued certificates, probed the way a remote agent connects to
 * {@code https://cluster1.mesh.cilium.io:<port>}: the probe connects to 127.0.0.1 and checks the server certificate
 * for {@code cluster1.mesh.cilium.io} (matched by the SAN {@code *.mesh.cilium.io}).
 */
class EtcdMtlsTest {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();

    private static PemCredential meshCa;
    private static PemCredential otherCa;
    private static ApiserverCertificates cluster1;
    private static EtcdTestServer etcd;

    @BeforeAll
    static void startEtcd() throws IOException {
        EtcdTestServer.requireEtcd();
        meshCa = CA.createCa("Cilium CA", Duration.ofDays(30));
        otherCa = CA.createCa("Other CA", Duration.ofDays(30));
        cluster1 = new MeshCertificates(CA).issue(meshCa, MeshCertificates.Profile.of("cluster1"));
        etcd = EtcdTestServer.start(cluster1.server(), meshCa.certificatePem(), cluster1.admin());
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            Path dir = etcd.directory();
            etcd.close();
            assertThat(etcd.isAlive()).as("etcd stopped").isFalse();
            assertThat(dir).as("etcd data directory deleted").doesNotExist();
        }
    }

    /** As a remote agent of another cluster: cluster1's remote certificate, the mesh CA, cluster1's mesh name. */
    private static EtcdProbe.Builder agent() {
        return EtcdProbe.builder().peer("cluster1").address("127.0.0.1", etcd.clientPort())
                .client(cluster1.remote()).trustedCa(meshCa.certificatePem()).timeout(Duration.ofSeconds(5));
    }

    @Test
    void remoteCertificateIsAcceptedAndTheServerVerifiedAsCluster1MeshName() {
        try (EtcdProbe probe = agent().build()) {
            assertThat(probe.serverName()).isEqualTo("cluster1.mesh.cilium.io");
            assertThat(probe.endpoint().toString()).isEqualTo("https://127.0.0.1:" + etcd.clientPort());
            assertThat(probe.health()).isTrue();
        }
    }

    @Test
    void clusterConfigIsWrittenAndReadBack() {
        CiliumClusterConfig config = CiliumClusterConfig.of(1, 255);
        try (EtcdProbe probe = agent().build()) {
            probe.put("cilium/cluster-config/cluster1", config.toJson());
            assertThat(probe.get("cilium/cluster-config/cluster1")).contains(config.toJson());
            CiliumClusterConfig read = probe.clusterConfig("cluster1").orElseThrow();
            assertThat(read).isEqualTo(config);
            assertThat(read.id()).isEqualTo(1);
            assertThat(read.syncedCanaries()).isTrue();
            assertThat(read.maxConnectedClusters()).hasValue(255);
            assertThat(probe.clusterConfig("cluster9")).isEmpty();
            assertThat(probe.get("cilium/cluster-config/cluster9")).isEqualTo(Optional.empty());
        }
    }

    @Test
    void rangeReturnsExactlyTheKeysUnderThePrefixInKeyOrder() {
        try (EtcdProbe probe = agent().build()) {
            probe.put("cilium/state/nodes/v1/cluster1/node-b", "{\"name\":\"node-b\"}");
            probe.put("cilium/state/nodes/v1/cluster1/node-a", "{\"name\":\"node-ä\"}");
            probe.put("cilium/state/nodes/v1/cluster10/node-x", "other cluster");
            probe.put("cilium/state/nodes/v1/cluster1", "the prefix without its slash");
            Map<String, String> nodes = probe.range("cilium/state/nodes/v1/cluster1/");
            assertThat(nodes).containsExactly(
                    Map.entry("cilium/state/nodes/v1/cluster1/node-a", "{\"name\":\"node-ä\"}"),
                    Map.entry("cilium/state/nodes/v1/cluster1/node-b", "{\"name\":\"node-b\"}"));
            assertThat(probe.range("cilium/state/nodes/v1/cluster9/")).isEmpty();
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() {
        PemCredential foreign = new MeshCertificates(CA).issue(otherCa, MeshCertificates.Profile.of("cluster2")).remote();
        // several attempts: with TLS 1.3 the refusal races the request on the wire; the verdict must not
        List<Consumer<EtcdProbe>> calls = List.of(EtcdProbe::health, p -> p.get("cilium/cluster-config/cluster1"));
        for (int i = 0; i < 20; i++) {
            try (EtcdProbe probe = agent().client(foreign).build()) {
                MeshAccessException e = catchThrowableOfType(MeshAccessException.class, () -> calls.get(0).accept(probe));
                assertThat(e).as("attempt %d", i).isNotNull();
                assertThat(e.code()).isEqualTo(ErrorCode.ACCESS);
                assertThat(e.retryable()).isFalse();
                assertThat(e.cluster()).isEqualTo("cluster1");
                assertThat(e.getMessage()).contains("refused the client certificate 'remote' (issuer 'CN=Other CA')")
                        .contains("not signed by the mesh CA 'CN=Cilium CA'");
                assertThat(e.remediation()).contains("cilium-ca");
                assertNoKeyMaterial(e, foreign);
                MeshAccessException again = catchThrowableOfType(MeshAccessException.class, () -> calls.get(1).accept(probe));
                assertThat(again).as("attempt %d, get", i).isNotNull();
            }
        }
    }

    @Test
    void aServerVerifiedAgainstAnotherCaIsRefused() {
        try (EtcdProbe probe = agent().trustedCa(otherCa.certificatePem()).build()) {
            assertThatThrownBy(probe::health).isInstanceOfSatisfying(MeshAccessException.class, e -> {
                assertThat(e.getMessage()).contains("the server certificate 'CN=clustermesh-apiserver.cilium.io'")
                        .contains("does not validate against the trusted CA 'CN=Other CA'")
                        .contains("not signed by that CA");
                assertThat(e.remediation()).contains("mesh CA 'CN=Other CA'").contains("cilium-ca");
                assertThat(e.retryable()).isFalse();
                assertNoKeyMaterial(e, cluster1.remote());
            });
        }
    }

    @Test
    void aServerNotValidForTheExpectedNameIsRefused() {
        try (EtcdProbe probe = agent().serverName("cluster1.mesh.example.com").build()) {
            assertThatThrownBy(probe::health).isInstanceOf(MeshAccessException.class)
                    .hasMessageContaining("is valid for DNS names [clustermesh-apiserver.cilium.io, *.mesh.cilium.io, "
                            + "clustermesh-apiserver.kube-system.svc] and IPs [127.0.0.1, ::1], not for 'cluster1.mesh.example.com'");
        }
        try (EtcdProbe probe = agent().serverName("a.cluster1.mesh.cilium.io").build()) {
            assertThatThrownBy(probe::health).isInstanceOf(MeshAccessException.class)
                    .hasMessageContaining("not for 'a.cluster1.mesh.cilium.io'");
        }
        try (EtcdProbe probe = agent().serverName("clustermesh-apiserver.kube-system.svc").build()) {
            assertThat(probe.health()).as("the name local agents use with KVStoreMesh").isTrue();
        }
    }

    @Test
    void aFailedStartStopsEtcdAndLeavesNoDirectory() throws IOException {
        List<Path> before = testDirectories();
        PemCredential broken = new PemCredential(cluster1.server().certificatePem(),
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> EtcdTestServer.start(broken, meshCa.certificatePem(), cluster1.admin()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("etcd exited");
        assertThat(testDirectories()).containsExactlyInAnyOrderElementsOf(before);
    }

    private static List<Path> testDirectories() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith(EtcdTestServer.DIR_PREFIX)).toList();
        }
    }

    private static void assertNoKeyMaterial(MeshException e, PemCredential... credentials) {
        for (PemCredential c : credentials) {
            for (String line : c.privateKeyPem().lines().filter(l -> !l.startsWith("-----")).toList()) {
                assertThat(e.describe()).doesNotContain(line);
            }
        }
        assertThat(e.describe()).doesNotContain("PRIVATE KEY");
    }
}
