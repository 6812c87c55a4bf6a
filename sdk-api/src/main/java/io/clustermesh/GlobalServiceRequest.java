package io.clustermesh;

import io.clustermesh.internal.ServiceRequests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes a Service global in some or all clusters of the mesh, as in
 * {@code mesh.services().global("meshtest", "aks-helloworld-one").shared(false).in("cluster1").apply()}.
 *
 * <p>Writes the canonical annotations ({@code service.cilium.io/global|shared|affinity}) and removes their legacy
 * aliases ({@code io.cilium/global-service|shared-service|service-affinity}); a setting not asked for keeps its
 * current value (a legacy one is carried over to the canonical key). {@code affinity(NONE)} removes the affinity
 * annotation: absent means none for every Cilium version. Nothing is written where the annotations already say
 * what is asked. A cluster without the Service is not written to and is reported as a finding (Cilium merges
 * remote backends only into an existing local Service).
 */
public final class GlobalServiceRequest {

    static {
        ServiceRequests.setGlobalFactory(GlobalServiceRequest::new);
    }

    private final String namespace;
    private final String name;
    private final ServiceRequests.GlobalServiceWriter executor;
    private Boolean shared;
    private Affinity affinity;
    private final List<String> clusters = new ArrayList<>();

    private GlobalServiceRequest(String namespace, String name, ServiceRequests.GlobalServiceWriter executor) {
        this.namespace = requireName(namespace, "namespace");
        this.name = requireName(name, "name");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    private static String requireName(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }

    /** {@code false}: use remote backends but do not export the local ones ({@code service.cilium.io/shared}). */
    public GlobalServiceRequest shared(boolean on) {
        this.shared = on;
        return this;
    }

    /** Which backends to prefer ({@code service.cilium.io/affinity}). */
    public GlobalServiceRequest affinity(Affinity a) {
        this.affinity = Objects.requireNonNull(a, "affinity");
        return this;
    }

    /** Limits the change to these clusters (default: every cluster of the mesh). */
    public GlobalServiceRequest in(String... clusterNames) {
        Objects.requireNonNull(clusterNames, "clusters");
        for (String c : clusterNames) {
            clusters.add(requireName(c, "cluster"));
        }
        return this;
    }

    /** Writes the annotations where they differ, reads them back, and checks the whole mesh afterwards. */
    public ServiceUpdate apply() {
        return executor.apply(this);
    }

    /** Turns the Service back into a local one in the requested clusters (removes all its global-service annotations). */
    public ServiceUpdate remove() {
        return executor.remove(this);
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    /** The shared setting asked for, if any. */
    public Optional<Boolean> requestedShared() {
        return Optional.ofNullable(shared);
    }

    /** The affinity asked for, if any. */
    public Optional<Affinity> requestedAffinity() {
        return Optional.ofNullable(affinity);
    }

    /** The clusters asked for; empty means all. */
    public List<String> clusters() {
        return Collections.unmodifiableList(clusters);
    }

    @Override
    public String toString() {
        return "global " + namespace + "/" + name + (shared == null ? "" : " shared=" + shared)
                + (affinity == null ? "" : " affinity=" + affinity.value()) + (clusters.isEmpty() ? " in all clusters" : " in " + clusters);
    }
}
