package io.clustermesh.model;

import java.util.Locale;

/** Transparent encryption between nodes; must be the same on every cluster of a mesh. */
public enum Encryption {
    NONE("none", "none"),
    WIREGUARD("wireguard", "51871/udp (WireGuard)"),
    IPSEC("ipsec", "ESP (IP protocol 50)");

    private final String value;
    private final String requiredPorts;

    Encryption(String value, String requiredPorts) {
        this.value = value;
        this.requiredPorts = requiredPorts;
    }

    public String value() {
        return value;
    }

    /** What must be allowed between node subnets for this mode. */
    public String requiredPorts() {
        return requiredPorts;
    }

    public static Encryption fromValue(String s) {
        for (Encryption m : values()) {
            if (m.value.equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }
}
