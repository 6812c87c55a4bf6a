package io.clustermesh;

/**
 * Someone else is changing the same object or mesh. Retryable unless the thrower says otherwise (e.g. a conflict
 * that outlived every retry, or a lock held by another run). Code {@link ErrorCode#CONFLICT}.
 */
public class MeshConflictException extends MeshException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, starting with the cluster's name where there is one
     * @param details the cluster, step, fix, retryability and cause: e.g. {@code Details.inCluster(c).fix("...").cause(e)}
     */
    public MeshConflictException(String message, Details details) {
        super(ErrorCode.CONFLICT, message, details);
    }
}
