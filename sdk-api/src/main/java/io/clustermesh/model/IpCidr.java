package io.clustermesh.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * An IP network in CIDR notation ({@code 10.10.0.0/16}). IPv4 and IPv6 are parsed; the mesh validation
 * currently rejects IPv6 with a clear finding. Host bits must be zero ({@code 10.10.1.0/16} is refused).
 * Parsing never resolves names.
 */
public final class IpCidr {
    private final BigInteger network;
    private final int prefixLength;
    private final boolean ipv6;
    /** The last address, computed once: validation compares every pair of a mesh's ranges (O(n²) for n clusters). */
    private final BigInteger last;

    private IpCidr(BigInteger network, int prefixLength, boolean ipv6) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.ipv6 = ipv6;
        this.last = network.add(BigInteger.ONE.shiftLeft((ipv6 ? 128 : 32) - prefixLength)).subtract(BigInteger.ONE);
    }

    /**
     * Parses {@code a.b.c.d/n} or an IPv6 CIDR.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and how it should look
     */
    public static IpCidr parse(String text) {
        Objects.requireNonNull(text, "cidr");
        String s = text.trim();
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR: expected address/prefix, e.g. 10.10.0.0/16");
        }
        String addr = s.substring(0, slash);
        String len = s.substring(slash + 1);
        boolean v6 = addr.contains(":");
        BigInteger value = parseAddress(addr, v6, text);
        int bits = v6 ? 128 : 32;
        int prefix;
        try {
            prefix = Integer.parseInt(len);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length '" + len + "': expected 0.." + bits);
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' has prefix length " + prefix + ", outside 0.." + bits);
        }
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        if (!value.and(hostMask).equals(BigInteger.ZERO)) {
            IpCidr fixed = new IpCidr(value.andNot(hostMask), prefix, v6);
            throw new IllegalArgumentException("'" + text + "' has host bits set: the network is " + fixed);
        }
        return new IpCidr(value, prefix, v6);
    }

    /** A single address as a /32 (or /128) network. */
    public static IpCidr host(String address) {
        Objects.requireNonNull(address, "address");
        boolean v6 = address.contains(":");
        return new IpCidr(parseAddress(address.trim(), v6, address), v6 ? 128 : 32, v6);
    }

    /** Whether {@code text} is a literal IPv4 or IPv6 address (no name lookups). */
    public static boolean isAddress(String text) {
        try {
            host(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static BigInteger parseAddress(String addr, boolean v6, String original) {
        if (!v6) {
            String[] parts = addr.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: expected four numbers 0..255 separated by dots");
            }
            long v = 0;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: '" + p + "' is not a number 0..255");
                }
                int octet = Integer.parseInt(p);
                if (octet > 255) {
                    throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: " + octet + " is above 255");
                }
                v = (v << 8) | octet;
            }
            return BigInteger.valueOf(v);
        }
        if (!addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw new IllegalArgumentException("'" + original + "' is not an IPv6 address");
        }
        try {
            // a literal with only hex digits, ':' and '.' is never looked up by InetAddress
            byte[] b = InetAddress.getByName(addr).getAddress();
            if (b.length != 16) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv6 address");
            }
            return new BigInteger(1, b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + original + "' is not an IPv6 address");
        }
    }

    public boolean isIpv6() {
        return ipv6;
    }

    public int prefixLength() {
        return prefixLength;
    }

    private int bits() {
        return ipv6 ? 128 : 32;
    }

    /** Number of addresses in the network. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(bits() - prefixLength);
    }

    private BigInteger last() {
        return last;
    }

    /** Whether {@code other} lies entirely inside this network. */
    public boolean contains(IpCidr other) {
        return ipv6 == other.ipv6 && network.compareTo(other.network) <= 0 && last().compareTo(other.last()) >= 0;
    }

    /** Whether the literal address lies inside this network. */
    public boolean contains(String address) {
        return contains(host(address));
    }

    /** Whether the two networks share at least one address. */
    public boolean overlaps(IpCidr other) {
        return ipv6 == other.ipv6 && network.compareTo(other.last()) <= 0 && other.network.compareTo(last()) <= 0;
    }

    /** The n-th address of the network as text (0 = the network address). */
    public String address(long n) {
        if (n < 0 || BigInteger.valueOf(n).compareTo(size()) >= 0) {
            throw new IllegalArgumentException("address index " + n + " outside " + this);
        }
        return format(network.add(BigInteger.valueOf(n)), ipv6);
    }

    /** The network address as text. */
    public String networkAddress() {
        return format(network, ipv6);
    }

    private static String format(BigInteger v, boolean v6) {
        if (!v6) {
            long x = v.longValue();
            return ((x >> 24) & 255) + "." + ((x >> 16) & 255) + "." + ((x >> 8) & 255) + "." + (x & 255);
        }
        byte[] raw = v.toByteArray();
        byte[] b = new byte[16];
        System.arraycopy(raw, Math.max(0, raw.length - 16), b, Math.max(0, 16 - raw.length), Math.min(16, raw.length));
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpCidr c && c.ipv6 == ipv6 && c.prefixLength == prefixLength && c.network.equals(network);
    }

    @Override
    public int hashCode() {
        return Objects.hash(network, prefixLength, ipv6);
    }

    @Override
    public String toString() {
        return format(network, ipv6) + "/" + prefixLength;
    }
}
