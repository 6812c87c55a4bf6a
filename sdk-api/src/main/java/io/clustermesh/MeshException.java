package io.clustermesh;

import java.time.Duration;
import java.util.Optional;

/**
 * The root of every error the SDK throws. Carries the cluster and step it happened in, a typed {@link #code()},
 * and a {@link #remediation()} sentence telling the user what to do. Library exceptions are only ever the
 * {@link #getCause()}. Messages never contain private keys, tokens or kubeconfig content.
 */
public class MeshException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String cluster;
    private final String step;
    private final String remediation;
    private final boolean retryable;
    private final Duration retryAfter;

    public MeshException(ErrorCode code, String cluster, String step, String message, String remediation,
                         boolean retryable, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.code = code == null ? ErrorCode.INTERNAL : code;
        this.cluster = cluster;
        this.step = step;
        this.remediation = remediation == null ? "" : remediation;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public MeshException(ErrorCode code, String cluster, String message, String remediation, Throwable cause) {
        this(code, cluster, null, message, remediation, false, null, cause);
    }

    public ErrorCode code() {
        return code;
    }

    /** The cluster concerned, or {@code null} for the whole mesh. */
    public String cluster() {
        return cluster;
    }

    /** The plan step it happened in, or {@code null}. */
    public String step() {
        return step;
    }

    /** What the user should do next. */
    public String remediation() {
        return remediation;
    }

    /** Whether trying the same request again may succeed (429, 5xx, connection reset, 409 conflict). */
    public boolean retryable() {
        return retryable;
    }

    /** The server's {@code Retry-After}, when it gave one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The message with its cluster prefix and remediation: what a CLI prints. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (cluster != null && !String.valueOf(getMessage()).startsWith(cluster + ":")) {
            sb.append(cluster).append(": ");
        }
        sb.append(getMessage());
        if (!remediation.isEmpty()) {
            sb.append("\n  fix: ").append(remediation);
        }
        return sb.toString();
    }
}
