package io.clustermesh.samples.meshctl;

import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Helm transport that measures the one it wraps: the wall time spent inside {@code upgradeInstall} (on the lab:
 * rendering the chart with helm-java, applying the objects, recording the release), summed over every call and
 * thread, and the number of calls. Values pass through untouched and are never looked at.
 */
final class TimedHelm implements HelmTransport {
    private final HelmTransport delegate;
    private final LongAdder nanos = new LongAdder();
    private final AtomicLong upgrades = new AtomicLong();

    TimedHelm(HelmTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        return delegate.release(connection, cluster, namespace, releaseName);
    }

    @Override
    public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
        long t0 = System.nanoTime();
        try {
            return delegate.upgradeInstall(connection, cluster, request);
        } finally {
            nanos.add(System.nanoTime() - t0);
            upgrades.incrementAndGet();
        }
    }

    @Override
    public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
        return delegate.uninstall(connection, cluster, namespace, releaseName);
    }

    /** Milliseconds spent inside install/upgrade calls, summed over calls. */
    long ms() {
        return nanos.sum() / 1_000_000;
    }

    /** Install and upgrade calls made. */
    long upgrades() {
        return upgrades.get();
    }

    /** Zeroes both. */
    void reset() {
        nanos.reset();
        upgrades.set(0);
    }
}
