package io.clustermesh.testing.sim;

import io.clustermesh.model.IpCidr;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.clustermesh.testing.sim.SimObjects.NAMESPACE;

/**
 * AKS's cloud-provider service controller for the {@code clustermesh-apiserver} Service of one lab cluster: a Service of
 * type LoadBalancer gets {@code status.loadBalancer.ingress[0].ip} after the LB delay — the address asked for with
 * {@code service.beta.kubernetes.io/azure-load-balancer-ipv4} or {@code spec.loadBalancerIP} (it must lie in the
 * cluster's subnet, else no address and one Warning event {@code SyncLoadBalancerFailed}), otherwise the next free
 * address of the subnet. Never for other Service types (their ingress is cleared). Called on the simulator's
 * serialised pass only.
 */
final class SimulatedLoadBalancer {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedLoadBalancer.class);

    private final String cluster;
    private final KubernetesClient kube;
    private final IpCidr subnet;
    private final Duration lbDelay;
    private final Set<String> warned = new LinkedHashSet<>();
    private SimObjects.Pending lb;

    SimulatedLoadBalancer(String cluster, KubernetesClient kube, IpCidr subnet, Duration lbDelay) {
        this.cluster = cluster;
        this.kube = kube;
        this.subnet = subnet;
        this.lbDelay = lbDelay;
    }

    /** @return when (System.nanoTime) the address is due, {@link Long#MAX_VALUE} when nothing is pending */
    long sync(Service svc, List<Node> nodes, long now) {
        if (svc == null) {
            lb = null;
            return Long.MAX_VALUE;
        }
        String current = SimObjects.ingressIp(svc);
        if (!"LoadBalancer".equals(svc.getSpec().getType())) {
            lb = null;
            if (current != null) {
                svc.setStatus(new ServiceStatusBuilder().build());
                kube.services().inNamespace(NAMESPACE).resource(svc).updateStatus();
            }
            return Long.MAX_VALUE;
        }
        Map<String, String> annotations = svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations();
        String requested = annotations.getOrDefault("service.beta.kubernetes.io/azure-load-balancer-ipv4", svc.getSpec().getLoadBalancerIP());
        String target;
        if (requested != null && !requested.isBlank()) {
            if (!IpCidr.isAddress(requested) || !subnet.contains(requested)) {
                warnOnce(svc, requested);
                lb = null;
                return Long.MAX_VALUE;
            }
            target = requested;
        } else if (current != null) {
            target = current;
        } else {
            target = nextFree(nodes);
        }
        if (target.equals(current)) {
            lb = null;
            return Long.MAX_VALUE;
        }
        String what = svc.getMetadata().getUid() + "/" + target;
        if (lb == null || !lb.what().equals(what)) {
            lb = new SimObjects.Pending(what, now + lbDelay.toNanos());
        }
        if (now - lb.readyAtNanos() < 0) {
            return lb.readyAtNanos();
        }
        svc.setStatus(new ServiceStatusBuilder().withLoadBalancer(new LoadBalancerStatusBuilder()
                .withIngress(new LoadBalancerIngressBuilder().withIp(target).withIpMode("VIP").build()).build()).build());
        kube.services().inNamespace(NAMESPACE).resource(svc).updateStatus();
        lb = null;
        LOG.debug("{}: clustermesh-apiserver LoadBalancer IP {}", cluster, target);
        return Long.MAX_VALUE;
    }

    private String nextFree(List<Node> nodes) {
        Set<String> used = new LinkedHashSet<>();
        nodes.forEach(n -> used.add(SimObjects.internalIp(n)));
        for (Service s : kube.services().inAnyNamespace().list().getItems()) {
            String ip = SimObjects.ingressIp(s);
            if (ip != null) {
                used.add(ip);
            }
        }
        long size = subnet.size().longValue();
        for (long i = 4; i < size - 1; i++) {
            String a = subnet.address(i);
            if (!used.contains(a)) {
                return a;
            }
        }
        throw new IllegalStateException(cluster + ": no free address left in " + subnet);
    }

    private void warnOnce(Service svc, String requested) {
        String key = svc.getMetadata().getUid() + "/" + requested;
        if (!warned.add(key)) {
            return;
        }
        String message = "Error syncing load balancer: failed to ensure load balancer: the requested private IP " + requested
                + " is not in the subnet " + subnet + " of the cluster";
        kube.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder().withNewMetadata()
                .withName(SimulatedCilium.APISERVER + "." + Long.toHexString(System.nanoTime())).withNamespace(NAMESPACE).endMetadata()
                .withType("Warning").withReason("SyncLoadBalancerFailed").withMessage(message)
                .withNewInvolvedObject().withKind("Service").withNamespace(NAMESPACE).withName(SimulatedCilium.APISERVER)
                .withUid(svc.getMetadata().getUid()).endInvolvedObject()
                .withNewSource().withComponent("service-controller").endSource().build()).create();
        LOG.info("{}: {}", cluster, message);
    }
}
