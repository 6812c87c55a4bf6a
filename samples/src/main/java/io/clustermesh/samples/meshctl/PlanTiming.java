package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.NodeInfo;
import io.clustermesh.spi.PodInfo;
import io.clustermesh.spi.SecretData;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.WorkloadStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How long planning takes for large meshes, without any network: {@code Mesh.builder().build()} (validation) and
 * {@code mesh.plan()} (reading every cluster, CA decision, each cluster's complete values with every peer and its
 * certificates, the diff against the release and the step graph) over an in-memory transport whose clusters are
 * fresh AKS clusters without Cilium (three nodes, no release, no objects). Every read answers at once, so what is
 * timed is the SDK's computation only.
 */
final class PlanTiming {
    private PlanTiming() {
    }

    /** The result for one size. */
    record Result(int clusters, long planMs, long cpuMs, int steps) {
    }

    /**
     * Times {@code build() + plan()} for {@code clusters} clusters: after one untimed warm-up of the same size (class
     * loading and JIT), the median of {@code repeats} runs (wall time, and the CPU time of the whole process).
     */
    static Result time(int clusters, int repeats) {
        run(clusters); // warm-up
        long[] ms = new long[Math.max(1, repeats)];
        long[] cpu = new long[ms.length];
        int steps = 0;
        for (int i = 0; i < ms.length; i++) {
            long c0 = BenchCommand.processCpuNanos();
            long t0 = System.nanoTime();
            steps = run(clusters);
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
            cpu[i] = (BenchCommand.processCpuNanos() - c0) / 1_000_000;
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        return new Result(clusters, ms[ms.length / 2], cpu[cpu.length / 2], steps);
    }

    private static int run(int clusters) {
        EmptyClusters empty = new EmptyClusters();
        try (Mesh mesh = Mesh.builder().name("bench").clusters(spec(clusters))
                .cilium(CiliumOptions.defaults().withMaxConnectedClusters(clusters > 255 ? 511 : 255))
                .ca(CaStrategy.generate()).exposure(Exposure.azureInternalLoadBalancer())
                .clusterTransport(empty).helmTransport(empty).build()) {
            MeshPlan plan = mesh.plan();
            if (plan.hasErrors()) {
                throw new IllegalStateException("the benchmark's spec for " + clusters + " clusters is invalid: " + plan.findings());
            }
            return plan.steps().size();
        }
    }

    /**
     * Clusters 1..n (n ≤ 511): ids 1..n, pod CIDRs of /18 from 10.1.0.0 on (disjoint, outside the service CIDR
     * 10.0.0.0/16), a mesh IP .250 in subnet {@code 172.(16 + i/256).(i%256).0/24}.
     */
    static List<MeshCluster> spec(int n) {
        if (n < 1 || n > 511) {
            throw new IllegalArgumentException("plan sizes are 1..511 clusters, not " + n);
        }
        List<MeshCluster> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            long pod = (10L << 24) + (1L << 16) + (long) (i - 1) * (1L << 14);
            String name = "cluster" + i;
            out.add(MeshCluster.named(name).withId(i).withPodCidr(ip(pod) + "/18").withServiceCidr("10.0.0.0/16")
                    .withApiServer(name + "-bench.hcp.eastus.azmk8s.io").withMeshIp("172." + (16 + i / 256) + "." + (i % 256) + ".250")
                    .withAccess(ClusterAccess.kubeContext(name)));
        }
        return out;
    }

    private static String ip(long a) {
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }

    /** Fresh AKS clusters in memory: three nodes each, nothing else; Helm has no release. Planning only. */
    static final class EmptyClusters implements ClusterTransport, HelmTransport {
        @Override
        public String name() {
            return "bench-empty-clusters";
        }

        @Override
        public ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts) {
            return new Empty(cluster.name(), "https://" + cluster.apiServer() + ":443", cluster.id());
        }

        @Override
        public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            return Optional.empty();
        }

        @Override
        public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
            throw new UnsupportedOperationException("the plan benchmark never applies");
        }

        @Override
        public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            throw new UnsupportedOperationException("the plan benchmark never applies");
        }
    }

    private record Empty(String cluster, String apiServerUrl, int index) implements ClusterConnection {
        @Override
        public Optional<Map<String, String>> configMap(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<SecretData> secrets(String namespace, String labelSelector) {
            return List.of();
        }

        @Override
        public boolean putSecret(String namespace, SecretData secret) {
            throw new UnsupportedOperationException("the plan benchmark never writes");
        }

        @Override
        public boolean deleteSecret(String namespace, String name) {
            throw new UnsupportedOperationException("the plan benchmark never writes");
        }

        @Override
        public Optional<ServiceInfo> service(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<ServiceInfo> services(String namespace) {
            return List.of();
        }

        @Override
        public boolean annotateService(String namespace, String name, Map<String, String> set, Set<String> remove) {
            throw new UnsupportedOperationException("the plan benchmark never writes");
        }

        @Override
        public Optional<WorkloadStatus> deployment(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public Optional<WorkloadStatus> daemonSet(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<NodeInfo> nodes() {
            List<NodeInfo> out = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                out.add(new NodeInfo("aks-nodepool1-" + index + "-vmss00000" + k, "172." + (16 + index / 256) + "." + (index % 256) + "." + (4 + k),
                        Map.of()));
            }
            return out;
        }

        @Override
        public List<PodInfo> pods(String namespace, String labelSelector) {
            return List.of();
        }

        @Override
        public ExecResult exec(String namespace, String pod, String container, Duration timeout, String... command) {
            throw new UnsupportedOperationException("the plan benchmark runs nothing in pods");
        }

        @Override
        public Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<Map<String, Object>> list(String apiVersion, String kind, String namespace) {
            return List.of();
        }

        @Override
        public Map<String, Object> apply(Map<String, Object> object, boolean createOnly) {
            throw new UnsupportedOperationException("the plan benchmark never writes");
        }

        @Override
        public boolean delete(String apiVersion, String kind, String namespace, String name) {
            throw new UnsupportedOperationException("the plan benchmark never writes");
        }

        @Override
        public void close() {
        }
    }
}
