package io.clustermesh.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The controller as a process: the container's entry point ({@link #main(String[])}, configured by the environment the
 * Helm chart sets) and {@code meshctl operator} (out of cluster, a kubeconfig) run the same {@link ClusterMeshOperator}
 * through {@link #run(KubernetesClient, Settings, CountDownLatch)}. Health: {@code /healthz} answers 200 while the
 * leader election runs, {@code /readyz} once the controller started (a standby replica is ready too: it takes over
 * when the leader goes).
 */
public final class OperatorProcess {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorProcess.class);
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

    /**
     * What the process runs with.
     *
     * @param namespace    where the ClusterMesh resources, their Secrets and the Lease live
     * @param identity     the Lease holder (the pod name in a cluster)
     * @param resync       periodic drift repair
     * @param resyncJitter random extra delay of a resync
     * @param workers      resources reconciled at once
     * @param leaseDuration leader election lease duration
     * @param renewDeadline leader election renew deadline
     * @param retryPeriod  leader election retry period
     * @param healthPort   port of {@code /healthz} and {@code /readyz}; 0 for none
     * @param armEndpoint  the Azure Resource Manager endpoint for clusters given as {@code azure:}; null for public Azure
     */
    public record Settings(String namespace, String identity, Duration resync, Duration resyncJitter, int workers,
                           Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, int healthPort, URI armEndpoint) {
        public Settings {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(identity, "identity");
        }

        /** Settings for public Azure's Resource Manager. */
        public Settings(String namespace, String identity, Duration resync, Duration resyncJitter, int workers,
                        Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, int healthPort) {
            this(namespace, identity, resync, resyncJitter, workers, leaseDuration, renewDeadline, retryPeriod, healthPort, null);
        }

        /**
         * Reads the settings from the environment the chart sets ({@code WATCH_NAMESPACE}, {@code POD_NAME},
         * {@code RESYNC}, {@code RESYNC_JITTER}, {@code WORKERS}, {@code LEASE_DURATION}, {@code RENEW_DEADLINE},
         * {@code RETRY_PERIOD}, {@code HEALTH_PORT}, {@code ARM_ENDPOINT}); every wrong value is reported at once, naming
         * the variable and the fix. Workload identity ({@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID},
         * {@code AZURE_FEDERATED_TOKEN_FILE}, {@code AZURE_AUTHORITY_HOST}, injected by the AKS workload identity webhook)
         * is read by the controller itself.
         *
         * @throws IllegalArgumentException listing every wrong variable
         */
        public static Settings fromEnvironment(Map<String, String> env) {
            List<String> problems = new ArrayList<>();
            String ns = env.getOrDefault("WATCH_NAMESPACE", "");
            if (ns.isBlank()) {
                problems.add("WATCH_NAMESPACE is not set: set it to the namespace of the ClusterMesh resources (the chart sets it to the release namespace)");
            }
            String id = env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "clustermesh-operator"));
            Settings s = new Settings(ns, id, duration(env, "RESYNC", "5m", problems), duration(env, "RESYNC_JITTER", "30s", problems),
                    integer(env, "WORKERS", 4, 1, problems), duration(env, "LEASE_DURATION", "15s", problems),
                    duration(env, "RENEW_DEADLINE", "10s", problems), duration(env, "RETRY_PERIOD", "2s", problems),
                    integer(env, "HEALTH_PORT", 8081, 0, problems), url(env, "ARM_ENDPOINT", problems));
            if (problems.isEmpty() && !(s.leaseDuration.compareTo(s.renewDeadline) > 0 && s.renewDeadline.compareTo(s.retryPeriod) > 0)) {
                problems.add("LEASE_DURATION (" + s.leaseDuration + ") > RENEW_DEADLINE (" + s.renewDeadline + ") > RETRY_PERIOD ("
                        + s.retryPeriod + ") does not hold: e.g. 15s, 10s, 2s");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            return s;
        }
    }

    private OperatorProcess() {
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is no duration: write e.g. 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static Duration duration(Map<String, String> env, String name, String dflt, List<String> problems) {
        String v = env.getOrDefault(name, dflt);
        try {
            Duration d = parseDuration(v);
            if (d.isZero() && !name.equals("RESYNC_JITTER")) {
                problems.add(name + " is 0: give a positive duration such as " + dflt);
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + e.getMessage());
            return parseDuration(dflt);
        }
    }

    private static URI url(Map<String, String> env, String name, List<String> problems) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            URI u = new URI(v.trim());
            if (u.getScheme() != null && (u.getScheme().equalsIgnoreCase("https") || u.getScheme().equalsIgnoreCase("http")) && u.getHost() != null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add(name + " is '" + v + "': give an http(s) URL such as https://management.usgovcloudapi.net, or leave it unset for public Azure");
        return null;
    }

    private static int integer(Map<String, String> env, String name, int dflt, int min, List<String> problems) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                problems.add(name + " is " + n + ": give at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(name + " is '" + v + "': give a whole number such as " + dflt);
            return dflt;
        }
    }

    /**
     * Runs the controller on {@code client} until {@code stop} counts down; health endpoints on
     * {@link Settings#healthPort()} when not 0.
     */
    public static void run(KubernetesClient client, Settings s, CountDownLatch stop) throws InterruptedException, IOException {
        ClusterMeshOperator.Builder b = ClusterMeshOperator.builder().client(client).namespace(s.namespace()).identity(s.identity())
                .resync(s.resync(), s.resyncJitter()).workers(s.workers())
                .leaseTimings(s.leaseDuration(), s.renewDeadline(), s.retryPeriod());
        if (s.armEndpoint() != null) {
            b.armEndpoint(s.armEndpoint());
        }
        try (ClusterMeshOperator op = b.build()) {
            HttpServer health = s.healthPort() == 0 ? null : health(s.healthPort(), op);
            try {
                op.start();
                LOG.info("clustermesh-operator {} started in namespace {} (resync {}; Azure clusters: {})", s.identity(), s.namespace(),
                        s.resync(), op.azure());
                stop.await();
            } finally {
                if (health != null) health.stop(0);
            }
        }
    }

    private static HttpServer health(int port, ClusterMeshOperator op) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", x -> answer(x, op.electionRunning() ? 200 : 503, op.electionRunning() ? "ok" : "leader election stopped"));
        server.createContext("/readyz", x -> answer(x, op.electionRunning() ? 200 : 503,
                op.isLeader() ? "ok (leader)" : op.electionRunning() ? "ok (standby)" : "not started"));
        server.start();
        return server;
    }

    private static void answer(com.sun.net.httpserver.HttpExchange x, int code, String body) throws IOException {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(code, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    /** The container's entry point: in-cluster configuration, settings from the environment. */
    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = Settings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("clustermesh-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        // SIGTERM (a rollout, a drain): stop reconciling and give the Lease up before the JVM exits, so the standby
        // takes over at once instead of after the lease duration
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                done.await(s.renewDeadline().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "clustermesh-operator-shutdown"));
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            run(client, s, stop);
        } finally {
            done.countDown();
        }
    }
}
