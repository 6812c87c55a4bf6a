package io.clustermesh.cilium;

import io.clustermesh.spi.PemCredential;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

/** Test-side PKI helpers: keys in the encodings other tools write, foreign CAs, and PKIX validation. No key is stored. */
final class TestPki {
    private TestPki() {
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** SEC1 "EC PRIVATE KEY" with curve and public key, as Go's x509.MarshalECPrivateKey and openssl write it. */
    static String sec1(PrivateKey key, PublicKey publicKey) throws Exception {
        java.security.interfaces.ECPrivateKey ec = (java.security.interfaces.ECPrivateKey) key;
        ASN1BitString pub = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()).getPublicKeyData();
        return pem("EC PRIVATE KEY", new ECPrivateKey(256, ec.getS(), pub, SECObjectIdentifiers.secp256r1).getEncoded());
    }

    /** PKCS#1 "RSA PRIVATE KEY", as Helm's genCA and openssl write it. */
    static String pkcs1(PrivateKey rsaKey) throws Exception {
        return pem("RSA PRIVATE KEY", PrivateKeyInfo.getInstance(rsaKey.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded());
    }

    static String pkcs8(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    static X509Certificate cert(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** A self-signed RSA-2048 CA with a PKCS#1 key and no key identifiers, like Helm's genCA makes. */
    static PemCredential rsaCa(String cn) throws Exception {
        KeyPair kp = rsaKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + cn);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(365))), name, kp.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature));
        X509Certificate c = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        return new PemCredential(pem("CERTIFICATE", c.getEncoded()), pkcs1(kp.getPrivate()));
    }

    /** Validates leaf against the CA as the only trust anchor with the JDK's PKIX validator, revocation off. */
    static void pkixValidate(String leafPem, String caPem, Instant at) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(cert(caPem), null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(List.of(cert(leafPem))), params);
    }
}
