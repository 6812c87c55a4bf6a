package io.clustermesh.spi;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.MeshCluster;

import java.util.Optional;

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

    /**
     * The credential plugin command that connecting to (and Helm on) this cluster will run, if any — read without
     * running anything, so that the SDK can announce it before it runs. The default: none.
     *
     * @throws io.clustermesh.MeshConfigurationException if the access is unusable, as {@link #connect} would
     */
    default Optional<CredentialPluginUse> credentialPlugin(MeshCluster cluster) {
        return Optional.empty();
    }

    /** A credential plugin of a cluster's kubeconfig: the context whose user runs it, and the command. */
    record CredentialPluginUse(String context, String command) {
    }
}
