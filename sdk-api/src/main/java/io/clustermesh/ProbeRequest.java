package io.clustermesh;

import io.clustermesh.internal.ServiceRequests;

import java.util.Objects;

/**
 * Requests to send to a Service from one cluster, to see which clusters answer:
 * {@code mesh.services().probe("meshtest", "web").from("cluster2").requests(100)}.
 * Needs a {@link io.clustermesh.spi.TrafficProbe}; without one, {@link #requests(int)} throws a
 * {@link MeshException} naming what to add.
 */
public final class ProbeRequest {
    /** Largest number of requests per probe. */
    public static final int MAX_REQUESTS = 10_000;

    static {
        ServiceRequests.setProbeFactory(ProbeRequest::new);
    }

    private final String namespace;
    private final String name;
    private final ServiceRequests.ProbeSender sender;
    private String fromCluster;

    private ProbeRequest(String namespace, String name, ServiceRequests.ProbeSender sender) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.name = Objects.requireNonNull(name, "name");
        this.sender = Objects.requireNonNull(sender, "sender");
    }

    /** The cluster the requests leave from (a client pod there). */
    public ProbeRequest from(String cluster) {
        this.fromCluster = Objects.requireNonNull(cluster, "cluster");
        return this;
    }

    /**
     * Sends {@code n} requests and returns who answered each.
     *
     * @throws IllegalStateException    if {@link #from(String)} was not called
     * @throws IllegalArgumentException if {@code n} is not within 1..{@value #MAX_REQUESTS}
     */
    public ProbeResult requests(int n) {
        if (n < 1 || n > MAX_REQUESTS) {
            throw new IllegalArgumentException("requests must be between 1 and " + MAX_REQUESTS + ", was " + n);
        }
        if (fromCluster == null) {
            throw new IllegalStateException("say where the requests leave from: probe(" + namespace + ", " + name + ").from(cluster)");
        }
        return sender.send(namespace, name, fromCluster, n);
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ProbeRequest[" + namespace + "/" + name + (fromCluster == null ? "" : " from " + fromCluster) + "]";
    }
}
