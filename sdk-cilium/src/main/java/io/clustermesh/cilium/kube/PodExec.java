package io.clustermesh.cilium.kube;

import io.clustermesh.spi.ExecResult;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Kubernetes exec as one WebSocket on the client's own HTTP client (authentication, TLS and proxy settings
 * included): {@code GET .../pods/<pod>/exec?command=…&container=…&stdout=true&stderr=true}, subprotocol
 * {@code v4.channel.k8s.io}, binary messages whose first byte is the channel (1 stdout, 2 stderr, 3 the final
 * {@code Status}: {@code Success}, or {@code Failure} with reason {@code NonZeroExitCode} and the code as a cause).
 *
 * <p>Why not fabric8's {@code pods()...exec()}: before it opens the WebSocket it waits for the pod to be Ready or
 * terminated with an informer, a LIST and a WATCH of the pod on every call. The SDK only execs in pods it has just
 * listed as Ready (agent status, once per poll of {@code verify-peers}), so that is two requests and a watch stream
 * per exec it does not need; and a watch closed right after it opened stalls some API server front ends (fabric8's
 * mock server blocks an event loop for seconds in that case, delaying every other exec on it).
 */
final class PodExec {
    static final String PROTOCOL = "v4.channel.k8s.io";

    private PodExec() {
    }

    /**
     * Runs the command and waits for its end.
     *
     * @throws KubernetesClientException the API server refused the exec (with its HTTP code) or could not be reached
     * @throws TimeoutException          it did not end within {@code timeout}
     */
    static ExecResult run(KubernetesClient client, String namespace, String pod, String container, Duration timeout,
                          String... command) throws TimeoutException, InterruptedException {
        URI uri = uri(client.getMasterUrl().toString(), namespace, pod, container, command);
        Collector collector = new Collector(client);
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<WebSocket> opening = client.getHttpClient().newWebSocketBuilder()
                .subprotocol(PROTOCOL)
                .uri(uri)
                .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .buildAsync(collector);
        WebSocket ws = null;
        try {
            ws = opening.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return collector.result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } finally {
            if (ws != null) {
                if (!collector.result.isDone()) {
                    ws.sendClose(1000, ""); // gave up: the server closed nothing yet (after its close, the client replies by itself)
                }
            } else {
                // still opening when we gave up (or failed): close it if it ever opens. Not cancel(): a cancelled
                // future never runs this, and the WebSocket would stay open
                opening.thenAccept(late -> late.sendClose(1000, ""));
            }
        }
    }

    static URI uri(String masterUrl, String namespace, String pod, String container, String... command) {
        StringBuilder sb = new StringBuilder(masterUrl.endsWith("/") ? masterUrl : masterUrl + "/")
                .append("api/v1/namespaces/").append(enc(namespace)).append("/pods/").append(enc(pod)).append("/exec?");
        for (String c : command) {
            sb.append("command=").append(enc(c)).append('&');
        }
        if (container != null) {
            sb.append("container=").append(enc(container)).append('&');
        }
        sb.append("stdout=true&stderr=true");
        return URI.create(sb.toString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static RuntimeException failure(Throwable cause) {
        if (cause instanceof WebSocketHandshakeException h && h.getResponse() != null) {
            int code = h.getResponse().code();
            return new KubernetesClientException("the API server answered the exec with HTTP " + code, code, null);
        }
        if (cause instanceof KubernetesClientException k) {
            return k;
        }
        return new KubernetesClientException("exec failed: " + cause, cause);
    }

    /** Gathers the channels and completes with the result once the server closes (after the status). */
    private static final class Collector implements WebSocket.Listener {
        private final KubernetesClient client;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final ByteArrayOutputStream status = new ByteArrayOutputStream();
        final CompletableFuture<ExecResult> result = new CompletableFuture<>();

        Collector(KubernetesClient client) {
            this.client = client;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request();
        }

        @Override
        public void onMessage(WebSocket ws, ByteBuffer bytes) {
            if (bytes.hasRemaining()) {
                int channel = bytes.get();
                byte[] rest = new byte[bytes.remaining()];
                bytes.get(rest);
                synchronized (this) {
                    switch (channel) {
                        case 1 -> out.writeBytes(rest);
                        case 2 -> err.writeBytes(rest);
                        case 3 -> status.writeBytes(rest);
                        default -> { } // stdin echo or resize channels: not used
                    }
                }
            }
            ws.request();
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            onMessage(ws, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            synchronized (this) {
                result.complete(new ExecResult(exitCode(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)));
            }
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            result.completeExceptionally(error);
        }

        /** 0 for Success, the code of NonZeroExitCode, -1 when there was no status or another failure. */
        private int exitCode() {
            if (status.size() == 0) {
                return -1;
            }
            Status s;
            try {
                s = client.getKubernetesSerialization().unmarshal(status.toString(StandardCharsets.UTF_8), Status.class);
            } catch (RuntimeException e) {
                return -1;
            }
            if ("Success".equals(s.getStatus())) {
                return 0;
            }
            if ("NonZeroExitCode".equals(s.getReason()) && s.getDetails() != null && s.getDetails().getCauses() != null) {
                for (StatusCause c : s.getDetails().getCauses()) {
                    if ("ExitCode".equals(c.getReason())) {
                        try {
                            return Integer.parseInt(c.getMessage().trim());
                        } catch (RuntimeException e) {
                            return -1;
                        }
                    }
                }
            }
            if (s.getMessage() != null) {
                err.writeBytes(("\n" + s.getMessage()).getBytes(StandardCharsets.UTF_8));
            }
            return -1;
        }
    }
}
