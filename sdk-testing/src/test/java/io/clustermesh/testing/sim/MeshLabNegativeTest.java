package io.clustermesh.testing.sim;

import io.clustermesh.report.AgentStatus;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.report.RemoteClusterStatus;
import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken meshes yield the RemoteCluster status and CLI-style texts of the agent's cluster-mesh status, through the SDK's
 * unchanged status code. One converged 3-cluster lab, then three faults at once:
 * <ul>
 *   <li>cluster1 lists cluster2 under a wrong name ({@code cluster-two}, cluster2's real address);</li>
 *   <li>cluster1 lists cluster3 at an address nothing answers on (an unreachable LB IP);</li>
 *   <li>cluster3's clustermesh-apiserver gets certificates of a different CA (a cluster given a different CA).</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshLabNegativeTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    MeshLab lab;
    Mesh mesh;
    MeshStatus status;

    @BeforeAll
    void breakAConvergedMesh() {
        lab = MeshLab.builder().clusters(3).nodesPerCluster(1).lbDelay(Duration.ofMillis(100)).rolloutDelay(Duration.ofMillis(100)).start();
        mesh = lab.meshBuilder().build();
        assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();

        // cluster1: cluster2 under a wrong name, cluster3 at a dead address (the chart's list form of 1.16)
        ClusterConnection c1 = MeshContexts.of(mesh).connection("cluster1");
        MeshCluster mc1 = mesh.resolvedSpec().cluster("cluster1").orElseThrow();
        HelmRelease r = lab.helmTransport().release(c1, mc1, "kube-system", "cilium").orElseThrow();
        Map<String, Object> values = deepCopy(r.values());
        List<Map<String, Object>> clusters = clusters(values);
        for (Map<String, Object> entry : clusters) {
            if (entry.get("name").equals("cluster2")) {
                entry.put("name", "cluster-two");
            } else if (entry.get("name").equals("cluster3")) {
                entry.put("ips", new ArrayList<>(List.of("172.16.3.99")));
            }
        }
        lab.helmTransport().upgradeInstall(c1, mc1, new HelmRequest("kube-system", "cilium", "cilium", null, r.chartVersion(), values, null));

        // cluster3: server and remote certificates of another CA
        BouncyCastleCertificateAuthority bc = new BouncyCastleCertificateAuthority();
        PemCredential otherCa = bc.createCa("Another CA", Duration.ofDays(30));
        ApiserverCertificates other = new MeshCertificates(bc).issue(otherCa, MeshCertificates.Profile.of("cluster3"));
        ClusterConnection c3 = MeshContexts.of(mesh).connection("cluster3");
        c3.putSecret("kube-system", tls("clustermesh-apiserver-server-cert", otherCa, other.server()));
        c3.putSecret("kube-system", tls("clustermesh-apiserver-remote-cert", otherCa, other.remote()));

        lab.cilium("cluster1").awaitRemotes(rs -> rs.stream().anyMatch(x -> x.name().equals("cluster-two") && x.connected())
                && rs.stream().anyMatch(x -> x.name().equals("cluster3") && x.status().contains("refused")), WAIT);
        lab.cilium("cluster2").awaitRemotes(rs -> rs.stream().anyMatch(x -> x.name().equals("cluster3") && x.status().contains("x509")), WAIT);
        lab.cilium("cluster3").awaitRemotes(rs -> rs.stream().allMatch(x -> x.status().contains("x509")), WAIT);
        status = mesh.status();
    }

    @AfterAll
    void close() {
        if (mesh != null) {
            mesh.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aPeerEntryWithTheWrongClusterNameConnectsButFindsNoClusterConfiguration() {
        RemoteClusterStatus wrong = remote("cluster1", "cluster-two");
        assertThat(wrong.connected()).isTrue();
        assertThat(wrong.ready()).isFalse();
        assertThat(wrong.configRequired()).isTrue();
        assertThat(wrong.configRetrieved()).isFalse();
        assertThat(wrong.status()).contains("cluster configuration expected to be present but not found")
                .contains("cilium/cluster-config/cluster-two");
        assertThat(wrong.remediation()).contains("was not found").contains("cluster.name");
        // and the SDK reports cluster2 as not configured on cluster1's agents
        PeerStatus peer = peer("cluster1", "cluster2");
        assertThat(peer.configured()).isZero();
        assertThat(peer.errors()).anySatisfy(e -> assertThat(e).startsWith("not configured on cilium-")
                .contains("add cluster2 to clustermesh.config.clusters"));
        // and names the entry that is there instead, with the agents' error
        assertThat(cluster("cluster1").errors()).anySatisfy(e -> assertThat(e)
                .startsWith("the agents are configured for a remote cluster 'cluster-two' that is not in the mesh (cluster configuration "
                        + "expected to be present but not found"));
    }

    @Test
    void anUnreachableLoadBalancerAddressIsConnectionRefused() {
        RemoteClusterStatus dead = remote("cluster1", "cluster3");
        assertThat(dead.connected()).isFalse();
        assertThat(dead.ready()).isFalse();
        assertThat(dead.numFailures()).isPositive();
        assertThat(dead.status()).isEqualTo("failed to connect to etcd: dial tcp 172.16.3.99:2379: connect: connection refused");
        PeerStatus peer = peer("cluster1", "cluster3");
        assertThat(peer.configured()).isEqualTo(1);
        assertThat(peer.connected()).isZero();
        assertThat(peer.errors()).singleElement().asString()
                .contains("connection refused - fix: check that 2379/tcp is open from this cluster's nodes to cluster3");
    }

    @Test
    void aClusterGivenADifferentCaFailsTheTlsHandshakeBothWays() {
        RemoteClusterStatus c2SeesC3 = remote("cluster2", "cluster3");
        assertThat(c2SeesC3.connected()).isFalse();
        assertThat(c2SeesC3.status()).startsWith("failed to connect to etcd: tls: failed to verify certificate: x509: certificate signed by unknown authority")
                .contains("172.16.3.250:2379 (cluster3.mesh.cilium.io)");
        assertThat(c2SeesC3.remediation()).contains("do not trust one CA");
        RemoteClusterStatus c3SeesC1 = remote("cluster3", "cluster1");
        assertThat(c3SeesC1.connected()).isFalse();
        assertThat(c3SeesC1.status()).contains("x509: certificate signed by unknown authority");
        assertThat(peer("cluster2", "cluster3").errors()).singleElement().asString().contains(" - fix: the clusters do not trust one CA");
        // the healthy pair is untouched
        assertThat(peer("cluster2", "cluster1").fullyConnected()).isTrue();
    }

    // ------------------------------------------------------------------

    private ClusterStatus cluster(String name) {
        return status.clusters().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private PeerStatus peer(String cluster, String peer) {
        return cluster(cluster).peers().stream().filter(p -> p.peer().equals(peer)).findFirst().orElseThrow();
    }

    private RemoteClusterStatus remote(String cluster, String peer) {
        AgentStatus agent = cluster(cluster).agents().get(0);
        return agent.remotes().stream().filter(r -> r.name().equals(peer)).findFirst()
                .orElseThrow(() -> new AssertionError(cluster + " has no remote " + peer + ": " + agent));
    }

    private static SecretData tls(String name, PemCredential ca, PemCredential leaf) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("ca.crt", ca.certificatePem().getBytes(StandardCharsets.UTF_8));
        data.put("tls.crt", leaf.certificatePem().getBytes(StandardCharsets.UTF_8));
        data.put("tls.key", leaf.privateKeyPem().getBytes(StandardCharsets.UTF_8));
        return new SecretData(name, null, "kubernetes.io/tls", Map.of(), data);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> clusters(Map<String, Object> values) {
        return (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String, Object>) values.get("clustermesh")).get("config")).get("clusters");
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T o) {
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> c = new LinkedHashMap<>();
            m.forEach((k, v) -> c.put(k, deepCopy(v)));
            return (T) c;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            l.forEach(v -> c.add(deepCopy(v)));
            return (T) c;
        }
        return o;
    }
}
