package io.clustermesh.internal;

/**
 * What the access helpers ({@link PlanSteps}, {@link ServiceRequests}) share: the public classes hand them their
 * non-public constructors in a static initialiser, so a helper asked before the class was ever used initialises it.
 */
final class AccessHelpers {
    private AccessHelpers() {
    }

    /** Runs {@code type}'s static initialiser if it has not run yet. */
    static void initialise(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
