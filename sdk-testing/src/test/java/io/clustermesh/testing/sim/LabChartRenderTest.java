package io.clustermesh.testing.sim;

import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.cilium.values.PeerEndpoint;
import io.clustermesh.cilium.values.ValuesInput;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LabChartRenderTest {
    static LabChart chart;
    static LabHelmTransport helm;

    @BeforeAll
    static void extract() {
        chart = LabChart.extract();
        helm = new LabHelmTransport(chart.directory(), Clock.systemUTC());
    }

    @AfterAll
    static void clean() {
        chart.close();
    }

    @Test
    void rendersTheSdkValues() {
        var ca = new BouncyCastleCertificateAuthority();
        PemCredential meshCa = ca.createCa("lab CA", java.time.Duration.ofDays(30));
        MeshCluster c1 = MeshCluster.named("cluster1").id(1).podCidr("10.10.0.0/16").meshIp("10.1.0.250").apiServer("a.azmk8s.io");
        MeshCluster c2 = MeshCluster.named("cluster2").id(2).podCidr("10.20.0.0/16").meshIp("10.2.0.250");
        MeshSpec spec = new MeshSpec("m", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null, List.of(c1, c2));
        var certs = new MeshCertificates(ca).issue(meshCa, MeshCertificates.Profile.of("cluster1"));
        Map<String, Object> v = CiliumValues.values(ValuesInput.of(spec, c1, List.of(PeerEndpoint.of("cluster2", "10.2.0.250")), meshCa, certs, true));
        String manifest = helm.render("cluster1", "cilium", "kube-system", v, Map.of());
        var objects = LabHelmTransport.parse(manifest, "kube-system");
        System.out.println(objects.stream().map(o -> o.get("kind") + " " + ((Map<?, ?>) o.get("metadata")).get("name")).toList());
        System.out.println(manifest.replaceAll("(?m)^(\\s*(tls|ca)\\.(crt|key)|\\s*cluster2): .*", "$1: <x>"));
    }
}
