package io.clustermesh.testing.etcd;

import io.clustermesh.testing.internal.LabPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EtcdServerTest {

    @TempDir
    Path tmp;

    @AfterEach
    void nothingLeft() {
        assertThat(EtcdServer.liveProcesses()).isEmpty();
        assertThat(EtcdServer.liveServers()).isEmpty();
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainServerAnswersOnClientAndAdminListenersAndCloseRemovesEverything() throws Exception {
        EtcdServer etcd = EtcdServer.builder().name("plain").tempRoot(tmp).start();
        Path dir = etcd.directory();
        long pid = etcd.pid();
        try {
            assertThat(etcd.isTls()).isFalse();
            assertThat(etcd.clientUrl().toString()).startsWith("http://127.0.0.1:");
            assertThat(EtcdServer.liveServers()).contains(etcd);
            assertThat(EtcdServer.liveProcesses()).extracting(ProcessHandle::pid).contains(pid);
            HttpClient http = HttpClient.newHttpClient();
            assertThat(post(http, etcd.clientUrl(), "/v3/kv/put", "{\"key\":\"" + b64("cilium/cluster-config/c1") + "\",\"value\":\"" + b64("{\"id\":1}") + "\"}").statusCode()).isEqualTo(200);
            HttpResponse<String> range = post(http, etcd.adminUrl().orElseThrow(), "/v3/kv/range", "{\"key\":\"" + b64("cilium/cluster-config/c1") + "\"}");
            assertThat(range.body()).contains(b64("{\"id\":1}"));
            assertThat(dir).isDirectory();
        } finally {
            etcd.close();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(dir).doesNotExist();
        etcd.close(); // idempotent
    }

    @Test
    void tlsServerDemandsClientCertificatesAndKeepsKeyFilesPrivate() throws Exception {
        LabPki ca = LabPki.newAuthority("test-ca");
        LabPki.Issued server = ca.issue("clustermesh-apiserver", true, true, List.of("clustermesh-apiserver.cilium.io"), List.of("127.0.0.1"));
        LabPki.Issued client = ca.issue("remote", false, true, List.of(), List.of());
        try (EtcdServer etcd = EtcdServer.builder().name("tls").tempRoot(tmp)
                .tls(server.certificatePem(), server.privateKeyPem(), ca.caPem()).start()) {
            assertThat(etcd.clientUrl().toString()).startsWith("https://127.0.0.1:");
            for (String f : List.of("server.crt", "server.key", "ca.crt")) {
                Path p = etcd.directory().resolve("tls").resolve(f);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(f).isEqualTo("rw-------");
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(etcd.directory()))).isEqualTo("rwx------");

            HttpClient mtls = HttpClient.newBuilder().sslContext(ca.sslContext(client)).build();
            HttpResponse<String> health = mtls.send(HttpRequest.newBuilder(etcd.clientUrl().resolve("/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("\"health\":\"true\"");
            assertThat(post(mtls, etcd.clientUrl(), "/v3/kv/put", "{\"key\":\"" + b64("k") + "\",\"value\":\"" + b64("v") + "\"}").statusCode()).isEqualTo(200);

            SSLContext noIdentity = ca.sslContext(null);
            HttpClient anonymous = HttpClient.newBuilder().sslContext(noIdentity).build();
            assertThatThrownBy(() -> anonymous.send(HttpRequest.newBuilder(etcd.clientUrl().resolve("/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
            assertThat(etcd.logTail(50)).doesNotContain("PRIVATE KEY");
        }
    }

    @Test
    void anEtcdThatExitsIsReportedWithItsLogAndLeavesNothingBehind() throws IOException {
        Path fake = tmp.resolve("etcd-that-fails");
        Files.writeString(fake, "#!/bin/sh\necho 'etcdmain: simulated fatal error at startup' >&2\nexit 3\n");
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        Path root = Files.createDirectory(tmp.resolve("root"));
        assertThatThrownBy(() -> EtcdServer.builder().name("broken").binary(fake).tempRoot(root).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd broken exited with code 3")
                .hasMessageContaining("simulated fatal error at startup");
        try (var left = Files.list(root)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefusedBeforeLaunch() {
        LabPki ca = LabPki.newAuthority("test-ca");
        LabPki.Issued server = ca.issue("server", true, true, List.of(), List.of("127.0.0.1"));
        LabPki.Issued other = ca.issue("other", true, true, List.of(), List.of("127.0.0.1"));
        // etcd 3.4 itself would only notice at the first TLS handshake, after reporting ready
        assertThatThrownBy(() -> EtcdServer.builder().tls(server.certificatePem(), other.privateKeyPem(), ca.caPem()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("PRIVATE KEY"));
    }

    @Test
    void refusesNonPemInput() {
        assertThatThrownBy(() -> EtcdServer.builder().tls("x", "y", "z"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverCertPem");
    }

    @Test
    void findsTheBinary() {
        assertThat(EtcdServer.findBinary()).isPresent();
    }
}
