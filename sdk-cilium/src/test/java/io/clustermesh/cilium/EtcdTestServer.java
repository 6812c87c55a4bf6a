package io.clustermesh.cilium;

import io.clustermesh.MeshException;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd (Debian {@code etcd-server}) on free loopback ports, serving mutual TLS with a given server certificate
 * and {@code --client-cert-auth}, in a temporary data directory. {@link #close()} always destroys the process and
 * deletes the directory; a failed start does the same before throwing.
 */
final class EtcdTestServer implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(10);
    private static final int ATTEMPTS = 3;
    /** Temporary directories of test servers start with this. */
    static final String DIR_PREFIX = "clustermesh-etcd-";

    private final Path dir;
    private final Process process;
    private final int clientPort;
    private final Thread shutdownHook;

    private EtcdTestServer(Path dir, Process process, int clientPort) {
        this.dir = dir;
        this.process = process;
        this.clientPort = clientPort;
        this.shutdownHook = new Thread(process::destroyForcibly, "etcd-test-server-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The etcd executable, or the test is skipped when it is missing ({@code apt-get install etcd-server}); in CI
     * (env {@code CI} set) a missing etcd fails the test instead.
     */
    static Path requireEtcd() {
        return requireEtcd(System.getenv("PATH"), System.getenv("CI"));
    }

    /** {@link #requireEtcd()} with the environment given. */
    static Path requireEtcd(String pathVariable, String ciVariable) {
        Optional<Path> etcd = findOnPath(pathVariable == null ? "" : pathVariable, "etcd");
        if (etcd.isEmpty()) {
            if (ciVariable != null) {
                Assertions.fail("etcd not installed but CI is set: apt-get install etcd-server");
            }
            Assumptions.assumeTrue(false, "etcd not installed: apt-get install etcd-server");
        }
        return etcd.orElseThrow();
    }

    private static Optional<Path> findOnPath(String path, String name) {
        return Stream.of(path.split(File.pathSeparator)).filter(s -> !s.isEmpty()).map(s -> Path.of(s, name))
                .filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts etcd and waits (bounded) until {@code healthCheck} reports it healthy. A start that dies early (a port
     * taken between choosing and binding it) is tried again on new ports, at most {@link #ATTEMPTS} times.
     *
     * @param server      the server certificate and key (from the mesh CA)
     * @param caPem       the CA client certificates must chain to ({@code --trusted-ca-file})
     * @param healthCheck a client certificate accepted by that CA, used only to poll {@code /health}
     */
    static EtcdTestServer start(PemCredential server, String caPem, PemCredential healthCheck) throws IOException {
        Path etcd = requireEtcd();
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(etcd, server, caPem, healthCheck);
            } catch (EarlyExit e) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        }
    }

    private static EtcdTestServer startOnce(Path etcd, PemCredential server, String caPem, PemCredential healthCheck)
            throws IOException {
        Path dir = Files.createTempDirectory(DIR_PREFIX);
        EtcdTestServer started = null;
        try {
            Path cert = write(dir.resolve("server.crt"), server.certificatePem());
            Path key = write(dir.resolve("server.key"), server.privateKeyPem());
            Path ca = write(dir.resolve("ca.crt"), caPem);
            int clientPort = freePort();
            int peerPort = freePort();
            String client = "https://127.0.0.1:" + clientPort;
            String peer = "http://127.0.0.1:" + peerPort;
            List<String> command = List.of(etcd.toString(),
                    "--name", "lab",
                    "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "lab=" + peer, "--initial-cluster-state", "new",
                    "--cert-file", cert.toString(), "--key-file", key.toString(),
                    "--trusted-ca-file", ca.toString(), "--client-cert-auth",
                    "--logger", "zap", "--log-outputs", "stderr");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("etcd.log").toFile())
                    .start();
            started = new EtcdTestServer(dir, process, clientPort);
            started.awaitHealthy(caPem, healthCheck);
            return started;
        } catch (IOException | RuntimeException | Error e) {
            if (started != null) {
                started.close();
            } else {
                deleteRecursively(dir);
            }
            throw e;
        }
    }

    private void awaitHealthy(String caPem, PemCredential healthCheck) {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        MeshException last = null;
        try (EtcdProbe probe = EtcdProbe.builder().peer("lab").serverName("127.0.0.1")
                .address("127.0.0.1", clientPort).client(healthCheck).trustedCa(caPem)
                .timeout(Duration.ofSeconds(2)).build()) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    if (probe.health()) {
                        return;
                    }
                } catch (MeshException e) {
                    last = e;
                }
                // waits for the process to die, at most 100 ms: an early exit (port taken, bad flags) ends the wait
                if (process.waitFor(100, TimeUnit.MILLISECONDS)) {
                    throw new EarlyExit("etcd exited with " + process.exitValue() + " before it was healthy:\n" + log());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
        throw new IllegalStateException("etcd was not healthy within " + START_DEADLINE.toSeconds() + " s"
                + (last == null ? "" : " (last: " + last.getMessage() + ")") + ":\n" + log());
    }

    int clientPort() {
        return clientPort;
    }

    /** The last lines etcd wrote (for failure messages). */
    String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("etcd.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no etcd log: " + e.getMessage() + ")";
        }
    }

    /** Stops etcd (forcibly after a bounded wait) and deletes its directory. Idempotent. */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            deleteRecursively(dir);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path directory() {
        return dir;
    }

    private static Path write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** etcd died while starting. */
    private static final class EarlyExit extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        EarlyExit(String message) {
            super(message);
        }
    }
}
