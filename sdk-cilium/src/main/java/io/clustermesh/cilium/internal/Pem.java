package io.clustermesh.cilium.internal;

import io.clustermesh.spi.PemCredential;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * PEM in and out: X.509 certificates, private keys in every form a CA adopted from a running cluster may carry
 * (PKCS#8 {@code PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}), and key/trust stores
 * built from them. Keys are written as PKCS#8, which etcd, the Cilium agents and Helm all accept.
 *
 * <p>No message thrown from here contains key material: parse errors name the kind of input only.
 */
public final class Pem {
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final char[] NO_PASSWORD = new char[0];

    private Pem() {
    }

    /**
     * All certificates in a PEM text, in order.
     *
     * @throws IllegalArgumentException if the text holds no certificate or a malformed one
     */
    public static List<X509Certificate> certificates(String pem) {
        Objects.requireNonNull(pem, "certificate PEM");
        if (!pem.contains("-----BEGIN " + CERTIFICATE + "-----")) {
            throw new IllegalArgumentException("not a PEM certificate: no '-----BEGIN CERTIFICATE-----' block");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate c : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("not a PEM certificate: no certificate could be read");
            }
            return List.copyOf(certificates);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("malformed PEM certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The first certificate in a PEM text (the leaf, in a chain).
     *
     * @throws IllegalArgumentException if there is none
     */
    public static X509Certificate certificate(String pem) {
        return certificates(pem).get(0);
    }

    /**
     * The private key in a PEM text: PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}, with its curve) or
     * PKCS#1 ({@code RSA PRIVATE KEY}). Other blocks before it ({@code EC PARAMETERS}, certificates) are skipped.
     *
     * @throws IllegalArgumentException if there is no key, the key is encrypted, or it cannot be decoded. The message
     *                                  never contains the key.
     */
    public static PrivateKey privateKey(String pem) {
        Objects.requireNonNull(pem, "private key PEM");
        Object found = null;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null && found == null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo || o instanceof PEMKeyPair
                        || o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    found = o;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the cause is dropped on purpose: parser messages may quote the input
            throw new IllegalArgumentException("unreadable private key PEM (" + describe(e) + ")");
        }
        if (found == null) {
            throw new IllegalArgumentException(
                    "no private key found: expected a 'PRIVATE KEY', 'EC PRIVATE KEY' or 'RSA PRIVATE KEY' PEM block");
        }
        if (found instanceof PEMEncryptedKeyPair || found instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException(
                    "the private key is encrypted; give the key unencrypted (as stored in the Kubernetes secret)");
        }
        // SEC1 "EC PRIVATE KEY" and PKCS#1 "RSA PRIVATE KEY" come as a pair whose public half may be absent: not read
        PrivateKeyInfo info = found instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : (PrivateKeyInfo) found;
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException | RuntimeException e) {
            throw new IllegalArgumentException("undecodable private key (" + describe(e)
                    + "); an EC key needs its named curve, e.g. P-256");
        }
    }

    /** PEM of one certificate. */
    public static String encode(X509Certificate certificate) {
        try {
            return encode(CERTIFICATE, certificate.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** PKCS#8 PEM ({@code PRIVATE KEY}) of a private key. */
    public static String encode(PrivateKey key) {
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("the " + key.getAlgorithm() + " key cannot be exported as PKCS#8");
        }
        return encode(PRIVATE_KEY, der);
    }

    /** A PEM block with 64-character lines, ending with a newline. */
    static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /**
     * A PKCS#12 key store in memory with one entry, alias {@code alias}: the credential's key and certificate chain
     * (every certificate of its PEM). The store and the entry have an empty password.
     */
    public static KeyStore keyStore(String alias, PemCredential credential) {
        if (!credential.hasKey()) {
            throw new IllegalArgumentException("the credential has no private key");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, NO_PASSWORD);
            store.setKeyEntry(alias, privateKey(credential.privateKeyPem()), NO_PASSWORD,
                    certificates(credential.certificatePem()).toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot build a key store from the credential (" + describe(e) + ")", null);
        }
    }

    /** A PKCS#12 trust store in memory holding every certificate of {@code caPem} as a trusted entry. */
    public static KeyStore trustStore(String caPem) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, NO_PASSWORD);
            int i = 0;
            for (X509Certificate ca : certificates(caPem)) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot build a trust store from the CA certificate (" + describe(e) + ")", e);
        }
    }

    /** The empty password of the stores built here. */
    public static char[] storePassword() {
        return NO_PASSWORD.clone();
    }

    /** The exception's class only: library messages about keys may quote the input. */
    private static String describe(Exception e) {
        return e.getClass().getSimpleName();
    }
}
