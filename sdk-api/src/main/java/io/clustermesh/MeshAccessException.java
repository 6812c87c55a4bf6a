package io.clustermesh;

import java.time.Duration;

/** Credentials were refused or lack a permission. */
public class MeshAccessException extends MeshException {
    private static final long serialVersionUID = 1L;

    public MeshAccessException(String cluster, String message, String remediation, Throwable cause) {
        super(ErrorCode.ACCESS, cluster, null, message, remediation, false, null, cause);
    }

    public MeshAccessException(String cluster, String step, String message, String remediation, boolean retryable,
                  Duration retryAfter, Throwable cause) {
        super(ErrorCode.ACCESS, cluster, step, message, remediation, retryable, retryAfter, cause);
    }
}
