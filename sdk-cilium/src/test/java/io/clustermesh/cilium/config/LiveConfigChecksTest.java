package io.clustermesh.cilium.config;

import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Live cilium-config agreement across clusters, and the ports a live datapath needs. */
class LiveConfigChecksTest {

    /** cilium-config data as the chart renders it for the article's settings, with overrides. */
    static Map<String, String> config(String... overrides) {
        Map<String, String> d = new HashMap<>(Map.of("routing-mode", "tunnel", "tunnel-protocol", "vxlan", "kube-proxy-replacement", "true",
                "cluster-name", "x"));
        for (int i = 0; i < overrides.length; i += 2) {
            d.put(overrides[i], overrides[i + 1]);
        }
        return d;
    }

    static Map<String, Map<String, String>> mesh(Map<String, String> c1, Map<String, String> c2, Map<String, String> c3) {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        m.put("cluster1", c1);
        m.put("cluster2", c2);
        m.put("cluster3", c3);
        return m;
    }

    @Test
    void agreeingClustersHaveNoFinding() {
        Map<String, String> wg = config("enable-wireguard", "true");
        assertThat(LiveConfigChecks.check(mesh(wg, wg, wg))).isEmpty();
        assertThat(LiveConfigChecks.check(mesh(config(), config(), config()))).isEmpty();
    }

    @Test
    void mixedEncryptionIsAnErrorOnTheOddCluster() {
        Map<String, String> wg = config("enable-wireguard", "true");
        List<Finding> f = LiveConfigChecks.check(mesh(wg, config(), wg));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo("ENCRYPTION_MIXED");
            assertThat(x.severity()).isEqualTo(Severity.ERROR);
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.path()).isEqualTo("configmap/kube-system/cilium-config");
            assertThat(x.message()).isEqualTo("cluster2: transparent encryption is none, unlike the rest of the mesh "
                    + "(cluster1 wireguard, cluster2 none, cluster3 wireguard)");
        });
    }

    @Test
    void wireguardVersusIpsecAndBothAtOnce() {
        List<Finding> f = LiveConfigChecks.check(mesh(config("enable-wireguard", "true"), config("enable-ipsec", "true"),
                config("enable-wireguard", "true", "enable-ipsec", "true")));
        assertThat(f).extracting(Finding::code, Finding::cluster).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ENCRYPTION_MIXED", "cluster2"), org.assertj.core.groups.Tuple.tuple("ENCRYPTION_MIXED", "cluster3"));
        assertThat(f.get(1).message()).contains("wireguard+ipsec");
    }

    @Test
    void nodeEncryptionTunnelAndPolicyDefaultsMustAgreeToo() {
        List<Finding> f = LiveConfigChecks.check(mesh(
                config("enable-wireguard", "true", "encrypt-node", "true"),
                config("enable-wireguard", "true", "tunnel-port", "8473", "policy-default-local-cluster", "true"),
                config("enable-wireguard", "true", "encrypt-node", "true")));
        assertThat(f).extracting(Finding::code, Finding::cluster, Finding::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("NODE_ENCRYPTION_MIXED", "cluster2", Severity.WARNING),
                org.assertj.core.groups.Tuple.tuple("TUNNEL_MIXED", "cluster2", Severity.ERROR),
                org.assertj.core.groups.Tuple.tuple("POLICY_DEFAULT_LOCAL_CLUSTER_MIXED", "cluster2", Severity.WARNING));
        assertThat(f.get(1).message()).contains("tunnel vxlan 8473/udp").contains("cluster1 tunnel vxlan 8472/udp");
    }

    @Test
    void driftFromTheSpecIsAWarning() {
        MeshSpec spec = MeshSpec.of("m", CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD), CaStrategy.generate(),
                Exposure.azureInternalLoadBalancer(), null, List.of(MeshCluster.named("cluster1"), MeshCluster.named("cluster2"), MeshCluster.named("cluster3")));
        List<Finding> f = LiveConfigChecks.drift(spec, mesh(config("enable-wireguard", "true"), config(), config("enable-wireguard", "true")));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo("ENCRYPTION_DRIFT");
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.message()).contains("runs with transparent encryption none but the spec asks for wireguard");
        });
    }

    @Test
    void livePortsFollowTheConfigIncludingACustomTunnelPort() {
        LiveCiliumConfig c = LiveCiliumConfig.of("cluster1", config("tunnel-protocol", "geneve", "tunnel-port", "6082", "enable-wireguard", "true"));
        assertThat(c.requiredPorts(Exposure.azureInternalLoadBalancer())).extracting(RequiredPort::spec)
                .containsExactly("2379/tcp", "4240/tcp", "icmp 8/0", "6082/udp", "51871/udp");
        LiveCiliumConfig ipsec = LiveCiliumConfig.of("cluster1", config("enable-ipsec", "true"));
        assertThat(ipsec.requiredPorts(Exposure.nodePort())).extracting(RequiredPort::spec)
                .containsExactly("32379/tcp", "4240/tcp", "icmp 8/0", "8472/udp", "esp (IP protocol 50)");
        LiveCiliumConfig defaults = LiveCiliumConfig.of("cluster1", Map.of());
        assertThat(defaults.routingMode()).isEqualTo("tunnel");
        assertThat(defaults.tunnelPort()).isEqualTo(8472);
        assertThat(defaults.encryption()).isEqualTo("none");
        assertThat(defaults.kubeProxyReplacement()).isFalse();
    }
}
