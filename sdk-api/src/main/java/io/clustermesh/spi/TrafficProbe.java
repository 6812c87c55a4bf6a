package io.clustermesh.spi;

import io.clustermesh.ProbeAnswer;

import java.util.List;

/**
 * Sends requests to a Service from inside one cluster and tells who answered: what
 * {@code mesh.services().probe(ns, name).from(cluster).requests(n)} runs on.
 *
 * <p>The embedded lab implements it with its simulated agents (each resolves the Service from what the peers
 * publish under {@code cilium/state/services/v1/<cluster>/<ns>/<name>}, honouring {@code shared} and
 * {@code affinity}). On real clusters it can be implemented by exec'ing a client (curl) in a pod of the cluster and
 * mapping each response to the backend that sent it. Given to {@code Mesh.builder().trafficProbe(...)}, else found
 * with {@link java.util.ServiceLoader}; without one, probes fail with a {@code MeshException} that says so.
 *
 * <p>Contract: return exactly {@code requests} answers in the order the requests were sent; a request without an
 * answer (no backend, timeout, refused) is a {@link ProbeAnswer#failed(String)} entry, not an exception. Throw a
 * {@code MeshException} only when probing itself is impossible (unknown cluster, no client pod, API unreachable).
 * Deterministic implementations (the lab) should spread requests over the selected backends the way Cilium's
 * random selection would on average, e.g. round-robin, so tests can assert exact distributions. Never block
 * without a bound: give every exec a timeout ({@link ClusterConnection#exec}).
 */
public interface TrafficProbe extends MeshProvider {

    /**
     * Sends {@code requests} requests to {@code namespace/name} (its ClusterIP and first port) from a client in the
     * cluster of {@code from}.
     *
     * @param from the mesh's connection to the cluster the requests start in ({@link ClusterConnection#cluster()}
     *             names it); use it to find or exec into a client pod
     * @return one answer per request, in order
     */
    List<ProbeAnswer> send(ClusterConnection from, String namespace, String name, int requests);
}
