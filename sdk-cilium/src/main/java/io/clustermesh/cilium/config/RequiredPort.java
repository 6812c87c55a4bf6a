package io.clustermesh.cilium.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A protocol/port that must be allowed for the mesh to work (Cilium docs, "System Requirements", firewall rules for Cluster Mesh), for preflight output and firewall or
 * NSG rules.
 *
 * @param protocol what is allowed
 * @param port     the TCP/UDP port; 0 for ICMP and ESP
 * @param icmpType the ICMP type (8 = echo request); -1 unless ICMP
 * @param icmpCode the ICMP code; -1 unless ICMP
 * @param target   where the traffic goes: {@link Target#NODES} (between all node subnets of the mesh) or
 *                 {@link Target#MESH_APISERVER} (to each cluster's clustermesh-apiserver address)
 * @param purpose  why, e.g. {@code VXLAN tunnel}
 */
public record RequiredPort(Protocol protocol, int port, int icmpType, int icmpCode, Target target, String purpose) {

    public enum Protocol { TCP, UDP, ICMP, ESP }

    public enum Target {
        /** Between all node subnets of the mesh, in both directions. */
        NODES("between all node subnets"),
        /** From every node subnet to each cluster's clustermesh-apiserver address (LB IP or node IPs). */
        MESH_APISERVER("to each clustermesh-apiserver");

        private final String text;

        Target(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public RequiredPort {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(purpose, "purpose");
        boolean hasPort = protocol == Protocol.TCP || protocol == Protocol.UDP;
        if (hasPort && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException(protocol + " needs a port in 1..65535, was " + port);
        }
        if (!hasPort && port != 0) {
            throw new IllegalArgumentException(protocol + " has no port");
        }
        if (protocol != Protocol.ICMP && (icmpType != -1 || icmpCode != -1)) {
            throw new IllegalArgumentException("ICMP type and code apply to ICMP only");
        }
    }

    public static RequiredPort tcp(int port, Target target, String purpose) {
        return new RequiredPort(Protocol.TCP, port, -1, -1, target, purpose);
    }

    public static RequiredPort udp(int port, Target target, String purpose) {
        return new RequiredPort(Protocol.UDP, port, -1, -1, target, purpose);
    }

    public static RequiredPort icmp(int type, int code, Target target, String purpose) {
        return new RequiredPort(Protocol.ICMP, 0, type, code, target, purpose);
    }

    public static RequiredPort esp(Target target, String purpose) {
        return new RequiredPort(Protocol.ESP, 0, -1, -1, target, purpose);
    }

    /** {@code 8472/udp}, {@code icmp 8/0}, {@code esp (IP protocol 50)}. */
    public String spec() {
        return switch (protocol) {
            case TCP, UDP -> port + "/" + protocol.name().toLowerCase(Locale.ROOT);
            case ICMP -> "icmp " + icmpType + "/" + icmpCode;
            case ESP -> "esp (IP protocol 50)";
        };
    }

    /** {@code 8472/udp between all node subnets: VXLAN tunnel}. */
    @Override
    public String toString() {
        return spec() + " " + target.text() + ": " + purpose;
    }
}
