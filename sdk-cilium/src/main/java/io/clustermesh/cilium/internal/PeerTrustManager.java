package io.clustermesh.cilium.internal;

import javax.net.ssl.SSLEngine;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies a TLS server the way a Cilium agent does with its etcd client config: the chain must validate (JDK
 * {@link CertPathValidator}, PKIX, revocation off) against the given CA certificates only, the leaf must be usable for
 * serverAuth, and one of its DNS SANs must match the expected name ({@code <peer>.mesh.cilium.io}, which the agents
 * resolve through hostAliases), wildcards included; when the expected name is an IP literal, an IP SAN must equal it.
 * The common name is never used (as in Go).
 *
 * <p>Being a {@link javax.net.ssl.X509ExtendedTrustManager}, it replaces JSSE's endpoint identification for the connections it is
 * installed on (the address connected to is an IP, the name checked is the mesh name) without turning off hostname
 * verification anywhere else.
 */
public final class PeerTrustManager extends ServerTrustManager {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final List<X509Certificate> anchors;
    private final Set<TrustAnchor> trustAnchors;
    private final String expectedName;
    private final Clock clock;

    /**
     * @param anchors      the CA certificates to trust, and only those
     * @param expectedName the DNS name (or IP literal) the server certificate must be valid for
     * @param clock        the time certificates are validated at
     */
    public PeerTrustManager(List<X509Certificate> anchors, String expectedName, Clock clock) {
        if (anchors == null || anchors.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted CA certificate is needed");
        }
        this.anchors = List.copyOf(anchors);
        Set<TrustAnchor> set = new LinkedHashSet<>();
        this.anchors.forEach(a -> set.add(new TrustAnchor(a, null)));
        this.trustAnchors = Set.copyOf(set);
        this.expectedName = Objects.requireNonNull(expectedName, "expectedName");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The name server certificates are checked against. */
    public String expectedName() {
        return expectedName;
    }

    /**
     * Checks a server's chain.
     *
     * @throws ServerCertificateException saying what is wrong, in words for the user (names and dates, no keys)
     */
    public void verify(X509Certificate[] chain) throws ServerCertificateException {
        if (chain == null || chain.length == 0) {
            throw new ServerCertificateException("the server sent no certificate");
        }
        X509Certificate leaf = chain[0];
        String leafName = "'" + leaf.getSubjectX500Principal().getName() + "'";
        Instant now = clock.instant();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new ServerCertificateException("the server certificate " + leafName + " expired at "
                    + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new ServerCertificateException("the server certificate " + leafName + " is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        validatePath(chain, leaf, leafName, now);
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new ServerCertificateException("the server certificate " + leafName + " has a malformed extended key usage");
        }
        if (eku != null && !eku.contains(SERVER_AUTH) && !eku.contains(ANY_EKU)) {
            throw new ServerCertificateException("the server certificate " + leafName
                    + " is not meant for TLS servers (no serverAuth extended key usage)");
        }
        if (!nameMatches(leaf)) {
            throw new ServerCertificateException("the server certificate " + leafName + " is valid for DNS names "
                    + X509.dnsNames(leaf) + " and IPs " + X509.ipAddresses(leaf) + ", not for '" + expectedName + "'");
        }
    }

    private void validatePath(X509Certificate[] chain, X509Certificate leaf, String leafName, Instant now)
            throws ServerCertificateException {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!anchors.contains(c)) {
                path.add(c); // a server may send the CA along; the anchor itself is not part of the path
            }
        }
        if (path.isEmpty()) {
            throw new ServerCertificateException("the server presented the CA certificate itself, not a server certificate");
        }
        try {
            PKIXParameters params = new PKIXParameters(trustAnchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            throw new ServerCertificateException("the server certificate " + leafName + " (issuer '"
                    + leaf.getIssuerX500Principal().getName() + "') does not validate against the trusted CA "
                    + describeAnchors() + ": " + reason(e));
        } catch (GeneralSecurityException e) {
            throw new ServerCertificateException("the server certificate " + leafName + " cannot be validated: "
                    + io.clustermesh.internal.Causes.describe(e));
        }
    }

    private static String reason(CertPathValidatorException e) {
        String reason = String.valueOf(e.getReason()).toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        if ("no trust anchor".equals(reason) || "invalid signature".equals(reason)) {
            return "it is not signed by that CA";
        }
        return reason;
    }

    private String describeAnchors() {
        List<String> names = new ArrayList<>();
        for (X509Certificate a : anchors) {
            byte[] ski = X509.subjectKeyId(a);
            names.add("'" + a.getSubjectX500Principal().getName() + "'" + (ski == null ? "" : " (subject key id " + X509.hex(ski) + ")"));
        }
        return String.join(" or ", names);
    }

    private boolean nameMatches(X509Certificate leaf) {
        if (X509.isIpLiteral(expectedName)) {
            return X509.ipAddresses(leaf).contains(X509.canonicalIp(expectedName));
        }
        for (String dns : X509.dnsNames(leaf)) {
            if (X509.hostnameMatches(dns, expectedName)) {
                return true;
            }
        }
        return false;
    }

    @Override
    List<X509Certificate> anchors() {
        return anchors;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    /** A server certificate the mesh would not accept; the message is meant for users. */
    public static final class ServerCertificateException extends CertificateException {
        private static final long serialVersionUID = 1L;

        public ServerCertificateException(String message) {
            super(message);
        }
    }
}
