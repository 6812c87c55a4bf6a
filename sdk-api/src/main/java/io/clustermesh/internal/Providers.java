package io.clustermesh.internal;

import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.spi.MeshProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Provider selection: explicit instance, else ServiceLoader by priority (ties are errors), else a helpful error. */
public final class Providers {
    private Providers() {
    }

    public static <T extends MeshProvider> T select(Class<T> type, T explicit, String artifact, ClassLoader loader) {
        return find(type, explicit, loader).orElseThrow(() -> MeshException.internal("no " + type.getSimpleName() + " implementation found on the class path",
                Details.meshWide().fix("add the dependency io.clustermesh:" + artifact + ", or pass an instance to Mesh.builder()."
                        + builderMethod(type) + "(...)")));
    }

    /**
     * The driver's operations. {@link MeshDriver} is a handle users choose, not an interface they implement: only the
     * SDK's drivers (which implement {@link Driver}) can run a mesh.
     */
    public static Driver driver(MeshDriver d) {
        if (d instanceof Driver ops) {
            return ops;
        }
        throw new MeshConfigurationException("the mesh driver " + d.name() + " (" + d.getClass().getName() + ") is not one of the SDK's drivers",
                Details.meshWide().fix("pass new io.clustermesh.cilium.CiliumMeshDriver(..) from io.clustermesh:clustermesh-cilium,"
                        + " or leave driver(..) out to use it by default"));
    }

    /** The {@code Mesh.Builder} setter that takes an instance of {@code type}. */
    private static String builderMethod(Class<?> type) {
        if (type == MeshDriver.class) {
            return "driver";
        }
        String n = type.getSimpleName();
        return Character.toLowerCase(n.charAt(0)) + n.substring(1);
    }

    public static <T extends MeshProvider> Optional<T> find(Class<T> type, T explicit, ClassLoader loader) {
        if (explicit != null) {
            return Optional.of(explicit);
        }
        List<T> found = new ArrayList<>();
        ServiceLoader.load(type, loader).forEach(found::add);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        found.sort(Comparator.comparingInt(MeshProvider::priority).reversed());
        int top = found.get(0).priority();
        List<T> best = found.stream().filter(p -> p.priority() == top).toList();
        if (best.size() > 1) {
            throw new MeshConfigurationException("several " + type.getSimpleName() + " implementations have the same priority " + top + ": "
                            + best.stream().map(MeshProvider::name).collect(Collectors.joining(", ")),
                    Details.meshWide().fix("pass the one you want to Mesh.builder(), or remove the other from the class path"));
        }
        return Optional.of(found.get(0));
    }
}
