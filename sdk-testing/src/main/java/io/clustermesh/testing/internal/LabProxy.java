package io.clustermesh.testing.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The front door of a lab cluster's API server: a loopback TCP proxy (optionally terminating TLS) in front of the
 * plain-HTTP mock server. It exists for one thing the mock server cannot do: reset a connection. When the mock's
 * dispatcher answers a request with the status {@value #RESET_STATUS}, the proxy does not forward the answer but
 * closes the client's TCP connection with an RST (SO_LINGER 0), exactly what a client sees when a server or a
 * middlebox drops it. Everything else, WebSocket upgrades (watches) included, is forwarded byte for byte.
 *
 * <p>One thread per proxy, whatever the number of connections: every connection is served by a {@link Selector} on
 * non-blocking channels, TLS through an {@link SSLEngine}. (A thread per direction and connection made thousands of
 * threads in a lab of 64 clusters, whose clients keep their idle connections for minutes.)
 *
 * <p>HTTP/1.1 only: a client never sends the next request on a connection before it has the previous answer, so a
 * reset answer always starts a fresh read from the backend.
 */
public final class LabProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LabProxy.class);
    /** The status the dispatcher answers to ask for a reset. Never reaches a client. */
    public static final int RESET_STATUS = 599;
    private static final byte[] MARKER = ("HTTP/1.1 " + RESET_STATUS + " ").getBytes(StandardCharsets.US_ASCII);
    private static final int PLAIN_BUFFER = 64 * 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final long SWEEP_MILLIS = 1000;

    private final String name;
    private final InetSocketAddress backendAddress;
    private final SSLContext tls;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread loop;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger missedEvents = new AtomicInteger();
    private volatile boolean closed;

    public LabProxy(String name, int backendPort, SSLContext tls) throws IOException {
        this.name = name;
        this.backendAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), backendPort);
        this.tls = tls;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw e;
        }
        this.loop = new Thread(this::run, "lab-" + name + "-proxy");
        loop.setDaemon(true);
        loop.start();
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** Connections reset on request so far. */
    public int resets() {
        return resets.get();
    }

    /** Connections open now (client side). */
    public int connections() {
        return links.size();
    }

    /** The open connections' state, one line each (for diagnosing a lab that stalls). */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Link l : links) {
            b.append(l.describe()).append('\n');
        }
        return b.toString();
    }

    private void run() {
        long lastSweep = System.nanoTime();
        try {
            while (!closed) {
                selector.select(SWEEP_MILLIS);
                if (closed) {
                    break;
                }
                if (System.nanoTime() - lastSweep >= SWEEP_MILLIS * 1_000_000L) {
                    lastSweep = System.nanoTime();
                    sweep();
                }
                var ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.channel() == server) {
                        accept();
                        continue;
                    }
                    Link link = (Link) key.attachment();
                    try {
                        if (key.isValid() && key.isConnectable() && key.channel() == link.backend) {
                            link.backend.finishConnect();
                        }
                        link.pump();
                    } catch (IOException | RuntimeException e) {
                        LOG.trace("lab proxy {}: connection closed: {}", name, e.toString());
                        link.close();
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.debug("lab proxy {}: stopped: {}", name, e.toString());
            }
        } finally {
            for (Link l : new ArrayList<>(links)) {
                l.reset();
            }
            quietly(server);
            try {
                selector.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /**
     * A safety net: a connection with bytes waiting that was not served for a second is served now. Readiness is
     * level-triggered, so this should never move anything; if it does, a readiness event was missed, which is logged
     * once per proxy and counted, instead of stalling the request until the client gives up.
     */
    private void sweep() {
        long now = System.nanoTime();
        for (Link l : new ArrayList<>(links)) {
            if (now - l.lastPump < SWEEP_MILLIS * 1_000_000L || !l.waiting()) {
                continue;
            }
            String before = l.describe();
            try {
                l.pump();
            } catch (IOException | RuntimeException e) {
                l.close();
            }
            if (!l.done && !before.equals(l.describe())) {
                if (missedEvents.getAndIncrement() == 0) {
                    LOG.warn("lab proxy {}: a connection with bytes waiting had no readiness event for {} ms and was served by the"
                            + " sweep ({}); please report this", name, SWEEP_MILLIS, before);
                }
            }
        }
    }

    /** Connections the once-a-second sweep found stuck and served (a missed readiness event; expected 0). */
    public int missedEvents() {
        return missedEvents.get();
    }

    private void accept() {
        SocketChannel ch;
        try {
            while ((ch = server.accept()) != null) {
                Link link = null;
                try {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    link = new Link(ch);
                    links.add(link);
                    link.pump();
                } catch (IOException | RuntimeException e) {
                    if (link != null) {
                        link.close();
                    } else {
                        quietly(ch);
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("lab proxy {}: accept failed: {}", name, e.toString());
            }
        }
    }

    /**
     * One client connection and its backend connection. Buffers are kept in write mode (position = end of data).
     * Without TLS the client's bytes go to the backend from {@code clientIn} and the backend's to the client from
     * {@code backendIn}; with TLS {@code clientIn} holds records, {@code toBackend} their plain text,
     * {@code backendIn} plain text and {@code toClient} records.
     */
    private final class Link {
        final SocketChannel client;
        final SocketChannel backend;
        final SSLEngine engine;
        final ByteBuffer clientIn;
        final ByteBuffer toBackend;
        final ByteBuffer backendIn;
        final ByteBuffer toClient;
        final SelectionKey clientKey;
        final SelectionKey backendKey;
        boolean clientEof;
        boolean backendEof;
        boolean backendShut;
        boolean done;
        long lastPump = System.nanoTime();

        Link(SocketChannel client) throws IOException {
            this.client = client;
            if (tls != null) {
                engine = tls.createSSLEngine();
                engine.setUseClientMode(false);
                int packet = engine.getSession().getPacketBufferSize();
                int app = engine.getSession().getApplicationBufferSize();
                clientIn = ByteBuffer.allocate(2 * packet);
                toBackend = ByteBuffer.allocate(2 * app);
                backendIn = ByteBuffer.allocate(app);
                toClient = ByteBuffer.allocate(2 * packet);
            } else {
                engine = null;
                clientIn = ByteBuffer.allocate(PLAIN_BUFFER);
                toBackend = clientIn;
                backendIn = ByteBuffer.allocate(PLAIN_BUFFER);
                toClient = backendIn;
            }
            SocketChannel b = SocketChannel.open();
            try {
                b.configureBlocking(false);
                b.setOption(StandardSocketOptions.TCP_NODELAY, true);
                b.connect(backendAddress);
                this.backend = b;
                this.clientKey = client.register(selector, SelectionKey.OP_READ, this);
                this.backendKey = b.register(selector, SelectionKey.OP_CONNECT, this);
            } catch (IOException | RuntimeException e) {
                quietly(b);
                throw e;
            }
        }

        String describe() {
            return "link clientEof=" + clientEof + " backendEof=" + backendEof + " shut=" + backendShut + " connected=" + backend.isConnected()
                    + " clientIn=" + clientIn.position() + " toBackend=" + toBackend.position() + " backendIn=" + backendIn.position()
                    + " toClient=" + toClient.position() + " hs=" + (engine == null ? "-" : engine.getHandshakeStatus())
                    + " ops=" + (clientKey.isValid() ? clientKey.interestOps() : -1) + "/" + (backendKey.isValid() ? backendKey.interestOps() : -1);
        }

        /** Whether bytes wait in a buffer (or a handshake waits for this side). */
        boolean waiting() {
            return clientIn.position() > 0 || toBackend.position() > 0 || backendIn.position() > 0 || toClient.position() > 0
                    || (engine != null && engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    && engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP);
        }

        /** Moves whatever can move, in both directions, until nothing does; then asks for the events it waits for. */
        void pump() throws IOException {
            if (done) {
                return;
            }
            lastPump = System.nanoTime();
            boolean connected = backend.isConnected();
            boolean progress = true;
            while (progress && !done) {
                progress = false;
                if (!clientEof && clientIn.hasRemaining()) {
                    int n = client.read(clientIn);
                    if (n < 0) {
                        clientEof = true;
                        if (engine != null) {
                            try {
                                engine.closeInbound();
                            } catch (SSLException e) {
                                // closed without close_notify: what HTTP clients do
                            }
                        }
                    }
                    progress |= n != 0;
                }
                if (engine != null) {
                    progress |= unwrap();
                }
                if (connected && toBackend.position() > 0) {
                    toBackend.flip();
                    progress |= backend.write(toBackend) > 0;
                    toBackend.compact();
                }
                if (connected && clientEof && !backendShut && toBackend.position() == 0
                        && (engine == null || clientIn.position() == 0 || engine.isInboundDone())) {
                    backendShut = true;
                    backend.shutdownOutput();
                }
                if (connected && !backendEof && backendIn.hasRemaining()) {
                    int start = backendIn.position();
                    int n = backend.read(backendIn);
                    if (n < 0) {
                        backendEof = true;
                    } else if (n > 0) {
                        if (contains(backendIn, start, backendIn.position())) {
                            resets.incrementAndGet();
                            LOG.debug("lab proxy {}: resetting a connection on request", name);
                            reset();
                            return;
                        }
                        progress = true;
                    }
                }
                if (engine != null) {
                    progress |= wrap();
                }
                if (toClient.position() > 0) {
                    toClient.flip();
                    progress |= client.write(toClient) > 0;
                    toClient.compact();
                }
                if (backendEof && backendIn.position() == 0 && toClient.position() == 0) {
                    closeNotify();
                    close(); // the backend is done with this connection: so is the client
                    return;
                }
            }
            if (!done) {
                interest();
            }
        }

        private void interest() {
            int c = 0;
            if (!clientEof && clientIn.hasRemaining()) {
                c |= SelectionKey.OP_READ;
            }
            if (toClient.position() > 0) {
                c |= SelectionKey.OP_WRITE;
            }
            clientKey.interestOps(c);
            int b;
            if (!backend.isConnected()) {
                b = SelectionKey.OP_CONNECT;
            } else {
                b = 0;
                if (!backendEof && backendIn.hasRemaining()) {
                    b |= SelectionKey.OP_READ;
                }
                if (toBackend.position() > 0) {
                    b |= SelectionKey.OP_WRITE;
                }
            }
            backendKey.interestOps(b);
        }

        /** Handshake messages and the client's records to plain text; {@code true} when something moved. */
        private boolean unwrap() throws IOException {
            boolean progress = false;
            clientIn.flip();
            try {
                while (true) {
                    SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                    if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) {
                            task.run();
                        }
                        progress = true;
                        continue;
                    }
                    if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        SSLEngineResult r = engine.wrap(EMPTY, toClient);
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            clientEof = true;
                            break;
                        }
                        if (r.getStatus() != SSLEngineResult.Status.OK) {
                            break; // the client's buffer must drain first
                        }
                        progress = true;
                        continue;
                    }
                    if (!clientIn.hasRemaining() || engine.isInboundDone()) {
                        break;
                    }
                    SSLEngineResult r = engine.unwrap(clientIn, toBackend);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        clientEof = true;
                        progress = true;
                        break;
                    }
                    if (r.getStatus() != SSLEngineResult.Status.OK) {
                        break; // underflow: more bytes needed; overflow: the backend must take some first
                    }
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                            && r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_TASK
                            && r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        break;
                    }
                    progress = true;
                }
            } finally {
                clientIn.compact();
            }
            return progress;
        }

        /** The backend's plain text to records for the client, once the handshake is done. */
        private boolean wrap() throws IOException {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            if (backendIn.position() == 0 || (hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    && hs != SSLEngineResult.HandshakeStatus.FINISHED)) {
                return false;
            }
            boolean progress = false;
            backendIn.flip();
            try {
                while (backendIn.hasRemaining()) {
                    SSLEngineResult r = engine.wrap(backendIn, toClient);
                    if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                        break;
                    }
                    progress = true;
                }
            } finally {
                backendIn.compact();
            }
            return progress;
        }

        /** A TLS client hears that the connection ends (best effort: what fits in one write). */
        private void closeNotify() {
            if (engine == null || engine.isOutboundDone()) {
                return;
            }
            try {
                engine.closeOutbound();
                engine.wrap(EMPTY, toClient);
                toClient.flip();
                client.write(toClient);
            } catch (IOException | RuntimeException e) {
                // the client went away first
            }
        }

        /** RST to the client: SO_LINGER 0 on the TCP socket under any TLS layer, then close. */
        void reset() {
            if (done) {
                return;
            }
            try {
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                // already closed
            }
            close();
        }

        void close() {
            if (done) {
                return;
            }
            done = true;
            quietly(client);
            quietly(backend);
            links.remove(this);
        }
    }

    private static boolean contains(ByteBuffer buf, int from, int to) {
        outer:
        for (int i = from; i + MARKER.length <= to; i++) {
            for (int j = 0; j < MARKER.length; j++) {
                if (buf.get(i + j) != MARKER[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void quietly(java.nio.channels.Channel c) {
        if (c != null) {
            try {
                c.close();
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
        selector.wakeup();
        if (Thread.currentThread() != loop) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
