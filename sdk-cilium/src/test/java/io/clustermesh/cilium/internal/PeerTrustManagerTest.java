package io.clustermesh.cilium.internal;

import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerTrustManagerTest {
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority(CLOCK);

    private static PemCredential meshCa;
    private static X509Certificate server;

    @BeforeAll
    static void pki() {
        meshCa = CA.createCa("Cilium CA", Duration.ofDays(365));
        server = Pem.certificate(CA.issue(meshCa, new CertificateRequest("clustermesh-apiserver.cilium.io",
                List.of("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io"), List.of("127.0.0.1", "::1"), true, true,
                Duration.ofDays(30))).certificatePem());
    }

    private static PeerTrustManager trusting(PemCredential ca, String name, Instant at) {
        return new PeerTrustManager(Pem.certificates(ca.certificatePem()), name, Clock.fixed(at, ZoneOffset.UTC));
    }

    @Test
    void acceptsTheMeshNamesThroughTheWildcardAndIps() {
        for (String name : List.of("cluster1.mesh.cilium.io", "CLUSTER2.Mesh.Cilium.IO", "cluster1.mesh.cilium.io.",
                "clustermesh-apiserver.cilium.io", "127.0.0.1", "0:0:0:0:0:0:0:1")) {
            assertThatCode(() -> trusting(meshCa, name, NOW).verify(new X509Certificate[]{server})).as(name).doesNotThrowAnyException();
        }
        // the CA sent along is tolerated
        X509Certificate ca = Pem.certificate(meshCa.certificatePem());
        assertThatCode(() -> trusting(meshCa, "cluster1.mesh.cilium.io", NOW).verify(new X509Certificate[]{server, ca}))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesNamesTheWildcardDoesNotCover() {
        for (String name : List.of("mesh.cilium.io", "a.b.mesh.cilium.io", "cluster1.mesh.cilium.io.evil", "10.0.0.1",
                "clustermesh-apiserver.kube-system.svc")) {
            assertThatThrownBy(() -> trusting(meshCa, name, NOW).verify(new X509Certificate[]{server})).as(name)
                    .isInstanceOf(PeerTrustManager.ServerCertificateException.class).hasMessageContaining("not for '" + name + "'");
        }
    }

    @Test
    void refusesAnotherCaExpiryAndClientOnlyCertificates() {
        PemCredential other = CA.createCa("Other CA", Duration.ofDays(365));
        assertThatThrownBy(() -> trusting(other, "cluster1.mesh.cilium.io", NOW).verify(new X509Certificate[]{server}))
                .hasMessageContaining("does not validate against the trusted CA 'CN=Other CA' (subject key id ")
                .hasMessageContaining("not signed by that CA");
        assertThatThrownBy(() -> trusting(meshCa, "cluster1.mesh.cilium.io", NOW.plus(Duration.ofDays(31)))
                .verify(new X509Certificate[]{server})).hasMessageContaining("expired at");
        X509Certificate clientOnly = Pem.certificate(CA.issue(meshCa, new CertificateRequest("x",
                List.of("*.mesh.cilium.io"), null, false, true, Duration.ofDays(1))).certificatePem());
        assertThatThrownBy(() -> trusting(meshCa, "cluster1.mesh.cilium.io", NOW).verify(new X509Certificate[]{clientOnly}))
                .hasMessageContaining("no serverAuth");
        assertThatThrownBy(() -> trusting(meshCa, "cluster1.mesh.cilium.io", NOW).verify(new X509Certificate[0]))
                .hasMessageContaining("no certificate");
        assertThatThrownBy(() -> trusting(meshCa, "x", NOW).checkClientTrusted(new X509Certificate[]{server}, "EC"))
                .isInstanceOf(CertificateException.class);
        assertThat(trusting(meshCa, "x", NOW).getAcceptedIssuers()).hasSize(1);
    }

    @Test
    void hostnameMatchingFollowsGo() {
        assertThat(X509.hostnameMatches("*.mesh.cilium.io", "c.mesh.cilium.io")).isTrue();
        assertThat(X509.hostnameMatches("*.io", "cilium.io")).isFalse();
        assertThat(X509.hostnameMatches("c*.mesh.cilium.io", "c1.mesh.cilium.io")).isFalse();
        assertThat(X509.hostnameMatches("*.*.cilium.io", "a.b.cilium.io")).isFalse();
        assertThat(X509.hostnameMatches("*.mesh.cilium.io", ".mesh.cilium.io")).isFalse();
        assertThat(X509.canonicalIp("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(X509.canonicalIp("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(X509.canonicalIp("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(X509.canonicalIp("10.1.0.250")).isEqualTo("10.1.0.250");
    }
}
