package io.clustermesh.cilium.internal;

import javax.net.ssl.SSLEngine;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link PeerTrustManager} per address: each connection's server is verified for the name registered for the
 * address the connection goes to (the SSLEngine's peer host and port, which the JDK {@code HttpClient} sets from the
 * request URI). This lets one TLS client, with one client certificate and one trusted CA, serve probes to many peers
 * that each answer for their own name ({@code <peer>.mesh.cilium.io}), as a Cilium agent's one identity serves all its
 * remote clusters. A connection to an address nobody registered is refused.
 */
public final class EndpointTrustManager extends ServerTrustManager {
    private final List<X509Certificate> anchors;
    private final Clock clock;
    private final Map<String, Registration> byEndpoint = new HashMap<>();
    /** The name each address was first registered with: pooled connections to it were verified for that name. */
    private final Map<String, String> firstName = new HashMap<>();

    private record Registration(PeerTrustManager trust, int users) {
    }

    /**
     * @param anchors the CA certificates to trust, and only those
     * @param clock   the time certificates are validated at
     */
    public EndpointTrustManager(List<X509Certificate> anchors, Clock clock) {
        if (anchors == null || anchors.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted CA certificate is needed");
        }
        this.anchors = List.copyOf(anchors);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Servers at {@code host:port} must be valid for {@code expectedName} from now on (counted: as many
     * {@link #unregister} calls end it as there were registrations).
     *
     * @return {@code false}, registering nothing, when another name is or was expected at that address: the client's
     *         pooled connections to it were verified for that other name, so a probe for this one needs its own client
     */
    public synchronized boolean register(String host, int port, String expectedName) {
        String key = key(host, port);
        if (!firstName.computeIfAbsent(key, k -> expectedName).equals(expectedName)) {
            return false;
        }
        Registration r = byEndpoint.get(key);
        byEndpoint.put(key, r == null ? new Registration(new PeerTrustManager(anchors, expectedName, clock), 1) : new Registration(r.trust, r.users + 1));
        return true;
    }

    /** Ends one registration for {@code host:port}. */
    public synchronized void unregister(String host, int port) {
        String key = key(host, port);
        Registration r = byEndpoint.get(key);
        if (r != null) {
            if (r.users <= 1) {
                byEndpoint.remove(key);
            } else {
                byEndpoint.put(key, new Registration(r.trust, r.users - 1));
            }
        }
    }

    /** Addresses with a registered name. */
    public synchronized int endpoints() {
        return byEndpoint.size();
    }

    private synchronized PeerTrustManager forEndpoint(String host, int port) throws CertificateException {
        Registration r = host == null ? null : byEndpoint.get(key(host, port));
        if (r == null) {
            throw new CertificateException("no server name is expected at " + host + ":" + port + " (no probe was built for that address)");
        }
        return r.trust;
    }

    static String key(String host, int port) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        h = X509.isIpLiteral(h) ? X509.canonicalIp(h) : h.toLowerCase(Locale.ROOT);
        return h + ":" + port;
    }

    @Override
    List<X509Certificate> anchors() {
        return anchors;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        forEndpoint(engine.getPeerHost(), engine.getPeerPort()).verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        forEndpoint(socket.getInetAddress() == null ? null : socket.getInetAddress().getHostAddress(), socket.getPort()).verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the server's address is needed to know which name to check");
    }
}
