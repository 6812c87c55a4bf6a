package io.clustermesh.cilium.internal;

import io.clustermesh.spi.WorkloadStatus;

import java.util.Set;

/**
 * The live objects a mesh depends on beyond the Helm release's values, as read while planning: what drift detection
 * compares with what the release should have produced.
 *
 * @param clustermeshPeers  the peer names (keys) of secret {@code cilium-clustermesh}, {@code null} when it is missing
 * @param kvstoremeshPeers  the peer names (keys) of secret {@code cilium-kvstoremesh}, {@code null} when it is missing
 * @param apiserver         the clustermesh-apiserver Deployment, {@code null} when it is missing
 */
public record LiveObjects(Set<String> clustermeshPeers, Set<String> kvstoremeshPeers, WorkloadStatus apiserver) {
    public static final LiveObjects UNKNOWN = new LiveObjects(null, null, null);
}
