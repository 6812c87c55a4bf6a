package io.clustermesh.cilium;

import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CertificateInfo;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BouncyCastleCertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Duration THREE_YEARS = Duration.ofDays(3 * 365);
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority(Clock.fixed(NOW, ZoneOffset.UTC));

    private static PemCredential meshCa;

    @BeforeAll
    static void createCa() {
        meshCa = CA.createCa("Cilium CA", THREE_YEARS);
    }

    @Test
    void isFoundByServiceLoaderUnderItsName() {
        List<String> names = ServiceLoader.load(CertificateAuthority.class).stream().map(p -> p.get().name()).toList();
        assertThat(names).contains("bouncycastle");
        assertThat(new BouncyCastleCertificateAuthority().name()).isEqualTo("bouncycastle");
    }

    @Test
    void caHasConstraintsUsagesKeyIdsAndTheAskedValidity() throws Exception {
        X509Certificate c = TestPki.cert(meshCa.certificatePem());
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=Cilium CA");
        assertThat(c.getIssuerX500Principal()).isEqualTo(c.getSubjectX500Principal());
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(((ECPublicKey) c.getPublicKey()).getParams().getOrder().bitLength()).isEqualTo(256);
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(c.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        boolean[] ku = c.getKeyUsage();
        assertThat(ku[5]).as("keyCertSign").isTrue();
        assertThat(ku[6]).as("cRLSign").isTrue();
        assertThat(ku[0]).as("digitalSignature").isFalse();
        assertThat(c.getSerialNumber().signum()).isPositive();
        assertThat(c.getNotAfter().toInstant()).isEqualTo(NOW.plus(THREE_YEARS));
        assertThat(c.getNotBefore().toInstant()).isEqualTo(NOW.minus(BouncyCastleCertificateAuthority.BACKDATE));
        c.verify(c.getPublicKey());

        CertificateInfo info = CA.inspect(meshCa.certificatePem());
        assertThat(info.ca()).isTrue();
        assertThat(info.commonName()).isEqualTo("Cilium CA");
        assertThat(info.subjectKeyId()).matches("[0-9a-f]{40}");
        assertThat(info.authorityKeyId()).isEqualTo(info.subjectKeyId());
        assertThat(info.sha256()).matches("[0-9a-f]{64}");
        assertThat(meshCa.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
    }

    @Test
    void serialsAreRandom() throws Exception {
        PemCredential other = CA.createCa("Cilium CA", THREE_YEARS);
        assertThat(TestPki.cert(other.certificatePem()).getSerialNumber())
                .isNotEqualTo(TestPki.cert(meshCa.certificatePem()).getSerialNumber());
    }

    @Test
    void leafHasUsagesSansAndKeyIdsAndValidatesAgainstTheCa() throws Exception {
        PemCredential leaf = CA.issue(meshCa, new CertificateRequest("clustermesh-apiserver.cilium.io",
                List.of("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io"), List.of("127.0.0.1", "0:0:0:0:0:0:0:1"),
                true, true, Duration.ofDays(30)));
        X509Certificate c = TestPki.cert(leaf.certificatePem());
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        boolean[] ku = c.getKeyUsage();
        assertThat(ku[0]).as("digitalSignature").isTrue();
        assertThat(ku[2]).as("keyEncipherment").isTrue();
        assertThat(ku[5]).as("keyCertSign").isFalse();
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(c.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));

        CertificateInfo info = CA.inspect(leaf.certificatePem());
        CertificateInfo caInfo = CA.inspect(meshCa.certificatePem());
        assertThat(info.ca()).isFalse();
        assertThat(info.dnsNames()).containsExactly("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io");
        assertThat(info.ipAddresses()).containsExactly("127.0.0.1", "::1");
        assertThat(info.authorityKeyId()).isEqualTo(caInfo.subjectKeyId());
        assertThat(info.subjectKeyId()).isNotNull().isNotEqualTo(caInfo.subjectKeyId());
        assertThat(info.issuer()).isEqualTo(caInfo.subject());

        TestPki.pkixValidate(leaf.certificatePem(), meshCa.certificatePem(), NOW);
        assertThat(CA.signedBy(leaf.certificatePem(), meshCa.certificatePem())).isTrue();
        assertThat(CA.keyMatches(leaf)).isTrue();
    }

    @Test
    void clientOnlyLeafHasOnlyClientAuthAndNoSans() throws Exception {
        PemCredential leaf = CA.issue(meshCa, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        X509Certificate c = TestPki.cert(leaf.certificatePem());
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(c.getSubjectAlternativeNames()).isNull();
        assertThat(CA.inspect(leaf.certificatePem()).commonName()).isEqualTo("remote");
    }

    @Test
    void leafNeverOutlivesItsCa() throws Exception {
        PemCredential shortCa = CA.createCa("short", Duration.ofDays(10));
        PemCredential leaf = CA.issue(shortCa, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(365)));
        assertThat(TestPki.cert(leaf.certificatePem()).getNotAfter()).isEqualTo(TestPki.cert(shortCa.certificatePem()).getNotAfter());
    }

    @Test
    void aLeafOfAnotherCaFailsPkixAndSignedBy() {
        PemCredential otherCa = CA.createCa("Cilium CA", THREE_YEARS); // same name, other key
        PemCredential leaf = CA.issue(otherCa, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        assertThat(CA.signedBy(leaf.certificatePem(), meshCa.certificatePem())).isFalse();
        assertThat(CA.signedBy(leaf.certificatePem(), otherCa.certificatePem())).isTrue();
        assertThatThrownBy(() -> TestPki.pkixValidate(leaf.certificatePem(), meshCa.certificatePem(), NOW))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void issuesFromTheCaItIsGivenWhenCasAlternateAndChecksAMismatchedKeyAgain() {
        PemCredential otherCa = CA.createCa("Cilium CA", THREE_YEARS);
        CertificateRequest req = new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1));
        PemCredential first = CA.issue(meshCa, req);
        PemCredential second = CA.issue(otherCa, req);
        PemCredential third = CA.issue(meshCa, req);
        assertThat(CA.signedBy(first.certificatePem(), meshCa.certificatePem())).isTrue();
        assertThat(CA.signedBy(second.certificatePem(), otherCa.certificatePem())).isTrue();
        assertThat(CA.signedBy(second.certificatePem(), meshCa.certificatePem())).isFalse();
        assertThat(CA.signedBy(third.certificatePem(), meshCa.certificatePem())).isTrue();
        // the certificate just used with its own key, now with the other CA's key: refused, not taken from the last check
        assertThatThrownBy(() -> CA.issue(new PemCredential(meshCa.certificatePem(), otherCa.privateKeyPem()), req))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");
    }

    @Test
    void keyMatchesIsFalseForAnotherKeyOrNoKey() throws Exception {
        PemCredential a = CA.issue(meshCa, new CertificateRequest("a", null, null, false, true, Duration.ofDays(1)));
        PemCredential b = CA.issue(meshCa, new CertificateRequest("b", null, null, false, true, Duration.ofDays(1)));
        assertThat(CA.keyMatches(new PemCredential(a.certificatePem(), b.privateKeyPem()))).isFalse();
        assertThat(CA.keyMatches(new PemCredential(a.certificatePem(), null))).isFalse();
        assertThat(CA.keyMatches(new PemCredential(meshCa.certificatePem(), TestPki.pkcs8(TestPki.rsaKeyPair().getPrivate())))).isFalse();
    }

    @Test
    void rememberedChecksAnswerOnlyForTheSameTexts() {
        // issued pairs and pairs found to belong together are remembered: another key, or an impostor CA of the same
        // name, with one of those texts is still checked and refused, before and after the remembered pair was asked
        CertificateRequest req = new CertificateRequest("leaf", null, null, false, true, Duration.ofDays(1));
        PemCredential a = CA.issue(meshCa, req);
        PemCredential b = CA.issue(meshCa, req);
        PemCredential impostor = CA.createCa("Cilium CA", THREE_YEARS); // the mesh CA's name, another key
        for (int round = 0; round < 2; round++) {
            assertThat(CA.keyMatches(a)).isTrue();
            assertThat(CA.keyMatches(b)).isTrue();
            assertThat(CA.keyMatches(new PemCredential(a.certificatePem(), b.privateKeyPem()))).isFalse();
            assertThat(CA.keyMatches(new PemCredential(b.certificatePem(), a.privateKeyPem()))).isFalse();
            assertThat(CA.signedBy(a.certificatePem(), meshCa.certificatePem())).isTrue();
            assertThat(CA.signedBy(a.certificatePem(), impostor.certificatePem())).isFalse();
            assertThat(CA.signedBy(a.certificatePem(), a.certificatePem())).isFalse();
        }
        // a fresh instance (another mesh in the same process) agrees, and garbage is still refused loudly
        BouncyCastleCertificateAuthority other = new BouncyCastleCertificateAuthority();
        assertThat(other.keyMatches(a)).isTrue();
        assertThat(other.keyMatches(new PemCredential(a.certificatePem(), b.privateKeyPem()))).isFalse();
        assertThatThrownBy(() -> other.signedBy("not a certificate", meshCa.certificatePem())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsSec1AndPkcs8EcKeysAndIssuesFromThem() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        // a CA whose key is re-encoded as SEC1, as the Cilium CLI / openssl store it in cilium-ca
        String sec1Key = TestPki.sec1(io.clustermesh.cilium.internal.Pem.privateKey(meshCa.privateKeyPem()),
                TestPki.cert(meshCa.certificatePem()).getPublicKey());
        assertThat(sec1Key).startsWith("-----BEGIN EC PRIVATE KEY-----");
        PemCredential adopted = new PemCredential(meshCa.certificatePem(), sec1Key);
        assertThat(CA.keyMatches(adopted)).isTrue();
        PemCredential leaf = CA.issue(adopted, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        TestPki.pkixValidate(leaf.certificatePem(), meshCa.certificatePem(), NOW);

        // openssl ecparam -genkey writes an EC PARAMETERS block first
        String withParams = TestPki.pem("EC PARAMETERS", new byte[]{6, 8, 42, (byte) 134, 72, (byte) 206, 61, 3, 1, 7})
                + TestPki.sec1(kp.getPrivate(), kp.getPublic());
        assertThat(io.clustermesh.cilium.internal.Pem.privateKey(withParams).getAlgorithm()).isEqualTo("EC");
        assertThat(io.clustermesh.cilium.internal.Pem.privateKey(TestPki.pkcs8(kp.getPrivate())).getEncoded())
                .isEqualTo(kp.getPrivate().getEncoded());
    }

    @Test
    void adoptsAnRsaCaWithPkcs1KeyAndNoKeyIdentifiers() throws Exception {
        PemCredential rsaCa = TestPki.rsaCa("clustermesh-apiserver-ca.cilium.io");
        assertThat(rsaCa.privateKeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(CA.keyMatches(rsaCa)).isTrue();
        PemCredential leaf = new BouncyCastleCertificateAuthority().issue(rsaCa,
                new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        X509Certificate c = TestPki.cert(leaf.certificatePem());
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(CA.inspect(leaf.certificatePem()).authorityKeyId()).isNotNull();
        TestPki.pkixValidate(leaf.certificatePem(), rsaCa.certificatePem(), Instant.now());
        // the same key as PKCS#8 is read as well
        String pkcs8 = TestPki.pkcs8(io.clustermesh.cilium.internal.Pem.privateKey(rsaCa.privateKeyPem()));
        assertThat(CA.keyMatches(new PemCredential(rsaCa.certificatePem(), pkcs8))).isTrue();
    }

    @Test
    void refusesToIssueFromALeafOrAMismatchedCaKey() {
        PemCredential leaf = CA.issue(meshCa, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        CertificateRequest req = new CertificateRequest("x", null, null, false, true, Duration.ofDays(1));
        assertThatThrownBy(() -> CA.issue(leaf, req)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CA certificate");
        assertThatThrownBy(() -> CA.issue(new PemCredential(meshCa.certificatePem(), leaf.privateKeyPem()), req))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong")
                .hasMessageNotContaining(body(leaf.privateKeyPem()));
        assertThatThrownBy(() -> CA.issue(new PemCredential(meshCa.certificatePem(), null), req))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no private key");
    }

    @Test
    void rejectsIpAddressesGivenAsDnsNamesAndBadIps() {
        assertThatThrownBy(() -> CA.issue(meshCa, new CertificateRequest("s", List.of("10.0.0.1"), null, true, false, Duration.ofDays(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP SAN");
        assertThatThrownBy(() -> CA.issue(meshCa, new CertificateRequest("s", null, List.of("localhost"), true, false, Duration.ofDays(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address");
    }

    @Test
    void unreadableOrEncryptedKeysFailWithoutQuotingTheKey() {
        String garbage = "-----BEGIN PRIVATE KEY-----\nTUlJQ1NFQ1JFVA==\n-----END PRIVATE KEY-----\n";
        assertThatThrownBy(() -> CA.keyMatches(new PemCredential(meshCa.certificatePem(), garbage)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("TUlJQ1NFQ1JFVA");
        String encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body(meshCa.privateKeyPem()) + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assertThatThrownBy(() -> CA.keyMatches(new PemCredential(meshCa.certificatePem(), encrypted)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(body(meshCa.privateKeyPem()).substring(0, 20));
        assertThatThrownBy(() -> CA.keyMatches(new PemCredential(meshCa.certificatePem(), "no pem here")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no private key found");
        assertThatThrownBy(() -> CA.inspect("not a certificate")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringsShowNoKey() {
        PemCredential leaf = CA.issue(meshCa, new CertificateRequest("remote", null, null, false, true, Duration.ofDays(1)));
        ApiserverCertificates set = new ApiserverCertificates(leaf, leaf, leaf, null);
        for (String s : List.of(leaf.toString(), meshCa.toString(), set.toString(), CA.toString())) {
            assertThat(s).doesNotContain(body(leaf.privateKeyPem()).substring(0, 16))
                    .doesNotContain(body(meshCa.privateKeyPem()).substring(0, 16)).doesNotContain("PRIVATE KEY");
        }
        assertThat(leaf.toString()).contains("<redacted>");
    }

    /** The base64 body of a PEM block (first line). */
    static String body(String pem) {
        return pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    }
}
