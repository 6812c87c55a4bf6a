package io.clustermesh.azure.internal;

/** A raw ARM call failed; carries the classified failure (status, ARM code, shortened message), never a body. */
public final class RawArmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ArmFailure failure;

    public RawArmException(String what, ArmFailure failure) {
        super(what + ": ARM answered " + failure.summary() + (failure.message() == null ? "" : " (" + failure.message() + ")"));
        this.failure = failure;
    }

    public ArmFailure failure() {
        return failure;
    }
}
