package io.clustermesh.spi;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.MeshCluster;

/**
 * Opens {@link ClusterConnection}s. Default: fabric8 with the JDK HTTP client ({@code clustermesh-cilium}).
 * Implementations must only use what the cluster's {@code ClusterAccess} says: never read {@code ~/.kube/config}
 * or {@code KUBECONFIG} unless the access is a kube context without a file.
 */
public interface ClusterTransport extends MeshProvider {

    /**
     * Opens a connection (no request is made yet).
     *
     * @throws io.clustermesh.MeshConfigurationException if the access is unusable (e.g. not a kubeconfig),
     *                                                   naming the cluster and what to fix
     */
    ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts);
}
