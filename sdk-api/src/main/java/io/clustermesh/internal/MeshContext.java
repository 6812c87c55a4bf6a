package io.clustermesh.internal;

import io.clustermesh.MeshClock;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.event.MeshListener;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CloudProvider;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.TrafficProbe;

import java.util.Optional;
import java.util.concurrent.ExecutorService;

/** What a {@link Driver} works with: the spec, the providers, and the mesh's clock, deadlines and executor. */
public interface MeshContext {

    /** The spec after discovery (missing fields filled). */
    MeshSpec spec();

    /** The connection to a cluster, opened on first use and closed with the mesh. */
    ClusterConnection connection(String cluster);

    HelmTransport helm();

    CertificateAuthority certificateAuthority();

    Optional<CloudProvider> cloud();

    MeshClock clock();

    MeshTimeouts timeouts();

    RetryPolicy retryPolicy();

    MeshListener listener();

    /** For parallel reads (bounded by the mesh's concurrency). */
    ExecutorService executor();

    /** Who is changing the mesh, for locks: e.g. {@code meshctl@host:pid}. */
    String holderIdentity();

    /** What sends probe requests to Services ({@code mesh.services().probe(...)}), when one is available. */
    default Optional<TrafficProbe> trafficProbe() {
        return Optional.empty();
    }
}
