package io.clustermesh.cilium;

import io.clustermesh.MeshException;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.cilium.internal.EndpointTrustManager;
import io.clustermesh.cilium.internal.Pem;
import io.clustermesh.cilium.internal.Tls;
import io.clustermesh.spi.PemCredential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Looks at a clustermesh-apiserver's etcd the way a remote Cilium agent does, with nothing but the JDK's
 * {@link HttpClient}: mutual TLS with a client certificate (normally the cluster's {@code remote} certificate), the
 * server verified against the mesh CA only and against the name agents use, {@code <peer>.mesh.cilium.io} (resolved
 * through hostAliases; the probe connects to the address given and checks that name, wildcard SAN
 * {@code *.mesh.cilium.io} included). It reads through etcd's JSON gateway on the same port ({@code /health},
 * {@code /v3/kv/range}, {@code /v3/kv/put}).
 *
 * <p>Every request is bounded by the {@linkplain Builder#timeout timeout}. Failures are {@link MeshException}s:
 * {@link io.clustermesh.MeshUnreachableException} (refused, unreachable, timed out, 5xx: retryable),
 * {@link io.clustermesh.MeshAccessException} (the TLS handshake failed: the server's certificate is not from the mesh
 * CA or not for the mesh name, or the server refused the client certificate; or etcd denied the operation),
 * {@link MeshPreconditionException} (not an etcd gateway, malformed data); {@code EtcdErrors} words them. Messages
 * name addresses, names, certificate subjects and keys of etcd, never key material or values.
 *
 * <p>A limit of the gateway: etcd serves {@code /v3/kv/*} by calling its own gRPC API with its server certificate as
 * the client certificate (so that certificate needs clientAuth, see {@link MeshCertificates}; seen with etcd 3.4).
 * The probe's handshake proves that its client certificate is trusted, but on an etcd with authentication on (a
 * clustermesh-apiserver) the role checks may see the gateway's identity rather than the probe's CN, so reads can be
 * refused (HTTP 401/403, a {@link MeshAccessException}) even with the right remote certificate. Not verified against
 * a live clustermesh-apiserver.
 *
 * <p>Thread-safe. Probes with the same client certificate, CA, timeout and clock share one HTTP client (see
 * {@link #close()}).
 */
public final class EtcdProbe implements AutoCloseable {
    /** The domain agents reach peers under: {@code <peer>.mesh.cilium.io}. */
    public static final String MESH_DOMAIN = "mesh.cilium.io";
    /** Default bound on each request (connect included). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** Where a cluster's config lives in its etcd. */
    public static final String CLUSTER_CONFIG_PREFIX = "cilium/cluster-config/";

    private static final Logger LOG = LoggerFactory.getLogger(EtcdProbe.class);
    /**
     * One pool of daemon threads for the HTTP work of every probe. A JDK {@code HttpClient} otherwise starts its own
     * executor: with a probe per pair of clusters (n(n-1) of them in a simulated mesh of n) that was thousands of
     * threads doing almost nothing. Threads idle for a minute end.
     */
    private static final ExecutorService HTTP_THREADS = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "clustermesh-etcd-probe-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /**
     * The HTTP clients probes share, by client identity: probes that present the same client certificate, trust the
     * same CA and have the same timeout and clock use one JDK {@code HttpClient} (one selector thread and one
     * connection pool), each server checked for its own probe's name ({@link EndpointTrustManager}). A simulated mesh
     * of n clusters so needs n clients instead of n(n-1), and a cluster keeps one TLS session per peer.
     */
    private static final Map<Identity, Shared> SHARED = new HashMap<>();

    private record Identity(String digest, Duration timeout, Clock clock) {
        @Override
        public String toString() {
            return "Identity[" + digest.substring(0, 12) + ", " + timeout + "]";
        }
    }

    private static final class Shared {
        final HttpClient http;
        final EndpointTrustManager trust;
        int probes;

        Shared(HttpClient http, EndpointTrustManager trust) {
            this.http = http;
            this.trust = trust;
        }
    }

    private final String peer;
    private final URI endpoint;
    private final String serverName;
    private final Duration timeout;
    private final PemCredential client;
    private final String trustedCa;
    private final Clock clock;
    private final Identity identity;
    private final HttpClient http;
    private final EtcdErrors errors;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EtcdProbe(Builder b) {
        this.peer = b.peer;
        this.serverName = b.serverName != null ? b.serverName : b.peer + "." + MESH_DOMAIN;
        this.timeout = b.timeout;
        try {
            this.endpoint = new URI("https", null, b.host, b.port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + b.host + "' is not a host name or IP address");
        }
        X509Certificate clientCert = Pem.certificate(b.client.certificatePem());
        X509Certificate ca = Pem.certificate(b.trustedCa);
        this.errors = new EtcdErrors(peer, endpoint, serverName, timeout, clientCert, ca);
        this.client = b.client;
        this.trustedCa = b.trustedCa;
        this.clock = b.clock;
        Identity id = new Identity(digest(b.client.certificatePem(), b.client.privateKeyPem(), b.trustedCa), timeout, clock);
        HttpClient shared = join(id);
        this.identity = shared == null ? null : id;
        this.http = shared != null ? shared : newClient(Tls.clientContext(b.client, b.trustedCa, serverName, b.clock), timeout);
    }

    /** The shared client of {@code id} with this probe's address registered, or {@code null} when the address expects another name. */
    private HttpClient join(Identity id) {
        synchronized (SHARED) {
            Shared s = SHARED.get(id);
            if (s == null) {
                EndpointTrustManager trust = new EndpointTrustManager(Pem.certificates(trustedCa), clock);
                s = new Shared(newClient(Tls.clientContext(client, trust), timeout), trust);
                SHARED.put(id, s);
            }
            if (!s.trust.register(endpoint.getHost(), endpoint.getPort(), serverName)) {
                if (s.probes == 0) {
                    SHARED.remove(id);
                }
                return null;
            }
            s.probes++;
            return s.http;
        }
    }

    private static HttpClient newClient(SSLContext tls, Duration timeout) {
        return HttpClient.newBuilder()
                .executor(HTTP_THREADS)
                .sslContext(tls)
                .sslParameters(Tls.clientParameters(tls))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    private static String digest(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update(p.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** HTTP clients alive now, shared or not shared (for the lab's thread accounting and tests). */
    static int sharedClients() {
        synchronized (SHARED) {
            return SHARED.size();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The cluster whose clustermesh-apiserver is probed. */
    public String peer() {
        return peer;
    }

    /** {@code https://<address>:<port>}: where the probe connects. */
    public URI endpoint() {
        return endpoint;
    }

    /** The name the server certificate must be valid for ({@code <peer>.mesh.cilium.io} by default). */
    public String serverName() {
        return serverName;
    }

    /**
     * {@code GET /health}: whether etcd reports itself healthy ({@code {"health":"true"}}). An unhealthy etcd
     * (HTTP 503 with {@code "health":"false"}) gives {@code false}; not reaching it throws.
     */
    public boolean health() {
        HttpResponse<String> response = send("health", HttpRequest.newBuilder(endpoint.resolve("/health")).GET(), null);
        if (response.statusCode() == 200 || response.statusCode() == 503) {
            JsonNode body = parse(response, "health");
            if (body.has("health")) {
                return "true".equals(body.path("health").asString(""));
            }
        }
        throw errors.status("health", null, response.statusCode(), response.body());
    }

    /** The value of one key, decoded as UTF-8, or empty when the key does not exist. */
    public Optional<String> get(String key) {
        requireKey(key);
        Map<String, String> found = rangeRequest("get", key, key.getBytes(StandardCharsets.UTF_8), null);
        return Optional.ofNullable(found.get(key));
    }

    /** Every key under {@code prefix} (etcd range with {@code range_end} = the prefix plus one), in key order. */
    public Map<String, String> range(String prefix) {
        requireKey(prefix);
        byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        return rangeRequest("range", prefix, start, prefixEnd(start));
    }

    /** {@code POST /v3/kv/put}: writes one key (for tests and the lab; agents never write to a peer). */
    public void put(String key, String value) {
        requireKey(key);
        Objects.requireNonNull(value, "value");
        ObjectNode body = JSON.createObjectNode()
                .put("key", B64.encodeToString(key.getBytes(StandardCharsets.UTF_8)))
                .put("value", B64.encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> response = post("put", key, "/v3/kv/put", body);
        if (response.statusCode() != 200) {
            throw errors.status("put", key, response.statusCode(), response.body());
        }
    }

    /**
     * Reads {@code cilium/cluster-config/<peerName>}, as an agent does before syncing from a peer.
     *
     * @return empty when the key does not exist (an old clustermesh-apiserver, or one not yet initialised)
     * @throws MeshPreconditionException if the value is not a cluster config
     */
    public Optional<CiliumClusterConfig> clusterConfig(String peerName) {
        requireKey(peerName);
        String key = CLUSTER_CONFIG_PREFIX + peerName;
        return get(key).map(json -> {
            try {
                return CiliumClusterConfig.parse(json);
            } catch (IllegalArgumentException e) {
                throw errors.notClusterConfig(key, e);
            }
        });
    }

    /**
     * Ends the probe. Its HTTP client (shared with the other open probes of the same client identity, or its own) is
     * released when no probe uses it any more, on Java 21+ where the JDK allows it.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed already: the shared client's count must drop once per probe
        }
        if (identity == null) {
            closeClient(http);
            return;
        }
        HttpClient last = null;
        synchronized (SHARED) {
            Shared s = SHARED.get(identity);
            if (s != null) {
                s.trust.unregister(endpoint.getHost(), endpoint.getPort());
                if (--s.probes == 0) {
                    SHARED.remove(identity);
                    last = s.http;
                }
            }
        }
        if (last != null) {
            closeClient(last);
        }
    }

    private void closeClient(HttpClient c) {
        if (c instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing the HTTP client of the probe of {} failed", where(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "EtcdProbe[" + peer + " at " + endpoint + " as " + serverName + ", client " + errors.clientDescription() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------

    private Map<String, String> rangeRequest(String operation, String key, byte[] start, byte[] end) {
        ObjectNode body = JSON.createObjectNode().put("key", B64.encodeToString(start));
        if (end != null) {
            body.put("range_end", B64.encodeToString(end));
        }
        HttpResponse<String> response = post(operation, key, "/v3/kv/range", body);
        if (response.statusCode() != 200) {
            throw errors.status(operation, key, response.statusCode(), response.body());
        }
        Map<String, String> result = new LinkedHashMap<>();
        try {
            for (JsonNode kv : parse(response, operation).path("kvs")) {
                String k = new String(B64D.decode(kv.path("key").asString("")), StandardCharsets.UTF_8);
                String v = new String(B64D.decode(kv.path("value").asString("")), StandardCharsets.UTF_8);
                result.put(k, v);
            }
        } catch (IllegalArgumentException e) {
            throw errors.notEtcd(operation, "a key or value is not base64");
        }
        return Collections.unmodifiableMap(result);
    }

    /** etcd's GetPrefixRangeEnd: the prefix with its last byte below 0xff incremented and what follows dropped. */
    static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if ((prefix[i] & 0xff) != 0xff) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return new byte[]{0}; // all 0xff: every key from the prefix on
    }

    private HttpResponse<String> post(String operation, String key, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return send(operation, request, key);
    }

    private HttpResponse<String> send(String operation, HttpRequest.Builder request, String key) {
        LOG.debug("etcd {}{} at {} as {}", operation, key == null ? "" : " '" + key + "'", endpoint, serverName);
        try {
            return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interrupted(e);
        } catch (IOException e) {
            throw errors.io(operation, e, this::diagnosticHandshake);
        }
    }

    /**
     * A bounded handshake with the same credentials that then only listens: a server refusing the client certificate
     * answers with an alert (read as an {@link SSLException}); one accepting it says nothing until the read times out.
     *
     * @return the handshake's failure, or empty when the client certificate was accepted or nothing could be learnt
     */
    private Optional<SSLException> diagnosticHandshake() {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        SSLContext tls = Tls.clientContext(client, trustedCa, serverName, clock);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), millis);
            socket.setSoTimeout(millis);
            socket.setSSLParameters(Tls.clientParameters(tls));
            socket.startHandshake();
            int first = socket.getInputStream().read();
            LOG.debug("diagnostic handshake with {}: server sent {} unasked", where(), first < 0 ? "end of stream" : "data");
            return Optional.empty();
        } catch (SSLException failure) {
            return Optional.of(failure);
        } catch (SocketTimeoutException accepted) {
            return Optional.empty();
        } catch (IOException | RuntimeException other) {
            LOG.debug("diagnostic handshake with {} did not complete", where(), other);
            return Optional.empty();
        }
    }

    private JsonNode parse(HttpResponse<String> response, String operation) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node == null || !node.isObject()) {
                throw errors.notEtcd(operation, "the answer is not a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw errors.notEtcd(operation, "the answer is not JSON");
        }
    }

    private String where() {
        return errors.where();
    }

    private static void requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an etcd key must not be empty");
        }
    }

    /** Builds an {@link EtcdProbe}. {@code peer}, {@code address}, {@code client} and {@code trustedCa} are required. */
    public static final class Builder {
        private String peer;
        private String host;
        private int port;
        private String serverName;
        private PemCredential client;
        private String trustedCa;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The cluster whose clustermesh-apiserver this is; the server must be valid for {@code <peer>.mesh.cilium.io}. */
        public Builder peer(String clusterName) {
            if (clusterName == null || clusterName.isBlank()) {
                throw new IllegalArgumentException("peer must name a cluster");
            }
            this.peer = clusterName;
            return this;
        }

        /** Where to connect: the clustermesh-apiserver's IP (or host) and port (2379 for the LoadBalancer Service). */
        public Builder address(String hostOrIp, int port) {
            if (hostOrIp == null || hostOrIp.isBlank()) {
                throw new IllegalArgumentException("address must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
            this.host = hostOrIp;
            this.port = port;
            return this;
        }

        /**
         * Checks the server certificate for this name instead of {@code <peer>.mesh.cilium.io} (e.g.
         * {@code clustermesh-apiserver.kube-system.svc}, the name local agents use with KVStoreMesh).
         */
        public Builder serverName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("serverName must not be empty");
            }
            this.serverName = name;
            return this;
        }

        /** The client certificate and key presented (the cluster's remote certificate, as agents use it). */
        public Builder client(PemCredential credential) {
            Objects.requireNonNull(credential, "client");
            if (!credential.hasKey()) {
                throw new IllegalArgumentException("the client credential needs its private key");
            }
            this.client = credential;
            return this;
        }

        /** The mesh CA certificate (PEM; several for a CA bundle): the only CAs the server may chain to. */
        public Builder trustedCa(String caCertificatePem) {
            Objects.requireNonNull(caCertificatePem, "trustedCa");
            Pem.certificates(caCertificatePem); // fail here on garbage
            this.trustedCa = caCertificatePem;
            return this;
        }

        /** Bound of each request, connecting included. Default {@link #DEFAULT_TIMEOUT}. */
        public Builder timeout(Duration perRequest) {
            Objects.requireNonNull(perRequest, "timeout");
            if (perRequest.isNegative() || perRequest.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = perRequest;
            return this;
        }

        /** The time server certificates are validated at. Default: the system clock. */
        public Builder clock(Clock validationClock) {
            this.clock = Objects.requireNonNull(validationClock, "clock");
            return this;
        }

        /** @throws IllegalStateException naming what is missing */
        public EtcdProbe build() {
            StringBuilder missing = new StringBuilder();
            if (peer == null) missing.append(" peer");
            if (host == null) missing.append(" address");
            if (client == null) missing.append(" client");
            if (trustedCa == null) missing.append(" trustedCa");
            if (missing.length() > 0) {
                throw new IllegalStateException("EtcdProbe needs:" + missing);
            }
            return new EtcdProbe(this);
        }
    }
}
