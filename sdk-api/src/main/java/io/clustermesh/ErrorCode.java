package io.clustermesh;

/**
 * What kind of failure a {@link MeshException} is, i.e. what the user does next. Each exception type has one code
 * ({@link MeshConflictException} is {@link #CONFLICT}, ...); {@link MeshException#failed} is {@link #OPERATION} and
 * {@link MeshException#internal} is {@link #INTERNAL}.
 */
public enum ErrorCode {
    /** The spec or the options are wrong: fix the input. Nothing was written. */
    CONFIGURATION(false),
    /** Credentials were refused or lack a permission: fix access or roles. */
    ACCESS(false),
    /** A server could not be reached or answered with a transient error: check the network, retry. */
    UNREACHABLE(true),
    /** The cluster or cloud is not in a state the mesh needs (e.g. a CNI already installed): fix the environment. */
    PRECONDITION(false),
    /** Someone else changed the same thing (a lock holder, a concurrent write): retry later. */
    CONFLICT(true),
    /** A deadline passed while waiting (LB IP, rollout, connection). */
    TIMEOUT(false),
    /** An operation failed part-way; the report tells which clusters and steps. */
    OPERATION(false),
    /** A missing implementation (provider) or a bug. */
    INTERNAL(false);

    private final boolean retryableByDefault;

    ErrorCode(boolean retryableByDefault) {
        this.retryableByDefault = retryableByDefault;
    }

    /** Whether a failure of this kind may succeed when tried again, unless its thrower says otherwise. */
    boolean retryableByDefault() {
        return retryableByDefault;
    }
}
