package io.clustermesh.testing;

/**
 * Something that runs inside a {@link MeshLab} next to the clusters, e.g. the simulated Cilium: it watches the
 * clusters (through {@link LabCluster#client()} or {@link LabCluster#onChange}), writes objects, starts etcd
 * servers ({@link MeshLab#startEtcd}), registers addresses with the {@link MeshLab#resolver()} and schedules
 * delayed work on {@link MeshLab#scheduler()} honouring {@link MeshLab#lbDelay()} and
 * {@link MeshLab#rolloutDelay()}.
 */
@FunctionalInterface
public interface LabAddon {

    /**
     * Called once, in registration order, after every cluster (and the fake ARM) started.
     *
     * @return what the lab closes, before the clusters, in reverse order
     */
    AutoCloseable start(MeshLab lab) throws Exception;
}
