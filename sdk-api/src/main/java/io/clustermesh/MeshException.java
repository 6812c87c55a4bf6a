package io.clustermesh;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The root of every error the SDK throws. Carries the cluster and step it happened in, a typed {@link #code()},
 * and a {@link #remediation()} sentence telling the user what to do. Library exceptions are only ever the
 * {@link #getCause()}. Messages never contain private keys, tokens or kubeconfig content.
 *
 * <p>The code follows from the type: each subclass fixes its own ({@link MeshConflictException} is
 * {@link ErrorCode#CONFLICT}, ...), and the failures no subclass names are made with {@link #failed} (code
 * {@link ErrorCode#OPERATION}) or {@link #internal} (code {@link ErrorCode#INTERNAL}). Everything else is said by name
 * in {@link Details}:
 * <pre>{@code
 * throw new MeshConflictException(cluster + ": secret kube-system/cilium-ca was deleted meanwhile",
 *         Details.inCluster(cluster).fix("run again: the SDK re-reads the cluster").cause(e));
 * }</pre>
 */
public class MeshException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String cluster;
    private final String step;
    private final String remediation;
    private final boolean retryable;
    private final Duration retryAfter;

    /** For the subclasses, each of which passes its own code. */
    MeshException(ErrorCode code, String message, Details details) {
        super(message, Objects.requireNonNull(details, "details").cause);
        this.code = Objects.requireNonNull(code, "code");
        this.cluster = details.cluster;
        this.step = details.step;
        this.remediation = details.remediation;
        this.retryable = details.retryable != null ? details.retryable : code.retryableByDefault();
        this.retryAfter = details.retryAfter;
    }

    /**
     * A request or step failed for a reason none of the subclasses names (a rejected request, a failed Helm
     * release, an interrupted wait): code {@link ErrorCode#OPERATION}, not retryable unless {@code details} says so.
     */
    public static MeshException failed(String message, Details details) {
        return new MeshException(ErrorCode.OPERATION, message, details);
    }

    /** A missing implementation (provider) or a bug: code {@link ErrorCode#INTERNAL}, not retryable. */
    public static MeshException internal(String message, Details details) {
        return new MeshException(ErrorCode.INTERNAL, message, details);
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

    /**
     * Whether trying the same request again may succeed (429, 5xx, connection reset, 409 conflict). Follows from the
     * code ({@link ErrorCode#CONFLICT} and {@link ErrorCode#UNREACHABLE} are retryable, the others not) unless the
     * thrower said otherwise with {@link Details#retryable(boolean)}.
     */
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

    /**
     * What a {@link MeshException} says besides its message: the cluster and plan step it happened in, the fix, whether
     * it may be retried and after how long, and the cause. Immutable: each method returns a new {@code Details}, so
     * one can be shared and extended. Start with {@link #inCluster} or {@link #meshWide}; what is not said is absent
     * (no step, no fix, retryable as the exception's code says, no {@code Retry-After}, no cause).
     */
    public static final class Details {
        private static final Details MESH_WIDE = new Details(null, null, "", null, null, null);

        private final String cluster;
        private final String step;
        private final String remediation;
        private final Boolean retryable;
        private final Duration retryAfter;
        private final Throwable cause;

        private Details(String cluster, String step, String remediation, Boolean retryable, Duration retryAfter,
                        Throwable cause) {
            this.cluster = cluster;
            this.step = step;
            this.remediation = remediation;
            this.retryable = retryable;
            this.retryAfter = retryAfter;
            this.cause = cause;
        }

        /** About one cluster ({@code null} is the same as {@link #meshWide()}). */
        public static Details inCluster(String cluster) {
            return MESH_WIDE.copy(cluster, null, "", null, null, null);
        }

        /** About the whole mesh, or no cluster in particular. */
        public static Details meshWide() {
            return MESH_WIDE;
        }

        /** The plan step (or the layer, e.g. {@code "azure"}) it happened in. */
        public Details atStep(String step) {
            return copy(cluster, step, remediation, retryable, retryAfter, cause);
        }

        /** What the user should do next: one sentence. */
        public Details fix(String remediation) {
            return copy(cluster, step, remediation == null ? "" : remediation, retryable, retryAfter, cause);
        }

        /** Overrides the retryability the exception's code gives (see {@link MeshException#retryable()}). */
        public Details retryable(boolean retryable) {
            return copy(cluster, step, remediation, retryable, retryAfter, cause);
        }

        /** The server's {@code Retry-After}; {@code null} when it gave none. */
        public Details retryAfter(Duration retryAfter) {
            return copy(cluster, step, remediation, retryable, retryAfter, cause);
        }

        /** The library exception behind it ({@code null} for none). */
        public Details cause(Throwable cause) {
            return copy(cluster, step, remediation, retryable, retryAfter, cause);
        }

        private Details copy(String cluster, String step, String remediation, Boolean retryable, Duration retryAfter,
                             Throwable cause) {
            return new Details(cluster, step, remediation, retryable, retryAfter, cause);
        }

        /** Names what was said, without the cause's message (it may quote a server). */
        @Override
        public String toString() {
            return "Details[cluster=" + cluster + ", step=" + step + ", fix=" + remediation
                    + (retryable == null ? "" : ", retryable=" + retryable)
                    + (retryAfter == null ? "" : ", retryAfter=" + retryAfter)
                    + (cause == null ? "" : ", cause=" + cause.getClass().getSimpleName()) + "]";
        }
    }
}
