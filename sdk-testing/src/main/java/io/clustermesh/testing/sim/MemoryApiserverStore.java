package io.clustermesh.testing.sim;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lab's in-memory clustermesh-apiserver store, for {@link SimulatedCilium.Store#IN_MEMORY} (meshes of hundreds of
 * clusters, beyond what one etcd process and one mutual-TLS connection per cluster pair allow on a small machine).
 * It keeps what the simulated clustermesh-apiserver publishes and answers the simulated agents' reads in the JVM,
 * without a process or a socket; the connection an agent would make is judged by the rules a mutual-TLS handshake
 * with etcd ({@code --client-cert-auth}, {@code --trusted-ca-file}) applies, computed here with the JDK's PKIX
 * validator:
 * <ul>
 *   <li>the server's certificate and key must belong together (etcd does not start otherwise);</li>
 *   <li>the agent checks the server certificate: valid now, a path to a CA it trusts, {@code serverAuth} when it has
 *       extended key usages, and a DNS name matching the name it dials ({@code <peer>.mesh.cilium.io});</li>
 *   <li>the server checks the client certificate: its key belongs to it, valid now, a path to the CA the server
 *       trusts, {@code clientAuth} when it has extended key usages.</li>
 * </ul>
 * Its address is a name of its own ({@code memory-store-<n>}, never resolved or dialled): the lab's network maps the
 * load balancer's IP:2379 to it as it maps it to a real etcd's loopback port; {@link #at} finds the store there.
 * Verdicts are kept per certificate set, so a pass over hundreds of peers does not validate the same chains again.
 * Thread-safe.
 */
final class MemoryApiserverStore implements AutoCloseable {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Map<InetSocketAddress, MemoryApiserverStore> OPEN = new ConcurrentHashMap<>();
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final byte[] CHALLENGE = "clustermesh lab: does this key belong to this certificate".getBytes(StandardCharsets.UTF_8);

    private final String cluster;
    private final InetSocketAddress address;
    private final List<X509Certificate> serverChain;
    private final List<X509Certificate> trusted;
    private final NavigableMap<String, String> data = new ConcurrentSkipListMap<>();
    /** Verdicts by (client certificate, key and agent's trusted CAs; server name), each until a certificate's validity changes. */
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
    /** The agents' verdicts on this server's chain, by the text of the CAs they trust. */
    private final Map<String, Verdict> serverVerdicts = new ConcurrentHashMap<>();
    /** The servers' verdicts on client certificates, by digest of certificate, key and the servers' trusted CA text. */
    private static final Map<String, Verdict> CLIENT_VERDICTS = new ConcurrentHashMap<>();
    private final String trustedPem;
    private final String leafName;
    private final List<String> dnsNames;
    private volatile boolean open = true;

    private MemoryApiserverStore(String cluster, List<X509Certificate> serverChain, List<X509Certificate> trusted, String trustedPem) {
        this.cluster = cluster;
        this.serverChain = serverChain;
        this.trusted = trusted;
        this.trustedPem = trustedPem;
        this.leafName = "'" + serverChain.get(0).getSubjectX500Principal().getName() + "'";
        this.dnsNames = dnsNames(serverChain.get(0));
        this.address = InetSocketAddress.createUnresolved(io.clustermesh.testing.LoopbackResolver.IN_MEMORY_PREFIX + SEQUENCE.incrementAndGet(), 2379);
    }

    /**
     * Opens a store serving {@code certPem} with {@code keyPem}, trusting client certificates issued by a CA of
     * {@code trustedCaPem}.
     *
     * @throws IllegalArgumentException what etcd would refuse to start with: an unreadable certificate, key or CA
     *                                  file, or a key that does not belong to the certificate
     */
    static MemoryApiserverStore open(String cluster, String certPem, String keyPem, String trustedCaPem) {
        List<X509Certificate> chain = certificates(certPem, "tls.crt");
        List<X509Certificate> cas = certificates(trustedCaPem, "ca.crt");
        String mismatch = keyMismatch(chain.get(0), keyPem);
        if (mismatch != null) {
            throw new IllegalArgumentException("tls: private key does not match public key (" + mismatch + ")");
        }
        MemoryApiserverStore store = new MemoryApiserverStore(cluster, chain, cas, trustedCaPem);
        OPEN.put(store.address, store);
        return store;
    }

    /** The open store the lab's network maps an address to, or {@code null} (a real etcd, or nothing). */
    static MemoryApiserverStore at(InetSocketAddress address) {
        return address == null || !address.isUnresolved() ? null : OPEN.get(address);
    }

    /** The address the lab's network maps the load balancer's IP:2379 to. */
    InetSocketAddress address() {
        return address;
    }

    boolean isOpen() {
        return open;
    }

    void put(String key, String value) {
        data.put(key, value);
    }

    void delete(String key) {
        data.remove(key);
    }

    /**
     * A connection of an agent and one range request, as etcd would serve it.
     *
     * @param serverName  the name the agent checks the server certificate for
     * @param fingerprint a digest of {@code clientCert}, {@code clientKey} and {@code agentCas} (verdicts are kept by it)
     * @param clientCert the agent's client certificate (PEM)
     * @param clientKey  its key (PEM)
     * @param agentCas   the CAs the agent trusts (PEM)
     * @return every key under {@code prefix}
     * @throws HandshakeRefused when the handshake fails, saying which side refused and why
     */
    Map<String, String> range(String prefix, String serverName, String fingerprint, String clientCert, String clientKey, String agentCas)
            throws HandshakeRefused {
        if (!open) {
            throw new IllegalStateException("the store of " + cluster + " is closed");
        }
        Instant now = Instant.now();
        String key = fingerprint + "|" + serverName;
        Verdict verdict = verdicts.get(key);
        if (verdict == null || !now.isBefore(verdict.until)) {
            verdict = judge(serverName, clientCert, clientKey, agentCas, now);
            verdicts.put(key, verdict);
        }
        if (!verdict.refusal.isEmpty()) {
            throw new HandshakeRefused(verdict.refusal);
        }
        return new TreeMap<>(data.subMap(prefix, true, prefix + Character.MAX_VALUE, false));
    }

    /**
     * A verdict and until when it holds: the next moment a certificate it looked at starts or stops being valid.
     *
     * @param refusal {@code ""} when that side accepts, else what failed, in the words of the side that refused
     */
    private record Verdict(String refusal, Instant until) {
        static final Verdict NOT_CHECKED = new Verdict("", Instant.MAX);

        Verdict then(Verdict next) {
            return new Verdict(refusal.isEmpty() ? next.refusal : refusal, until.isBefore(next.until) ? until : next.until);
        }
    }

    /**
     * The handshake of one agent with this store: the agent checks the server (chain, validity, key usage, then the
     * name it dialled), then the server checks the client. Each side's verdict on the certificates is kept apart from
     * the pair (the server's chain per CA text the agents trust, a client per certificate, key and CA text the server
     * trusts, shared by every store), so that a mesh of n clusters validates about 2n chains, not n(n-1).
     */
    private Verdict judge(String serverName, String clientCertPem, String clientKeyPem, String agentCasPem, Instant now) {
        Verdict server = cached(serverVerdicts, agentCasPem, now, () -> serverSide(agentCasPem, now));
        if (!server.refusal.isEmpty()) {
            return server;
        }
        if (dnsNames.stream().noneMatch(n -> hostMatches(n, serverName))) {
            return server.then(new Verdict("the server certificate " + leafName + " is valid for DNS names " + dnsNames + ", not for '"
                    + serverName + "'", Instant.MAX));
        }
        if (CLIENT_VERDICTS.size() > 100_000) {
            CLIENT_VERDICTS.clear(); // many labs in one JVM: start over rather than grow
        }
        return server.then(cached(CLIENT_VERDICTS, SimObjects.sha256(clientCertPem + "|" + clientKeyPem + "|" + trustedPem), now,
                () -> clientSide(clientCertPem, clientKeyPem, now)));
    }

    private static Verdict cached(Map<String, Verdict> cache, String key, Instant now, java.util.function.Supplier<Verdict> compute) {
        Verdict v = cache.get(key);
        if (v == null || !now.isBefore(v.until)) {
            v = compute.get();
            cache.put(key, v);
        }
        return v;
    }

    /** The agent's look at the server certificate (not its name): validity, a path to a CA the agent trusts, serverAuth. */
    private Verdict serverSide(String agentCasPem, Instant now) {
        Instant until = until(serverChain, now);
        List<X509Certificate> agentCas;
        try {
            agentCas = certificates(agentCasPem, "common-etcd-client-ca.crt");
        } catch (IllegalArgumentException e) {
            return new Verdict("the agent's trusted CA file cannot be read: " + e.getMessage(), until);
        }
        X509Certificate leaf = serverChain.get(0);
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            return new Verdict("the server certificate " + leafName + " expired at " + leaf.getNotAfter().toInstant(), until);
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return new Verdict("the server certificate " + leafName + " is not valid before " + leaf.getNotBefore().toInstant(), until);
        }
        if (!validates(serverChain, agentCas, now)) {
            return new Verdict("the server certificate " + leafName + " (issuer '" + leaf.getIssuerX500Principal().getName()
                    + "') does not validate against the agent's trusted CA " + names(agentCas) + ": it is not signed by that CA", until);
        }
        if (!usableFor(leaf, SERVER_AUTH)) {
            return new Verdict("the server certificate " + leafName + " is not meant for TLS servers (no serverAuth extended key usage)", until);
        }
        return new Verdict("", until);
    }

    /** The server's look at a client: its key, validity, a path to the CA the server trusts, clientAuth. */
    private Verdict clientSide(String clientCertPem, String clientKeyPem, Instant now) {
        List<X509Certificate> client;
        try {
            client = certificates(clientCertPem, "tls.crt");
        } catch (IllegalArgumentException e) {
            return new Verdict("the client certificate cannot be read: " + e.getMessage(), Instant.MAX);
        }
        Instant until = until(client, now);
        String mismatch = keyMismatch(client.get(0), clientKeyPem);
        if (mismatch != null) {
            return new Verdict("the client's key does not belong to its certificate (" + mismatch + ")", until);
        }
        X509Certificate c = client.get(0);
        String clientName = "'" + c.getSubjectX500Principal().getName() + "' (issuer '" + c.getIssuerX500Principal().getName() + "')";
        boolean timely = !now.isAfter(c.getNotAfter().toInstant()) && !now.isBefore(c.getNotBefore().toInstant());
        if (!validates(client, trusted, now) || !timely || !usableFor(c, CLIENT_AUTH)) {
            String why = !timely ? "bad_certificate: it is valid from " + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant()
                    : !usableFor(c, CLIENT_AUTH) ? "bad_certificate: no clientAuth extended key usage"
                    : "bad_certificate, which is not signed by the mesh CA " + names(trusted);
            return new Verdict("the server refused the client certificate " + clientName + " (" + why + ")", until);
        }
        return new Verdict("", until);
    }

    /** The next moment one of {@code certs} starts or stops being valid. */
    private static Instant until(List<X509Certificate> certs, Instant now) {
        Instant until = Instant.MAX;
        for (X509Certificate c : certs) {
            for (Instant edge : new Instant[]{c.getNotBefore().toInstant(), c.getNotAfter().toInstant().plusMillis(1)}) {
                if (edge.isAfter(now) && edge.isBefore(until)) {
                    until = edge;
                }
            }
        }
        return until;
    }

    @Override
    public void close() {
        open = false;
        OPEN.remove(address, this);
    }

    @Override
    public String toString() {
        return "in-memory clustermesh-apiserver store of " + cluster + " (" + address.getHostString() + ")";
    }

    /** A handshake one side refused; the message says which and why (names and dates, never keys). */
    static final class HandshakeRefused extends Exception {
        HandshakeRefused(String message) {
            super(message, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------------ certificates

    private static List<X509Certificate> certificates(String pem, String file) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException(file + " is empty");
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (var c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no certificate");
            }
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** {@code null} when {@code keyPem} is the private key of {@code cert}, else why not. */
    private static String keyMismatch(X509Certificate cert, String keyPem) {
        PrivateKey key;
        try (PEMParser parser = new PEMParser(new StringReader(keyPem == null ? "" : keyPem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                key = converter.getKeyPair(pair).getPrivate();
            } else if (o instanceof PrivateKeyInfo info) {
                key = converter.getPrivateKey(info);
            } else {
                return "tls.key holds no private key";
            }
        } catch (IOException | RuntimeException e) {
            return "tls.key cannot be read";
        }
        PublicKey pub = cert.getPublicKey();
        String algorithm = switch (pub.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "ED25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equalsIgnoreCase(pub.getAlgorithm())) {
            return "a " + key.getAlgorithm() + " key for a " + pub.getAlgorithm() + " certificate";
        }
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(CHALLENGE);
            byte[] signed = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(pub);
            v.update(CHALLENGE);
            return v.verify(signed) ? null : "the key is not the certificate's";
        } catch (GeneralSecurityException e) {
            return "the key is not the certificate's";
        }
    }

    private static boolean validates(List<X509Certificate> chain, List<X509Certificate> anchors, Instant at) {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!anchors.contains(c)) {
                path.add(c);
            }
        }
        if (path.isEmpty()) {
            return false;
        }
        try {
            Set<TrustAnchor> set = new HashSet<>();
            anchors.forEach(a -> set.add(new TrustAnchor(a, null)));
            PKIXParameters params = new PKIXParameters(set);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return true;
        } catch (GeneralSecurityException e) {
            return false; // CertPathValidatorException among them: no path to those CAs
        }
    }

    private static boolean usableFor(X509Certificate c, String purpose) {
        try {
            List<String> eku = c.getExtendedKeyUsage();
            return eku == null || eku.contains(purpose) || eku.contains(ANY_EKU);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private static List<String> dnsNames(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> san : c.getSubjectAlternativeNames()) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable names
        }
        return out;
    }

    /** RFC 6125: a wildcard stands for exactly one left-most label. */
    private static boolean hostMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(p.substring(1));
        }
        return p.equals(h);
    }

    private static String names(List<X509Certificate> cas) {
        List<String> out = new ArrayList<>();
        cas.forEach(c -> out.add("'" + c.getSubjectX500Principal().getName() + "'"));
        return String.join(" or ", out);
    }
}
