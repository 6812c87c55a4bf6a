package io.clustermesh.model;

import java.util.Locale;

/** Cilium {@code routingMode}. AKS BYOCNI requires {@link #TUNNEL}. */
public enum RoutingMode {
    TUNNEL("tunnel"), NATIVE("native");

    private final String value;

    RoutingMode(String value) {
        this.value = value;
    }

    /** The value as the Helm chart and {@code cilium-config} spell it. */
    public String value() {
        return value;
    }

    /** Parses the chart spelling; {@code null} if unknown. */
    public static RoutingMode fromValue(String s) {
        for (RoutingMode m : values()) {
            if (m.value.equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }
}
