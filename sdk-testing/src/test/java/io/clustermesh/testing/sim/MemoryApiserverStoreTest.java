package io.clustermesh.testing.sim;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The large-mesh lab mode's in-memory clustermesh-apiserver store judges an agent's connection by the rules of etcd's
 * mutual-TLS handshake, with certificates issued as the SDK issues them.
 */
class MemoryApiserverStoreTest {
    private static final BouncyCastleCertificateAuthority X509 = new BouncyCastleCertificateAuthority();
    private static final PemCredential MESH_CA = X509.createCa("Cilium CA", Duration.ofDays(365));
    private static final PemCredential OTHER_CA = X509.createCa("Cilium CA elsewhere", Duration.ofDays(365));
    private static final ApiserverCertificates C1 = new MeshCertificates(X509).issue(MESH_CA, MeshCertificates.Profile.of("cluster1"));
    private static final ApiserverCertificates C2 = new MeshCertificates(X509).issue(MESH_CA, MeshCertificates.Profile.of("cluster2"));

    private static MemoryApiserverStore cluster1(String trustedCa) {
        MemoryApiserverStore s = MemoryApiserverStore.open("cluster1", C1.server().certificatePem(), C1.server().privateKeyPem(), trustedCa);
        s.put("cilium/.heartbeat", "2026-12-05T10:00:00Z");
        s.put("cilium/cluster-config/cluster1", "{\"id\":1}");
        s.put("other/key", "not under cilium/");
        return s;
    }

    private static String fp(PemCredential client, String ca) {
        return SimObjects.sha256(client.certificatePem() + client.privateKeyPem() + ca);
    }

    @Test
    void anAgentOfTheMeshReadsWhatWasPublishedUnderThePrefix() throws Exception {
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            PemCredential remote = C2.remote();
            assertThat(s.range("cilium/", "cluster1.mesh.cilium.io", fp(remote, MESH_CA.certificatePem()), remote.certificatePem(),
                    remote.privateKeyPem(), MESH_CA.certificatePem()))
                    .containsOnlyKeys("cilium/.heartbeat", "cilium/cluster-config/cluster1");
            assertThat(MemoryApiserverStore.at(s.address())).isSameAs(s);
            assertThat(s.address().isUnresolved()).as("never dialled").isTrue();
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedByTheAgent() {
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            PemCredential remote = C2.remote();
            assertThatThrownBy(() -> s.range("cilium/", "cluster1.mesh.cilium.io", fp(remote, OTHER_CA.certificatePem()), remote.certificatePem(),
                    remote.privateKeyPem(), OTHER_CA.certificatePem()))
                    .isInstanceOf(MemoryApiserverStore.HandshakeRefused.class)
                    .hasMessageContaining("does not validate against the agent's trusted CA 'CN=Cilium CA elsewhere'")
                    .hasMessageContaining("not signed by that CA");
        }
    }

    @Test
    void theServerNameMustBeOneOfTheCertificatesNames() {
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            PemCredential remote = C2.remote();
            assertThatThrownBy(() -> s.range("cilium/", "cluster1.example.org", fp(remote, MESH_CA.certificatePem()), remote.certificatePem(),
                    remote.privateKeyPem(), MESH_CA.certificatePem()))
                    .isInstanceOf(MemoryApiserverStore.HandshakeRefused.class)
                    .hasMessageContaining("*.mesh.cilium.io").hasMessageContaining(", not for 'cluster1.example.org'");
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedByTheServer() {
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            PemCredential stranger = X509.issue(OTHER_CA, new CertificateRequest("remote-cluster9", List.of(), List.of(), false, true,
                    Duration.ofDays(30)));
            assertThatThrownBy(() -> s.range("cilium/", "cluster1.mesh.cilium.io", fp(stranger, MESH_CA.certificatePem()),
                    stranger.certificatePem(), stranger.privateKeyPem(), MESH_CA.certificatePem()))
                    .isInstanceOf(MemoryApiserverStore.HandshakeRefused.class)
                    .hasMessageContaining("the server refused the client certificate 'CN=remote-cluster9'")
                    .hasMessageContaining("bad_certificate, which is not signed by the mesh CA 'CN=Cilium CA'");
        }
    }

    @Test
    void aServerOnlyCertificateCannotBeUsedAsAClient() {
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            PemCredential serverOnly = X509.issue(MESH_CA, new CertificateRequest("server-only", List.of("x.mesh.cilium.io"), List.of(), true,
                    false, Duration.ofDays(30)));
            assertThatThrownBy(() -> s.range("cilium/", "cluster1.mesh.cilium.io", fp(serverOnly, MESH_CA.certificatePem()),
                    serverOnly.certificatePem(), serverOnly.privateKeyPem(), MESH_CA.certificatePem()))
                    .hasMessageContaining("refused the client certificate").hasMessageContaining("no clientAuth");
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheStoreFromStartingAsEtcdWould() {
        assertThatThrownBy(() -> MemoryApiserverStore.open("cluster1", C1.server().certificatePem(), C2.server().privateKeyPem(),
                MESH_CA.certificatePem()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: private key does not match public key");
        PemCredential remote = C2.remote();
        try (MemoryApiserverStore s = cluster1(MESH_CA.certificatePem())) {
            assertThatThrownBy(() -> s.range("cilium/", "cluster1.mesh.cilium.io", fp(remote, MESH_CA.certificatePem()) + "x",
                    remote.certificatePem(), C1.remote().privateKeyPem(), MESH_CA.certificatePem()))
                    .hasMessageContaining("the client's key does not belong to its certificate");
        }
    }

    @Test
    void aClosedStoreIsGoneFromTheAddressAndRefusesReads() {
        MemoryApiserverStore s = cluster1(MESH_CA.certificatePem());
        s.close();
        assertThat(MemoryApiserverStore.at(s.address())).isNull();
        PemCredential remote = C2.remote();
        assertThatThrownBy(() -> s.range("cilium/", "cluster1.mesh.cilium.io", fp(remote, MESH_CA.certificatePem()), remote.certificatePem(),
                remote.privateKeyPem(), MESH_CA.certificatePem())).isInstanceOf(IllegalStateException.class);
    }
}
