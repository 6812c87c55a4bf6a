package io.clustermesh;

import java.time.Duration;

/** The cluster or cloud is not in the state the mesh needs. */
public class MeshPreconditionException extends MeshException {
    private static final long serialVersionUID = 1L;

    public MeshPreconditionException(String cluster, String message, String remediation, Throwable cause) {
        super(ErrorCode.PRECONDITION, cluster, null, message, remediation, false, null, cause);
    }

    public MeshPreconditionException(String cluster, String step, String message, String remediation, boolean retryable,
                  Duration retryAfter, Throwable cause) {
        super(ErrorCode.PRECONDITION, cluster, step, message, remediation, retryable, retryAfter, cause);
    }
}
