package io.clustermesh.testing.sim;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lab's own writes to a simulated clustermesh-apiserver's etcd, through etcd's JSON gateway on its plain-HTTP
 * admin listener (loopback only, never handed to code under test). What the real clustermesh-apiserver writes with
 * its {@code admin} certificate.
 */
final class EtcdAdmin {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /**
     * One HTTP client for the lab's writes to every simulated etcd (plain HTTP on loopback, keep-alive per etcd): a JDK
     * client holds a selector thread of its own, so one per etcd was a thread per cluster. Its helper threads are
     * named {@code lab-etcd-admin-*} and end when idle.
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).proxy(HttpClient.Builder.NO_PROXY)
            .version(HttpClient.Version.HTTP_1_1).executor(Executors.newCachedThreadPool(new ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "lab-etcd-admin-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            })).build();

    private final URI base;
    private final HttpClient http = HTTP;

    EtcdAdmin(URI base) {
        this.base = base;
    }

    void put(String key, String value) {
        ObjectNode body = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
        post("/v3/kv/put", body);
    }

    void delete(String key) {
        post("/v3/kv/deleterange", JSON.createObjectNode().put("key", b64(key)));
    }

    /** Keys and values under a prefix. */
    Map<String, String> range(String prefix) {
        byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] end = start.clone();
        end[end.length - 1]++;
        JsonNode answer = post("/v3/kv/range", JSON.createObjectNode().put("key", B64.encodeToString(start)).put("range_end", B64.encodeToString(end)));
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode kv : answer.path("kvs")) {
            out.put(new String(B64D.decode(kv.path("key").asString("")), StandardCharsets.UTF_8),
                    new String(B64D.decode(kv.path("value").asString("")), StandardCharsets.UTF_8));
        }
        return out;
    }

    private JsonNode post(String path, ObjectNode body) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("etcd " + path + " answered HTTP " + r.statusCode());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("etcd " + path + " at " + base + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Nothing of its own to release: the shared client's idle connection to a stopped etcd is dropped by the client. */
    void close() {
    }
}
