package io.clustermesh.spi;

/**
 * Common to every pluggable provider. Selection: an instance given to {@code Mesh.builder()}, else the
 * {@link java.util.ServiceLoader} provider with the highest {@link #priority()} (a tie is an error that names
 * both), else an error naming the artifact to add.
 */
public interface MeshProvider {
    /** Name for messages and logs. */
    default String name() {
        return getClass().getName();
    }

    /** Higher wins when several providers of one kind are on the class path. */
    default int priority() {
        return 0;
    }
}
