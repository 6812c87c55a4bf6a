package io.clustermesh.cilium.internal;

import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Test;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemTest {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();

    @Test
    void encodesAndReadsBackCertificatesAndKeysAndBuildsStores() throws Exception {
        PemCredential ca = CA.createCa("Cilium CA", Duration.ofDays(1));
        PemCredential leaf = CA.issue(ca, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        X509Certificate c = Pem.certificate(leaf.certificatePem());
        assertThat(Pem.encode(c)).isEqualTo(leaf.certificatePem());
        assertThat(Pem.encode(Pem.privateKey(leaf.privateKeyPem()))).isEqualTo(leaf.privateKeyPem());
        assertThat(leaf.certificatePem().lines().filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);

        List<X509Certificate> bundle = Pem.certificates(leaf.certificatePem() + ca.certificatePem());
        assertThat(bundle).hasSize(2);

        KeyStore keys = Pem.keyStore("client", new PemCredential(leaf.certificatePem() + ca.certificatePem(), leaf.privateKeyPem()));
        assertThat(keys.getCertificateChain("client")).hasSize(2);
        assertThat(keys.getKey("client", Pem.storePassword())).isNotNull();
        KeyStore trust = Pem.trustStore(ca.certificatePem());
        assertThat(trust.isCertificateEntry("ca-0")).isTrue();

        assertThatThrownBy(() -> Pem.keyStore("x", new PemCredential(leaf.certificatePem(), null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed PEM certificate");
    }
}
