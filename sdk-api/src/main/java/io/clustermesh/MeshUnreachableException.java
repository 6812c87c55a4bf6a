package io.clustermesh;

import java.time.Duration;

/** A server could not be reached or answered with a transient error. */
public class MeshUnreachableException extends MeshException {
    private static final long serialVersionUID = 1L;

    public MeshUnreachableException(String cluster, String message, String remediation, Throwable cause) {
        super(ErrorCode.UNREACHABLE, cluster, null, message, remediation, true, null, cause);
    }

    public MeshUnreachableException(String cluster, String step, String message, String remediation, boolean retryable,
                  Duration retryAfter, Throwable cause) {
        super(ErrorCode.UNREACHABLE, cluster, step, message, remediation, retryable, retryAfter, cause);
    }
}
