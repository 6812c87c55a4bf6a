package io.clustermesh.model;

import java.util.Objects;

/**
 * How each clustermesh-apiserver is exposed to its peers.
 *
 * @param type the Service shape
 */
public record Exposure(Type type) {

    public enum Type {
        /** LoadBalancer with {@code service.beta.kubernetes.io/azure-load-balancer-internal: "true"} (AKS). */
        AZURE_INTERNAL_LB("azure-internal-lb"),
        /** A plain LoadBalancer Service. */
        LOAD_BALANCER("load-balancer"),
        /** NodePort (the chart default; peers reach node IPs). */
        NODE_PORT("node-port");

        private final String value;

        Type(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        public static Type fromValue(String s) {
            for (Type t : values()) {
                if (t.value.equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }

    public Exposure {
        Objects.requireNonNull(type, "type");
    }

    public static Exposure azureInternalLoadBalancer() {
        return new Exposure(Type.AZURE_INTERNAL_LB);
    }

    public static Exposure loadBalancer() {
        return new Exposure(Type.LOAD_BALANCER);
    }

    public static Exposure nodePort() {
        return new Exposure(Type.NODE_PORT);
    }

    /** Whether the Service is of type LoadBalancer (an LB IP must be waited for). */
    public boolean isLoadBalancer() {
        return type != Type.NODE_PORT;
    }
}
