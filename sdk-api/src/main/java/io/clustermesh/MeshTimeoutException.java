package io.clustermesh;

/** A deadline passed while waiting. Not retryable unless the thrower says so. Code {@link ErrorCode#TIMEOUT}. */
public class MeshTimeoutException extends MeshException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, starting with the cluster's name where there is one
     * @param details the cluster, step, fix, retryability and cause: e.g. {@code Details.inCluster(c).fix("...").cause(e)}
     */
    public MeshTimeoutException(String message, Details details) {
        super(ErrorCode.TIMEOUT, message, details);
    }
}
