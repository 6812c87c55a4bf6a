package io.clustermesh.cilium.internal;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.util.IPAddress;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** Reading the parts of an X.509 certificate the mesh cares about. */
public final class X509 {
    /** Bouncy Castle's provider, one instance, used directly and never added to {@link java.security.Security}. */
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    /** The one Bouncy Castle provider instance of the SDK (not registered with the JVM). */
    public static java.security.Provider bouncyCastle() {
        return BC;
    }

    /**
     * Whether {@code certificate}'s signature verifies with {@code issuerKey}, checked with Bouncy Castle: its P-256
     * arithmetic is several times faster than JDK 17's, which counts where signatures are checked in bulk.
     */
    public static boolean verifiedBy(X509Certificate certificate, java.security.PublicKey issuerKey) {
        try {
            certificate.verify(issuerKey, BC);
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private X509() {
    }

    /** Lower-case hex without separators. */
    public static String hex(byte[] bytes) {
        return bytes == null ? null : HexFormat.of().formatHex(bytes);
    }

    /** SHA-256 of the DER encoding. */
    public static byte[] sha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The subject key identifier, or {@code null} when the certificate has none. */
    public static byte[] subjectKeyId(X509Certificate certificate) {
        ASN1Primitive value = extension(certificate, Extension.subjectKeyIdentifier);
        return value == null ? null : SubjectKeyIdentifier.getInstance(value).getKeyIdentifier();
    }

    /** The key identifier of the authority key identifier, or {@code null}. */
    public static byte[] authorityKeyId(X509Certificate certificate) {
        ASN1Primitive value = extension(certificate, Extension.authorityKeyIdentifier);
        return value == null ? null : AuthorityKeyIdentifier.getInstance(value).getKeyIdentifierOctets();
    }

    private static ASN1Primitive extension(X509Certificate certificate, org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
        byte[] raw = certificate.getExtensionValue(oid.getId());
        if (raw == null) {
            return null;
        }
        try {
            return ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(raw).getOctets());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed " + oid.getId() + " extension in certificate "
                    + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The first CN of the subject, or {@code null}. */
    public static String commonName(X509Certificate certificate) {
        X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cns = name.getRDNs(BCStyle.CN);
        return cns.length == 0 ? null : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }

    /** DNS subject alternative names, in certificate order. */
    public static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        for (List<?> san : subjectAlternativeNames(certificate)) {
            if (((Integer) san.get(0)) == SAN_DNS) {
                names.add((String) san.get(1));
            }
        }
        return List.copyOf(names);
    }

    /** IP subject alternative names in canonical form ({@link #canonicalIp}), in certificate order. */
    public static List<String> ipAddresses(X509Certificate certificate) {
        List<String> ips = new ArrayList<>();
        for (List<?> san : subjectAlternativeNames(certificate)) {
            if (((Integer) san.get(0)) == SAN_IP) {
                ips.add(canonicalIp((String) san.get(1)));
            }
        }
        return List.copyOf(ips);
    }

    private static Collection<List<?>> subjectAlternativeNames(X509Certificate certificate) {
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            return sans == null ? List.of() : sans;
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("malformed subject alternative names in certificate "
                    + certificate.getSubjectX500Principal(), e);
        }
    }

    /** Whether the text is an IPv4 or IPv6 literal (no DNS lookup is ever made). */
    public static boolean isIpLiteral(String text) {
        return text != null && IPAddress.isValid(text);
    }

    /**
     * An IP literal in canonical form: dotted quad for IPv4, RFC 5952 for IPv6 ({@code ::1}, lower case, longest run
     * of zero groups compressed).
     *
     * @throws IllegalArgumentException if the text is not an IP literal
     */
    public static String canonicalIp(String text) {
        if (!isIpLiteral(text)) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(text); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
        }
        return address instanceof Inet6Address ? ipv6(address.getAddress()) : address.getHostAddress();
    }

    private static String ipv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /**
     * Whether a DNS SAN matches a host name the way TLS clients (Go's {@code crypto/x509}, RFC 6125) match it:
     * case-insensitive, a trailing dot ignored, and a wildcard only as the whole left-most label, standing for exactly
     * one non-empty label ({@code *.mesh.cilium.io} matches {@code cluster1.mesh.cilium.io}, not
     * {@code mesh.cilium.io} nor {@code a.b.mesh.cilium.io}).
     */
    public static boolean hostnameMatches(String pattern, String host) {
        if (pattern == null || host == null || pattern.isEmpty() || host.isEmpty()) {
            return false;
        }
        String p = stripDot(pattern.toLowerCase(Locale.ROOT));
        String h = stripDot(host.toLowerCase(Locale.ROOT));
        if (!p.startsWith("*.")) {
            return !p.contains("*") && p.equals(h);
        }
        String suffix = p.substring(1); // ".mesh.cilium.io"
        if (suffix.contains("*") || suffix.indexOf('.', 1) < 0 || !h.endsWith(suffix)) {
            return false; // no nested wildcards, no wildcard directly under a top-level domain
        }
        String label = h.substring(0, h.length() - suffix.length());
        return !label.isEmpty() && !label.contains(".");
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
