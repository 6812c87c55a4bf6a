package io.clustermesh.testing.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The front door of a lab cluster's API server: a loopback TCP proxy (optionally terminating TLS) in front of the
 * plain-HTTP mock server. It exists for one thing the mock server cannot do: reset a connection. When the mock's
 * dispatcher answers a request with the status {@value #RESET_STATUS}, the proxy does not forward the answer but
 * closes the client's TCP connection with an RST (SO_LINGER 0), exactly what a client sees when a server or a
 * middlebox drops it. Everything else, WebSocket upgrades (watches) included, is forwarded byte for byte.
 *
 * <p>HTTP/1.1 only: a client never sends the next request on a connection before it has the previous answer, so a
 * reset answer always starts a fresh read from the backend.
 */
public final class LabProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LabProxy.class);
    /** The status the dispatcher answers to ask for a reset. Never reaches a client. */
    public static final int RESET_STATUS = 599;
    private static final byte[] MARKER = ("HTTP/1.1 " + RESET_STATUS + " ").getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final int backendPort;
    private final SSLContext tls;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile boolean closed;

    public LabProxy(String name, int backendPort, SSLContext tls) throws IOException {
        this.name = name;
        this.backendPort = backendPort;
        this.tls = tls;
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lab-" + name + "-proxy-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** Connections reset on request so far. */
    public int resets() {
        return resets.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket raw;
            try {
                raw = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("lab proxy {}: accept failed: {}", name, e.toString());
                }
                return;
            }
            Link link = new Link(raw);
            links.add(link);
            if (closed) {
                link.reset();
                return;
            }
            threads.execute(link::clientToBackend);
        }
    }

    /** One client connection and its backend connection. */
    private final class Link {
        final Socket raw;
        volatile Socket client;
        volatile Socket backend;
        volatile boolean done;

        Link(Socket raw) {
            this.raw = raw;
        }

        void clientToBackend() {
            try {
                raw.setTcpNoDelay(true);
                Socket c = raw;
                if (tls != null) {
                    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, true);
                    s.setUseClientMode(false);
                    s.startHandshake();
                    c = s;
                }
                client = c;
                Socket b = new Socket();
                b.setTcpNoDelay(true);
                b.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backendPort), 5000);
                backend = b;
                threads.execute(this::backendToClient);
                pump(c.getInputStream(), b.getOutputStream(), false);
                b.shutdownOutput();
            } catch (IOException e) {
                close();
            }
        }

        void backendToClient() {
            try {
                pump(backend.getInputStream(), client.getOutputStream(), true);
            } catch (IOException e) {
                // the other side went away
            } finally {
                close();
            }
        }

        private void pump(InputStream in, OutputStream out, boolean scan) throws IOException {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (scan && contains(buf, n)) {
                    resets.incrementAndGet();
                    LOG.debug("lab proxy {}: resetting a connection on request", name);
                    reset();
                    return;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        }

        /** RST to the client: SO_LINGER 0 on the TCP socket under any TLS layer, then close. */
        void reset() {
            if (done) {
                return;
            }
            done = true;
            try {
                raw.setSoLinger(true, 0);
            } catch (SocketException e) {
                // already closed
            }
            quietly(raw);
            quietly(backend);
            links.remove(this);
        }

        void close() {
            if (done) {
                return;
            }
            done = true;
            quietly(client);
            quietly(raw);
            quietly(backend);
            links.remove(this);
        }
    }

    private static boolean contains(byte[] buf, int n) {
        outer:
        for (int i = 0; i + MARKER.length <= n; i++) {
            for (int j = 0; j < MARKER.length; j++) {
                if (buf[i + j] != MARKER[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void quietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** Stops accepting and resets every open connection. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        for (Link l : links) {
            l.reset();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
