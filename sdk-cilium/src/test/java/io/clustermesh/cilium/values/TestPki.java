package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.spi.PemCredential;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only: a real ECDSA P-256 CA and leaf certificates (Bouncy Castle), so values carry genuine PEM like in
 * production. Not the SDK's certificate authority.
 */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(1);

    private final KeyPair caKeys;
    private final X509CertificateHolder caCert;
    private final PemCredential ca;

    private TestPki(String caName) throws Exception {
        caKeys = keyPair();
        X500Name subject = new X500Name("CN=" + caName);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now),
                Date.from(now.plus(Duration.ofDays(3 * 365))), subject, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        caCert = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
        ca = new PemCredential(pem(caCert), pkcs8(caKeys));
    }

    static TestPki create(String caName) {
        try {
            return new TestPki(caName);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    PemCredential ca() {
        return ca;
    }

    /** A leaf signed by the CA; server certificates get the clustermesh-apiserver SANs. */
    PemCredential issue(String commonName, boolean server) {
        try {
            KeyPair keys = keyPair();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert.getSubject(), serial(), Date.from(now),
                    Date.from(now.plus(Duration.ofDays(365))), new X500Name("CN=" + commonName), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, server
                    ? new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                    : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            if (server) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                        new GeneralName(GeneralName.dNSName, "clustermesh-apiserver.cilium.io"),
                        new GeneralName(GeneralName.dNSName, "*.mesh.cilium.io"),
                        new GeneralName(GeneralName.dNSName, "clustermesh-apiserver.kube-system.svc"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            X509CertificateHolder cert = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
            return new PemCredential(pem(cert), pkcs8(keys));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** server, admin, remote (CN remote, or remote-&lt;cluster&gt; for authMode cluster) and client. */
    ApiserverCertificates apiserverCertificates(String cluster, boolean perClusterRemote) {
        return new ApiserverCertificates(issue("clustermesh-apiserver.cilium.io", true), issue("admin-" + cluster, false),
                issue(perClusterRemote ? "remote-" + cluster : "remote", false), issue("externalworkload", false));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(System.nanoTime()).shiftLeft(16).add(BigInteger.valueOf(SERIAL.getAndIncrement()));
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static String pkcs8(KeyPair keys) throws Exception {
        return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
    }
}
