package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.cilium.values.PeerEndpoint;
import io.clustermesh.cilium.values.ValuesInput;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.WorkloadStatus;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.RemoteClusterState;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The manual workflow of the Cilium CLI in Helm mode, performed on a lab through the SDK's transports (its
 * Kubernetes connections and the lab's Helm), one command after the other as an operator runs them
 * (cilium-cli {@code cilium-cli/clustermesh/clustermesh.go}, {@code cilium-cli/cli/clustermesh.go}; Cilium docs
 * "Setting up Cluster Mesh"):
 * <ol>
 *   <li>per cluster, {@code cilium install --set cluster.name=.. --set cluster.id=..} with the first cluster's CA
 *       ({@code --inherit-ca}): a Helm install, then {@code cilium status --wait} (the agents rolled out);</li>
 *   <li>per cluster, {@code cilium clustermesh enable --service-type LoadBalancer}: a Helm upgrade with
 *       {@code clustermesh.useAPIServer=true} and the chart issuing the certificates with its default
 *       {@code tls.auto.method=helm} (the chart's {@code values.yaml}; {@code cronJob} runs certgen as a post-install/
 *       post-upgrade hook Job, which the lab does not complete), then {@code cilium clustermesh status --wait} (the
 *       load balancer address and the clustermesh-apiserver rolled out);</li>
 *   <li>{@code cilium clustermesh connect --context c<i> --destination-context c<i+1>,..,c<n>} for each cluster in
 *       turn with the default {@code --connection-mode bidirectional} and {@code --parallel 1}: {@code ConnectWithHelm}
 *       upgrades the local release with every destination's autodetected Service IP in
 *       {@code clustermesh.config.clusters}, then each destination's release with the local cluster, one at a time
 *       ({@code connectRemoteWithHelm} bounds its goroutines by {@code Parallel}). Every upgrade here is followed by
 *       a wait for its rollout (the agents' DaemonSet and the clustermesh-apiserver), as the documented procedure's
 *       {@code cilium clustermesh status --wait} does — the CLI's own {@code helmUpgradeClusters} does not pass
 *       Helm's {@code --wait};</li>
 *   <li>a final {@code cilium clustermesh status --wait}: until the lab's agents report every peer ready.</li>
 * </ol>
 * The values of each command are the Cilium chart values the CLI sets, built with the SDK's values builder
 * ({@link CiliumValues}) for the same spec so that the two runs differ in their sequence only. Not performed: the
 * CLI's CA-bundle update before connecting ({@code updateAllClustersCABundle}: a no-op when every cluster holds the
 * same CA, as here).
 */
final class CliWorkflow {
    private CliWorkflow() {
    }

    /** What the sequence did. */
    record Result(long wallMs, long helmUpgrades, int maxRevisionsPerCluster, long rolloutWaits, boolean converged, String problem) {
    }

    static Result run(MeshLab lab, long pollIntervalMs, PrintStream progress, boolean verbose) {
        MeshSpec labSpec = lab.spec();
        MeshSpec spec = MeshSpec.of(labSpec.name(), labSpec.cilium().withCertificateMethod(CertificateMethod.HELM), labSpec.ca(),
                labSpec.exposure(), labSpec.azure(), labSpec.clusters());
        MeshTimeouts timeouts = MeshTimeouts.defaults();
        Duration poll = Duration.ofMillis(pollIntervalMs);
        // the same Helm as the SDK's pass (MeshLab.Helm.REAL: helm-java, the real chart from the lab's chart source)
        TimedHelm helm = new TimedHelm(new io.clustermesh.cilium.helm.HelmJavaTransport());
        io.clustermesh.cilium.ChartSource chart = lab.chartSource();
        long[] waits = {0};
        int n = spec.clusters().size();
        try (Mesh mesh = lab.meshBuilder().spec(spec).helmTransport(helm).timeouts(timeouts.withPollInterval(poll)).build()) {
            MeshContext ctx = MeshContexts.of(mesh);
            long t0 = System.nanoTime();
            // --inherit-ca: one CA for every cluster
            PemCredential ca = ctx.certificateAuthority().createCa("Cilium CA", Duration.ofDays(3 * 365));
            Map<String, List<PeerEndpoint>> peers = new LinkedHashMap<>();
            Map<String, String> address = new LinkedHashMap<>();
            for (MeshCluster c : spec.clusters()) {
                peers.put(c.name(), new ArrayList<>());
                say(progress, verbose, "cilium install --context " + c.name());
                upgrade(ctx, helm, chart, spec, c, ca, List.of(), false);
                waitRollout(ctx, c, false, timeouts, poll, waits);
            }
            for (MeshCluster c : spec.clusters()) {
                say(progress, verbose, "cilium clustermesh enable --context " + c.name() + " --service-type LoadBalancer");
                upgrade(ctx, helm, chart, spec, c, ca, List.of(), true);
                ClusterConnection conn = ctx.connection(c.name());
                address.put(c.name(), await("the LB IP of " + c.name(), timeouts.loadBalancerIp(), poll,
                        () -> conn.service("kube-system", "clustermesh-apiserver").flatMap(s -> s.ingressIps().stream().findFirst())));
                waitRollout(ctx, c, true, timeouts, poll, waits);
            }
            for (int i = 0; i < n - 1; i++) {
                MeshCluster local = spec.clusters().get(i);
                List<MeshCluster> destinations = spec.clusters().subList(i + 1, n);
                say(progress, verbose, "cilium clustermesh connect --context " + local.name() + " --destination-context "
                        + String.join(",", destinations.stream().map(MeshCluster::name).toList()) + " (--parallel 1)");
                for (MeshCluster d : destinations) {
                    peers.get(local.name()).add(new PeerEndpoint(d.name(), 2379, List.of(address.get(d.name()))));
                }
                upgrade(ctx, helm, chart, spec, local, ca, peers.get(local.name()), true);
                waitRollout(ctx, local, true, timeouts, poll, waits);
                for (MeshCluster d : destinations) {
                    peers.get(d.name()).add(new PeerEndpoint(local.name(), 2379, List.of(address.get(local.name()))));
                    upgrade(ctx, helm, chart, spec, d, ca, peers.get(d.name()), true);
                    waitRollout(ctx, d, true, timeouts, poll, waits);
                }
            }
            say(progress, verbose, "cilium clustermesh status --wait (every context)");
            boolean converged;
            String problem = "";
            try {
                await("every agent connected to every peer", timeouts.connection(), poll, () -> allConnected(lab, n) ? Optional.of(Boolean.TRUE) : Optional.empty());
                converged = true;
            } catch (IllegalStateException e) {
                converged = false;
                problem = e.getMessage();
            }
            long wall = (System.nanoTime() - t0) / 1_000_000;
            int maxRevisions = lab.clusters().stream().mapToInt(BenchCommand::helmRevisions).max().orElse(0);
            return new Result(wall, helm.upgrades(), maxRevisions, waits[0], converged, problem);
        }
    }

    /** The lab's own view (the simulated agents, read in memory): every agent of every cluster has n-1 ready remotes. */
    static boolean allConnected(MeshLab lab, int n) {
        for (LabCluster c : lab.clusters()) {
            if (lab.cilium(c.name()).remoteClusters().stream().filter(RemoteClusterState::ready).count() != n - 1) {
                return false;
            }
        }
        return true;
    }

    private static void say(PrintStream progress, boolean verbose, String line) {
        if (verbose) {
            progress.println("    " + line);
        }
    }

    private static void upgrade(MeshContext ctx, TimedHelm helm, io.clustermesh.cilium.ChartSource chart, MeshSpec spec, MeshCluster c, PemCredential ca,
                                List<PeerEndpoint> peers, boolean mesh) {
        Map<String, Object> values = CiliumValues.values(ValuesInput.of(spec, c, List.copyOf(peers), ca, null, mesh));
        String version = spec.ciliumFor(c).version();
        helm.upgradeInstall(ctx.connection(c.name()), c, new HelmRequest("kube-system", "cilium", chart.chartFor(version), chart.repository(), version, values,
                ctx.timeouts().rollout()));
    }

    /** What {@code cilium status --wait} / {@code cilium clustermesh status --wait} wait for after an upgrade. */
    private static void waitRollout(MeshContext ctx, MeshCluster c, boolean apiserver, MeshTimeouts timeouts, Duration poll, long[] waits) {
        ClusterConnection conn = ctx.connection(c.name());
        waits[0]++;
        if (apiserver) {
            await("the rollout of the clustermesh-apiserver of " + c.name(), timeouts.rollout(), poll,
                    () -> conn.deployment("kube-system", "clustermesh-apiserver").filter(WorkloadStatus::rolledOut));
        }
        await("the rollout of the cilium DaemonSet of " + c.name(), timeouts.rollout(), poll,
                () -> conn.daemonSet("kube-system", "cilium").filter(WorkloadStatus::rolledOut));
    }

    private static <T> T await(String what, Duration timeout, Duration poll, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
