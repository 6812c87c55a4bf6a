package io.clustermesh;

/** What kind of failure a {@link MeshException} is, i.e. what the user does next. */
public enum ErrorCode {
    /** The spec or the options are wrong: fix the input. Nothing was written. */
    CONFIGURATION,
    /** Credentials were refused or lack a permission: fix access or roles. */
    ACCESS,
    /** A server could not be reached or answered with a transient error: check the network, retry. */
    UNREACHABLE,
    /** The cluster or cloud is not in a state the mesh needs (e.g. a CNI already installed): fix the environment. */
    PRECONDITION,
    /** Someone else changed the same thing (a lock holder, a concurrent write): retry later. */
    CONFLICT,
    /** A deadline passed while waiting (LB IP, rollout, connection). */
    TIMEOUT,
    /** An operation failed part-way; the report tells which clusters and steps. */
    OPERATION,
    /** A missing implementation (provider) or a bug. */
    INTERNAL
}
