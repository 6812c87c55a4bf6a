package io.clustermesh.model;

import java.util.Locale;

/** Cilium {@code tunnelProtocol}: VXLAN uses 8472/udp, Geneve 6081/udp. */
public enum TunnelProtocol {
    VXLAN("vxlan", 8472), GENEVE("geneve", 6081);

    private final String value;
    private final int udpPort;

    TunnelProtocol(String value, int udpPort) {
        this.value = value;
        this.udpPort = udpPort;
    }

    public String value() {
        return value;
    }

    /** The UDP port that must be open between all node subnets. */
    public int udpPort() {
        return udpPort;
    }

    public static TunnelProtocol fromValue(String s) {
        for (TunnelProtocol m : values()) {
            if (m.value.equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }
}
