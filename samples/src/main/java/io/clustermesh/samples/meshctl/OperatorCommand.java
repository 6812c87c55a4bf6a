package io.clustermesh.samples.meshctl;

import io.clustermesh.operator.OperatorProcess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code meshctl operator}: the ClusterMesh controller of sdk-operator ({@link OperatorProcess}, the same code the
 * chart's Deployment runs) out of cluster, for development: the management cluster from a kubeconfig, leader election
 * on the same Lease, so it can run next to the in-cluster replicas without both reconciling. Runs until interrupted
 * (Ctrl-C), then gives the Lease up. See docs/operator.md.
 */
@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Run the ClusterMesh controller out of cluster (development): reconcile the ClusterMesh resources of a namespace "
                + "of the management cluster until Ctrl-C. See docs/operator.md.")
final class OperatorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--kubeconfig", required = true, paramLabel = "FILE", description = "kubeconfig of the management cluster")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "the context in that kubeconfig (default: its current-context)")
    String context;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "where the ClusterMesh resources, their Secrets and the Lease live (default ${DEFAULT-VALUE})")
    String namespace = "clustermesh-system";

    @Option(names = "--identity", paramLabel = "NAME", description = "this instance's Lease holder identity (default: meshctl-<host>-<pid>)")
    String identity;

    @Option(names = "--resync", paramLabel = "DURATION", description = "periodic drift repair, e.g. 30s, 5m (default ${DEFAULT-VALUE})")
    String resync = "5m";

    @Option(names = "--workers", paramLabel = "N", description = "ClusterMesh resources reconciled at once (default ${DEFAULT-VALUE})")
    int workers = 4;

    @Option(names = "--health-port", paramLabel = "PORT", description = "serve /healthz and /readyz on this port (default 0: none)")
    int healthPort;

    @Option(names = {"-v", "--verbose"}, description = "every reconcile at INFO (never keys or tokens)")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        OptionChecks checks = new OptionChecks();
        checks.readableFile("--kubeconfig", kubeconfig, 0, "the management cluster's kubeconfig file");
        Duration every = null;
        try {
            every = OperatorProcess.parseDuration(resync);
            if (every.isZero()) {
                checks.add("--resync", "0 would resync without pause", "give a positive duration, e.g. 5m");
            }
        } catch (IllegalArgumentException e) {
            checks.add("--resync", e.getMessage(), "give a duration such as 30s or 5m");
        }
        checks.range("--workers", workers, 1, 64, "give a worker count within 1..64");
        checks.range("--health-port", healthPort, 0, 65535, "give a TCP port within 1..65535, or 0 for none");
        if (namespace.isBlank()) {
            checks.add("--namespace", "is empty", "give the namespace of the ClusterMesh resources, e.g. clustermesh-system");
        }
        checks.throwIfAny();
        Config config;
        try {
            config = Config.fromKubeconfig(context, Files.readString(kubeconfig, StandardCharsets.UTF_8), kubeconfig.toString());
        } catch (RuntimeException e) {
            checks.add(context == null ? "--kubeconfig" : "--context", context == null ? kubeconfig + " is no usable kubeconfig"
                    : "the context '" + context + "' is not in " + kubeconfig, "check the file with kubectl config get-contexts --kubeconfig " + kubeconfig);
            checks.throwIfAny();
            return Meshctl.INVALID;
        }
        String id = identity != null ? identity : "meshctl-" + java.net.InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        OperatorProcess.Settings s = new OperatorProcess.Settings(namespace, id, every, every.dividedBy(10), workers,
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), healthPort);
        var out = spec.commandLine().getOut();
        out.println("clustermesh operator " + id + ": ClusterMesh resources in " + namespace + " of " + config.getMasterUrl()
                + ", resync " + resync + " (Ctrl-C stops and gives the Lease up)");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "meshctl-operator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            OperatorProcess.run(client, s, stop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running
            }
        }
        return Meshctl.OK;
    }
}
