package io.clustermesh.testing.sim;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lab addresses (a load balancer IP of a cluster's subnet and a port) mapped to the loopback address that really
 * answers. One per lab; everything in the lab that connects to a lab address goes through it. Thread-safe.
 *
 * <p>Minimal stand-in until the lab foundation's resolver is merged; same role.
 */
public final class LoopbackResolver {
    private final Map<String, InetSocketAddress> map = new ConcurrentHashMap<>();

    private static String key(String host, int port) {
        return host + ":" + port;
    }

    /** Maps {@code host:port} to {@code target}, replacing an earlier mapping. */
    public void register(String host, int port, InetSocketAddress target) {
        map.put(key(Objects.requireNonNull(host, "host"), port), Objects.requireNonNull(target, "target"));
    }

    /** Removes the mapping if it still points at {@code target}. */
    public void unregister(String host, int port, InetSocketAddress target) {
        map.remove(key(host, port), target);
    }

    public Optional<InetSocketAddress> resolve(String host, int port) {
        return Optional.ofNullable(map.get(key(host, port)));
    }

    /** Every mapping, for diagnostics. */
    public Map<String, InetSocketAddress> mappings() {
        return Map.copyOf(map);
    }
}
