package io.clustermesh;

/**
 * The cluster or cloud is not in the state the mesh needs. Not retryable unless the thrower says so. Code
 * {@link ErrorCode#PRECONDITION}.
 */
public class MeshPreconditionException extends MeshException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, starting with the cluster's name where there is one
     * @param details the cluster, step, fix, retryability and cause: e.g. {@code Details.inCluster(c).fix("...").cause(e)}
     */
    public MeshPreconditionException(String message, Details details) {
        super(ErrorCode.PRECONDITION, message, details);
    }
}
