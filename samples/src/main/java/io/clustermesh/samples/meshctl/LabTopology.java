package io.clustermesh.samples.meshctl;

import io.clustermesh.azure.AzureLabTopology;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabClusterSpec;
import io.clustermesh.testing.LabWorkloads;
import io.clustermesh.testing.MeshLab;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The demo's glue between the lab and the article: its Azure topology, its workload, and waits on the lab. */
final class LabTopology {
    private LabTopology() {
    }

    /** The article's hub-and-spoke topology for the lab's clusters (their names, subnets and CIDRs). */
    static AzureLabTopology of(MeshLab lab, String subscription) {
        List<AzureLabTopology.Spoke> spokes = new ArrayList<>();
        int id = 0;
        for (LabCluster c : lab.clusters()) {
            LabClusterSpec s = c.spec();
            id++;
            spokes.add(new AzureLabTopology.Spoke(s.resourceGroup(), "vnet-" + s.name(), s.subnet(), MeshLab.SUBNET, s.subnet(),
                    new AzureLabTopology.Cluster(s.name(), id, s.name(), s.podCidr(), s.serviceCidr(), s.dnsServiceIp(),
                            "Standard_D2s_v5", s.nodeCount(), s.kubernetesVersion(), s.meshIp())));
        }
        return new AzureLabTopology(subscription, lab.clusters().get(0).spec().region(),
                new AzureLabTopology.Hub(MeshLab.HUB_RESOURCE_GROUP, MeshLab.VIRTUAL_WAN, MeshLab.HUB, io.clustermesh.testing.LabAddressing.HUB_PREFIX),
                spokes);
    }

    static boolean awaitKubeProxyGone(MeshLab lab, Duration timeout) {
        return await(timeout, () -> lab.clusters().stream().allMatch(c ->
                c.client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get() == null));
    }

    static void deployHelloWorld(MeshLab lab, String namespace, String name, int replicas) {
        LabWorkloads.deploy(lab, namespace, name, replicas);
    }

    private static boolean await(Duration timeout, BooleanSupplier condition) {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
