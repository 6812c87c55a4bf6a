package io.clustermesh.internal;

import io.clustermesh.Mesh;
import io.clustermesh.internal.MeshContext;
import java.util.Objects;
import java.util.function.Function;

/**
 * The SDK's own modules reach a {@link Mesh}'s {@link MeshContext} (its clusters' connections, Helm, executor) through
 * here; it is not public API ({@code Mesh} offers the operations users need: plan, apply, status, services, and the
 * Cilium module's policies and values export take a {@code Mesh}). The same pattern as the JDK's "shared secrets":
 * {@code Mesh} hands over its accessor when its class is initialised.
 */
public final class MeshContexts {
    private static volatile Function<Mesh, MeshContext> accessor;

    private MeshContexts() {
    }

    /** Called once, by {@code Mesh}'s static initialiser. */
    public static void register(Function<Mesh, MeshContext> f) {
        if (accessor != null) {
            throw new IllegalStateException("the Mesh context accessor is registered already");
        }
        accessor = Objects.requireNonNull(f, "f");
    }

    /**
     * The context of {@code mesh} (discovery runs on first use, as for {@code plan()}).
     *
     * @throws io.clustermesh.MeshConfigurationException if the mesh's spec has errors
     */
    public static MeshContext of(Mesh mesh) {
        Objects.requireNonNull(mesh, "mesh");
        return accessor.apply(mesh);
    }
}
