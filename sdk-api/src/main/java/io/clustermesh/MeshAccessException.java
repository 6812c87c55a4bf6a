package io.clustermesh;

/**
 * Credentials were refused or lack a permission. Not retryable unless the thrower says so. Code
 * {@link ErrorCode#ACCESS}.
 */
public class MeshAccessException extends MeshException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, starting with the cluster's name where there is one
     * @param details the cluster, step, fix, retryability and cause: e.g. {@code Details.inCluster(c).fix("...").cause(e)}
     */
    public MeshAccessException(String message, Details details) {
        super(ErrorCode.ACCESS, message, details);
    }
}
