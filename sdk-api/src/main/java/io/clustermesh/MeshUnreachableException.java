package io.clustermesh;

/**
 * A server could not be reached or answered with a transient error. Retryable unless the thrower says otherwise.
 * Code {@link ErrorCode#UNREACHABLE}.
 */
public class MeshUnreachableException extends MeshException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, starting with the cluster's name where there is one
     * @param details the cluster, step, fix, retryability and cause: e.g. {@code Details.inCluster(c).fix("...").cause(e)}
     */
    public MeshUnreachableException(String message, Details details) {
        super(ErrorCode.UNREACHABLE, message, details);
    }
}
