/**
 * Cilium on the lab: the {@linkplain io.clustermesh.testing.sim.LabChart lab chart} and
 * {@linkplain io.clustermesh.testing.sim.LabHelmTransport Helm transport} that render and apply it like
 * {@code helm upgrade --install} would, and the {@linkplain io.clustermesh.testing.sim.SimulatedCilium simulated Cilium}
 * of each cluster (load balancer, rollouts, agent pods, a real etcd as the clustermesh-apiserver, agents that connect to
 * their peers over real mutual TLS and answer {@code cilium-dbg status -o json}). {@code io.clustermesh.testing.MeshLab}
 * wires them in by default:
 *
 * <pre>{@code
 * try (MeshLab lab = MeshLab.builder().clusters(3).lbDelay(Duration.ofMillis(200)).start();
 *      Mesh mesh = lab.meshBuilder().build()) {          // spec, lab Helm transport, lab timeouts
 *     mesh.apply(mesh.plan());
 *     MeshStatus status = mesh.status();                   // the SDK's own status code, through exec
 *     lab.cilium("cluster1").remoteClusters();             // what the simulated agents see
 * }
 * }</pre>
 */
package io.clustermesh.testing.sim;
