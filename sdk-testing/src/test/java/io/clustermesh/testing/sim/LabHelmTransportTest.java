package io.clustermesh.testing.sim;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.cilium.values.PeerEndpoint;
import io.clustermesh.cilium.values.ValuesInput;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Helm on the lab: the lab chart renders the SDK's real values into the objects the Cilium chart renders for Cluster Mesh (install/kubernetes/cilium/templates/clustermesh-apiserver), applies them through
 * the SDK's own connection and keeps Helm's storage; no simulated Cilium here, only what Helm does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabHelmTransportTest {
    static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();
    static final PemCredential MESH_CA = CA.createCa("Cilium CA lab", Duration.ofDays(30));
    MeshLab lab;

    @BeforeAll
    void start() {
        lab = MeshLab.builder().clusters(4).nodesPerCluster(1).simulatedCilium(false).start();
    }

    @AfterAll
    void stop() {
        lab.close();
    }

    private ClusterConnection connect(String cluster) {
        return new Fabric8ClusterTransport().connect(MeshCluster.named(cluster).withAccess(lab.cluster(cluster).access()), MeshTimeouts.defaults());
    }

    private Map<String, Object> values(String cluster, CiliumOptions options, List<PeerEndpoint> peers, boolean mesh) {
        MeshCluster c = MeshCluster.named(cluster).withId(Integer.parseInt(cluster.replace("cluster", ""))).withPodCidr("10.9.0.0/16")
                .withApiServer(cluster + ".hcp.eastus.azmk8s.io").withMeshIp(lab.meshIp(cluster));
        MeshSpec spec = MeshSpec.of("t", options, CaStrategy.generate(), Exposure.azureInternalLoadBalancer(), null, List.of(c));
        ApiserverCertificates certs = options.certificateMethod() == CertificateMethod.SDK && mesh
                ? new MeshCertificates(CA).issue(MESH_CA, MeshCertificates.Profile.of(cluster).withClient(!options.chartVersion().atLeast(1, 19)))
                : null;
        return CiliumValues.values(ValuesInput.of(spec, c, peers, MESH_CA, certs, mesh));
    }

    private HelmRelease upgrade(ClusterConnection conn, String cluster, String version, Map<String, Object> values) {
        return lab.helmTransport().upgradeInstall(conn, MeshCluster.named(cluster),
                new HelmRequest("kube-system", "cilium", "cilium", null, version, values, null));
    }

    @Test
    void installRendersTheObjectsAndAnUnchangedUpgradeOnlyWritesTheRelease() {
        LabCluster lc = lab.cluster("cluster1");
        KubernetesClient k = lc.client();
        try (ClusterConnection conn = connect("cluster1")) {
            CiliumOptions o = CiliumOptions.version("1.16.19").withKvstoremesh(false);
            Map<String, Object> v = values("cluster1", o, List.of(PeerEndpoint.of("cluster2", "172.16.2.250")), true);
            HelmRelease r1 = upgrade(conn, "cluster1", "1.16.19", v);
            assertThat(r1.revision()).isEqualTo(1);
            assertThat(r1.status()).isEqualTo("deployed");

            Map<String, String> cfg = k.configMaps().inNamespace("kube-system").withName("cilium-config").get().getData();
            assertThat(cfg).containsEntry("cluster-name", "cluster1").containsEntry("cluster-id", "1")
                    .containsEntry("max-connected-clusters", "255").containsEntry("routing-mode", "tunnel")
                    .containsEntry("tunnel-protocol", "vxlan").containsEntry("identity-allocation-mode", "crd")
                    .containsEntry("kube-proxy-replacement", "true").containsEntry("enable-wireguard", "false")
                    .containsEntry("enable-ipsec", "false").containsEntry("clustermesh-config", "/var/lib/cilium/clustermesh/")
                    .doesNotContainKey("policy-default-local-cluster");
            assertThat(text(k, "cilium-ca", "ca.crt")).isEqualTo(MESH_CA.certificatePem());
            for (String s : List.of("server", "admin", "remote", "client")) {
                assertThat(text(k, "clustermesh-apiserver-" + s + "-cert", "ca.crt")).isEqualTo(MESH_CA.certificatePem());
                assertThat(text(k, "clustermesh-apiserver-" + s + "-cert", "tls.key")).contains("PRIVATE KEY");
            }
            var svc = k.services().inNamespace("kube-system").withName("clustermesh-apiserver").get();
            assertThat(svc.getSpec().getType()).isEqualTo("LoadBalancer");
            assertThat(svc.getSpec().getPorts().get(0).getPort()).isEqualTo(2379);
            assertThat(svc.getMetadata().getAnnotations()).containsEntry("service.beta.kubernetes.io/azure-load-balancer-internal", "true")
                    .containsEntry("service.beta.kubernetes.io/azure-load-balancer-ipv4", lab.meshIp("cluster1"));
            Deployment d = k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get();
            assertThat(d.getSpec().getTemplate().getSpec().getContainers()).extracting("name").containsExactly("etcd", "apiserver");
            DaemonSet ds = k.apps().daemonSets().inNamespace("kube-system").withName("cilium").get();
            assertThat(ds.getSpec().getTemplate().getSpec().getContainers()).extracting("name").containsExactly("cilium-agent");
            assertThat(ds.getSpec().getTemplate().getSpec().getHostAliases()).extracting(HostAlias::getIp, HostAlias::getHostnames)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("172.16.2.250", List.of("cluster2.mesh.cilium.io")));
            assertThat(text(k, "cilium-clustermesh", "cluster2")).isEqualTo("""
                    endpoints:
                    - https://cluster2.mesh.cilium.io:2379
                    trusted-ca-file: /var/lib/cilium/clustermesh/common-etcd-client-ca.crt
                    key-file: /var/lib/cilium/clustermesh/common-etcd-client.key
                    cert-file: /var/lib/cilium/clustermesh/common-etcd-client.crt
                    """);
            assertThat(k.secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").get()).isNull();

            long generation = d.getMetadata().getGeneration();
            lc.resetCounts();
            HelmRelease r2 = upgrade(conn, "cluster1", "1.16.19", v);
            assertThat(r2.revision()).isEqualTo(2);
            assertThat(lc.counts().writes()).as("only the new release secret (recorded pending, then deployed) and the superseded one: "
                    + lc.counts().byPath()).isEqualTo(3);
            assertThat(HelmStorage.history(conn, "kube-system", "cilium")).extracting(HelmRelease::revision, HelmRelease::status)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "deployed"), org.assertj.core.groups.Tuple.tuple(1, "superseded"));
            HelmRelease read = lab.helmTransport().release(conn, MeshCluster.named("cluster1"), "kube-system", "cilium").orElseThrow();
            assertThat(read.chartVersion()).isEqualTo("1.16.19");
            assertThat(read.values()).isEqualTo(v);

            // a new peer changes the secret and the agents' hostAliases: the DaemonSet rolls (new generation)
            upgrade(conn, "cluster1", "1.16.19", values("cluster1", o,
                    List.of(PeerEndpoint.of("cluster2", "172.16.2.250"), PeerEndpoint.of("cluster3", "172.16.3.250")), true));
            assertThat(k.secrets().inNamespace("kube-system").withName("cilium-clustermesh").get().getData()).containsOnlyKeys("cluster2", "cluster3");
            assertThat(k.apps().daemonSets().inNamespace("kube-system").withName("cilium").get().getMetadata().getGeneration())
                    .isGreaterThan(ds.getMetadata().getGeneration());
            assertThat(k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get().getMetadata().getGeneration())
                    .isGreaterThan(generation);
        }
    }

    @Test
    void kvstoremeshMovesTheRemoteConfigsAndTheMapFormSkipsDisabledEntries() {
        KubernetesClient k = lab.cluster("cluster2").client();
        try (ClusterConnection conn = connect("cluster2")) {
            CiliumOptions o = CiliumOptions.version("1.20.0").withKvstoremesh(true);
            Map<String, Object> v = values("cluster2", o, List.of(PeerEndpoint.of("cluster1", "172.16.1.250"), PeerEndpoint.of("cluster3", "172.16.3.250")), true);
            @SuppressWarnings("unchecked")
            Map<String, Object> clusters = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) v.get("clustermesh")).get("config")).get("clusters");
            assertThat(clusters).as("1.20 uses the map form").containsOnlyKeys("cluster1", "cluster3");
            Map<String, Object> off = new LinkedHashMap<>(Map.of("enabled", false, "port", 2379, "ips", new ArrayList<>(List.of("172.16.4.250"))));
            clusters.put("cluster4", off);
            clusters.put("cluster5", new LinkedHashMap<>(Map.of("port", 32379, "address", "mesh.cluster5.example")));
            upgrade(conn, "cluster2", "1.20.0", v);

            assertThat(k.secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").get().getData()).containsOnlyKeys("cluster1", "cluster3", "cluster5");
            assertThat(text(k, "cilium-kvstoremesh", "cluster5")).as("an address instead of ips").contains("- https://mesh.cluster5.example:32379");
            assertThat(k.configMaps().inNamespace("kube-system").withName("cilium-config").get().getData())
                    .as("from 1.19 on").containsEntry("policy-default-local-cluster", "true");
            assertThat(text(k, "cilium-kvstoremesh", "cluster3")).contains("- https://cluster3.mesh.cilium.io:2379");
            assertThat(text(k, "cilium-clustermesh", "cluster3")).contains("- https://clustermesh-apiserver.kube-system.svc:2379")
                    .contains("local-etcd-client.crt");
            Deployment d = k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get();
            assertThat(d.getSpec().getTemplate().getSpec().getContainers()).extracting("name").containsExactly("etcd", "apiserver", "kvstoremesh");
            assertThat(d.getSpec().getTemplate().getSpec().getHostAliases()).extracting(HostAlias::getIp).containsExactly("172.16.1.250", "172.16.3.250");

            // like the real chart, an entry with neither ips nor address does not render
            clusters.put("cluster6", new LinkedHashMap<>(Map.of("port", 2379)));
            assertThatThrownBy(() -> upgrade(conn, "cluster2", "1.20.0", v)).isInstanceOf(io.clustermesh.MeshException.class)
                    .hasMessageContaining("missing clustermesh.apiserver.config.clusters.address for cluster cluster6");
            assertThat(k.apps().daemonSets().inNamespace("kube-system").withName("cilium").get().getSpec().getTemplate().getSpec().getHostAliases())
                    .isNullOrEmpty();
            assertThat(k.secrets().inNamespace("kube-system").withName("clustermesh-apiserver-client-cert").get())
                    .as("no client certificate from 1.19 on").isNull();
        }
    }

    @Test
    void helmMethodIssuesTheCertificatesFromTheCaAndDisablingRemovesTheApiserver() throws Exception {
        KubernetesClient k = lab.cluster("cluster3").client();
        try (ClusterConnection conn = connect("cluster3")) {
            CiliumOptions o = CiliumOptions.version("1.16.19").withCertificateMethod(CertificateMethod.HELM);
            Map<String, Object> v = values("cluster3", o, List.of(PeerEndpoint.of("cluster1", "172.16.1.250")), true);
            upgrade(conn, "cluster3", "1.16.19", v);
            X509Certificate server = x509(text(k, "clustermesh-apiserver-server-cert", "tls.crt"));
            X509Certificate ca = x509(MESH_CA.certificatePem());
            server.verify(ca.getPublicKey());
            assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=clustermesh-apiserver.cilium.io");
            assertThat(server.getSubjectAlternativeNames()).extracting(l -> String.valueOf(l.get(1)))
                    .contains("*.mesh.cilium.io", "clustermesh-apiserver.cilium.io", "clustermesh-apiserver.kube-system.svc", "127.0.0.1");
            assertThat(x509(text(k, "clustermesh-apiserver-remote-cert", "tls.crt")).getSubjectX500Principal().getName()).isEqualTo("CN=remote");
            assertThat(x509(text(k, "clustermesh-apiserver-local-cert", "tls.crt")).getSubjectX500Principal().getName()).isEqualTo("CN=local-cluster3");

            // the mesh disabled: the chart renders no clustermesh-apiserver, so Helm deletes what the last revision had
            upgrade(conn, "cluster3", "1.16.19", values("cluster3", o, List.of(), false));
            assertThat(k.services().inNamespace("kube-system").withName("clustermesh-apiserver").get()).isNull();
            assertThat(k.apps().deployments().inNamespace("kube-system").withName("clustermesh-apiserver").get()).isNull();
            assertThat(k.secrets().inNamespace("kube-system").withName("clustermesh-apiserver-server-cert").get()).isNull();
            assertThat(k.secrets().inNamespace("kube-system").withName("cilium-kvstoremesh").get()).isNull();
            assertThat(k.configMaps().inNamespace("kube-system").withName("cilium-config").get().getData()).doesNotContainKey("clustermesh-config");
        }
    }

    @Test
    void withoutTlsCaTheChartKeepsTheClustersCaAndUninstallRemovesEverything() {
        LabCluster lc = lab.cluster("cluster4");
        KubernetesClient k = lc.client();
        // this transport writes the objects through the SDK's connection too (not the lab's client): they are counted
        try (ClusterConnection conn = connect("cluster4"); LabChart chart = LabChart.extract()) {
            LabHelmTransport viaConnection = new LabHelmTransport(chart.directory(), java.time.Clock.systemUTC());
            Map<String, Object> v = values("cluster4", CiliumOptions.version("1.16.19").withCertificateMethod(CertificateMethod.HELM), List.of(), true);
            ((Map<?, ?>) v.get("tls")).remove("ca");
            HelmRequest request = new HelmRequest("kube-system", "cilium", "cilium", null, "1.16.19", v, null);
            lc.resetCounts();
            viaConnection.upgradeInstall(conn, MeshCluster.named("cluster4"), request);
            assertThat(lc.counts().path("/api/v1/namespaces/kube-system/configmaps")).as("the ConfigMap was created through the connection").isEqualTo(1);
            String generated = text(k, "cilium-ca", "ca.crt");
            assertThat(generated).contains("BEGIN CERTIFICATE").isNotEqualTo(MESH_CA.certificatePem());
            viaConnection.upgradeInstall(conn, MeshCluster.named("cluster4"), request);
            assertThat(text(k, "cilium-ca", "ca.crt")).as("the chart's lookup finds the CA it generated").isEqualTo(generated);

            assertThat(viaConnection.uninstall(conn, MeshCluster.named("cluster4"), "kube-system", "cilium")).isTrue();
            assertThat(k.configMaps().inNamespace("kube-system").withName("cilium-config").get()).isNull();
            assertThat(k.apps().daemonSets().inNamespace("kube-system").withName("cilium").get()).isNull();
            assertThat(k.secrets().inNamespace("kube-system").withName("cilium-ca").get()).isNull();
            assertThat(conn.secrets("kube-system", "owner=helm")).isEmpty();
            assertThat(viaConnection.uninstall(conn, MeshCluster.named("cluster4"), "kube-system", "cilium")).isFalse();
        }
    }

    private static String text(KubernetesClient k, String secret, String key) {
        Secret s = k.secrets().inNamespace("kube-system").withName(secret).get();
        assertThat(s).as("secret " + secret).isNotNull();
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static X509Certificate x509(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

}
