package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The article's three AKS clusters, with one shared test CA and per-cluster apiserver certificates. */
final class ArticleMesh {
    static final TestPki PKI = TestPki.create("Cilium CA");
    static final Map<String, ApiserverCertificates> CERTS = Map.of(
            "cluster1", PKI.apiserverCertificates("cluster1", false),
            "cluster2", PKI.apiserverCertificates("cluster2", false),
            "cluster3", PKI.apiserverCertificates("cluster3", false));

    static final List<MeshCluster> CLUSTERS = List.of(
            cluster(1, "10.10.0.0/16", "aks-ciliumlab-1a2b3c4d.hcp.eastus.azmk8s.io", "10.1.0.250", "aks-ciliumlab"),
            cluster(2, "10.20.0.0/16", "aks-ciliumlab2-5e6f7a8b.hcp.eastus.azmk8s.io", "10.2.0.250", "aks-ciliumlab2"),
            cluster(3, "10.30.0.0/16", "aks-ciliumlab3-9c0d1e2f.hcp.eastus.azmk8s.io", "10.3.0.250", "aks-ciliumlab3"));

    private ArticleMesh() {
    }

    private static MeshCluster cluster(int id, String podCidr, String fqdn, String meshIp, String context) {
        return MeshCluster.named("cluster" + id).withId(id).withPodCidr(podCidr).withServiceCidr("10.0.0.0/16").withApiServer(fqdn)
                .withMeshIp(meshIp).withAccess(ClusterAccess.kubeContext(context));
    }

    static MeshSpec spec(String version) {
        return spec(version, Exposure.azureInternalLoadBalancer(), o -> o);
    }

    static MeshSpec spec(String version, Exposure exposure, UnaryOperator<CiliumOptions> options) {
        return MeshSpec.of("article", options.apply(CiliumOptions.version(version)), CaStrategy.generate(), exposure,
                null, CLUSTERS);
    }

    /** The input of one cluster with every cluster of the spec as peer (the generator drops the cluster itself). */
    static ValuesInput input(MeshSpec spec, String cluster, boolean meshEnabled) {
        return ValuesInput.of(spec, spec.cluster(cluster).orElseThrow(), PeerEndpoint.plannedFrom(spec), PKI.ca(),
                CERTS.get(cluster), meshEnabled);
    }

    static Map<String, Object> values(String version, String cluster) {
        return CiliumValues.values(input(spec(version), cluster, true));
    }
}
