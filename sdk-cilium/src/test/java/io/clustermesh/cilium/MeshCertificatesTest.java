package io.clustermesh.cilium;

import io.clustermesh.cilium.MeshCertificates.AuthMode;
import io.clustermesh.cilium.MeshCertificates.Profile;
import io.clustermesh.cilium.MeshCertificates.Renewal;
import io.clustermesh.spi.CertificateInfo;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshCertificatesTest {
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority(CLOCK);
    private static final Profile PROFILE = Profile.of("cluster1");

    private static PemCredential meshCa;
    private static ApiserverCertificates issued;

    @BeforeAll
    static void issue() {
        meshCa = CA.createCa("Cilium CA", Duration.ofDays(5 * 365)); // outlives the leaves
        issued = new MeshCertificates(CA, CLOCK).issue(meshCa, PROFILE);
    }

    private static MeshCertificates at(Instant now) {
        return new MeshCertificates(CA, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void serverCertificateHasExactlyTheChartSansAndCn() throws Exception {
        CertificateInfo server = CA.inspect(issued.server().certificatePem());
        assertThat(server.commonName()).isEqualTo("clustermesh-apiserver.cilium.io");
        assertThat(server.dnsNames()).containsExactly("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io",
                "clustermesh-apiserver.kube-system.svc");
        assertThat(server.ipAddresses()).containsExactly("127.0.0.1", "::1");
        assertThat(TestPki.cert(issued.server().certificatePem()).getExtendedKeyUsage())
                .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(server.notAfter()).isEqualTo(NOW.plus(MeshCertificates.DEFAULT_VALIDITY));
    }

    @Test
    void clientCertificatesCarryTheCnsEtcdUsersExpect() throws Exception {
        assertThat(CA.inspect(issued.admin().certificatePem()).commonName()).isEqualTo("admin-cluster1");
        assertThat(CA.inspect(issued.remote().certificatePem()).commonName()).isEqualTo("remote");
        assertThat(CA.inspect(issued.client().certificatePem()).commonName()).isEqualTo("externalworkload");
        for (PemCredential c : List.of(issued.admin(), issued.remote(), issued.client())) {
            X509Certificate x = TestPki.cert(c.certificatePem());
            assertThat(x.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
            assertThat(x.getSubjectAlternativeNames()).isNull();
        }
    }

    @Test
    void everyCertificateValidatesAgainstTheMeshCaAndHoldsItsKey() throws Exception {
        for (PemCredential c : List.of(issued.server(), issued.admin(), issued.remote(), issued.client())) {
            TestPki.pkixValidate(c.certificatePem(), meshCa.certificatePem(), NOW);
            assertThat(CA.keyMatches(c)).isTrue();
            assertThat(CA.signedBy(c.certificatePem(), meshCa.certificatePem())).isTrue();
        }
    }

    @Test
    void clusterAuthModeNamesTheRemoteCertAfterTheClusterAndClientIsOptional() {
        ApiserverCertificates set = new MeshCertificates(CA, CLOCK)
                .issue(meshCa, PROFILE.withAuthMode(AuthMode.CLUSTER).withClient(false));
        assertThat(CA.inspect(set.remote().certificatePem()).commonName()).isEqualTo("remote-cluster1");
        assertThat(set.client()).isNull();
        assertThat(AuthMode.fromValue("cluster")).isEqualTo(AuthMode.CLUSTER);
        assertThat(AuthMode.MIGRATION.value()).isEqualTo("migration");
        assertThat(PROFILE.withAuthMode(AuthMode.MIGRATION).remoteCommonName()).isEqualTo("remote");
        assertThatThrownBy(() -> AuthMode.fromValue("strict")).hasMessageContaining("legacy, migration, cluster");
    }

    @Test
    void freshCertificatesAreKept() {
        assertThat(at(NOW).review(issued, meshCa.certificatePem(), PROFILE)).isEqualTo(Renewal.keep());
        Instant justBeforeWindow = NOW.plus(MeshCertificates.DEFAULT_VALIDITY).minus(PROFILE.renewBefore()).minusSeconds(1);
        assertThat(at(justBeforeWindow).review(issued, meshCa.certificatePem(), PROFILE).required()).isFalse();
    }

    @Test
    void certificatesNearExpiryOrExpiredAreRenewed() {
        Instant inWindow = NOW.plus(MeshCertificates.DEFAULT_VALIDITY).minus(Duration.ofDays(10));
        Renewal r = at(inWindow).review(issued, meshCa.certificatePem(), PROFILE);
        assertThat(r.required()).isTrue();
        assertThat(r.reasons()).hasSize(4).allMatch(s -> s.contains("expires at") && s.contains("less than 90 days"));

        Instant after = NOW.plus(MeshCertificates.DEFAULT_VALIDITY).plusSeconds(1);
        assertThat(at(after).review(issued, meshCa.certificatePem(), PROFILE).reasons()).anyMatch(s -> s.contains("expired at"));
    }

    @Test
    void certificatesEndingWithAnExpiringCaAreNotRenewedForever() {
        PemCredential shortCa = CA.createCa("Cilium CA", Duration.ofDays(60));
        ApiserverCertificates capped = new MeshCertificates(CA, CLOCK).issue(shortCa, PROFILE);
        assertThat(CA.inspect(capped.server().certificatePem()).notAfter()).isEqualTo(NOW.plus(Duration.ofDays(60)));
        assertThat(at(NOW).review(capped, shortCa.certificatePem(), PROFILE).required()).isFalse();
        Instant afterBoth = NOW.plus(Duration.ofDays(61));
        assertThat(at(afterBoth).review(capped, shortCa.certificatePem(), PROFILE).reasons())
                .anyMatch(s -> s.contains("expired at"));
    }

    @Test
    void certificatesOfAnotherCaAreRenewed() {
        PemCredential otherCa = CA.createCa("Cilium CA", Duration.ofDays(365));
        Renewal r = at(NOW).review(issued, otherCa.certificatePem(), PROFILE);
        assertThat(r.required()).isTrue();
        assertThat(r.reasons()).hasSize(4).allMatch(s -> s.contains("not signed by the mesh CA 'Cilium CA'"));
        assertThat(r.reasons().get(0)).startsWith("server certificate: ")
                .contains(CA.inspect(otherCa.certificatePem()).subjectKeyId());
    }

    @Test
    void aServerCertificateWithOtherSansIsRenewed() {
        PemCredential oldServer = CA.issue(meshCa, new CertificateRequest(MeshCertificates.SERVER_COMMON_NAME,
                List.of("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io"), List.of("127.0.0.1"), true, true,
                Duration.ofDays(365)));
        Renewal r = at(NOW).review(oldServer, issued.admin(), issued.remote(), issued.client(), meshCa.certificatePem(), PROFILE);
        assertThat(r.reasons()).containsExactly(
                "server certificate: DNS SANs are [clustermesh-apiserver.cilium.io, *.mesh.cilium.io], expected "
                        + "[clustermesh-apiserver.cilium.io, *.mesh.cilium.io, clustermesh-apiserver.kube-system.svc]",
                "server certificate: IP SANs are [127.0.0.1], expected [127.0.0.1, ::1]");
    }

    @Test
    void aServerCertificateWithoutServerAuthIsRenewed() {
        PemCredential clientOnly = CA.issue(meshCa, new CertificateRequest(MeshCertificates.SERVER_COMMON_NAME,
                MeshCertificates.SERVER_DNS_NAMES, MeshCertificates.SERVER_IP_ADDRESSES, false, true, Duration.ofDays(365)));
        assertThat(at(NOW).review(clientOnly, issued.admin(), issued.remote(), issued.client(), meshCa.certificatePem(), PROFILE)
                .reasons()).containsExactly("server certificate: not usable by a TLS server (no serverAuth extended key usage)");
    }

    @Test
    void wrongCnsMissingCertificatesAndForeignKeysAreRenewed() {
        Renewal renamed = at(NOW).review(issued, meshCa.certificatePem(), Profile.of("cluster2").withAuthMode(AuthMode.CLUSTER));
        assertThat(renamed.reasons()).containsExactly(
                "admin certificate: CN is 'admin-cluster1', expected 'admin-cluster2'",
                "remote certificate: CN is 'remote', expected 'remote-cluster2'");

        Renewal missing = at(NOW).review(issued.server(), issued.admin(), null, null, meshCa.certificatePem(), PROFILE);
        assertThat(missing.reasons()).containsExactly("remote certificate: missing", "client certificate: missing");
        assertThat(at(NOW).review(issued.server(), issued.admin(), issued.remote(), null, meshCa.certificatePem(),
                PROFILE.withClient(false)).required()).isFalse();
        assertThat(at(NOW).review(null, meshCa.certificatePem(), PROFILE).reasons()).hasSize(4);

        PemCredential swapped = new PemCredential(issued.remote().certificatePem(), issued.admin().privateKeyPem());
        Renewal foreignKey = at(NOW).review(issued.server(), issued.admin(), swapped, issued.client(), meshCa.certificatePem(), PROFILE);
        assertThat(foreignKey.reasons()).containsExactly("remote certificate: its private key does not belong to it");
        assertThat(foreignKey.toString()).doesNotContain(BouncyCastleCertificateAuthorityTest.body(issued.admin().privateKeyPem()));

        PemCredential noKey = new PemCredential(issued.remote().certificatePem(), null);
        assertThat(at(NOW).review(issued.server(), issued.admin(), noKey, issued.client(), meshCa.certificatePem(), PROFILE)
                .reasons()).containsExactly("remote certificate: its private key is missing");
    }

    @Test
    void profilesAreValidated() {
        assertThatThrownBy(() -> Profile.of("Cluster_1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Profile.of("a".repeat(33))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PROFILE.withValidity(Duration.ofDays(30), Duration.ofDays(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewBefore");
        assertThatThrownBy(() -> new Renewal(true, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(PROFILE.withValidity(Duration.ofDays(30), Duration.ofDays(10)).validity()).isEqualTo(Duration.ofDays(30));
    }
}
