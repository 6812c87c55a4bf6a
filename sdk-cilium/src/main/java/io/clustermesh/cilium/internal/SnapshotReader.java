package io.clustermesh.cilium.internal;

import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.internal.Retries;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.spi.ServiceInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Reads every cluster's state in parallel; a cluster that cannot be read gets a snapshot with its error. */
public final class SnapshotReader {
    private SnapshotReader() {
    }

    public static Map<String, ClusterSnapshot> readAll(MeshContext ctx) {
        List<CompletableFuture<ClusterSnapshot>> futures = new ArrayList<>();
        for (MeshCluster c : ctx.spec().clusters()) {
            futures.add(CompletableFuture.supplyAsync(() -> readWithRetry(ctx, c), ctx.executor()));
        }
        Map<String, ClusterSnapshot> out = new LinkedHashMap<>();
        for (CompletableFuture<ClusterSnapshot> f : futures) {
            try {
                ClusterSnapshot s = f.get();
                out.put(s.name(), s);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw MeshException.failed("planning was interrupted", Details.meshWide().fix("run again").cause(e));
            } catch (ExecutionException e) {
                throw MeshException.internal("reading clusters failed: " + e.getCause(),
                        Details.meshWide().fix("run again with --verbose").cause(e));
            }
        }
        return out;
    }

    private static ClusterSnapshot readWithRetry(MeshContext ctx, MeshCluster c) {
        try {
            return read(ctx, c);
        } catch (MeshException e) {
            return new ClusterSnapshot(c, e, null, null, null, null, 0, false);
        } catch (RuntimeException e) {
            return new ClusterSnapshot(c, MeshException.internal(c.name() + ": reading the cluster failed: "
                    + io.clustermesh.internal.Causes.describe(e),
                    Details.inCluster(c.name()).fix("run again with --verbose").cause(e)), null, null, null, null, 0, false);
        }
    }

    /**
     * Runs a read made while planning, retrying transient failures per the mesh's {@link io.clustermesh.RetryPolicy}
     * (planning runs outside the engine, whose retries only cover steps).
     *
     * @throws MeshException the last failure when it is permanent or the attempts are used up
     */
    public static <T> T retrying(MeshContext ctx, Supplier<T> read) {
        return Retries.call(ctx.retryPolicy(), ctx.clock(), read);
    }

    /**
     * Reads one cluster (throws on failure). The reads are independent and made at once (one round trip, not six), and
     * each is retried by itself: retrying the whole snapshot made all six reads succeed in one attempt, which a cluster
     * answering 20 % of requests with transient errors fails 3 times in 4.
     */
    @SuppressWarnings("unchecked")
    public static ClusterSnapshot read(MeshContext ctx, MeshCluster c) {
        ClusterConnection conn = ctx.connection(c.name());
        List<Object> read = Parallel.all(ctx.executor(), List.of(
                () -> retrying(ctx, () -> conn.configMap(Names.NAMESPACE, Names.CILIUM_CONFIG)).orElse(null),
                () -> retrying(ctx, () -> ctx.helm().release(conn, c, Names.NAMESPACE, Names.RELEASE)).orElse(null),
                () -> retrying(ctx, () -> conn.secret(Names.NAMESPACE, Names.CA_SECRET)).map(SnapshotReader::ca).orElse(null),
                () -> retrying(ctx, () -> conn.service(Names.NAMESPACE, Names.APISERVER)).orElse(null),
                () -> retrying(ctx, conn::nodes).size(),
                () -> retrying(ctx, () -> conn.daemonSet(Names.NAMESPACE, Names.KUBE_PROXY)).isPresent(),
                () -> retrying(ctx, () -> conn.secret(Names.NAMESPACE, Names.CLUSTERMESH_SECRET)).map(SnapshotReader::keys).orElse(null),
                () -> retrying(ctx, () -> conn.secret(Names.NAMESPACE, Names.KVSTOREMESH_SECRET)).map(SnapshotReader::keys).orElse(null),
                () -> retrying(ctx, () -> conn.deployment(Names.NAMESPACE, Names.APISERVER)).orElse(null)));
        LiveObjects live = new LiveObjects((java.util.Set<String>) read.get(6), (java.util.Set<String>) read.get(7),
                (io.clustermesh.spi.WorkloadStatus) read.get(8));
        return new ClusterSnapshot(c, null, (Map<String, String>) read.get(0), (HelmRelease) read.get(1), (PemCredential) read.get(2),
                (ServiceInfo) read.get(3), (Integer) read.get(4), (Boolean) read.get(5), live);
    }

    /** The peer names of a clustermesh/kvstoremesh secret: its keys that hold an etcd config ({@code endpoints:}). */
    private static java.util.Set<String> keys(SecretData s) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        s.data().forEach((k, v) -> {
            if (new String(v, java.nio.charset.StandardCharsets.UTF_8).contains("endpoints:")) {
                out.add(k);
            }
        });
        return out;
    }

    private static PemCredential ca(SecretData s) {
        String crt = s.string("ca.crt");
        if (crt == null) {
            return null;
        }
        return new PemCredential(crt, s.string("ca.key"));
    }
}
