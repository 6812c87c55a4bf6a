package io.clustermesh.testing.helm;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The clustermesh-apiserver (etcd on 2379, the whole mesh's state) accepts connections only from its peers' node
 * ranges: from chart 1.17 the SDK writes {@code clustermesh.apiserver.service.loadBalancerSourceRanges}, the real chart
 * renders it into the Service, and the lab's load balancers drop connections from outside it (the simulated agents'
 * dials time out), so a mesh converges only if every peer's range is there.
 */
class ApiserverSourceRangesTest {

    @Test
    void eachApiserverAdmitsOnlyItsPeersAndAddingAClusterWidensEveryPeerInOnePass() {
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).helm(MeshLab.Helm.REAL)
                .charts(FixtureCharts.dir("1.17.17")).cilium(CiliumOptions.version("1.17.17")).start()) {
            MeshSpec all = lab.spec();
            MeshSpec two = all.withClusters(all.clusters().subList(0, 2));
            String subnet1 = lab.cluster("cluster1").spec().subnet();
            String subnet2 = lab.cluster("cluster2").spec().subnet();
            String subnet3 = lab.cluster("cluster3").spec().subnet();
            try (Mesh mesh = lab.meshBuilder().spec(two).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.notes().get("cluster1.apiserverSources")).isEqualTo("the clustermesh-apiserver (port 2379) accepts "
                        + "connections only from the peers' node ranges " + subnet2 + " (clustermesh.apiserver.service.loadBalancerSourceRanges)");
                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                assertThat(sourceRanges(lab.cluster("cluster1"))).containsExactly(subnet2);
                assertThat(sourceRanges(lab.cluster("cluster2"))).containsExactly(subnet1);
            }
            try (Mesh mesh = lab.meshBuilder().spec(all).build()) {
                MeshReport report = mesh.apply(mesh.plan());
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                assertThat(report.steps().stream().filter(s -> s.kind().startsWith("helm-upgrade") && s.changed()).map(s -> s.cluster()))
                        .as("one pass: every cluster upgraded once").containsExactlyInAnyOrder("cluster1", "cluster2", "cluster3");
                assertThat(sourceRanges(lab.cluster("cluster1"))).containsExactly(subnet2, subnet3);
                assertThat(sourceRanges(lab.cluster("cluster2"))).containsExactly(subnet1, subnet3);
                assertThat(sourceRanges(lab.cluster("cluster3"))).containsExactly(subnet1, subnet2);
                MeshStatus status = mesh.status();
                assertThat(status.healthy()).as(status.toText()).isTrue();

                // behind the SDK's back: cluster2's load balancer no longer admits cluster1's nodes
                lab.cluster("cluster2").client().services().inNamespace("kube-system").withName("clustermesh-apiserver")
                        .edit(s -> {
                            s.getSpec().setLoadBalancerSourceRanges(List.of(subnet3));
                            return s;
                        });
                PeerStatus cut = awaitPeer(mesh, "cluster1", "cluster2", false);
                assertThat(String.valueOf(cut)).contains("i/o timeout");
                assertThat(ok(peer(mesh.status(), "cluster3", "cluster2"))).as("cluster3 is still admitted").isTrue();
            }
        }
    }

    @Test
    void chart116CannotRestrictSoThePlanGivesTheNetworkSecurityGroupRule() {
        try (MeshLab lab = MeshLab.builder().clusters(2).nodesPerCluster(1).start(); Mesh mesh = lab.meshBuilder().build()) {
            MeshPlan plan = mesh.plan();
            assertThat(plan.notes().get("cluster1.apiserverSources"))
                    .startsWith("chart 1.16.19 cannot restrict who reaches the clustermesh-apiserver (port 2379")
                    .contains("az network nsg rule create").contains("--destination-port-ranges 2379")
                    .contains("--source-address-prefixes " + lab.cluster("cluster2").spec().subnet());
            assertThat(mesh.apply(plan).succeeded()).isTrue();
            assertThat(sourceRanges(lab.cluster("cluster1"))).isEmpty();
        }
    }

    private static List<String> sourceRanges(LabCluster c) {
        Service svc = c.client().services().inNamespace("kube-system").withName("clustermesh-apiserver").get();
        List<String> ranges = svc.getSpec().getLoadBalancerSourceRanges();
        return ranges == null ? List.of() : ranges;
    }

    private static PeerStatus awaitPeer(Mesh mesh, String cluster, String peer, boolean connected) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        PeerStatus p = peer(mesh.status(), cluster, peer);
        while (ok(p) != connected && Instant.now().isBefore(deadline)) {
            p = peer(mesh.status(), cluster, peer);
        }
        assertThat(ok(p)).as(cluster + " -> " + peer + ": " + p).isEqualTo(connected);
        return p;
    }

    private static boolean ok(PeerStatus p) {
        return p.agents() > 0 && p.connected() == p.agents();
    }

    private static PeerStatus peer(MeshStatus status, String cluster, String peer) {
        return status.cluster(cluster).peers().stream().filter(p -> p.peer().equals(peer)).findFirst()
                .orElseThrow(() -> new AssertionError(cluster + " has no peer " + peer + ": " + status.toText()));
    }
}
