package io.clustermesh.testing.internal;


import io.clustermesh.spi.ExecResult;
import io.clustermesh.testing.requests.ExecHandler;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes' exec protocol on fabric8's mock web server: a request to {@code .../namespaces/<ns>/pods/<pod>/exec}
 * is answered with a WebSocket upgrade whose binary messages carry a channel byte first, as the API server relays them
 * from the kubelet: channel 1 = stdout, 2 = stderr, 3 = the final {@code Status} ({@code {"status":"Success"}}, or a
 * {@code Failure} with reason {@code NonZeroExitCode} and the exit code as a cause). fabric8's {@code ExecWatch} reads
 * the exit code from that status.
 */
public final class ExecWebSocket {
    private static final Pattern EXEC_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/exec(\\?.*)?$");

    private ExecWebSocket() {
    }

    /** The answer to an exec request the handler serves; empty for any other request. */
    public static Optional<MockResponse> intercept(RecordedRequest request, ExecHandler handler) {
        String path = request.getPath();
        if (path == null) {
            return Optional.empty();
        }
        Matcher m = EXEC_PATH.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        String container = null;
        String query = m.group(3) == null ? "" : m.group(3).substring(1);
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = decode(part.substring(0, eq));
            String value = decode(part.substring(eq + 1));
            if (key.equals("command")) {
                command.add(value);
            } else if (key.equals("container")) {
                container = value;
            }
        }
        return handler.exec(decode(m.group(1)), decode(m.group(2)), container, List.copyOf(command))
                .map(ExecWebSocket::upgrade);
    }

    static MockResponse upgrade(ExecResult result) {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                if (!result.stdout().isEmpty()) {
                    ws.send(frame(1, result.stdout()));
                }
                if (!result.stderr().isEmpty()) {
                    ws.send(frame(2, result.stderr()));
                }
                ws.send(frame(3, status(result.exitCode())));
                ws.close(1000, "");
            }
        });
    }

    static String status(int exitCode) {
        if (exitCode == 0) {
            return "{\"metadata\":{},\"status\":\"Success\"}";
        }
        return "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: error executing "
                + "command, exit status " + exitCode + "\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
                + "\"message\":\"" + exitCode + "\"}]}}";
    }

    private static byte[] frame(int channel, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) channel;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
