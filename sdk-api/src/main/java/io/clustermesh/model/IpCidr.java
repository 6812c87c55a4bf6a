package io.clustermesh.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.text.Normalizer;
import java.util.Objects;
import java.util.Optional;

/**
 * An IP network in CIDR notation ({@code 10.10.0.0/16}). IPv4 and IPv6 are parsed; the mesh validation
 * currently rejects IPv6 with a clear finding. Host bits must be zero ({@code 10.10.1.0/16} is refused).
 * Parsing never resolves names. One rule for text: only the canonical form is accepted (for IPv4 the dotted quad of
 * ASCII decimal numbers without leading zeros, {@code /n} likewise, no spaces), so a value that passed validation is
 * written byte for byte as validated; {@link #canonicalForm(String)} says what to write instead.
 */
public final class IpCidr {
    // compiled once: a mesh's validation parses every cluster's ranges (String.matches compiles at every call)
    private static final java.util.regex.Pattern PREFIX_LENGTH = java.util.regex.Pattern.compile("-?[0-9]{1,4}");
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("[0-9]{2,}");
    private static final java.util.regex.Pattern LEADING_ZEROS = java.util.regex.Pattern.compile("^0+");
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
     * Parses {@code a.b.c.d/n} or an IPv6 CIDR, written canonically: ASCII digits, no leading zeros (which some tools
     * read as octal: {@code 010} is 8 to {@code inet_aton}), no spaces. Text that only differs from the canonical form
     * in such ways ({@code １０.２０.０.０/１６}, {@code 010.020.000.000/16}, {@code " 10.20.0.0/16"}) is refused with the
     * canonical form in the message (see {@link #canonicalForm(String)}), so that the text validated is the text
     * written into Helm values, annotations and files.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and how it should look
     */
    public static IpCidr parse(String text) {
        Objects.requireNonNull(text, "cidr");
        refuseNonCanonical(text);
        return parseStrict(text);
    }

    private static IpCidr parseStrict(String text) {
        String s = text;
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
        if (PREFIX_LENGTH.matcher(len).matches()) {
            prefix = Integer.parseInt(len);
        } else {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length '" + len + "': expected 0.." + bits);
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' has prefix length " + prefix + ", outside 0.." + bits);
        }
        if (len.length() > 1 && len.charAt(0) == '0') {
            throw new IllegalArgumentException("'" + text + "' has a prefix length with a leading zero: write /" + prefix);
        }
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        if (!value.and(hostMask).equals(BigInteger.ZERO)) {
            IpCidr fixed = new IpCidr(value.andNot(hostMask), prefix, v6);
            throw new IllegalArgumentException("'" + text + "' has host bits set: the network is " + fixed);
        }
        return new IpCidr(value, prefix, v6);
    }

    /** A single address as a /32 (or /128) network; written canonically as for {@link #parse(String)}. */
    public static IpCidr host(String address) {
        Objects.requireNonNull(address, "address");
        long v4 = canonicalIpv4(address);
        if (v4 >= 0) {
            // the common case, read without normalising: a mesh of N clusters checks N*(N-1) peer addresses per plan
            return new IpCidr(BigInteger.valueOf(v4), 32, false);
        }
        refuseNonCanonical(address);
        return hostStrict(address);
    }

    /**
     * The value of an IPv4 address written canonically (four ASCII numbers 0..255 without leading zeros, separated
     * by dots, nothing else), or -1 for any other text, which then takes the general path.
     */
    private static long canonicalIpv4(String s) {
        int n = s.length();
        if (n < 7 || n > 15) {
            return -1;
        }
        long value = 0;
        int octets = 0;
        int i = 0;
        while (i < n) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            value = (value << 8) | octet;
            octets++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || octets == 4) {
                return -1;
            }
            i++;
            if (i == n) {
                return -1;
            }
        }
        return octets == 4 ? value : -1;
    }

    private static IpCidr hostStrict(String address) {
        boolean v6 = address.contains(":");
        return new IpCidr(parseAddress(address, v6, address), v6 ? 128 : 32, v6);
    }

    /** Whether {@code text} is a literal IPv4 or IPv6 address written canonically (no name lookups). */
    public static boolean isAddress(String text) {
        if (text == null) {
            return false;
        }
        try {
            host(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The canonical text of an address or CIDR written in a non-canonical but readable way, or empty when
     * {@code text} is already canonical or not readable at all. Readable means: surrounding spaces (any Unicode
     * space), digits of any script ({@code ١٠} is 10: {@link Character#digit(int, int)} and
     * {@link Integer#parseInt(String)} accept them, so a lenient parser would silently take them), full-width
     * punctuation, and leading zeros, read as decimal. The result is what a message offers as the fix; it is never
     * used in place of what the user wrote.
     */
    public static Optional<String> canonicalForm(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).strip();
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 128) {
                b.append((char) cp);
            } else if (Character.isDigit(cp)) {
                b.append((char) ('0' + Character.digit(cp, 10)));
            } else {
                return Optional.empty();
            }
        }
        String ascii = b.toString();
        String canonical;
        try {
            if (ascii.contains(":")) {
                // IPv6 (which validation refuses anyway): only spaces and non-ASCII characters are made canonical
                canonical = ascii;
                if (ascii.contains("/")) {
                    parseStrict(ascii);
                } else {
                    hostStrict(ascii);
                }
            } else {
                String[] cidr = ascii.split("/", -1);
                if (cidr.length > 2) {
                    return Optional.empty();
                }
                String[] octets = cidr[0].split("\\.", -1);
                StringBuilder c = new StringBuilder();
                for (int k = 0; k < octets.length; k++) {
                    c.append(k == 0 ? "" : ".").append(withoutLeadingZeros(octets[k]));
                }
                if (cidr.length == 2) {
                    c.append('/').append(withoutLeadingZeros(cidr[1]));
                }
                canonical = c.toString();
                if (cidr.length == 2) {
                    parseStrict(canonical);
                } else {
                    hostStrict(canonical);
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return canonical.equals(text) ? Optional.empty() : Optional.of(canonical);
    }

    private static String withoutLeadingZeros(String digits) {
        if (!DIGITS.matcher(digits).matches() || digits.charAt(0) != '0') {
            return digits;
        }
        String t = LEADING_ZEROS.matcher(digits).replaceFirst("");
        return t.isEmpty() ? "0" : t;
    }

    /** Throws when the text is a readable but non-canonical form of an address or CIDR, naming the canonical form. */
    private static void refuseNonCanonical(String text) {
        Optional<String> canonical = canonicalForm(text);
        if (canonical.isEmpty()) {
            return;
        }
        String why;
        if (!text.equals(text.strip()) || text.chars().anyMatch(Character::isSpaceChar)) {
            why = "spaces around or inside it";
        } else if (text.chars().anyMatch(c -> c >= 128)) {
            why = "characters other than ASCII digits, dots and '/'";
        } else {
            why = "leading zeros, which some tools read as octal";
        }
        throw new IllegalArgumentException("'" + text + "' is not written canonically (" + why + "): write " + canonical.get());
    }

    private static BigInteger parseAddress(String addr, boolean v6, String original) {
        if (!v6) {
            String[] parts = addr.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: expected four numbers 0..255 separated by dots");
            }
            long v = 0;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: '" + p + "' is not a number 0..255");
                }
                int octet = Integer.parseInt(p);
                if (octet > 255) {
                    throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: " + octet + " is above 255");
                }
                if (p.length() > 1 && p.charAt(0) == '0') {
                    throw new IllegalArgumentException("'" + original + "' is not an IPv4 address: '" + p
                            + "' has a leading zero, which some tools read as octal");
                }
                v = (v << 8) | octet;
            }
            return BigInteger.valueOf(v);
        }
        if (!addr.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
            throw new IllegalArgumentException("'" + original + "' is not an IPv6 address");
        }
        try {
            // a literal with only ASCII hex digits, ':' and '.' is never looked up by InetAddress
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
