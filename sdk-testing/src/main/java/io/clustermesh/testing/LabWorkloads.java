package io.clustermesh.testing;

import io.clustermesh.model.IpCidr;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Workloads on lab clusters, as a Deployment and its kube-controller-manager would leave them: a Service, Ready pods
 * with IPs from the cluster's pod CIDR on its nodes, and an EndpointSlice. For global-service tests and the demo.
 */
public final class LabWorkloads {
    private LabWorkloads() {
    }

    /**
     * Deploys {@code namespace/name} (port 80, selector {@code app=<name>}) with {@code replicas} ready pods in every
     * cluster of the lab. Idempotent.
     */
    public static void deploy(MeshLab lab, String namespace, String name, int replicas) {
        for (LabCluster c : lab.clusters()) {
            deploy(c, namespace, name, replicas);
        }
    }

    /** Deploys the workload in one cluster. */
    public static void deploy(LabCluster cluster, String namespace, String name, int replicas) {
        KubernetesClient k = cluster.client();
        if (k.namespaces().withName(namespace).get() == null) {
            k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
        }
        Map<String, String> labels = Map.of("app", name);
        if (k.services().inNamespace(namespace).withName(name).get() == null) {
            k.services().inNamespace(namespace).resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withLabels(labels).endMetadata().withNewSpec().withType("ClusterIP").withSelector(labels)
                    .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString(80)).endPort()
                    .endSpec().build()).create();
        }
        IpCidr pods = IpCidr.parse(cluster.spec().podCidr());
        List<String> nodes = cluster.spec().nodeNames();
        List<Pod> created = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String podName = name + "-" + cluster.name() + "-" + i;
            String ip = pods.address(200 + i);
            Pod pod = new PodBuilder().withNewMetadata().withName(podName).withNamespace(namespace).withLabels(labels).endMetadata()
                    .withNewSpec().withNodeName(nodes.get(i % nodes.size())).addNewContainer().withName("app")
                    .withImage("mcr.microsoft.com/azuredocs/aks-helloworld:v1").endContainer().endSpec()
                    .withNewStatus().withPhase("Running").withPodIP(ip).addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .endStatus().build();
            if (k.pods().inNamespace(namespace).withName(podName).get() == null) {
                k.pods().inNamespace(namespace).resource(pod).create();
            }
            created.add(pod);
        }
        EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata().withName(name + "-lab").withNamespace(namespace)
                .withLabels(Map.of("kubernetes.io/service-name", name)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort();
        for (Pod p : created) {
            slice.addToEndpoints(new EndpointBuilder().withAddresses(p.getStatus().getPodIP()).withNodeName(p.getSpec().getNodeName())
                    .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                    .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(namespace).endTargetRef().build());
        }
        k.discovery().v1().endpointSlices().inNamespace(namespace).resource(slice.build()).createOr(r -> r.update());
    }
}
