package io.clustermesh.testing;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps the addresses that exist in the simulated world (LB IPs from the spoke subnets such as
 * {@code 172.16.1.250:2379}, {@code cluster1.mesh.cilium.io:2379}, the AKS API FQDN {@code :443}) to the loopback
 * {@code host:port} where the lab really serves them. One instance per {@link MeshLab}, shared by everything in it:
 * the lab registers, the code under test (through a transport or dialer hook) and the simulated agents resolve.
 *
 * <p>Only loopback targets are accepted: the lab never sends traffic elsewhere. The one other kind of target is an
 * unresolved {@code memory-store-<n>} address, a clustermesh-apiserver store kept in the lab's memory (the large-mesh lab
 * mode, {@code SimulatedCilium.Store.IN_MEMORY}): it is never dialled. Thread-safe. Host names are case-insensitive.
 */
public final class LoopbackResolver implements io.clustermesh.testing.sim.LabNetwork {
    /** How the addresses of in-memory stores begin (unresolved, never dialled). */
    public static final String IN_MEMORY_PREFIX = "memory-store-";
    private final Map<String, InetSocketAddress> entries = new ConcurrentHashMap<>();
    private final Map<String, java.util.List<io.clustermesh.model.IpCidr>> sources = new ConcurrentHashMap<>();

    private static String key(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1..65535: " + port);
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h + ":" + port;
    }

    /** Maps {@code host:port} of the simulated world to a loopback address (replacing an earlier mapping). */
    @Override
    public void register(String host, int port, InetSocketAddress loopback) {
        Objects.requireNonNull(loopback, "loopback");
        boolean inMemory = loopback.isUnresolved() && loopback.getHostString().startsWith(IN_MEMORY_PREFIX);
        if (!inMemory && (loopback.getAddress() == null || !loopback.getAddress().isLoopbackAddress())) {
            throw new IllegalArgumentException("the lab only maps to loopback addresses, not " + loopback);
        }
        entries.put(key(host, port), loopback);
    }

    @Override
    public boolean unregister(String host, int port) {
        sources.remove(key(host, port));
        return entries.remove(key(host, port)) != null;
    }

    /**
     * Lets only connections from these ranges reach {@code host:port}, as a load balancer with
     * {@code spec.loadBalancerSourceRanges} (an Azure load balancer's network security rules) does; an empty list
     * removes the restriction.
     */
    @Override
    public void restrictSources(String host, int port, java.util.List<io.clustermesh.model.IpCidr> ranges) {
        if (ranges.isEmpty()) {
            sources.remove(key(host, port));
        } else {
            sources.put(key(host, port), java.util.List.copyOf(ranges));
        }
    }

    /** Whether a connection from {@code sourceIp} to {@code host:port} passes its source ranges (if any). */
    @Override
    public boolean admits(String host, int port, String sourceIp) {
        java.util.List<io.clustermesh.model.IpCidr> ranges = sources.get(key(host, port));
        if (ranges == null) {
            return true;
        }
        if (sourceIp == null) {
            return false;
        }
        io.clustermesh.model.IpCidr ip = io.clustermesh.model.IpCidr.host(sourceIp);
        return ranges.stream().anyMatch(r -> r.contains(ip));
    }

    /** Where {@code host:port} is served, if it is a lab address. */
    @Override
    public Optional<InetSocketAddress> resolve(String host, int port) {
        return Optional.ofNullable(entries.get(key(host, port)));
    }

    /** Like {@link #resolve(String, int)} for an unresolved address. */
    public Optional<InetSocketAddress> resolve(InetSocketAddress address) {
        return resolve(address.getHostString(), address.getPort());
    }

    /**
     * The URI with host and port replaced by the loopback target, when the URI's authority is a lab address
     * (scheme default ports: https 443, http 80); otherwise the URI unchanged.
     */
    public URI rewrite(URI uri) {
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        if (uri.getHost() == null) {
            return uri;
        }
        return resolve(uri.getHost(), port).map(t -> {
            if (t.isUnresolved()) {
                throw new IllegalStateException(uri.getHost() + ":" + port + " is served in the lab's memory (the large-mesh mode), "
                        + "not on a socket: nothing can connect to it");
            }
            try {
                return new URI(uri.getScheme(), uri.getUserInfo(), t.getAddress().getHostAddress(), t.getPort(), uri.getPath(),
                        uri.getQuery(), uri.getFragment());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        }).orElse(uri);
    }

    /** Every mapping, {@code host:port} to target, sorted. */
    public Map<String, InetSocketAddress> entries() {
        return new TreeMap<>(entries);
    }

    @Override
    public String toString() {
        return "LoopbackResolver" + entries();
    }
}
