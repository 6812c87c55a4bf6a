package io.clustermesh.azure.internal;

import io.clustermesh.model.IpCidr;

import java.util.Optional;
import java.util.Set;

/**
 * Addresses of an Azure subnet (IPv4). Azure reserves five addresses in every subnet: the network address, the
 * next three ({@code .1} gateway, {@code .2}/{@code .3} Azure DNS) and the last (broadcast).
 */
public final class SubnetAddresses {
    private SubnetAddresses() {
    }

    /** Index of {@code ip} inside {@code subnet} (0 = network address), or -1 when outside. */
    public static long indexOf(IpCidr subnet, String ip) {
        if (!IpCidr.isAddress(ip) || !subnet.contains(ip)) {
            return -1;
        }
        return toLong(ip) - toLong(subnet.networkAddress());
    }

    /** Whether Azure reserves the address (first four, last one). */
    public static boolean reservedByAzure(IpCidr subnet, String ip) {
        long i = indexOf(subnet, ip);
        long size = subnet.size().longValueExact();
        return i >= 0 && (i < 4 || i == size - 1);
    }

    /**
     * The highest usable address of the subnet not in {@code used} (and not reserved by Azure). Deterministic: nodes
     * take addresses from the bottom of the subnet, so the top is where a fixed LB address stays clear of them.
     */
    public static Optional<String> highestFree(IpCidr subnet, Set<String> used) {
        long size = subnet.size().longValueExact();
        for (long i = size - 2; i >= 4; i--) {
            String candidate = subnet.address(i);
            if (!used.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static long toLong(String ip) {
        String[] p = ip.trim().split("\\.");
        long v = 0;
        for (String s : p) {
            v = (v << 8) | Integer.parseInt(s);
        }
        return v;
    }
}
