/**
 * The embedded mesh lab: a whole Cilium Cluster Mesh on one machine, hermetic, on loopback only.
 *
 * <ul>
 *   <li>{@link io.clustermesh.testing.MeshLab} — N lab clusters, optionally the fake ARM, one
 *       {@link io.clustermesh.testing.LoopbackResolver}, addons (the simulated Cilium plugs in as a
 *       {@link io.clustermesh.testing.LabAddon});</li>
 *   <li>{@link io.clustermesh.testing.LabCluster} — fabric8's mock API server in CRUD mode seeded like an AKS BYOCNI
 *       cluster, behind a TLS front with a bearer token, with latency, faults and counters;</li>
 *   <li>{@link io.clustermesh.testing.MeshLabTest} — the JUnit 5 extension;</li>
 *   <li>{@link io.clustermesh.testing.LabAddressing} — the address plan (valid up to 255 clusters);</li>
 *   <li>{@link io.clustermesh.testing.etcd} — real etcd processes; {@link io.clustermesh.testing.arm} — the fake
 *       Azure Resource Manager.</li>
 * </ul>
 */
package io.clustermesh.testing;
