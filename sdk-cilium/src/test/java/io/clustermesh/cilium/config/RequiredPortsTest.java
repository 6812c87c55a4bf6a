package io.clustermesh.cilium.config;

import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequiredPortsTest {

    static List<String> specs(List<RequiredPort> ports) {
        return ports.stream().map(RequiredPort::spec).toList();
    }

    @Test
    void theArticlesMeshNeedsTheApiserverHealthAndVxlan() {
        List<RequiredPort> ports = RequiredPorts.of(CiliumOptions.defaults());
        assertThat(specs(ports)).containsExactly("2379/tcp", "4240/tcp", "icmp 8/0", "8472/udp");
        assertThat(ports.get(0).target()).isEqualTo(RequiredPort.Target.MESH_APISERVER);
        assertThat(ports.subList(1, 4)).allSatisfy(p -> assertThat(p.target()).isEqualTo(RequiredPort.Target.NODES));
        assertThat(ports.get(3).toString()).isEqualTo("8472/udp between all node subnets: VXLAN tunnel");
    }

    @Test
    void genevePlusWireGuard() {
        CiliumOptions o = CiliumOptions.defaults().withTunnelProtocol(TunnelProtocol.GENEVE).withEncryption(Encryption.WIREGUARD);
        assertThat(specs(RequiredPorts.of(o))).containsExactly("2379/tcp", "4240/tcp", "icmp 8/0", "6081/udp", "51871/udp");
    }

    @Test
    void ipsecNeedsEsp() {
        List<RequiredPort> ports = RequiredPorts.of(CiliumOptions.defaults().withEncryption(Encryption.IPSEC));
        assertThat(specs(ports)).containsExactly("2379/tcp", "4240/tcp", "icmp 8/0", "8472/udp", "esp (IP protocol 50)");
        assertThat(ports.get(4).protocol()).isEqualTo(RequiredPort.Protocol.ESP);
    }

    @Test
    void nativeRoutingNeedsNoTunnelPort() {
        assertThat(specs(RequiredPorts.of(CiliumOptions.defaults().withRoutingMode(RoutingMode.NATIVE))))
                .containsExactly("2379/tcp", "4240/tcp", "icmp 8/0");
    }

    @Test
    void nodePortExposureUsesTheNodePort() {
        assertThat(specs(RequiredPorts.of(CiliumOptions.defaults(), Exposure.nodePort()))).first().isEqualTo("32379/tcp");
    }

    @Test
    void aSpecListsWhatAnyClusterNeedsOnce() {
        MeshSpec spec = MeshSpec.of("m", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null,
                List.of(MeshCluster.named("cluster1"), MeshCluster.named("cluster2").withCilium(CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD)),
                        MeshCluster.named("cluster3").withCilium(CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD))));
        assertThat(specs(RequiredPorts.of(spec))).containsExactly("2379/tcp", "4240/tcp", "icmp 8/0", "8472/udp", "51871/udp");
    }

    @Test
    void impossiblePortsAreRejected() {
        assertThatThrownBy(() -> RequiredPort.tcp(0, RequiredPort.Target.NODES, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequiredPort(RequiredPort.Protocol.ESP, 50, -1, -1, RequiredPort.Target.NODES, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequiredPort(RequiredPort.Protocol.UDP, 1, 8, 0, RequiredPort.Target.NODES, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
