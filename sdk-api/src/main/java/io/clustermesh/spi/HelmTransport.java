package io.clustermesh.spi;

import io.clustermesh.model.MeshCluster;

import java.util.Optional;

/**
 * Helm releases on one cluster. Default: helm-java in-process ({@code clustermesh-cilium}); also a values-only
 * transport that writes each cluster's values to files for GitOps, and the lab's.
 *
 * <p>Contract: {@link #release} reads Helm's own storage (secrets {@code sh.helm.release.v1.<name>.v<N>}) and
 * returns the latest deployed revision's user values, or the newest revision when it is still {@code pending-install}
 * or {@code pending-upgrade} (an operation a stopped run never completed: the planner then upgrades again);
 * {@link #upgradeInstall} installs or upgrades with exactly the values given, first marking such a pending revision
 * {@code failed} as Helm would. Failures follow the {@link ClusterConnection} exception contract.
 */
public interface HelmTransport extends MeshProvider {

    Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName);

    HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request);

    /** @return true if a release was removed */
    boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName);
}
