package io.clustermesh;

import java.time.Duration;

/** Someone else is changing the same object or mesh. */
public class MeshConflictException extends MeshException {
    private static final long serialVersionUID = 1L;

    public MeshConflictException(String cluster, String message, String remediation, Throwable cause) {
        super(ErrorCode.CONFLICT, cluster, null, message, remediation, true, null, cause);
    }

    public MeshConflictException(String cluster, String step, String message, String remediation, boolean retryable,
                  Duration retryAfter, Throwable cause) {
        super(ErrorCode.CONFLICT, cluster, step, message, remediation, retryable, retryAfter, cause);
    }
}
