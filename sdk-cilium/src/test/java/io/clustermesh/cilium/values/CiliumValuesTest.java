package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.McsApi;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.TunnelProtocol;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.clustermesh.cilium.values.ArticleMesh.CERTS;
import static io.clustermesh.cilium.values.ArticleMesh.CLUSTERS;
import static io.clustermesh.cilium.values.ArticleMesh.PKI;
import static io.clustermesh.cilium.values.Values.at;
import static io.clustermesh.cilium.values.Values.b64;
import static io.clustermesh.cilium.values.Values.has;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CiliumValuesTest {

    private static final String AZ_INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";
    private static final String AZ_IPV4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.17.6", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void everyClusterGetsTheAksByocniBaseAndTheSharedCa(String version) {
        for (MeshCluster c : CLUSTERS) {
            Map<String, Object> v = ArticleMesh.values(version, c.name());
            assertThat(at(v, "aksbyocni.enabled")).isEqualTo(true);
            assertThat(at(v, "nodeinit.enabled")).isEqualTo(true);
            assertThat(at(v, "kubeProxyReplacement")).isEqualTo("true");
            assertThat(at(v, "k8sServiceHost")).isEqualTo(c.apiServer());
            assertThat(at(v, "k8sServicePort")).isEqualTo("443");
            assertThat(at(v, "ipam.mode")).isEqualTo("cluster-pool");
            assertThat(at(v, "ipam.operator.clusterPoolIPv4PodCIDRList")).isEqualTo(List.of(c.podCidr()));
            assertThat(at(v, "cluster.name")).isEqualTo(c.name());
            assertThat(at(v, "cluster.id")).isEqualTo(c.id());
            assertThat(at(v, "hubble.enabled")).isEqualTo(true);
            assertThat(at(v, "hubble.relay.enabled")).isEqualTo(true);
            assertThat(at(v, "hubble.ui.enabled")).isEqualTo(true);
            assertThat(at(v, "routingMode")).isEqualTo("tunnel");
            assertThat(at(v, "tunnelProtocol")).isEqualTo("vxlan");
            assertThat(at(v, "encryption.enabled")).isEqualTo(false);
            assertThat(has(v, "encryption.type")).isFalse();
            assertThat(at(v, "clustermesh.maxConnectedClusters")).isEqualTo(255);
            assertThat(at(v, "tls.ca.cert")).isEqualTo(b64(PKI.ca().certificatePem()));
            assertThat(at(v, "tls.ca.key")).isEqualTo(b64(PKI.ca().privateKeyPem()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.17.6", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void theApiserverAdmitsOnlyThePeersNodeRangesFrom117WhenEveryRangeIsKnown(String version) {
        boolean known = ChartVersion.parse(version).atLeast(1, 17);
        String path = "clustermesh.apiserver.service.loadBalancerSourceRanges";
        assertThat(has(ArticleMesh.values(version, "cluster1"), path)).as("no node ranges given: no restriction").isFalse();
        List<MeshCluster> withRanges = CLUSTERS.stream().map(c -> c.withNodeCidr("10." + c.id() + ".0.0/24")).toList();
        MeshSpec spec = ArticleMesh.spec(version).withClusters(withRanges);
        Map<String, Object> v = CiliumValues.values(ArticleMesh.input(spec, "cluster2", true));
        if (known) {
            assertThat(at(v, path)).isEqualTo(List.of("10.1.0.0/24", "10.3.0.0/24"));
        } else {
            assertThat(has(v, path)).as("chart " + version + " has no such value").isFalse();
        }
        List<MeshCluster> oneUnknown = new ArrayList<>(withRanges);
        oneUnknown.set(2, CLUSTERS.get(2));
        assertThat(has(CiliumValues.values(ArticleMesh.input(ArticleMesh.spec(version).withClusters(oneUnknown), "cluster2", true)), path))
                .as("a peer without a known range would be cut off").isFalse();
        assertThat(has(CiliumValues.values(ArticleMesh.input(spec, "cluster2", false)), path)).as("mesh disabled").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.17.6", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void policyDefaultLocalClusterIsWrittenOnlyWhenAskedAndOnlyFrom118(String version) {
        boolean known = ChartVersion.parse(version).atLeast(1, 18);
        assertThat(has(ArticleMesh.values(version, "cluster1"), "clustermesh.policyDefaultLocalCluster"))
                .as("the line's default is kept when nothing is asked").isFalse();
        Map<String, Object> v = CiliumValues.values(ArticleMesh.input(
                ArticleMesh.spec(version, Exposure.azureInternalLoadBalancer(), o -> o.withPolicyDefaultLocalCluster(false)), "cluster1", true));
        assertThat(has(v, "clustermesh.policyDefaultLocalCluster")).as("chart " + version).isEqualTo(known);
        if (known) {
            assertThat(at(v, "clustermesh.policyDefaultLocalCluster")).isEqualTo(false);
        }
        assertThat(CiliumOptions.version(version).effectivePolicyDefaultLocalCluster()).isEqualTo(ChartVersion.parse(version).atLeast(1, 19));
        assertThat(CiliumOptions.version(version).withPolicyDefaultLocalCluster(true).effectivePolicyDefaultLocalCluster()).isEqualTo(known);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.17.6", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void mcsApiValuesFollowTheLine(String version) {
        ChartVersion line = ChartVersion.parse(version);
        Map<String, Object> off = ArticleMesh.values(version, "cluster1");
        assertThat(has(off, "clustermesh.enableMCSAPISupport") || has(off, "clustermesh.mcsapi")).as("off by default").isFalse();
        for (McsApi mode : List.of(McsApi.ON, McsApi.ON_COREDNS)) {
            Map<String, Object> v = CiliumValues.values(ArticleMesh.input(
                    ArticleMesh.spec(version, Exposure.azureInternalLoadBalancer(), o -> o.withMcsApi(mode)), "cluster1", true));
            assertThat(has(v, "clustermesh.enableMCSAPISupport")).as(version + " old key").isEqualTo(line.atLeast(1, 16) && !line.atLeast(1, 19));
            assertThat(has(v, "clustermesh.mcsapi")).as(version + " mcsapi.*").isEqualTo(line.atLeast(1, 19));
            if (line.atLeast(1, 19)) {
                assertThat(at(v, "clustermesh.mcsapi.enabled")).isEqualTo(true);
                assertThat(at(v, "clustermesh.mcsapi.installCRDs")).isEqualTo(true);
                assertThat(at(v, "clustermesh.mcsapi.corednsAutoConfigure.enabled")).isEqualTo(mode == McsApi.ON_COREDNS);
            } else if (line.atLeast(1, 16)) {
                assertThat(at(v, "clustermesh.enableMCSAPISupport")).isEqualTo(true);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.19.5", "1.20.0-pre.3"})
    void defaultGlobalNamespaceIsWrittenOnlyWhenAskedAndOnlyFrom120(String version) {
        boolean known = ChartVersion.parse(version).atLeast(1, 20);
        assertThat(has(ArticleMesh.values(version, "cluster1"), "clustermesh.defaultGlobalNamespace")).isFalse();
        Map<String, Object> v = CiliumValues.values(ArticleMesh.input(
                ArticleMesh.spec(version, Exposure.azureInternalLoadBalancer(), o -> o.withDefaultGlobalNamespace(false)), "cluster1", true));
        assertThat(has(v, "clustermesh.defaultGlobalNamespace")).as(version).isEqualTo(known);
        assertThat(CiliumOptions.version(version).withDefaultGlobalNamespace(false).effectiveDefaultGlobalNamespace()).isEqualTo(!known);
        assertThat(CiliumOptions.version(version).effectiveDefaultGlobalNamespace()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void kvstoremeshTurnedOffIsStillWrittenOnLinesThatDeprecateTheToggle(String version) {
        Map<String, Object> v = CiliumValues.values(ArticleMesh.input(
                ArticleMesh.spec(version, Exposure.azureInternalLoadBalancer(), o -> o.withKvstoremesh(false)), "cluster1", true));
        assertThat(at(v, "clustermesh.apiserver.kvstoremesh.enabled")).isEqualTo(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.17.6", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void meshValuesListEveryPeerButTheClusterItself(String version) {
        boolean mapForm = ChartVersion.parse(version).atLeast(1, 20);
        for (MeshCluster c : CLUSTERS) {
            Map<String, Object> v = ArticleMesh.values(version, c.name());
            assertThat(at(v, "clustermesh.useAPIServer")).isEqualTo(true);
            assertThat(at(v, "clustermesh.config.enabled")).isEqualTo(true);
            assertThat(at(v, "clustermesh.config.domain")).isEqualTo("mesh.cilium.io");
            // the toggle is deprecated from 1.18 (KVStoreMesh always on once it is removed): written up to 1.17 only
            boolean toggle = !ChartVersion.parse(version).atLeast(1, 18);
            assertThat(has(v, "clustermesh.apiserver.kvstoremesh.enabled")).as("KVStoreMesh toggle on " + version).isEqualTo(toggle);
            if (toggle) {
                assertThat(at(v, "clustermesh.apiserver.kvstoremesh.enabled")).isEqualTo(true);
            }
            assertThat(has(v, "externalWorkloads")).as("external workloads are never configured").isFalse();

            Object clusters = at(v, "clustermesh.config.clusters");
            Map<String, Map<String, Object>> expected = new LinkedHashMap<>();
            for (MeshCluster peer : CLUSTERS) {
                if (!peer.name().equals(c.name())) {
                    expected.put(peer.name(), Map.of("port", 2379, "ips", List.of(peer.meshIp())));
                }
            }
            if (mapForm) {
                assertThat(clusters).as("map form from 1.20").isInstanceOf(Map.class);
                assertThat(clusters).isEqualTo(expected);
                assertThat(((Map<?, ?>) clusters).containsKey(c.name())).isFalse();
            } else {
                assertThat(clusters).as("list form below 1.20").isInstanceOf(List.class);
                List<Map<String, Object>> expectedList = new ArrayList<>();
                expected.forEach((name, e) -> expectedList.add(Map.of("name", name, "port", e.get("port"), "ips", e.get("ips"))));
                assertThat(clusters).isEqualTo(expectedList);
            }
            assertThat(CiliumValues.clusterEntries(v)).extracting(PeerEndpoint::name)
                    .containsExactlyElementsOf(expected.keySet()).doesNotContain(c.name());
        }
    }

    @Test
    void theChartLineDecidesTheShapeOfClusters() {
        assertThat(CiliumValues.clustersShape(ChartVersion.parse("1.15.6"))).isEqualTo(CiliumValues.ClustersShape.LIST);
        assertThat(CiliumValues.clustersShape(ChartVersion.parse("1.19.5"))).isEqualTo(CiliumValues.ClustersShape.LIST);
        assertThat(CiliumValues.clustersShape(ChartVersion.parse("1.20.0-pre.3"))).isEqualTo(CiliumValues.ClustersShape.MAP);
        assertThat(CiliumValues.clustersShape(ChartVersion.parse("1.20.4"))).isEqualTo(CiliumValues.ClustersShape.MAP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.20.0-pre.3"})
    void azureInternalLoadBalancerAsksForTheFixedIp(String version) {
        Map<String, Object> v = ArticleMesh.values(version, "cluster2");
        assertThat(at(v, "clustermesh.apiserver.service.type")).isEqualTo("LoadBalancer");
        assertThat(at(v, "clustermesh.apiserver.service.annotations"))
                .isEqualTo(Map.of(AZ_INTERNAL, "true", AZ_IPV4, "10.2.0.250"));
        assertThat(has(v, "clustermesh.apiserver.service.loadBalancerIP")).isFalse();
    }

    @Test
    void withoutMeshIpTheInternalLoadBalancerTakesAnyAddressAndThePeerIsPending() {
        MeshSpec spec = ArticleMesh.spec("1.16.19").withClusters(List.of(CLUSTERS.get(0), CLUSTERS.get(1).withMeshIp(null), CLUSTERS.get(2)));
        Map<String, Object> own = CiliumValues.values(ArticleMesh.input(spec, "cluster2", true));
        assertThat(at(own, "clustermesh.apiserver.service.annotations")).isEqualTo(Map.of(AZ_INTERNAL, "true"));

        ValuesInput in1 = ArticleMesh.input(spec, "cluster1", true);
        Map<String, Object> v1 = CiliumValues.values(in1);
        assertThat(CiliumValues.clusterEntries(v1)).containsExactly(PeerEndpoint.of("cluster3", "10.3.0.250"));
        assertThat(CiliumValues.pendingPeers(in1)).containsExactly("cluster2");
        assertThat(CiliumValues.notes(in1)).anySatisfy(n -> assertThat(n).contains("cluster2", "pending"));

        // once the LB IP is known, the second pass lists it
        ValuesInput later = in1.withPeers(List.of(PeerEndpoint.of("cluster2", "10.2.0.4"), PeerEndpoint.of("cluster3", "10.3.0.250")));
        assertThat(CiliumValues.clusterEntries(CiliumValues.values(later)))
                .containsExactly(PeerEndpoint.of("cluster2", "10.2.0.4"), PeerEndpoint.of("cluster3", "10.3.0.250"));
        assertThat(CiliumValues.pendingPeers(later)).isEmpty();
    }

    @Test
    void plainLoadBalancerUsesLoadBalancerIpAndNodePortNeedsNoAnnotation() {
        Map<String, Object> lb = CiliumValues.values(ArticleMesh.input(
                ArticleMesh.spec("1.19.5", Exposure.loadBalancer(), o -> o), "cluster3", true));
        assertThat(at(lb, "clustermesh.apiserver.service.type")).isEqualTo("LoadBalancer");
        assertThat(at(lb, "clustermesh.apiserver.service.loadBalancerIP")).isEqualTo("10.3.0.250");
        assertThat(has(lb, "clustermesh.apiserver.service.annotations")).isFalse();

        MeshSpec nodePort = ArticleMesh.spec("1.19.5", Exposure.nodePort(), o -> o);
        ValuesInput in = ValuesInput.of(nodePort, CLUSTERS.get(0),
                List.of(new PeerEndpoint("cluster2", 32379, List.of("10.2.0.4", "10.2.0.5"))), PKI.ca(), CERTS.get("cluster1"), true);
        Map<String, Object> np = CiliumValues.values(in);
        assertThat(at(np, "clustermesh.apiserver.service.type")).isEqualTo("NodePort");
        assertThat(has(np, "clustermesh.apiserver.service.annotations")).isFalse();
        assertThat(has(np, "clustermesh.apiserver.service.loadBalancerIP")).isFalse();
        assertThat(CiliumValues.clusterEntries(np)).containsExactly(new PeerEndpoint("cluster2", 32379, List.of("10.2.0.4", "10.2.0.5")));
        // the spec alone does not know node IPs
        assertThat(PeerEndpoint.plannedFrom(nodePort)).allSatisfy(p -> assertThat(p.hasAddress()).isFalse());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.18.3", "1.19.5", "1.20.0-pre.3"})
    void sdkCertificatesAreGivenAsValuesUpTo119AndAsSecretsFrom120(String version) {
        Map<String, Object> v = ArticleMesh.values(version, "cluster1");
        ApiserverCertificates certs = CERTS.get("cluster1");
        assertThat(at(v, "clustermesh.apiserver.tls.auto.enabled")).isEqualTo(false);
        assertThat(has(v, "clustermesh.apiserver.tls.auto.method")).isFalse();
        assertThat(at(v, "clustermesh.apiserver.tls.authMode")).isEqualTo("migration");
        if (ChartVersion.parse(version).atLeast(1, 20)) {
            // 1.20 deprecates certificates as values: the SDK writes the Secrets before the upgrade instead
            for (String leaf : List.of("server", "admin", "remote", "client")) {
                assertThat(has(v, "clustermesh.apiserver.tls." + leaf)).as(leaf + " on " + version).isFalse();
            }
            assertThat(at(v, "clustermesh.apiserver.tls.enableSecrets")).isEqualTo(false);
            assertThat(CiliumValues.notes(ArticleMesh.input(ArticleMesh.spec(version), "cluster1", true)))
                    .anySatisfy(n -> assertThat(n).contains("clustermesh-apiserver-server-cert", "before the upgrade"));
            return;
        }
        assertThat(has(v, "clustermesh.apiserver.tls.enableSecrets")).isFalse();
        assertThat(at(v, "clustermesh.apiserver.tls.server.cert")).isEqualTo(b64(certs.server().certificatePem()));
        assertThat(at(v, "clustermesh.apiserver.tls.server.key")).isEqualTo(b64(certs.server().privateKeyPem()));
        assertThat(at(v, "clustermesh.apiserver.tls.admin.cert")).isEqualTo(b64(certs.admin().certificatePem()));
        assertThat(at(v, "clustermesh.apiserver.tls.admin.key")).isEqualTo(b64(certs.admin().privateKeyPem()));
        assertThat(at(v, "clustermesh.apiserver.tls.remote.cert")).isEqualTo(b64(certs.remote().certificatePem()));
        assertThat(at(v, "clustermesh.apiserver.tls.remote.key")).isEqualTo(b64(certs.remote().privateKeyPem()));
        boolean hasClient = !ChartVersion.parse(version).atLeast(1, 19);
        assertThat(has(v, "clustermesh.apiserver.tls.client")).as("client certificate only up to 1.18").isEqualTo(hasClient);
        if (hasClient) {
            assertThat(at(v, "clustermesh.apiserver.tls.client.cert")).isEqualTo(b64(certs.client().certificatePem()));
        }
    }

    @Test
    void aPerClusterRemoteCertificateSelectsAuthModeCluster() {
        MeshSpec spec = ArticleMesh.spec("1.19.5");
        ApiserverCertificates perCluster = PKI.apiserverCertificates("cluster1", true);
        ValuesInput in = ValuesInput.of(spec, CLUSTERS.get(0), PeerEndpoint.plannedFrom(spec), PKI.ca(), perCluster, true);
        assertThat(at(CiliumValues.values(in), "clustermesh.apiserver.tls.authMode")).isEqualTo("cluster");

        ApiserverCertificates foreign = PKI.apiserverCertificates("cluster2", true); // CN remote-cluster2 on cluster1
        ValuesInput wrong = ValuesInput.of(spec, CLUSTERS.get(0), PeerEndpoint.plannedFrom(spec), PKI.ca(), foreign, true);
        assertThatThrownBy(() -> CiliumValues.values(wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster1").hasMessageContaining("remote-cluster2").hasMessageNotContaining("PRIVATE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HELM", "CRON_JOB", "CERT_MANAGER"})
    void chartIssuedCertificatesUseTheAutoMethod(String methodName) {
        CertificateMethod method = CertificateMethod.valueOf(methodName);
        MeshSpec spec = ArticleMesh.spec("1.16.19", Exposure.azureInternalLoadBalancer(), o -> o.withCertificateMethod(method));
        ValuesInput in = new ValuesInput(spec, CLUSTERS.get(0), PeerEndpoint.plannedFrom(spec), PKI.ca(), null, true,
                method == CertificateMethod.CERT_MANAGER ? CertManagerIssuer.clusterIssuer("cilium-ca-issuer") : null);
        Map<String, Object> v = CiliumValues.values(in);
        assertThat(at(v, "clustermesh.apiserver.tls.auto.enabled")).isEqualTo(true);
        assertThat(at(v, "clustermesh.apiserver.tls.auto.method")).isEqualTo(method.value());
        assertThat(at(v, "clustermesh.apiserver.tls.authMode")).isEqualTo("migration");
        for (String leaf : List.of("admin", "remote", "client")) {
            assertThat(has(v, "clustermesh.apiserver.tls." + leaf)).as(leaf).isFalse();
        }
        assertThat(has(v, "clustermesh.apiserver.tls.server.cert")).isFalse();
        assertThat(has(v, "clustermesh.apiserver.tls.server.key")).isFalse();
        // the chart's server certificate also names the mesh IP, and its leaves live as long as the option says
        // (1.16: the chart's default of 1095 days, values.yaml clustermesh.apiserver.tls.auto.certValidityDuration)
        assertThat(at(v, "clustermesh.apiserver.tls.server.extraIpAddresses")).isEqualTo(List.of(CLUSTERS.get(0).meshIp()));
        assertThat(at(v, "clustermesh.apiserver.tls.auto.certValidityDuration")).isEqualTo(1095L);
        if (method == CertificateMethod.CERT_MANAGER) {
            assertThat(at(v, "clustermesh.apiserver.tls.auto.certManagerIssuerRef"))
                    .isEqualTo(Map.of("group", "cert-manager.io", "kind", "ClusterIssuer", "name", "cilium-ca-issuer"));
            assertThat(CiliumValues.notes(in)).anySatisfy(n -> assertThat(n).contains("cilium-ca-issuer", "shared"));
        } else {
            assertThat(has(v, "clustermesh.apiserver.tls.auto.certManagerIssuerRef")).isFalse();
        }
        assertThat(at(v, "tls.ca.key")).as("the chart signs with the shared CA").isEqualTo(b64(PKI.ca().privateKeyPem()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.6", "1.16.19", "1.19.5", "1.20.0-pre.3"})
    void disableKeepsTheBaseAndEmptiesTheMeshInTheLinesShape(String version) {
        MeshSpec spec = ArticleMesh.spec(version);
        ValuesInput in = ValuesInput.of(spec, CLUSTERS.get(1), PeerEndpoint.plannedFrom(spec), PKI.ca(), null, false);
        Map<String, Object> v = CiliumValues.values(in);
        assertThat(at(v, "clustermesh.useAPIServer")).isEqualTo(false);
        assertThat(at(v, "clustermesh.config.enabled")).isEqualTo(false);
        Object clusters = at(v, "clustermesh.config.clusters");
        if (ChartVersion.parse(version).atLeast(1, 20)) {
            assertThat(clusters).isEqualTo(Map.of());
        } else {
            assertThat(clusters).isEqualTo(List.of());
        }
        assertThat(CiliumValues.clusterEntries(v)).isEmpty();
        assertThat(CiliumValues.pendingPeers(in)).isEmpty();
        assertThat(at(v, "cluster.name")).isEqualTo("cluster2");
        assertThat(at(v, "tls.ca.cert")).as("the CA stays").isEqualTo(b64(PKI.ca().certificatePem()));
    }

    @Test
    void optionsReachTheValues() {
        MeshSpec spec = ArticleMesh.spec("1.19.5", Exposure.azureInternalLoadBalancer(), o -> o.withKubeProxyReplacement(false)
                .withHubble(false).withTunnelProtocol(TunnelProtocol.GENEVE).withEncryption(Encryption.WIREGUARD).withKvstoremesh(false)
                .withMaxConnectedClusters(511));
        Map<String, Object> v = CiliumValues.values(ArticleMesh.input(spec, "cluster3", true));
        assertThat(at(v, "kubeProxyReplacement")).isEqualTo("false");
        assertThat(at(v, "hubble.enabled")).isEqualTo(false);
        assertThat(at(v, "hubble.relay.enabled")).isEqualTo(false);
        assertThat(at(v, "hubble.ui.enabled")).isEqualTo(false);
        assertThat(at(v, "tunnelProtocol")).isEqualTo("geneve");
        assertThat(at(v, "encryption.enabled")).isEqualTo(true);
        assertThat(at(v, "encryption.type")).isEqualTo("wireguard");
        assertThat(at(v, "clustermesh.apiserver.kvstoremesh.enabled")).isEqualTo(false);
        assertThat(at(v, "clustermesh.maxConnectedClusters")).isEqualTo(511);
    }

    @Test
    void ipsecAndSdkCertificatesComeWithNotes() {
        MeshSpec spec = ArticleMesh.spec("1.16.19", Exposure.azureInternalLoadBalancer(), o -> o.withEncryption(Encryption.IPSEC));
        ValuesInput in = ArticleMesh.input(spec, "cluster1", true);
        Map<String, Object> v = CiliumValues.values(in);
        assertThat(at(v, "encryption.type")).isEqualTo("ipsec");
        assertThat(CiliumValues.notes(in))
                .anySatisfy(n -> assertThat(n).contains(CiliumValues.IPSEC_KEYS_SECRET))
                .anySatisfy(n -> assertThat(n).contains(CiliumValues.LOCAL_CERT_SECRET))
                .allSatisfy(n -> assertThat(n).doesNotContain("PRIVATE", PKI.ca().privateKeyPem()));
        assertThat(CiliumValues.notes(ArticleMesh.input(ArticleMesh.spec("1.16.19",
                Exposure.azureInternalLoadBalancer(), o -> o.withKvstoremesh(false)), "cluster1", true))).isEmpty();
    }

    @Test
    void documentsAreDeterministic() {
        Map<String, Object> a = ArticleMesh.values("1.19.5", "cluster1");
        Map<String, Object> b = ArticleMesh.values("1.19.5", "cluster1");
        assertThat(CiliumValues.toYaml(a)).isEqualTo(CiliumValues.toYaml(b));
        assertThat(new ArrayList<>(a.keySet())).startsWith("aksbyocni", "nodeinit", "kubeProxyReplacement");
        // peers are ordered by name whatever order they come in
        MeshSpec spec = ArticleMesh.spec("1.19.5");
        List<PeerEndpoint> reversed = new ArrayList<>(PeerEndpoint.plannedFrom(spec));
        java.util.Collections.reverse(reversed);
        ValuesInput in = ArticleMesh.input(spec, "cluster1", true).withPeers(reversed);
        assertThat(CiliumValues.values(in)).isEqualTo(a);
    }

    @Test
    void clusterEntriesReadBothShapesAsTheChartDoes() {
        Map<String, Object> list = CiliumValues.fromYaml("""
                clustermesh:
                  config:
                    clusters:
                    - name: cluster2
                      port: 2379
                      ips: [10.2.0.250]
                    - name: cluster3
                      address: cluster3.example.com
                      port: "32379"
                    - name: cluster4
                      enabled: false
                      port: 2379
                      ips: [10.4.0.250]
                """);
        assertThat(CiliumValues.clusterEntries(list)).containsExactly(PeerEndpoint.of("cluster2", "10.2.0.250"),
                new PeerEndpoint("cluster3", 32379, List.of()));

        Map<String, Object> map = CiliumValues.fromYaml("""
                clustermesh:
                  config:
                    clusters:
                      cluster3: {port: 2379.0, ips: [10.3.0.250, 10.3.0.251]}
                      cluster2: {ips: [10.2.0.250]}
                      cluster4: {enabled: false, ips: [10.4.0.250]}
                """);
        assertThat(CiliumValues.clusterEntries(map)).containsExactly(
                new PeerEndpoint("cluster3", 2379, List.of("10.3.0.250", "10.3.0.251")), PeerEndpoint.of("cluster2", "10.2.0.250"));

        assertThat(CiliumValues.clusterEntries(Map.of())).isEmpty();
        assertThat(CiliumValues.clusterEntries(CiliumValues.fromYaml("clustermesh: {config: {clusters: []}}"))).isEmpty();
        assertThatThrownBy(() -> CiliumValues.clusterEntries(CiliumValues.fromYaml("clustermesh: {config: {clusters: nope}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("list or a map");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.20.0-pre.3"})
    void yamlRoundTripKeepsEveryValueAndItsType(String version) {
        Map<String, Object> v = ArticleMesh.values(version, "cluster1");
        String yaml = CiliumValues.toYaml(v);
        assertThat(yaml).doesNotStartWith("---").contains("kubeProxyReplacement: \"true\"").contains("k8sServicePort: \"443\"");
        Map<String, Object> back = CiliumValues.fromYaml(yaml);
        assertThat(back).isEqualTo(v);
        assertThat(at(back, "kubeProxyReplacement")).isInstanceOf(String.class);
        assertThat(at(back, "cluster.id")).isInstanceOf(Integer.class);
        assertThat(ValuesDiff.of(back, v).isEmpty()).isTrue();
        assertThat(CiliumValues.clusterEntries(back)).isEqualTo(CiliumValues.clusterEntries(v));
        assertThat(CiliumValues.fromYaml("  ")).isEmpty();
    }

    @Test
    void badYamlIsReportedWithoutQuotingTheDocument() {
        String secretish = "tls: {ca: {key: c2VjcmV0LWtleS1tYXRlcmlhbA==}\n  : : [";
        assertThatThrownBy(() -> CiliumValues.fromYaml(secretish)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void invalidInputsAreRefusedNamingClusterAndField() {
        MeshSpec spec = ArticleMesh.spec("1.16.19");
        MeshCluster c1 = CLUSTERS.get(0);
        List<PeerEndpoint> peers = PeerEndpoint.plannedFrom(spec);
        ApiserverCertificates certs = CERTS.get("cluster1");

        assertThatThrownBy(() -> ValuesInput.of(spec, c1, peers, new PemCredential(PKI.ca().certificatePem(), null), certs, true))
                .hasMessageContaining("cluster1").hasMessageContaining("tls.ca.key");
        assertThatThrownBy(() -> ValuesInput.of(spec, c1, peers, PKI.ca(), null, true))
                .hasMessageContaining("cluster1").hasMessageContaining("sdk");
        assertThatThrownBy(() -> ValuesInput.of(spec, c1.withPodCidr(null), peers, PKI.ca(), certs, true))
                .hasMessageContaining("clusterPoolIPv4PodCIDRList");
        assertThatThrownBy(() -> ValuesInput.of(spec, c1.withApiServer(null), peers, PKI.ca(), certs, true))
                .hasMessageContaining("k8sServiceHost");
        assertThatThrownBy(() -> ValuesInput.of(spec, c1.withId(0), peers, PKI.ca(), certs, true))
                .hasMessageContaining("cluster.id");
        assertThatThrownBy(() -> ValuesInput.of(spec, c1, List.of(PeerEndpoint.of("cluster2", "10.2.0.250"),
                PeerEndpoint.of("cluster2", "10.2.0.251")), PKI.ca(), certs, true)).hasMessageContaining("cluster2");
        assertThatThrownBy(() -> ValuesInput.of(ArticleMesh.spec("1.14.9"), c1, peers, PKI.ca(), certs, true))
                .hasMessageContaining("1.14").hasMessageContaining("1.15 to 1.20");
        assertThatThrownBy(() -> ValuesInput.of(ArticleMesh.spec("1.21.0"), c1, peers, PKI.ca(), certs, true))
                .hasMessageContaining("1.21");
        MeshSpec certManager = ArticleMesh.spec("1.16.19", Exposure.azureInternalLoadBalancer(),
                o -> o.withCertificateMethod(CertificateMethod.CERT_MANAGER));
        assertThatThrownBy(() -> ValuesInput.of(certManager, c1, peers, PKI.ca(), null, true))
                .hasMessageContaining("certManagerIssuerRef");
        assertThatThrownBy(() -> new PeerEndpoint("cluster2", 0, List.of())).hasMessageContaining("port");

        // allowed: no apiServer without kube-proxy replacement, no certificates while disabled
        MeshSpec noKpr = ArticleMesh.spec("1.16.19", Exposure.azureInternalLoadBalancer(), o -> o.withKubeProxyReplacement(false));
        assertThat(CiliumValues.values(ValuesInput.of(noKpr, c1.withApiServer(null), peers, PKI.ca(), certs, true)))
                .doesNotContainKeys("k8sServiceHost", "k8sServicePort");
        assertThat(ValuesInput.of(spec, c1, peers, PKI.ca(), null, false).meshEnabled()).isFalse();
    }

    @Test
    void toStringsShowNoKeys() {
        ValuesInput in = ArticleMesh.input(ArticleMesh.spec("1.16.19"), "cluster1", true);
        assertThat(in.toString()).contains("cluster1", "1.16.19").doesNotContain("PRIVATE", "BEGIN",
                b64(PKI.ca().privateKeyPem()).substring(0, 40));
    }
}
