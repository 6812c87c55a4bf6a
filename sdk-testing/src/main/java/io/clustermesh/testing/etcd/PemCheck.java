package io.clustermesh.testing.etcd;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Checks before launch that a PEM certificate and key belong together: etcd 3.4 only notices a mismatch at the
 * first TLS handshake, long after it reported itself ready. Messages never contain key material.
 */
final class PemCheck {
    private PemCheck() {
    }

    static void keyMatchesCertificate(String certPem, String keyPem) {
        X509Certificate cert = firstCertificate(certPem);
        PrivateKey key = privateKey(keyPem);
        String alg = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("serverKeyPem: unsupported key algorithm " + key.getAlgorithm());
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            if (!v.verify(sig)) {
                throw new IllegalArgumentException("serverKeyPem does not belong to serverCertPem (subject "
                        + cert.getSubjectX500Principal().getName() + ")");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("serverKeyPem does not belong to serverCertPem (subject "
                    + cert.getSubjectX500Principal().getName() + "): " + e.getClass().getSimpleName(), e);
        }
    }

    private static X509Certificate firstCertificate(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            if (!(o instanceof X509CertificateHolder h)) {
                throw new IllegalArgumentException("serverCertPem does not start with a CERTIFICATE block");
            }
            return new JcaX509CertificateConverter().getCertificate(h);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("serverCertPem is not a readable PEM certificate: " + e.getClass().getSimpleName(), e);
        }
    }

    private static PrivateKey privateKey(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return c.getKeyPair(kp).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return c.getPrivateKey(info);
            }
            throw new IllegalArgumentException("serverKeyPem is not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)");
        } catch (IOException e) {
            throw new IllegalArgumentException("serverKeyPem is not a readable PEM private key: " + e.getClass().getSimpleName(), e);
        }
    }
}
