package io.clustermesh.cilium;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.internal.Pem;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The probe against things that are not a healthy etcd: a closed port, a silent one, and a TLS HTTP server answering
 * what etcd's gateway answers when it refuses or breaks (JDK {@code HttpsServer} on loopback).
 */
class EtcdProbeTest {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();
    private static PemCredential meshCa;
    private static ApiserverCertificates certs;

    private HttpsServer server;
    private final Map<String, String[]> answers = new ConcurrentHashMap<>(); // path -> {status, body}

    @BeforeAll
    static void pki() {
        meshCa = CA.createCa("Cilium CA", Duration.ofDays(30));
        certs = new MeshCertificates(CA).issue(meshCa, MeshCertificates.Profile.of("cluster1"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int startFakeEtcd() throws Exception {
        server = fakeEtcd(certs.server());
        return server.getAddress().getPort();
    }

    /** A fake etcd presenting {@code serverCert}, answering from {@link #answers}. */
    private HttpsServer fakeEtcd(PemCredential serverCert) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(Pem.keyStore("server", serverCert), Pem.storePassword());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            // read the request to its end, as etcd does: a body left unread makes the server drop the keep-alive
            // connection the client may already be sending the next request on
            exchange.getRequestBody().readAllBytes();
            String[] answer = answers.getOrDefault(exchange.getRequestURI().getPath(), new String[]{"404", "404 page not found"});
            byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private EtcdProbe probe(int port, Duration timeout) {
        return EtcdProbe.builder().peer("cluster1").address("127.0.0.1", port).client(certs.remote())
                .trustedCa(meshCa.certificatePem()).timeout(timeout).build();
    }

    @Test
    void aClosedPortIsUnreachableAndRetryable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (EtcdProbe probe = probe(port, Duration.ofSeconds(2))) {
            assertThatThrownBy(probe::health).isInstanceOfSatisfying(MeshUnreachableException.class, e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.getMessage()).startsWith("cluster1: cannot connect to the clustermesh-apiserver at 127.0.0.1:" + port);
                assertThat(e.remediation()).contains("2379/tcp");
            });
        }
    }

    @Test
    void aSilentServerTimesOut() throws IOException {
        // accepted by the kernel's backlog, never answered: the TLS handshake never completes
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             EtcdProbe probe = probe(silent.getLocalPort(), Duration.ofMillis(300))) {
            assertThatThrownBy(() -> probe.get("cilium/cluster-config/cluster1"))
                    .isInstanceOfSatisfying(MeshUnreachableException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("within 300 ms");
                    });
        }
    }

    @Test
    void gatewayRefusalsAndBreakagesMapToTheRightErrors() throws Exception {
        int port = startFakeEtcd();
        try (EtcdProbe probe = probe(port, Duration.ofSeconds(5))) {
            answers.put("/health", new String[]{"503", "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}"});
            assertThat(probe.health()).isFalse();
            answers.put("/health", new String[]{"200", "{\"health\":\"true\"}"});
            assertThat(probe.health()).isTrue();

            answers.put("/v3/kv/range", new String[]{"403",
                    "{\"error\":\"etcdserver: permission denied\",\"code\":7,\"message\":\"etcdserver: permission denied\"}"});
            assertThatThrownBy(() -> probe.get("cilium/state/x")).isInstanceOf(MeshAccessException.class)
                    .hasMessageContaining("etcd get of 'cilium/state/x'").hasMessageContaining("HTTP 403: etcdserver: permission denied");

            answers.put("/v3/kv/range", new String[]{"500", "{\"error\":\"etcdserver: request timed out\"}"});
            assertThatThrownBy(() -> probe.range("cilium/")).isInstanceOfSatisfying(MeshUnreachableException.class,
                    e -> assertThat(e.retryable()).isTrue());

            answers.put("/v3/kv/range", new String[]{"200", "<html>not etcd</html>"});
            assertThatThrownBy(() -> probe.range("cilium/")).isInstanceOf(MeshPreconditionException.class)
                    .hasMessageContaining("not JSON");

            answers.put("/v3/kv/range", new String[]{"200",
                    "{\"kvs\":[{\"key\":\"Y2lsaXVtL2NsdXN0ZXItY29uZmlnL2NsdXN0ZXIx\",\"value\":\"eyJpZCI6ICJvbmUifQ==\"}]}"});
            assertThatThrownBy(() -> probe.clusterConfig("cluster1")).isInstanceOf(MeshPreconditionException.class)
                    .hasMessageContaining("cilium/cluster-config/cluster1").hasMessageContaining("is not a cluster config");

            assertThatThrownBy(() -> probe.put("k", "v")).isInstanceOf(MeshPreconditionException.class)
                    .hasMessageContaining("HTTP 404");
        }
    }

    @Test
    void builderNamesWhatIsMissingAndRefusesKeylessClients() {
        assertThatThrownBy(() -> EtcdProbe.builder().peer("cluster1").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("EtcdProbe needs: address client trustedCa");
        assertThatThrownBy(() -> EtcdProbe.builder().client(new PemCredential(certs.remote().certificatePem(), null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdProbe.builder().address("127.0.0.1", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdProbe.builder().trustedCa("garbage")).isInstanceOf(IllegalArgumentException.class);
        try (EtcdProbe probe = probe(2379, Duration.ofSeconds(1))) {
            assertThat(probe.toString()).contains("cluster1", "cluster1.mesh.cilium.io", "'remote'")
                    .doesNotContain("PRIVATE KEY");
        }
    }

    @Test
    void prefixEndFollowsEtcd() {
        assertThat(EtcdProbe.prefixEnd("a/".getBytes(StandardCharsets.UTF_8))).isEqualTo("a0".getBytes(StandardCharsets.UTF_8));
        assertThat(EtcdProbe.prefixEnd(new byte[]{0x61, (byte) 0xff})).isEqualTo(new byte[]{0x62});
        assertThat(EtcdProbe.prefixEnd(new byte[]{(byte) 0xff, (byte) 0xff})).isEqualTo(new byte[]{0});
    }

    @Test
    void clusterConfigParsesWhatCiliumWrites() {
        CiliumClusterConfig c = CiliumClusterConfig.parse(
                "{\"id\":7,\"capabilities\":{\"syncedCanaries\":true,\"cached\":true,\"maxConnectedClusters\":511,\"serviceExportsEnabled\":false}}");
        assertThat(c.id()).isEqualTo(7);
        assertThat(c.cached()).isTrue();
        assertThat(c.maxConnectedClusters()).hasValue(511);
        assertThat(c.capability("serviceExportsEnabled")).contains(false);
        assertThat(CiliumClusterConfig.parse("{\"id\":3}").capabilities()).isEmpty();
        assertThat(CiliumClusterConfig.parse(c.toJson())).isEqualTo(c);
        assertThatThrownBy(() -> CiliumClusterConfig.parse("{\"capabilities\":{}}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CiliumClusterConfig.parse("nope")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Probes with one client identity (certificate, CA, timeout) share one HTTP client, as a Cilium agent's one
     * identity serves all its remote clusters; each connection is still checked for its own probe's server name.
     */
    @Test
    void probesOfOneIdentityShareOneClientAndEachServerIsCheckedForItsOwnName() throws Exception {
        ApiserverCertificates second = new MeshCertificates(CA).issue(meshCa, MeshCertificates.Profile.of("cluster2"));
        HttpsServer one = fakeEtcd(certs.server());
        HttpsServer two = fakeEtcd(second.server());
        HttpsServer three = fakeEtcd(second.server());
        answers.put("/health", new String[]{"200", "{\"health\":\"true\"}"});
        int before = EtcdProbe.sharedClients();
        try {
            EtcdProbe toOne = probe("cluster1", one.getAddress().getPort(), null);
            EtcdProbe toTwo = probe("cluster2", two.getAddress().getPort(), null);

            assertThat(EtcdProbe.sharedClients()).isEqualTo(before + 1);
            assertThat(toOne.health()).isTrue();
            assertThat(toTwo.health()).isTrue();
            toTwo.close();
            toTwo.close(); // a second close must not release the client the first probe still uses
            assertThat(EtcdProbe.sharedClients()).isEqualTo(before + 1);

            // the same shared client, a fresh address, a name the server's certificate is not valid for: refused there
            // while the first server is still accepted
            try (EtcdProbe wrongName = probe("cluster2", three.getAddress().getPort(), "cluster2.mesh.example.com")) {
                assertThat(EtcdProbe.sharedClients()).isEqualTo(before + 1);
                assertThatThrownBy(wrongName::health).isInstanceOfSatisfying(MeshAccessException.class,
                        e -> assertThat(e.getMessage()).contains("not for 'cluster2.mesh.example.com'"));
                assertThat(toOne.health()).isTrue();
            }
            // an address once verified for one name is not reused for another (the shared client pools connections
            // verified for the first): this probe gets a client of its own
            try (EtcdProbe otherName = probe("cluster1", one.getAddress().getPort(), "cluster1.mesh.example.com")) {
                assertThatThrownBy(otherName::health).isInstanceOfSatisfying(MeshAccessException.class,
                        e -> assertThat(e.getMessage()).contains("not for 'cluster1.mesh.example.com'"));
            }
            toOne.close();
            assertThat(EtcdProbe.sharedClients()).isEqualTo(before);
        } finally {
            one.stop(0);
            two.stop(0);
            three.stop(0);
        }
    }

    private EtcdProbe probe(String peer, int port, String serverName) {
        EtcdProbe.Builder b = EtcdProbe.builder().peer(peer).address("127.0.0.1", port).client(certs.remote())
                .trustedCa(meshCa.certificatePem()).timeout(Duration.ofSeconds(5));
        return (serverName == null ? b : b.serverName(serverName)).build();
    }
}
