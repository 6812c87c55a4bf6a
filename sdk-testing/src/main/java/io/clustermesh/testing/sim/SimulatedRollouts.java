package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static io.clustermesh.testing.sim.SimObjects.NAMESPACE;

/**
 * The kubelet and the workload controllers of one lab cluster, for Cilium's workloads: one agent pod per node for the
 * DaemonSet {@code cilium} ({@code k8s-app=cilium}, Ready, {@code nodeName}, host-network IP; pods of deleted nodes
 * are removed, and only pods made here are ever deleted), and the DaemonSet and the Deployment
 * {@code clustermesh-apiserver} marked rolled out ({@code observedGeneration}, ready/updated counts) the rollout delay
 * after each new generation. Called on the simulator's serialised pass only.
 */
final class SimulatedRollouts {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedRollouts.class);
    static final String OWNER_LABEL = "clustermesh.io/lab-owner";

    private final String cluster;
    private final KubernetesClient kube;
    private final Duration rolloutDelay;
    private final Map<String, SimObjects.Pending> rollouts = new HashMap<>();
    private volatile Set<String> agentPods = Set.of();

    SimulatedRollouts(String cluster, KubernetesClient kube, Duration rolloutDelay) {
        this.cluster = cluster;
        this.kube = kube;
        this.rolloutDelay = rolloutDelay;
    }

    /** The agent pods as of the last pass (read by exec on other threads). */
    Set<String> agentPods() {
        return agentPods;
    }

    void syncAgentPods(DaemonSet ds, List<Node> nodes) {
        List<Pod> pods = kube.pods().inNamespace(NAMESPACE).withLabel(OWNER_LABEL, "simulated-cilium").list().getItems();
        Map<String, Pod> byNode = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (Pod p : pods) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            boolean nodeGone = nodes.stream().noneMatch(n -> n.getMetadata().getName().equals(node));
            if (ds == null || nodeGone) {
                kube.pods().inNamespace(NAMESPACE).withName(p.getMetadata().getName()).delete();
            } else {
                byNode.put(node, p);
                names.add(p.getMetadata().getName());
            }
        }
        if (ds != null) {
            for (Node n : nodes) {
                String node = n.getMetadata().getName();
                if (byNode.containsKey(node)) {
                    continue;
                }
                String ip = SimObjects.internalIp(n);
                String name = "cilium-" + suffix(node);
                kube.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
                        .addToLabels("k8s-app", "cilium").addToLabels(OWNER_LABEL, "simulated-cilium").endMetadata()
                        .withNewSpec().withNodeName(node).withHostNetwork(true).addNewContainer().withName("cilium-agent")
                        .withImage("quay.io/cilium/cilium").endContainer().endSpec()
                        .withNewStatus().withPhase("Running").withPodIP(ip).withHostIP(ip)
                        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
                names.add(name);
            }
        }
        agentPods = Set.copyOf(names);
    }

    private static String suffix(String node) {
        String h = SimObjects.sha256(node).substring(0, 5);
        return h.replaceAll("[^a-z0-9]", "x");
    }

    /**
     * Marks {@code workload} rolled out once its generation is {@code rolloutDelay} old.
     *
     * @return when (System.nanoTime) the next step is due, {@link Long#MAX_VALUE} when nothing is pending
     */
    long rollout(String kind, HasMetadata workload, int desired, long now) {
        if (workload == null) {
            rollouts.remove(kind);
            return Long.MAX_VALUE;
        }
        long generation = workload.getMetadata().getGeneration() == null ? 1 : workload.getMetadata().getGeneration();
        boolean done;
        if (workload instanceof Deployment d) {
            var st = d.getStatus();
            done = st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation
                    && Objects.equals(st.getReadyReplicas(), desired) && Objects.equals(st.getUpdatedReplicas(), desired);
        } else {
            var st = ((DaemonSet) workload).getStatus();
            done = st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation
                    && Objects.equals(st.getDesiredNumberScheduled(), desired) && Objects.equals(st.getNumberReady(), desired)
                    && Objects.equals(st.getUpdatedNumberScheduled(), desired);
        }
        if (done) {
            rollouts.remove(kind);
            return Long.MAX_VALUE;
        }
        String what = workload.getMetadata().getUid() + "/" + generation + "/" + desired;
        SimObjects.Pending p = rollouts.get(kind);
        if (p == null || !p.what().equals(what)) {
            p = new SimObjects.Pending(what, now + rolloutDelay.toNanos());
            rollouts.put(kind, p);
        }
        if (now - p.readyAtNanos() < 0) {
            return p.readyAtNanos();
        }
        if (workload instanceof Deployment d) {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(generation).withReplicas(desired).withReadyReplicas(desired)
                    .withUpdatedReplicas(desired).withAvailableReplicas(desired).build());
            kube.apps().deployments().inNamespace(NAMESPACE).resource(d).updateStatus();
        } else {
            DaemonSet s = (DaemonSet) workload;
            s.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation).withDesiredNumberScheduled(desired)
                    .withCurrentNumberScheduled(desired).withNumberReady(desired).withUpdatedNumberScheduled(desired)
                    .withNumberAvailable(desired).withNumberMisscheduled(0).build());
            kube.apps().daemonSets().inNamespace(NAMESPACE).resource(s).updateStatus();
        }
        rollouts.remove(kind);
        LOG.debug("{}: {} generation {} rolled out", cluster, kind, generation);
        return Long.MAX_VALUE;
    }
}
