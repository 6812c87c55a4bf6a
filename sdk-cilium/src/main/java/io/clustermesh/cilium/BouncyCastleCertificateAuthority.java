package io.clustermesh.cilium;

import io.clustermesh.cilium.internal.Pem;
import io.clustermesh.cilium.internal.X509;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CertificateInfo;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The default {@link CertificateAuthority}: Bouncy Castle builds the certificates, the JDK generates keys and signs.
 *
 * <ul>
 *   <li>CA: ECDSA P-256, {@code SHA256withECDSA}, self-signed, subject {@code CN=<name>}; basic constraints CA
 *   (critical), key usage keyCertSign + cRLSign (critical), subject key identifier (SHA-1 of the public key,
 *   RFC 5280 §4.2.1.2 method 1) and an authority key identifier equal to it.</li>
 *   <li>Leaf: ECDSA P-256, signed with the CA's key ({@code SHA256withECDSA}, or {@code SHA256withRSA} for an RSA CA
 *   adopted from a cluster); basic constraints not-CA (critical), key usage digitalSignature + keyEncipherment
 *   (critical), extended key usage serverAuth and/or clientAuth as requested, DNS and IP subject alternative names,
 *   subject key identifier, and an authority key identifier equal to the CA's subject key identifier. A leaf never
 *   outlives its CA: its end of validity is capped at the CA's.</li>
 *   <li>Serial numbers are random (159 bits, positive). Validity starts {@link #BACKDATE} before now to tolerate
 *   clock skew between machines, and ends at now + the requested validity.</li>
 *   <li>Keys are written as PKCS#8 PEM ({@code PRIVATE KEY}), which etcd (Go {@code crypto/tls}), the Cilium agents
 *   and the chart (values passed through) accept. Keys are read as PKCS#8, SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
 *   ({@code RSA PRIVATE KEY}), so a CA adopted from a cluster set up by the Cilium CLI or Helm can sign.</li>
 * </ul>
 * Keys are generated and certificates signed and verified with Bouncy Castle's own provider instance, never
 * registered with the JVM: its P-256 arithmetic is several times faster than the JDK 17 {@code SunEC} one, which
 * matters when a plan issues certificates for hundreds of clusters. A certificate and key, or a certificate and CA,
 * found to belong together ({@link #keyMatches}, {@link #signedBy}) or issued together here are remembered for the
 * process (by the SHA-256 of their PEM texts, positive results only, the most recent 8 192 pairs): a re-plan reviews
 * every cluster's certificates. Thread-safe; registers no JCA provider.
 */
public final class BouncyCastleCertificateAuthority implements CertificateAuthority {
    /** How long before "now" certificates start to be valid. */
    public static final Duration BACKDATE = Duration.ofMinutes(5);

    private static final String EC_CURVE = "secp256r1";
    /** Used directly, never added to {@link java.security.Security}. */
    private static final Provider BC = X509.bouncyCastle();

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** The CA last checked by {@link #issue}: issuing many leaves from one CA parses and checks it once. */
    private volatile CheckedCa lastCa;

    /** A CA credential whose certificate is a CA and whose key belongs to it. */
    private record CheckedCa(PemCredential pem, X509Certificate certificate, PrivateKey key) {
    }

    /**
     * Pairs of PEM texts already found to belong together (a certificate and its key, a certificate and the CA that
     * signed it), or made together by this class: each re-plan reviews every cluster's certificates, and at hundreds of
     * clusters the key and signature checks were a third of a re-apply's CPU. Only positive results are kept (a
     * mismatch is checked again), keyed by the SHA-256 of both texts, the most recent {@value #CHECKED_PAIRS} pairs of
     * the process. A check is a function of the two texts alone, so a remembered one stays true.
     */
    private static final int CHECKED_PAIRS = 8192;
    private static final java.util.Map<String, Boolean> CHECKED = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > CHECKED_PAIRS;
                }
            });

    /** The key of a pair of PEM texts for one kind of check ({@code k}: key of, {@code s}: signed by). */
    private static String pair(char kind, String first, String second) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            d.update(first.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(second.getBytes(StandardCharsets.UTF_8));
            return kind + java.util.Base64.getEncoder().encodeToString(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static boolean known(String pair) {
        return CHECKED.get(pair) != null;
    }

    private static void remember(String pair) {
        CHECKED.put(pair, Boolean.TRUE);
    }

    /** A CA on the system clock (used by {@link java.util.ServiceLoader}). */
    public BouncyCastleCertificateAuthority() {
        this(Clock.systemUTC());
    }

    /** A CA whose "now" comes from {@code clock} (tests issue certificates that are old or about to expire). */
    public BouncyCastleCertificateAuthority(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return "bouncycastle";
    }

    @Override
    public PemCredential createCa(String commonName, Duration validity) {
        requireText(commonName, "commonName");
        requirePositive(validity);
        KeyPair keys = newKeyPair();
        Instant now = clock.instant();
        X500Name subject = cn(commonName);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            return new PemCredential(Pem.encode(certificate), Pem.encode(keys.getPrivate()));
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the CA certificate '" + commonName + "'", e);
        }
    }

    @Override
    public PemCredential issue(PemCredential ca, CertificateRequest request) {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(request, "request");
        requireText(request.commonName(), "commonName");
        requirePositive(request.validity());
        if (!ca.hasKey()) {
            throw new IllegalArgumentException("the CA credential has no private key: it cannot sign certificates");
        }
        CheckedCa checked = checkedCa(ca);
        X509Certificate caCertificate = checked.certificate();
        PrivateKey caKey = checked.key();
        KeyPair keys = newKeyPair();
        Instant now = clock.instant();
        Instant notAfter = min(now.plus(request.validity()), caCertificate.getNotAfter().toInstant());
        if (!notAfter.isAfter(now)) {
            throw new IllegalArgumentException("the CA certificate '" + caCertificate.getSubjectX500Principal()
                    + "' expired at " + caCertificate.getNotAfter().toInstant() + "; create or adopt a valid CA");
        }
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            byte[] caKeyId = X509.subjectKeyId(caCertificate);
            AuthorityKeyIdentifier aki = caKeyId != null
                    ? new AuthorityKeyIdentifier(caKeyId)
                    : ext.createAuthorityKeyIdentifier(caCertificate.getPublicKey());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), cn(request.commonName()), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage(request))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, aki);
            GeneralNames sans = subjectAlternativeNames(request);
            if (sans != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            X509Certificate certificate = sign(builder, caKey);
            PemCredential issued = new PemCredential(Pem.encode(certificate), Pem.encode(keys.getPrivate()));
            // made together here: the next plan's review of this cluster need not check them again
            remember(pair('k', issued.certificatePem(), issued.privateKeyPem()));
            remember(pair('s', issued.certificatePem(), ca.certificatePem()));
            return issued;
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue the certificate '" + request.commonName() + "'", e);
        }
    }

    /** Parses and checks the CA, or reuses the check of the same credential (certificate and key) just before. */
    private CheckedCa checkedCa(PemCredential ca) {
        CheckedCa last = lastCa;
        if (last != null && last.pem().equals(ca)) {
            return last;
        }
        X509Certificate caCertificate = Pem.certificate(ca.certificatePem());
        if (caCertificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("'" + caCertificate.getSubjectX500Principal()
                    + "' is not a CA certificate (basic constraints CA is not set)");
        }
        PrivateKey caKey = Pem.privateKey(ca.privateKeyPem());
        if (!keyMatches(caCertificate, caKey)) {
            throw new IllegalArgumentException("the CA's private key does not belong to the CA certificate '"
                    + caCertificate.getSubjectX500Principal() + "'");
        }
        CheckedCa checked = new CheckedCa(ca, caCertificate, forSigning(caKey));
        lastCa = checked;
        return checked;
    }

    /**
     * The key as a Bouncy Castle key object: Bouncy Castle signs with a key of the JDK's own classes too, but converts
     * it (and loses its precomputation) at every signature, which costs more than the signature itself.
     */
    private static PrivateKey forSigning(PrivateKey key) {
        try {
            return KeyFactory.getInstance(key.getAlgorithm(), BC).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return key; // Bouncy Castle signs with the JDK's object all the same
        }
    }

    @Override
    public CertificateInfo inspect(String certificatePem) {
        X509Certificate c = Pem.certificate(certificatePem);
        return new CertificateInfo(
                c.getSubjectX500Principal().getName(),
                c.getIssuerX500Principal().getName(),
                X509.commonName(c),
                c.getNotBefore().toInstant(),
                c.getNotAfter().toInstant(),
                X509.hex(X509.sha256(c)),
                X509.hex(X509.subjectKeyId(c)),
                X509.hex(X509.authorityKeyId(c)),
                c.getBasicConstraints() >= 0,
                X509.dnsNames(c),
                X509.ipAddresses(c));
    }

    /**
     * {@inheritDoc} Checked by signing a random challenge with the private key and verifying it with the certificate's
     * public key. {@code false} when the credential has no key.
     *
     * @throws IllegalArgumentException if the certificate or the key cannot be read
     */
    @Override
    public boolean keyMatches(PemCredential credential) {
        Objects.requireNonNull(credential, "credential");
        if (!credential.hasKey()) {
            return false;
        }
        String pair = pair('k', credential.certificatePem(), credential.privateKeyPem());
        if (known(pair)) {
            return true;
        }
        boolean matches = keyMatches(Pem.certificate(credential.certificatePem()), Pem.privateKey(credential.privateKeyPem()));
        if (matches) {
            remember(pair);
        }
        return matches;
    }

    /**
     * {@inheritDoc} The issuer name must equal the CA's subject and the signature must verify with the CA's public
     * key. Validity dates are not considered.
     *
     * @throws IllegalArgumentException if either PEM is not a certificate
     */
    @Override
    public boolean signedBy(String certificatePem, String caCertificatePem) {
        Objects.requireNonNull(certificatePem, "certificatePem");
        Objects.requireNonNull(caCertificatePem, "caCertificatePem");
        String pair = pair('s', certificatePem, caCertificatePem);
        if (known(pair)) {
            return true;
        }
        X509Certificate certificate = Pem.certificate(certificatePem);
        X509Certificate ca = Pem.certificate(caCertificatePem);
        if (!certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(ca.getPublicKey(), BC);
        } catch (GeneralSecurityException e) {
            return false;
        }
        remember(pair);
        return true;
    }

    @Override
    public String toString() {
        return "BouncyCastleCertificateAuthority[ECDSA P-256]";
    }

    // ---------------------------------------------------------------------------------------------------------

    static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
        PublicKey publicKey = certificate.getPublicKey();
        String algorithm = signatureAlgorithm(key);
        if (algorithm == null || !publicKey.getAlgorithm().equalsIgnoreCase(key.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = "clustermesh key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm, BC);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm, BC);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (InvalidKeyException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks the signature algorithm " + algorithm, e);
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "ED25519", "EDDSA" -> "Ed25519";
            default -> null;
        };
    }

    private X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
            throws OperatorCreationException, CertificateException {
        String algorithm = signatureAlgorithm(signingKey);
        if (algorithm == null) {
            throw new IllegalArgumentException("cannot sign with a " + signingKey.getAlgorithm()
                    + " CA key: use an EC, RSA or Ed25519 CA");
        }
        ContentSigner signer = new JcaContentSignerBuilder(algorithm).setProvider(BC).setSecureRandom(random).build(signingKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec(EC_CURVE), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate ECDSA P-256 keys", e);
        }
    }

    private BigInteger serial() {
        return new BigInteger(159, random).setBit(0); // positive, non-zero, at most 20 octets (RFC 5280 §4.1.2.2)
    }

    private static X500Name cn(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static ExtendedKeyUsage extendedKeyUsage(CertificateRequest request) {
        List<KeyPurposeId> usages = new ArrayList<>();
        if (request.server()) {
            usages.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (request.client()) {
            usages.add(KeyPurposeId.id_kp_clientAuth);
        }
        return new ExtendedKeyUsage(usages.toArray(new KeyPurposeId[0]));
    }

    private static GeneralNames subjectAlternativeNames(CertificateRequest request) {
        List<GeneralName> names = new ArrayList<>();
        for (String dns : request.dnsNames()) {
            requireText(dns, "DNS name");
            if (X509.isIpLiteral(dns)) {
                throw new IllegalArgumentException("'" + dns + "' is an IP address: give it as an IP SAN, not a DNS SAN");
            }
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (String ip : request.ipAddresses()) {
            names.add(new GeneralName(GeneralName.iPAddress, X509.canonicalIp(ip)));
        }
        return names.isEmpty() ? null : new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }

    private static void requirePositive(Duration validity) {
        Objects.requireNonNull(validity, "validity");
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive, got " + validity);
        }
    }
}
