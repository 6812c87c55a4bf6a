package io.clustermesh.testing.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The API server's front door moves bytes both ways (TLS terminated or not), resets a connection when the backend
 * asks for it, and serves any number of connections on one thread.
 */
class LabProxyTest {
    private ServerSocket backend;
    private ExecutorService backendThreads;

    @BeforeEach
    void echoBackend() throws IOException {
        backend = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        backendThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-echo");
            t.setDaemon(true);
            return t;
        });
        backendThreads.execute(() -> {
            while (!backend.isClosed()) {
                try {
                    Socket s = backend.accept();
                    backendThreads.execute(() -> echo(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Echoes what it reads; a line "reset" is answered with the reset marker. */
    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("reset")) {
                    out.write(("HTTP/1.1 " + LabProxy.RESET_STATUS + " Reset\r\ncontent-length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                } else {
                    out.write(buf, 0, n);
                }
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed it
        }
    }

    @AfterEach
    void stop() throws IOException {
        backend.close();
        backendThreads.shutdownNow();
    }

    @Test
    void manyConnectionsOnOneThread() throws Exception {
        try (LabProxy proxy = new LabProxy("plain", backend.getLocalPort(), null)) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
                    open.add(s);
                    assertThat(roundTrip(s, ("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII))).isEqualTo("hello " + i + "\n");
                }
                assertThat(proxy.connections()).isEqualTo(60);
                assertThat(proxy.missedEvents()).isZero();
                assertThat(proxyThreads("plain")).isEqualTo(1);
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
        assertThat(proxyThreads("plain")).isZero();
    }

    @Test
    void terminatesTlsAndCarriesLargeMessagesBothWays() throws Exception {
        LabPki ca = LabPki.newAuthority("proxy-test-ca");
        SSLContext server = ca.sslContext(ca.issue("apiserver", true, false, List.of("localhost"), List.of("127.0.0.1")));
        SSLContext client = ca.sslContext(null);
        try (LabProxy proxy = new LabProxy("tls", backend.getLocalPort(), server);
             SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), proxy.port())) {
            byte[] big = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(big);
            big[0] = 'x'; // not "reset"
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(big);
                    out.flush();
                } catch (IOException e) {
                    // the test fails on the read side
                }
            });
            writer.start();
            byte[] back = s.getInputStream().readNBytes(big.length);
            writer.join();
            assertThat(back).isEqualTo(big);
            assertThat(roundTrip(s, "again\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("again\n");
            assertThat(proxy.missedEvents()).isZero(); // every byte moved on a readiness event, none by the sweep
        }
    }

    @Test
    void resetsTheConnectionWhenTheBackendAsks() throws Exception {
        try (LabProxy proxy = new LabProxy("reset", backend.getLocalPort(), null);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            assertThat(roundTrip(s, "ping\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("ping\n");
            s.getOutputStream().write("reset\n".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> {
                int n = s.getInputStream().read();
                throw new AssertionError("read " + n + " instead of a reset");
            }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
            assertThat(proxy.resets()).isEqualTo(1);
        }
    }

    @Test
    void recordsArrivingInFragmentsAreCarried() throws Exception {
        LabPki ca = LabPki.newAuthority("proxy-test-ca");
        SSLContext server = ca.sslContext(ca.issue("apiserver", true, false, List.of("localhost"), List.of("127.0.0.1")));
        SSLContext client = ca.sslContext(null);
        try (LabProxy proxy = new LabProxy("frag", backend.getLocalPort(), server)) {
            for (int round = 0; round < 20; round++) {
                // a TLS client over a socket that hands the proxy one byte at a time (handshake and records alike)
                try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                    raw.setTcpNoDelay(true);
                    SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(new DribbleSocket(raw), "127.0.0.1", proxy.port(), false);
                    s.startHandshake();
                    String msg = "round " + round + " " + "y".repeat(round * 700) + "\n";
                    assertThat(roundTrip(s, msg.getBytes(StandardCharsets.US_ASCII))).isEqualTo(msg);
                    s.close();
                }
            }
        }
    }

    /** A socket whose writes go out one byte per TCP segment. */
    private static final class DribbleSocket extends Socket {
        private final Socket raw;

        DribbleSocket(Socket raw) {
            this.raw = raw;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return raw.getInputStream();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            OutputStream out = raw.getOutputStream();
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    out.flush();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    for (int i = 0; i < len; i++) {
                        out.write(b[off + i]);
                        out.flush();
                        if (i % 97 == 0) {
                            Thread.yield();
                        }
                    }
                }
            };
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public synchronized void close() throws IOException {
            raw.close();
        }
    }

    private static String roundTrip(Socket s, byte[] message) throws IOException {
        s.getOutputStream().write(message);
        s.getOutputStream().flush();
        return new String(s.getInputStream().readNBytes(message.length), StandardCharsets.US_ASCII);
    }

    private static long proxyThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("lab-" + name + "-proxy")).count();
    }
}
