package io.clustermesh;

import java.time.Duration;

/** A deadline passed while waiting. */
public class MeshTimeoutException extends MeshException {
    private static final long serialVersionUID = 1L;

    public MeshTimeoutException(String cluster, String message, String remediation, Throwable cause) {
        super(ErrorCode.TIMEOUT, cluster, null, message, remediation, false, null, cause);
    }

    public MeshTimeoutException(String cluster, String step, String message, String remediation, boolean retryable,
                  Duration retryAfter, Throwable cause) {
        super(ErrorCode.TIMEOUT, cluster, step, message, remediation, retryable, retryAfter, cause);
    }
}
