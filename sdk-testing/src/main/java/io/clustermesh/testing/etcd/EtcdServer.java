package io.clustermesh.testing.etcd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code etcd} (3.4+, Debian package {@code etcd-server}) started as a child process on loopback ports, as
 * the lab's stand-in for a clustermesh-apiserver.
 *
 * <ul>
 *   <li>client and peer listeners on free ports of 127.0.0.1; the data directory in a private temporary
 *       directory (0700) that {@link #close()} deletes;</li>
 *   <li>with {@link Builder#tls(String, String, String)}: HTTPS with {@code --client-cert-auth}; the PEM files are
 *       written with mode 0600 to the temporary directory. Without it: plain HTTP;</li>
 *   <li>an optional <em>admin</em> listener: plain HTTP on another loopback port, without client authentication,
 *       for the lab's own reads and writes (and the readiness probe). It is never handed to the code under
 *       test;</li>
 *   <li>the process runs with {@code GOMAXPROCS=1} unless the environment sets it (a lab runs many of them);</li>
 *   <li>{@link Builder#start()} waits for readiness with a deadline; if etcd exits, the error carries the tail of
 *       its log (etcd never logs key material);</li>
 *   <li>{@link #close()} stops the process and its descendants, waits for them and deletes the directory. A
 *       registry of live servers and a single JVM shutdown hook stop what a test forgot;
 *       {@link #liveProcesses()} lets tests assert that nothing is left.</li>
 * </ul>
 *
 * <p>Note for TLS: etcd 3.4 serves its JSON gateway ({@code /v3/kv/*}, {@code /health}) on the TLS port by
 * connecting to itself with the server certificate as a client certificate. The server certificate therefore needs
 * the {@code clientAuth} extended key usage as well (or no EKU) for JSON requests over TLS to work; gRPC clients are
 * not affected.
 */
public final class EtcdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdServer.class);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final Path directory;
    private final Path logFile;
    private final boolean tls;
    private final int clientPort;
    private final int peerPort;
    private final int adminPort;
    private volatile boolean closed;

    private EtcdServer(String name, Process process, Path directory, Path logFile, boolean tls, int clientPort,
                       int peerPort, int adminPort) {
        this.name = name;
        this.process = process;
        this.directory = directory;
        this.logFile = logFile;
        this.tls = tls;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.adminPort = adminPort;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The etcd binary: {@code etcd} on the {@code PATH}, else {@code /usr/bin/etcd}. */
    public static Optional<Path> findBinary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, "etcd");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        Path fallback = Path.of("/usr/bin/etcd");
        return Files.isExecutable(fallback) ? Optional.of(fallback) : Optional.empty();
    }

    /**
     * The etcd processes this JVM started that are still alive (and their descendants): empty once every server
     * is closed.
     */
    public static List<ProcessHandle> liveProcesses() {
        List<ProcessHandle> out = new ArrayList<>();
        for (ProcessHandle h : Registry.PROCESSES) {
            if (h.isAlive()) {
                out.add(h);
                h.descendants().filter(ProcessHandle::isAlive).forEach(out::add);
            } else {
                Registry.PROCESSES.remove(h);
            }
        }
        return out;
    }

    /** Servers started and not closed yet. */
    public static List<EtcdServer> liveServers() {
        return List.copyOf(Registry.SERVERS);
    }

    public String name() {
        return name;
    }

    /** Whether the client listener is HTTPS with client-certificate authentication. */
    public boolean isTls() {
        return tls;
    }

    /** The client URL ({@code https://127.0.0.1:<port>}, or {@code http://} without TLS). */
    public URI clientUrl() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + clientPort);
    }

    public InetSocketAddress clientAddress() {
        return new InetSocketAddress(LOOPBACK, clientPort);
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    /** The plain-HTTP admin listener for the lab's own use, if enabled. */
    public Optional<URI> adminUrl() {
        return adminPort > 0 ? Optional.of(URI.create("http://127.0.0.1:" + adminPort)) : Optional.empty();
    }

    /** The temporary directory holding data, TLS files and log; deleted by {@link #close()}. */
    public Path directory() {
        return directory;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of etcd's own log (stdout and stderr), for diagnostics. */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    /** Stops etcd (and descendants), waits for it and deletes the temporary directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop(process.toHandle());
            deleteTree(directory);
        } finally {
            Registry.SERVERS.remove(this);
        }
        LOG.debug("etcd {} stopped (pid {})", name, process.pid());
    }

    @Override
    public String toString() {
        return "EtcdServer[" + name + ", " + clientUrl() + (closed ? ", closed" : "") + "]";
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Builder of an {@link EtcdServer}; {@link #start()} launches it. */
    public static final class Builder {
        private String name = "etcd";
        private Path binary;
        private String certPem;
        private String keyPem;
        private String caPem;
        private boolean adminListener = true;
        private Duration startTimeout = Duration.ofSeconds(20);
        private Path tempRoot;

        private Builder() {
        }

        /** The member name (also used in directory and log names). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                throw new IllegalArgumentException("etcd name must be letters, digits, '.', '_' or '-': " + name);
            }
            this.name = name;
            return this;
        }

        /** The etcd binary; default {@link #findBinary()}. */
        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /**
         * Serve HTTPS with client-certificate authentication.
         *
         * @param serverCertPem the server certificate (PEM; chain allowed); SANs should include 127.0.0.1
         * @param serverKeyPem  its private key (PEM, unencrypted)
         * @param trustedCaPem  the CA(s) client certificates must chain to (PEM)
         * @throws IllegalArgumentException if a value is not PEM or the key does not belong to the certificate
         */
        public Builder tls(String serverCertPem, String serverKeyPem, String trustedCaPem) {
            String cert = requirePem(serverCertPem, "serverCertPem");
            String key = requirePem(serverKeyPem, "serverKeyPem");
            String ca = requirePem(trustedCaPem, "trustedCaPem");
            PemCheck.keyMatchesCertificate(cert, key);
            this.certPem = cert;
            this.keyPem = key;
            this.caPem = ca;
            return this;
        }

        /** Whether to open the plain-HTTP admin listener (default true). */
        public Builder adminListener(boolean on) {
            this.adminListener = on;
            return this;
        }

        /** How long {@link #start()} waits for readiness (default 20 s). */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive");
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Where the temporary directory is created (default {@code java.io.tmpdir}). */
        public Builder tempRoot(Path dir) {
            this.tempRoot = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Starts etcd and waits until it serves requests.
         *
         * @throws IllegalStateException if etcd is not installed, exits, or is not ready in time (with its log tail)
         */
        public EtcdServer start() {
            Path bin = binary != null ? binary : findBinary().orElseThrow(() -> new IllegalStateException(
                    "etcd is not installed: no 'etcd' on the PATH nor /usr/bin/etcd; install the Debian package etcd-server"));
            IllegalStateException last = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    return startOnce(bin);
                } catch (PortTakenException e) {
                    // another process took a port between our probe and etcd's bind: try other ports
                    LOG.debug("etcd {}: port already in use, retrying ({}/3)", name, attempt);
                    last = e;
                }
            }
            throw last;
        }

        private EtcdServer startOnce(Path bin) {
            Path dir = null;
            Process p = null;
            try {
                dir = createPrivateDirectory(tempRoot, "clustermesh-etcd-" + name + "-");
                boolean secure = certPem != null;
                int[] ports = freePorts(adminListener ? 3 : 2);
                int client = ports[0];
                int peer = ports[1];
                int admin = adminListener ? ports[2] : 0;
                List<String> cmd = new ArrayList<>();
                String clientUrl = (secure ? "https" : "http") + "://127.0.0.1:" + client;
                String peerUrl = "http://127.0.0.1:" + peer;
                cmd.add(bin.toString());
                cmd.addAll(List.of("--name", name, "--data-dir", dir.resolve("data").toString(),
                        "--listen-client-urls", clientUrl + (admin > 0 ? ",http://127.0.0.1:" + admin : ""),
                        "--advertise-client-urls", clientUrl,
                        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                        "--initial-cluster", name + "=" + peerUrl, "--initial-cluster-state", "new",
                        "--initial-cluster-token", name,
                        "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"));
                if (secure) {
                    Path tlsDir = Files.createDirectory(dir.resolve("tls"));
                    cmd.addAll(List.of("--cert-file", writePrivate(tlsDir.resolve("server.crt"), certPem).toString(),
                            "--key-file", writePrivate(tlsDir.resolve("server.key"), keyPem).toString(),
                            "--trusted-ca-file", writePrivate(tlsDir.resolve("ca.crt"), caPem).toString(),
                            "--client-cert-auth"));
                }
                Path log = dir.resolve("etcd.log");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
                pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
                // one Go scheduler thread: a lab runs one etcd per cluster, tens of them on a few cores, each serving a
                // handful of clients; with a thread per core each idles at about 5 ms of CPU a second, with one at
                // about 3 (measured on etcd 3.4, 2 cores). An environment that sets GOMAXPROCS keeps its value.
                pb.environment().putIfAbsent("GOMAXPROCS", "1");
                Registry.ensureHook();
                p = pb.start();
                Registry.PROCESSES.add(p.toHandle());
                EtcdServer server = new EtcdServer(name, p, dir, log, secure, client, peer, admin);
                Registry.SERVERS.add(server);
                LOG.debug("etcd {} starting (pid {}) on {}{}", name, p.pid(), clientUrl,
                        admin > 0 ? " (admin http://127.0.0.1:" + admin + ")" : "");
                try {
                    awaitReady(server);
                } catch (RuntimeException e) {
                    server.close();
                    throw e;
                }
                LOG.debug("etcd {} ready", name);
                return server;
            } catch (IOException e) {
                if (p != null) {
                    stop(p.toHandle());
                }
                if (dir != null) {
                    deleteTree(dir);
                }
                throw new UncheckedIOException("cannot start etcd " + name + ": " + e.getMessage(), e);
            }
        }

        private void awaitReady(EtcdServer s) {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (true) {
                if (!s.process.isAlive()) {
                    String tail = s.logTail(20);
                    if (tail.contains("address already in use")) {
                        throw new PortTakenException("etcd " + name + " could not bind its ports:\n" + tail);
                    }
                    throw new IllegalStateException("etcd " + name + " exited with code " + s.process.exitValue()
                            + " before it was ready; last lines of its log:\n" + tail);
                }
                if (probe(s)) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("etcd " + name + " was not ready within " + startTimeout
                            + "; last lines of its log:\n" + s.logTail(20));
                }
                try {
                    s.process.waitFor(25, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for etcd " + name, e);
                }
            }
        }

        /** Ready = /health answers true on a plain listener; with TLS and no admin listener: the port accepts. */
        private static boolean probe(EtcdServer s) {
            int port = s.adminPort > 0 ? s.adminPort : s.tls ? 0 : s.clientPort;
            if (port == 0) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(LOOPBACK, s.clientPort), 200);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(LOOPBACK, port), 200);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return answer.startsWith("HTTP/1.") && answer.contains(" 200 ") && answer.contains("\"health\":\"true\"");
            } catch (IOException e) {
                return false;
            }
        }
    }

    private static String requirePem(String pem, String what) {
        Objects.requireNonNull(pem, what);
        if (!pem.contains("-----BEGIN ")) {
            throw new IllegalArgumentException(what + " is not PEM (no -----BEGIN line)");
        }
        return pem;
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }

    // --- process and file helpers ------------------------------------------------------------------------------

    private static void stop(ProcessHandle h) {
        List<ProcessHandle> descendants = h.descendants().toList();
        h.destroy();
        descendants.forEach(ProcessHandle::destroy);
        waitOrKill(h);
        descendants.forEach(EtcdServer::waitOrKill);
        if (!h.isAlive()) {
            Registry.PROCESSES.remove(h);
        }
    }

    private static void waitOrKill(ProcessHandle h) {
        try {
            h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("process {} did not stop within {}, killing it", h.pid(), STOP_GRACE);
        }
        h.destroyForcibly();
        try {
            h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("process {} survived SIGKILL for {}", h.pid(), STOP_GRACE);
        }
    }

    static Path createPrivateDirectory(Path root, String prefix) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (posix) {
            var attr = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            return root == null ? Files.createTempDirectory(prefix, attr) : Files.createTempDirectory(root, prefix, attr);
        }
        return root == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(root, prefix);
    }

    /** Writes a file readable only by its owner (0600): created with that mode before any byte is written. */
    static Path writePrivate(Path file, String content) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log)";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, LOOPBACK);
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }

    /** Live servers and their processes; one shutdown hook stops whatever is left when the JVM exits. */
    private static final class Registry {
        static final Set<EtcdServer> SERVERS = ConcurrentHashMap.newKeySet();
        static final Set<ProcessHandle> PROCESSES = ConcurrentHashMap.newKeySet();
        private static final Object LOCK = new Object();
        private static boolean hooked;

        static void ensureHook() {
            synchronized (LOCK) {
                if (!hooked) {
                    Runtime.getRuntime().addShutdownHook(new Thread(Registry::reap, "clustermesh-etcd-reaper"));
                    hooked = true;
                }
            }
        }

        private static void reap() {
            for (EtcdServer s : List.copyOf(SERVERS)) {
                s.process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                s.process.destroyForcibly();
                try {
                    s.process.waitFor(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                deleteTree(s.directory);
            }
            PROCESSES.forEach(ProcessHandle::destroyForcibly);
        }
    }

}
