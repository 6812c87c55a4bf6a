package io.clustermesh.cilium.internal;

import io.clustermesh.MeshException;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.ServiceInfo;

import java.util.Map;
import java.util.Optional;

/**
 * What one cluster looked like when the plan was made.
 *
 * @param cluster       the spec's cluster
 * @param error         why it could not be read ({@code null} when read)
 * @param ciliumConfig  {@code cilium-config} data, {@code null} if absent
 * @param release       the deployed Cilium release, {@code null} if none
 * @param ca            the {@code cilium-ca} (cert and key), {@code null} if absent
 * @param apiserver     the clustermesh-apiserver Service, {@code null} if absent
 * @param nodes         number of nodes
 * @param kubeProxy     whether a kube-proxy DaemonSet is present
 * @param live          the other live objects the mesh depends on (for drift), {@link LiveObjects#UNKNOWN} if not read
 */
public record ClusterSnapshot(MeshCluster cluster, MeshException error, Map<String, String> ciliumConfig, HelmRelease release,
                              PemCredential ca, ServiceInfo apiserver, int nodes, boolean kubeProxy, LiveObjects live) {

    public ClusterSnapshot {
        live = live == null ? LiveObjects.UNKNOWN : live;
    }

    public ClusterSnapshot(MeshCluster cluster, MeshException error, Map<String, String> ciliumConfig, HelmRelease release,
                           PemCredential ca, ServiceInfo apiserver, int nodes, boolean kubeProxy) {
        this(cluster, error, ciliumConfig, release, ca, apiserver, nodes, kubeProxy, LiveObjects.UNKNOWN);
    }

    public String name() {
        return cluster.name();
    }

    public boolean reachable() {
        return error == null;
    }

    public Optional<HelmRelease> releaseOptional() {
        return Optional.ofNullable(release);
    }

    /** The address peers can use now: the fixed mesh IP, else the Service's LB IP. */
    public Optional<String> meshAddress() {
        if (cluster.meshIp() != null) {
            return Optional.of(cluster.meshIp());
        }
        if (apiserver != null && !apiserver.ingressIps().isEmpty()) {
            return Optional.of(apiserver.ingressIps().get(0));
        }
        return Optional.empty();
    }
}
