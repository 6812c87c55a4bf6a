package io.clustermesh.cilium;

import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.internal.PeerTrustManager.ServerCertificateException;
import io.clustermesh.cilium.internal.X509;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Says an {@link EtcdProbe}'s failures in the SDK's words, as {@code kube/KubeErrors} does for fabric8 and sdk-azure's
 * {@code ArmErrors} for ARM: the JDK HTTP client's I/O failures, failed TLS handshakes and etcd's JSON gateway answers
 * become a {@link MeshUnreachableException} (refused, unreachable, timed out, 408/429/5xx: retryable), a
 * {@link MeshAccessException} (the server's certificate is not from the mesh CA or not for the mesh name, the server
 * refused the client certificate, or etcd denied the operation with 401/403) or a {@link MeshPreconditionException}
 * (not an etcd gateway, malformed data), each naming the peer and the fix. Messages name addresses, names, certificate
 * subjects and keys of etcd, never key material or values.
 *
 * <p>One per probe: it knows the probe's peer, address, server name and credentials. Immutable and thread-safe.
 */
final class EtcdErrors {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String peer;
    private final URI endpoint;
    private final String serverName;
    private final Duration timeout;
    private final X509Certificate clientCert;
    private final X509Certificate ca;
    private final String clientDescription;
    private final String caDescription;

    /**
     * @param endpoint   where the probe connects ({@code https://<address>:<port>})
     * @param serverName the name the server certificate must be valid for
     * @param timeout    the probe's bound on each request
     * @param clientCert the certificate the probe presents
     * @param ca         the mesh CA the server must chain to
     */
    EtcdErrors(String peer, URI endpoint, String serverName, Duration timeout, X509Certificate clientCert, X509Certificate ca) {
        this.peer = peer;
        this.endpoint = endpoint;
        this.serverName = serverName;
        this.timeout = timeout;
        this.clientCert = clientCert;
        this.ca = ca;
        this.clientDescription = "'" + X509.commonName(clientCert) + "' (issuer '"
                + clientCert.getIssuerX500Principal().getName() + "')";
        byte[] ski = X509.subjectKeyId(ca);
        this.caDescription = "'" + ca.getSubjectX500Principal().getName() + "'"
                + (ski == null ? "" : " (subject key id " + X509.hex(ski) + ")");
    }

    /** The client certificate as messages name it: its CN and issuer. */
    String clientDescription() {
        return clientDescription;
    }

    /** {@code <address>:<port> (<server name>)}: the server as messages name it. */
    String where() {
        return endpoint.getHost() + ":" + endpoint.getPort() + " (" + serverName + ")";
    }

    /** The probing thread was interrupted while waiting for etcd. */
    MeshException interrupted(InterruptedException e) {
        return MeshException.failed("interrupted while probing the etcd of " + where(),
                Details.inCluster(peer).fix("run the probe again").cause(e));
    }

    /**
     * A request that got no HTTP answer.
     *
     * @param operation           what was asked ({@code health}, {@code get}, {@code range}, {@code put})
     * @param diagnosticHandshake asked only when {@code e} does not tell whether TLS failed: a handshake that sends
     *                            nothing and returns the server's refusal, if any (see {@link EtcdProbe})
     */
    MeshException io(String operation, IOException e, Supplier<Optional<SSLException>> diagnosticHandshake) {
        ServerCertificateException serverProblem = find(e, ServerCertificateException.class);
        if (serverProblem != null) {
            return serverCertificateRefused(serverProblem, e);
        }
        HttpTimeoutException timedOut = find(e, HttpTimeoutException.class);
        if (timedOut != null) {
            String what = timedOut instanceof HttpConnectTimeoutException ? "could not connect" : "got no answer";
            return new MeshUnreachableException(peer + ": " + what + " within " + timeout.toMillis()
                    + " ms from the clustermesh-apiserver at " + where() + " (" + operation + ")",
                    Details.inCluster(peer).fix(unreachableRemediation()).cause(e));
        }
        if (find(e, ConnectException.class) != null || find(e, NoRouteToHostException.class) != null
                || find(e, UnresolvedAddressException.class) != null || find(e, UnknownHostException.class) != null) {
            return new MeshUnreachableException(peer + ": cannot connect to the clustermesh-apiserver at "
                    + where() + " (" + firstMessage(e) + ")", Details.inCluster(peer).fix(unreachableRemediation()).cause(e));
        }
        SSLException tlsFailure = find(e, SSLException.class);
        if (tlsFailure == null) {
            // With TLS 1.3 the server judges the client certificate after the client has finished its handshake, and
            // a client that already sent its request may see the connection reset without the server's alert.
            // A handshake that sends nothing and waits for the server's first word tells which it was.
            tlsFailure = diagnosticHandshake.get().orElse(null);
            if (tlsFailure != null && find(tlsFailure, ServerCertificateException.class) != null) {
                return serverCertificateRefused(find(tlsFailure, ServerCertificateException.class), e);
            }
        }
        if (tlsFailure != null) {
            String diagnosis = "the server refused the client certificate " + clientDescription
                    // checked only here, for the diagnosis: a signature check per probe costs more than most probes
                    + (signedBy(clientCert, ca) ? "" : ", which is not signed by the mesh CA " + caDescription);
            return new MeshAccessException(peer + ": the TLS handshake with the clustermesh-apiserver at "
                    + where() + " failed: " + diagnosis + " (" + firstMessage(tlsFailure) + ")",
                    Details.inCluster(peer).fix("give the probe a client certificate issued by the CA that " + peer
                            + "'s clustermesh-apiserver trusts (the mesh CA " + caDescription + ", e.g. the remote "
                            + "certificate of secret clustermesh-apiserver-remote-cert); every cluster of a mesh must "
                            + "share one CA (secret cilium-ca in kube-system)").cause(e));
        }
        return new MeshUnreachableException(peer + ": " + operation + " on the clustermesh-apiserver at "
                + where() + " failed: " + firstMessage(e), Details.inCluster(peer).fix(unreachableRemediation()).cause(e));
    }

    /**
     * etcd answered with a status the operation does not expect.
     *
     * @param key  the key asked for, or {@code null}
     * @param body the answer's body (etcd's gateway puts its error in {@code message} or {@code error})
     */
    MeshException status(String operation, String key, int status, String body) {
        String etcdError = etcdError(body);
        String what = peer + ": etcd " + operation + (key == null ? "" : " of '" + key + "'") + " at " + where()
                + " answered HTTP " + status + (etcdError.isEmpty() ? "" : ": " + etcdError);
        if (status == 401 || status == 403) {
            return new MeshAccessException(what, Details.inCluster(peer).fix("the client certificate's CN " + clientDescription
                    + " is the etcd user: use the certificate whose user may do this (remote agents read with 'remote')"));
        }
        if (status == 408 || status == 429 || status >= 500) {
            return new MeshUnreachableException(what, Details.inCluster(peer).fix("retry; if it persists, check the "
                    + "clustermesh-apiserver pod of " + peer));
        }
        return new MeshPreconditionException(what, Details.inCluster(peer).fix(notEtcdRemediation()));
    }

    /** The answer is not what etcd's JSON gateway gives. */
    MeshPreconditionException notEtcd(String operation, String why) {
        return new MeshPreconditionException(peer + ": etcd " + operation + " at " + where()
                + " gave an unexpected answer: " + why, Details.inCluster(peer).fix(notEtcdRemediation()));
    }

    /** The value of {@code key} is not a cluster config. */
    MeshPreconditionException notClusterConfig(String key, IllegalArgumentException e) {
        return new MeshPreconditionException("the value of " + key + " at " + where() + " is not a cluster config: "
                + e.getMessage(), Details.inCluster(peer).fix("check that the clustermesh-apiserver of " + peer
                + " runs a supported Cilium version"));
    }

    private MeshAccessException serverCertificateRefused(ServerCertificateException problem, IOException e) {
        return new MeshAccessException(peer + ": the TLS handshake with the clustermesh-apiserver at "
                + where() + " failed: " + problem.getMessage(),
                Details.inCluster(peer).fix("make " + peer + "'s clustermesh-apiserver serve a certificate issued by the mesh CA "
                        + caDescription + " with the DNS name *." + EtcdProbe.MESH_DOMAIN + ", or probe it with the CA that "
                        + peer + " uses; every cluster of a mesh must share one CA (secret cilium-ca in kube-system)").cause(e));
    }

    private String unreachableRemediation() {
        return "check that " + endpoint.getHost() + ":" + endpoint.getPort() + " is " + peer
                + "'s clustermesh-apiserver address (Service clustermesh-apiserver, port 2379), that it is running, and "
                + "that the network lets 2379/tcp through between the clusters";
    }

    private String notEtcdRemediation() {
        return "check that " + where() + " is a clustermesh-apiserver etcd (3.4 or newer) with its JSON gateway";
    }

    private static String etcdError(String body) {
        try {
            JsonNode node = JSON.readTree(body == null ? "" : body);
            if (node != null && node.isObject()) {
                String message = node.path("message").asString(node.path("error").asString(""));
                return message.length() > 200 ? message.substring(0, 200) + "..." : message;
            }
        } catch (JacksonException ignored) {
            // not JSON: not quoted either
        }
        return "";
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
        return X509.verifiedBy(certificate, ca.getPublicKey())
                && certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String firstMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return c.getMessage();
            }
        }
        return io.clustermesh.internal.Causes.describe(t);
    }
}
