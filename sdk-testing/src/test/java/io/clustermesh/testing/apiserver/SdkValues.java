package io.clustermesh.testing.apiserver;

import io.clustermesh.cilium.ApiserverCertificates;
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
import io.clustermesh.testing.LabCluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The values the SDK writes for an AKS BYOCNI mesh cluster, produced by {@link CiliumValues} itself: aksbyocni,
 * kube-proxy replacement with the cluster's API server FQDN, cluster-pool IPAM with the pod CIDR, the mesh
 * ({@code clustermesh.useAPIServer}, {@code clustermesh.config} with the peers), the clustermesh-apiserver as an
 * Azure internal load balancer, the shared CA and the apiserver certificates issued from it.
 */
final class SdkValues {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();
    static final PemCredential MESH_CA = CA.createCa("Cilium CA lab", Duration.ofDays(30));

    private SdkValues() {
    }

    static Map<String, Object> of(LabCluster cluster, String chartVersion, List<PeerEndpoint> peers) {
        String name = cluster.name();
        CiliumOptions options = CiliumOptions.version(chartVersion);
        MeshCluster c = MeshCluster.named(name).withId(cluster.spec().index()).withPodCidr(cluster.spec().podCidr())
                .withServiceCidr(cluster.spec().serviceCidr()).withApiServer(cluster.apiServer()).withMeshIp(cluster.spec().meshIp());
        MeshSpec spec = MeshSpec.of("lab", options, CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null, List.of(c));
        ApiserverCertificates certs = new MeshCertificates(CA).issue(MESH_CA,
                MeshCertificates.Profile.of(name).withClient(!options.chartVersion().atLeast(1, 19)));
        return CiliumValues.values(ValuesInput.of(spec, c, peers, MESH_CA, certs, true));
    }
}
