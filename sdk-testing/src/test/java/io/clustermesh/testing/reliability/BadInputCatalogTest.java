package io.clustermesh.testing.reliability;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input catalog: bad specs (builder and YAML) and bad cluster states, one row each. Every row is run the way a
 * user runs it — build, plan, and apply when the plan has errors — against one 2-cluster lab, and must yield its
 * finding code while no cluster receives a single write request. Cluster states are set up with the lab's own client
 * (not counted) and removed after each row. The Azure rows (Basic vWAN, kubenet, overlapping VNets, ...) are in
 * sdk-azure's {@code AzureBadInputCatalogTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCatalogTest {
    private static final BouncyCastleCertificateAuthority PKI = new BouncyCastleCertificateAuthority();
    private MeshLab lab;
    private Path kubeconfigs;
    private final PemCredential caA = PKI.createCa("Cilium CA of another mesh", Duration.ofDays(30));
    private final PemCredential caB = PKI.createCa("Cilium CA of a third mesh", Duration.ofDays(30));

    @BeforeAll
    void startLab() throws IOException {
        lab = Reliability.lab(2).start();
        kubeconfigs = Files.createTempDirectory(lab.workDir(), "kubeconfigs");
        for (LabCluster c : lab.clusters()) {
            Files.writeString(kubeconfigs.resolve(c.name() + ".yaml"), c.kubeconfig(), StandardCharsets.UTF_8);
        }
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Removes what a row set up: the lab is pristine for the next one. */
    @AfterEach
    void cleanUp() {
        for (LabCluster c : lab.clusters()) {
            c.clearFaults();
            KubernetesClient k = c.client();
            k.secrets().inNamespace(Reliability.NS).withName("cilium-ca").delete();
            k.secrets().inNamespace(Reliability.NS).withName(HelmStorage.secretName("cilium", 1)).delete();
            k.configMaps().inNamespace(Reliability.NS).withName("cilium-config").delete();
        }
    }

    // ------------------------------------------------------------------------------------------------ the catalog

    /** One row: what is wrong, the finding code it must yield, how to set it up and run it, and what else to check. */
    record Row(String name, String code, Function<BadInputCatalogTest, List<Finding>> run, Consumer<Finding> check) {
        @Override
        public String toString() {
            return name + " -> " + code;
        }
    }

    Stream<Arguments> catalog() {
        List<Row> rows = new ArrayList<>();
        // --- names and ids (docs/findings.md)
        rows.add(spec("empty cluster name", "CLUSTER_NAME_EMPTY", s -> cluster(s, 1, c -> rename(c, ""))));
        rows.add(spec("cluster name of 33 characters", "CLUSTER_NAME_TOO_LONG", s -> cluster(s, 1, c -> rename(c, "c".repeat(33)))));
        rows.add(spec("cluster name with upper case and underscore", "CLUSTER_NAME_INVALID", s -> cluster(s, 1, c -> rename(c, "Cluster_2"))));
        rows.add(spec("cluster named 'default' with an id", "CLUSTER_NAME_DEFAULT_WITH_ID", s -> cluster(s, 1, c -> rename(c, "default"))));
        rows.add(spec("two clusters with one name", "CLUSTER_NAME_DUPLICATE", s -> cluster(s, 1, c -> rename(c, "cluster1"))));
        rows.add(spec("cluster id 0 (reserved)", "CLUSTER_ID_MISSING", s -> cluster(s, 1, c -> c.withId(0))));
        rows.add(spec("cluster id 256 with maxConnectedClusters 255", "CLUSTER_ID_OUT_OF_RANGE", s -> cluster(s, 1, c -> c.withId(256))));
        rows.add(spec("two clusters with one id", "CLUSTER_ID_DUPLICATE", s -> cluster(s, 1, c -> c.withId(1))));
        rows.add(spec("a mesh of one cluster", "MESH_TOO_FEW_CLUSTERS", s -> s.withClusters(List.of(s.clusters().get(0)))));
        // --- CIDRs and mesh IPs
        rows.add(spec("pod CIDR that is not a CIDR", "CIDR_INVALID", s -> cluster(s, 1, c -> c.withPodCidr("10.2.0.0/33"))));
        rows.add(spec("IPv6 pod CIDR", "CIDR_IPV6_UNSUPPORTED", s -> cluster(s, 1, c -> c.withPodCidr("fd00:10:2::/48"))));
        rows.add(spec("pod CIDR in a range AKS reserves", "CIDR_RESERVED", s -> cluster(s, 1, c -> c.withPodCidr("169.254.0.0/16"))));
        rows.add(spec("no pod CIDR (the chart default 10.0.0.0/8 collides)", "POD_CIDR_MISSING", s -> cluster(s, 1, c -> c.withPodCidr(null))));
        rows.add(spec("overlapping pod CIDRs", "POD_CIDR_OVERLAP", s -> cluster(s, 1, c -> c.withPodCidr(s.clusters().get(0).podCidr()))));
        rows.add(spec("pod CIDR overlapping the service CIDR", "POD_CIDR_OVERLAPS_SERVICE_CIDR", s -> cluster(s, 1, c -> c.withPodCidr(c.serviceCidr()))));
        rows.add(spec("mesh IP that is not an address", "MESH_IP_INVALID", s -> cluster(s, 1, c -> c.withMeshIp("10.2.0.300"))));
        rows.add(spec("two clusters with one mesh IP", "MESH_IP_DUPLICATE", s -> cluster(s, 1, c -> c.withMeshIp(s.clusters().get(0).meshIp()))));
        rows.add(spec("mesh IP in a range AKS reserves", "MESH_IP_RESERVED", s -> cluster(s, 1, c -> c.withMeshIp("192.0.2.10"))));
        rows.add(spec("mesh IP inside the pod CIDR", "MESH_IP_IN_CLUSTER_RANGE", s -> cluster(s, 1, c -> c.withMeshIp(c.podCidr().replace(".0/", ".9/").split("/")[0]))));
        rows.add(spec("API server given as a URL", "API_SERVER_INVALID", s -> cluster(s, 1, c -> c.withApiServer("https://" + c.apiServer() + ":443"))));
        // --- what was validated is what is written: addresses only in canonical text, the fix names it
        rows.add(spec("pod CIDR in full-width digits", "CIDR_NOT_CANONICAL", s -> cluster(s, 1, c -> c.withPodCidr(fullWidth(c.podCidr()))),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].podCidr: 10.2.0.0/16")));
        rows.add(spec("service CIDR padded with spaces", "CIDR_NOT_CANONICAL", s -> cluster(s, 1, c -> c.withServiceCidr(" " + c.serviceCidr() + " ")),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].serviceCidr: 10.0.0.0/16")));
        rows.add(spec("mesh IP with leading zeros (octal to some tools)", "MESH_IP_NOT_CANONICAL", s -> cluster(s, 1, c -> c.withMeshIp(zeroPadded(c.meshIp()))),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].meshIp: 172.16.2.250")));
        rows.add(spec("mesh IP in Arabic-Indic digits", "MESH_IP_NOT_CANONICAL", s -> cluster(s, 1, c -> c.withMeshIp(arabicIndic(c.meshIp()))),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].meshIp: 172.16.2.250")));
        rows.add(spec("API server given as an IP with leading zeros", "API_SERVER_INVALID", s -> cluster(s, 1, c -> c.withApiServer("010.2.0.4")),
                f -> assertThat(f.remediation()).contains("10.2.0.4")));
        // --- address sanity
        rows.add(spec("public mesh IP", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("8.8.8.8")),
                f -> assertThat(f.message()).startsWith("cluster2: ").contains("public")));
        rows.add(spec("mesh IP on loopback", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("127.0.0.1")),
                f -> assertThat(f.message()).contains("loopback")));
        rows.add(spec("mesh IP 0.0.0.0", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("0.0.0.0")), f -> { }));
        rows.add(spec("multicast mesh IP", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("239.1.2.3")),
                f -> assertThat(f.message()).contains("multicast")));
        rows.add(spec("broadcast mesh IP", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("255.255.255.255")),
                f -> assertThat(f.message()).contains("broadcast")));
        rows.add(spec("mesh IP of Azure's platform DNS 168.63.129.16", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("168.63.129.16")),
                f -> assertThat(f.message()).contains("Azure platform")));
        rows.add(spec("mesh IP in the CGNAT range 100.64.0.0/10", "MESH_IP_NOT_PRIVATE", s -> cluster(s, 1, c -> c.withMeshIp("100.64.2.250")), f -> { }));
        rows.add(spec("mesh IP of the instance metadata service", "MESH_IP_RESERVED", s -> cluster(s, 1, c -> c.withMeshIp("169.254.169.254")),
                f -> assertThat(f.message()).contains("metadata")));
        rows.add(spec("pod CIDR that is a host route (/32)", "POD_CIDR_TOO_SMALL", s -> cluster(s, 1, c -> c.withPodCidr("10.2.0.1/32")),
                f -> assertThat(f.remediation()).contains("/24")));
        rows.add(spec("multicast pod CIDR", "CIDR_SPECIAL_PURPOSE", s -> cluster(s, 1, c -> c.withPodCidr("224.2.0.0/16")), f -> { }));
        rows.add(spec("loopback pod CIDR", "CIDR_SPECIAL_PURPOSE", s -> cluster(s, 1, c -> c.withPodCidr("127.2.0.0/16")), f -> { }));
        rows.add(spec("pod CIDR over Azure's 168.63.129.16", "CIDR_SPECIAL_PURPOSE", s -> cluster(s, 1, c -> c.withPodCidr("168.63.0.0/16")),
                f -> assertThat(f.message()).contains("168.63.129.16/32")));
        rows.add(spec("no access to a cluster", "CLUSTER_ACCESS_MISSING", s -> cluster(s, 1, c -> c.withAccess(null))));
        rows.add(spec("an Azure cluster without an azure section", "AZURE_SECTION_MISSING", s -> cluster(s, 1, c -> c.withAccess(ClusterAccess.azure("rg-cluster2", "cluster2")))));
        // --- versions and mixed settings
        rows.add(spec("chart version that is not a version", "CILIUM_VERSION_INVALID", s -> cilium(s, CiliumOptions.defaults().withVersion("latest"))));
        rows.add(spec("chart line 1.12 (unsupported)", "CILIUM_VERSION_UNSUPPORTED", s -> cilium(s, CiliumOptions.defaults().withVersion("1.12.19"))));
        rows.add(spec("maxConnectedClusters 300", "MAX_CONNECTED_CLUSTERS_INVALID", s -> cilium(s, CiliumOptions.defaults().withMaxConnectedClusters(300))));
        rows.add(spec("native routing on AKS BYOCNI", "ROUTING_MODE_NOT_TUNNEL", s -> cilium(s, CiliumOptions.defaults().withRoutingMode(RoutingMode.NATIVE))));
        rows.add(spec("one cluster with another routing mode", "ROUTING_MODE_MIXED", s -> cluster(s, 1, c -> c.withCilium(CiliumOptions.defaults().withRoutingMode(RoutingMode.NATIVE)))));
        rows.add(spec("one cluster with Geneve, the others VXLAN", "TUNNEL_PROTOCOL_MIXED", s -> cluster(s, 1, c -> c.withCilium(CiliumOptions.defaults().withTunnelProtocol(TunnelProtocol.GENEVE)))));
        rows.add(spec("one cluster with WireGuard, the others none", "ENCRYPTION_MIXED", s -> cluster(s, 1, c -> c.withCilium(CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD)))));
        rows.add(spec("one cluster with maxConnectedClusters 511", "MAX_CONNECTED_CLUSTERS_MIXED", s -> cluster(s, 1, c -> c.withCilium(CiliumOptions.defaults().withMaxConnectedClusters(511)))));
        rows.add(spec("CA adopted from a cluster not in the mesh", "CA_ADOPT_UNKNOWN_CLUSTER", s -> ca(s, CaStrategy.adoptFrom("cluster9"))));
        rows.add(spec("exposure node-port (apply needs a load balancer)", "EXPOSURE_UNSUPPORTED", s -> MeshSpec.of(s.name(), s.cilium(), s.ca(),
                Exposure.nodePort(), s.azure(), s.clusters())));
        // --- the spec file
        rows.add(yaml("YAML that does not parse", "SPEC_SYNTAX", y -> y.replace("clusters:\n", "clusters: [\n")));
        rows.add(yaml("an empty file", "SPEC_EMPTY", y -> ""));
        rows.add(yaml("kind is not Mesh", "SPEC_KIND", y -> y.replace("kind: Mesh", "kind: Cluster")));
        rows.add(yaml("unsupported apiVersion", "SPEC_API_VERSION", y -> y.replace("clustermesh.io/v1alpha1", "clustermesh.io/v2")));
        rows.add(yaml("a misspelt field (podCIDR)", "SPEC_UNKNOWN_FIELD", y -> y.replaceFirst("podCidr:", "podCIDR:")));
        rows.add(yaml("an id that is not a number", "SPEC_WRONG_TYPE", y -> y.replace("id: 2", "id: two")));
        rows.add(yaml("an unknown routing mode", "SPEC_INVALID_VALUE", y -> y.replace("version: 1.16.19", "version: 1.16.19\n    routingMode: bgp")));
        rows.add(yaml("no clusters", "SPEC_MISSING_FIELD", y -> y.substring(0, y.indexOf("  clusters:"))));
        rows.add(yaml("both kubeContext and azure", "SPEC_CONFLICT", y -> y.replace("kubeContext: cluster2", "kubeContext: cluster2\n    azure: {resourceGroup: rg, name: aks}")));
        rows.add(yaml("an id beyond the int range", "SPEC_INVALID_VALUE", y -> y.replace("id: 2", "id: 99999999999"),
                f -> assertThat(f.message()).isEqualTo("spec.clusters[1].id 99999999999 is out of range")));
        rows.add(yaml("an id with a leading zero", "SPEC_INVALID_VALUE", y -> y.replace("id: 2", "id: 02"),
                f -> assertThat(f.remediation()).isEqualTo("write id: 2")));
        rows.add(yaml("a key given twice", "SPEC_DUPLICATE_KEY", y -> y.replace("    id: 2\n", "    id: 2\n    id: 3\n"),
                f -> assertThat(f.path()).isEqualTo("spec.clusters[1].id")));
        rows.add(yaml("spec: null", "SPEC_EMPTY_SECTION", y -> y.substring(0, y.indexOf("spec:")) + "spec: null\n",
                f -> assertThat(f.path()).isEqualTo("spec")));
        rows.add(yaml("clusters: []", "SPEC_EMPTY_SECTION", y -> y.substring(0, y.indexOf("  clusters:")) + "  clusters: []\n",
                f -> assertThat(f.path()).isEqualTo("spec.clusters")));
        rows.add(yaml("an empty cilium section", "SPEC_EMPTY_SECTION", y -> y.replace("    version: 1.16.19\n", ""),
                f -> assertThat(f.path()).isEqualTo("spec.cilium")));
        rows.add(yaml("two documents in one file", "SPEC_MULTIPLE_DOCUMENTS", y -> y + "---\n" + y, f -> { }));
        rows.add(yaml("an alias bomb", "SPEC_TOO_COMPLEX", y -> aliasBomb() + y, f -> assertThat(f.message()).contains("aliases")));
        rows.add(yaml("a misspelt field with overlapping pod CIDRs: both reported", "POD_CIDR_OVERLAP",
                y -> y.replace("podCidr: 10.2.0.0/16", "podCidr: 10.1.0.0/16").replace("apiServer:", "apiserver:"),
                f -> assertThat(f.path()).isEqualTo("spec.clusters[1].podCidr")));
        rows.add(yaml("pod CIDR in full-width digits in the spec file", "CIDR_NOT_CANONICAL",
                y -> y.replace("podCidr: 10.2.0.0/16", "podCidr: " + fullWidth("10.2.0.0/16")),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].podCidr: 10.2.0.0/16")));
        rows.add(yaml("mesh IP with leading zeros in the spec file", "MESH_IP_NOT_CANONICAL",
                y -> y.replace("meshIp: 172.16.2.250", "meshIp: 172.016.002.250"),
                f -> assertThat(f.remediation()).isEqualTo("write spec.clusters[1].meshIp: 172.16.2.250")));
        rows.add(yaml("public mesh IP in the spec file", "MESH_IP_NOT_PRIVATE", y -> y.replace("meshIp: 172.16.2.250", "meshIp: 8.8.8.8")));
        rows.add(yaml("a /32 pod CIDR in the spec file", "POD_CIDR_TOO_SMALL", y -> y.replace("podCidr: 10.2.0.0/16", "podCidr: 10.2.0.1/32")));
        rows.add(file("a directory as spec file", "SPEC_NOT_A_FILE", t -> t.kubeconfigs, f -> assertThat(f.message()).contains("directory")));
        rows.add(file("/dev/zero as spec file", "SPEC_NOT_A_FILE", t -> Path.of("/dev/zero"), f -> assertThat(f.message()).contains("not a regular file")));
        rows.add(file("a spec file of 2 MiB", "SPEC_TOO_LARGE", t -> {
            try {
                Path big = Files.createTempFile(t.lab.workDir(), "big", ".yaml");
                Files.writeString(big, t.baseYaml() + "#" + "x".repeat(2 << 20));
                return big;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, f -> assertThat(f.message()).contains("1 MiB")));
        // --- what the clusters already run
        rows.add(state("clusters already using different CAs", "CA_MISMATCH", t -> {
            t.seedCa("cluster1", t.caA, true);
            t.seedCa("cluster2", t.caB, true);
        }, UnaryOperator.identity(), f -> assertThat(f.message()).contains("cluster1").contains("cluster2")));
        rows.add(state("a meshed cluster with another CA than the adopted one", "CA_REPLACE_CONNECTED", t -> {
            t.seedCa("cluster1", t.caA, true);
            t.seedRelease("cluster1", "cilium", CiliumOptions.DEFAULT_VERSION, meshedWith("cluster3"));
            t.seedCa("cluster2", t.caB, true);
        }, s -> ca(s, CaStrategy.adoptFrom("cluster2")), f -> assertThat(f.cluster()).isEqualTo("cluster1")));
        rows.add(state("the shared CA has no private key", "CA_KEY_MISSING", t -> t.seedCa("cluster1", t.caA, false),
                UnaryOperator.identity(), f -> assertThat(f.remediation()).contains("ca.key")));
        rows.add(state("a cilium-ca that is not a certificate", "CA_UNREADABLE", t -> t.seedSecret("cluster1", "cilium-ca",
                Map.of("ca.crt", "not a certificate", "ca.key", "not a key")), UnaryOperator.identity(), f -> { }));
        rows.add(state("CA adopted from a cluster that has none", "CA_ADOPT_SOURCE_MISSING", t -> { }, s -> ca(s, CaStrategy.adoptFrom("cluster1")),
                f -> assertThat(f.cluster()).isEqualTo("cluster1")));
        rows.add(state("Cilium installed without Helm (no release cilium)", "CILIUM_NOT_HELM_MANAGED",
                t -> t.seedConfig("cluster2", "cluster2", "2", "255"), UnaryOperator.identity(),
                f -> assertThat(f.remediation()).contains("Helm")));
        rows.add(state("a newer chart installed than the spec asks for", "CILIUM_DOWNGRADE", t -> {
            t.seedRelease("cluster1", "cilium", "1.17.6", Map.of());
            t.seedConfig("cluster1", "cluster1", "1", "255");
        }, UnaryOperator.identity(), f -> assertThat(f.message()).contains("1.17.6").contains(CiliumOptions.DEFAULT_VERSION)));
        rows.add(state("the release 'cilium' is of another chart", "HELM_RELEASE_NOT_CILIUM",
                t -> t.seedRelease("cluster2", "nginx", "1.16.19", Map.of()), UnaryOperator.identity(), f -> { }));
        rows.add(state("cluster id changed on a running cluster", "CLUSTER_ID_CHANGE", t -> {
            t.seedRelease("cluster2", "cilium", CiliumOptions.DEFAULT_VERSION, Map.of());
            t.seedConfig("cluster2", "cluster2", "7", "255");
        }, UnaryOperator.identity(), f -> assertThat(f.remediation()).contains("set id: 7 for cluster2")));
        rows.add(state("cluster name changed on a running cluster", "CLUSTER_NAME_CHANGE", t -> {
            t.seedRelease("cluster2", "cilium", CiliumOptions.DEFAULT_VERSION, Map.of());
            t.seedConfig("cluster2", "aks-two", "2", "255");
        }, UnaryOperator.identity(), f -> { }));
        rows.add(state("maxConnectedClusters changed after install", "MAX_CONNECTED_CLUSTERS_CHANGE", t -> {
            t.seedRelease("cluster2", "cilium", CiliumOptions.DEFAULT_VERSION, Map.of());
            t.seedConfig("cluster2", "cluster2", "2", "511");
        }, UnaryOperator.identity(), f -> { }));
        rows.add(new Row("a cluster that does not answer", "CLUSTER_UNREACHABLE", t -> {
            t.lab.cluster("cluster2").addFault(FaultRule.always(Fault.hang()));
            return t.runAsUser(t.impatient(t.lab.spec()));
        }, f -> assertThat(f.message()).startsWith("cluster2: ").contains("timed out")));
        rows.add(state("an expired credential (HTTP 401)", "CLUSTER_ACCESS_DENIED", t -> { },
                s -> cluster(s, 1, c -> c.withAccess(ClusterAccess.kubeconfig(lab.cluster("cluster2").kubeconfig()
                        .replace(Reliability.token(lab.cluster("cluster2")), "expired-token")))),
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.message()).startsWith("cluster2: ").contains("HTTP 401");
                    assertThat(f.remediation()).contains("refresh the kubeconfig");
                }));
        rows.add(new Row("a kube context missing from the kubeconfig (its current context runs a plugin)", "KUBE_CONTEXT_MISSING",
                t -> t.runAsUser(cluster(t.lab.spec(), 1, c -> c.withAccess(ClusterAccess.kubeContext("no-such-context", t.pluginKubeconfig())))),
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.message()).contains("no-such-context").contains("ctx-a").contains("cluster2");
                    assertThat(markerOfPlugin()).as("the current context's credential plugin never ran").doesNotExist();
                }));
        rows.add(new Row("a kubeconfig named in a spec file runs a credential plugin", "KUBECONFIG_EXEC_NOT_ALLOWED",
                t -> {
                    String yaml = t.baseYaml().replace("kubeconfig: " + t.kubeconfigs.resolve("cluster2.yaml"), "kubeconfig: " + t.pluginKubeconfig())
                            .replace("kubeContext: cluster2", "kubeContext: ctx-a");
                    MeshSpecYaml.Result r = MeshSpecYaml.parse(yaml);
                    return r.ok() ? t.runAsUser(r.spec()) : r.findings();
                },
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.message()).contains("/bin/sh").contains("spec file");
                    assertThat(f.remediation()).contains("--allow-exec");
                    assertThat(markerOfPlugin()).as("the plugin never ran").doesNotExist();
                }));
        rows.add(state("an invalid kubeconfig", "KUBECONFIG_INVALID", t -> { },
                s -> cluster(s, 1, c -> c.withAccess(ClusterAccess.kubeconfig("apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-t0ken}}]\nclusters: [oops\n"))),
                f -> {
                    assertThat(f.cluster()).isEqualTo("cluster2");
                    assertThat(f.message()).startsWith("cluster2: ").contains("kubeconfig").doesNotContain("s3cr3t-t0ken")
                            .doesNotContain("apiVersion").doesNotContain("\tat ").doesNotContain("\n");
                }));
        return rows.stream().map(r -> Arguments.of(r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalog")
    void badInputIsReportedWithItsCodeAndNothingIsWritten(Row row) {
        Reliability.resetCounts(lab);
        List<Finding> findings = row.run().apply(this);
        assertThat(findings).as(row.name()).extracting(Finding::code).contains(row.code());
        Finding f = findings.stream().filter(x -> x.code().equals(row.code())).findFirst().orElseThrow();
        assertThat(f.message()).isNotBlank();
        assertThat(f.remediation()).isNotBlank();
        row.check().accept(f);
        Reliability.assertNothingWritten(lab, row.name());
    }

    @Test
    void theCatalogCoversAtLeast25DistinctCodes() {
        assertThat(catalog().map(a -> ((Row) a.get()[0]).code()).distinct().count()).isGreaterThanOrEqualTo(25);
    }

    /** The harness is not vacuous: the unmodified spec and YAML plan cleanly against the lab (and read it). */
    @Test
    void theUnmodifiedSpecAndYamlPlanCleanly() {
        Reliability.resetCounts(lab);
        for (MeshSpec s : List.of(lab.spec(), MeshSpecYaml.parse(baseYaml()).orThrow())) {
            try (Mesh mesh = builder(s).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
                assertThat(plan.writeSteps()).isPositive();
            }
        }
        assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().reads()).isPositive());
        Reliability.assertNothingWritten(lab, "planning");
    }

    /** Input that is easy to misread but valid plans as cleanly as the plain file: a BOM, CRLF, aliases. */
    @Test
    void aByteOrderMarkCrlfAndAliasesPlanLikeThePlainFile() {
        Reliability.resetCounts(lab);
        String y = baseYaml();
        String aliased = y.replace("  - name: cluster1\n", "  - name: &c1 cluster1\n").replace("    kubeContext: cluster1\n", "    kubeContext: *c1\n");
        assertThat(aliased).contains("*c1");
        String anchored = "\uFEFF" + aliased.replace("\n", "\r\n");
        MeshSpec plain = MeshSpecYaml.parse(y).orThrow();
        assertThat(MeshSpecYaml.parse(anchored).orThrow()).isEqualTo(plain);
        try (Mesh mesh = builder(MeshSpecYaml.parse(anchored).orThrow()).build()) {
            MeshPlan plan = mesh.plan();
            assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
        }
        Reliability.assertNothingWritten(lab, "planning");
    }

    // ------------------------------------------------------------------------------------------------ running a row

    private Mesh.Builder builder(MeshSpec spec) {
        return lab.meshBuilder().spec(spec);
    }

    /** For the row whose cluster never answers: give up on it soon (requests of 2 s, 2 attempts). */
    private Mesh.Builder impatient(MeshSpec spec) {
        MeshTimeouts t = MeshLab.timeouts();
        return builder(spec)
                .timeouts(new MeshTimeouts(t.step(), t.loadBalancerIp(), t.rollout(), t.connection(), Duration.ofSeconds(2), t.pollInterval()))
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(50), 2.0, Duration.ofMillis(200)));
    }

    /** build(); plan(); and when the plan has errors, apply() must refuse it. Returns every finding. */
    private List<Finding> runAsUser(MeshSpec spec) {
        return runAsUser(builder(spec));
    }

    private List<Finding> runAsUser(Mesh.Builder builder) {
        Mesh mesh;
        try {
            mesh = builder.build();
        } catch (MeshConfigurationException e) {
            assertThat(e.findings()).isNotEmpty();
            return e.findings();
        }
        try (mesh) {
            MeshPlan plan = mesh.plan();
            if (plan.hasErrors()) {
                assertThat(plan.steps()).as("a plan with errors has no steps").isEmpty();
                assertThatThrownBy(() -> mesh.apply(plan)).isInstanceOf(MeshConfigurationException.class)
                        .hasMessageContaining("problem");
            }
            return plan.findings();
        }
    }

    private static Row spec(String name, String code, UnaryOperator<MeshSpec> change) {
        return new Row(name, code, t -> t.runAsUser(change.apply(t.lab.spec())), f -> { });
    }

    private static Row yaml(String name, String code, UnaryOperator<String> change) {
        return new Row(name, code, t -> {
            MeshSpecYaml.Result r = MeshSpecYaml.parse(change.apply(t.baseYaml()));
            return r.ok() ? t.runAsUser(r.spec()) : r.findings();
        }, f -> { });
    }

    private static Row spec(String name, String code, UnaryOperator<MeshSpec> change, Consumer<Finding> check) {
        return new Row(name, code, t -> t.runAsUser(change.apply(t.lab.spec())), check);
    }

    private static Row yaml(String name, String code, UnaryOperator<String> change, Consumer<Finding> check) {
        Row r = yaml(name, code, change);
        return new Row(name, code, r.run(), check);
    }

    /** A spec file given by path, read as meshctl reads it (MeshSpecYaml.read, then build and plan). */
    private static Row file(String name, String code, Function<BadInputCatalogTest, Path> path, Consumer<Finding> check) {
        return new Row(name, code, t -> {
            MeshSpecYaml.Result r = MeshSpecYaml.read(path.apply(t));
            return r.ok() ? t.runAsUser(r.spec()) : r.findings();
        }, check);
    }

    private static Row state(String name, String code, Consumer<BadInputCatalogTest> setUp, UnaryOperator<MeshSpec> change,
                             Consumer<Finding> check) {
        return new Row(name, code, t -> {
            setUp.accept(t);
            return t.runAsUser(change.apply(t.lab.spec()));
        }, check);
    }

    // ------------------------------------------------------------------------------------------------ spec edits

    private static MeshSpec cluster(MeshSpec s, int index, UnaryOperator<MeshCluster> change) {
        List<MeshCluster> cs = new ArrayList<>(s.clusters());
        cs.set(index, change.apply(cs.get(index)));
        return s.withClusters(cs);
    }

    /** The text in full-width digits, dots and slash (U+FF10.., U+FF0E, U+FF0F). */
    private static String fullWidth(String text) {
        StringBuilder b = new StringBuilder();
        text.chars().forEach(ch -> b.append(Character.isDigit(ch) ? (char) ('\uFF10' + (ch - '0')) : ch == '.' ? '\uFF0E' : ch == '/' ? '\uFF0F' : (char) ch));
        return b.toString();
    }

    /** The text in Arabic-Indic digits (U+0660..), dots kept. */
    private static String arabicIndic(String text) {
        StringBuilder b = new StringBuilder();
        text.chars().forEach(ch -> b.append(Character.isDigit(ch) ? (char) ('\u0660' + (ch - '0')) : (char) ch));
        return b.toString();
    }

    /** Every octet as three digits: 172.016.002.250. */
    private static String zeroPadded(String ip) {
        return String.join(".", java.util.Arrays.stream(ip.split("\\.")).map(o -> String.format("%03d", Integer.parseInt(o))).toList());
    }

    /** Ten nested anchors of ten aliases each: 10^10 items if expanded. */
    private static String aliasBomb() {
        StringBuilder y = new StringBuilder("x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            y.append("x").append(i).append(": &a").append(i).append(" [").append(("*a" + (i - 1) + ", ").repeat(9)).append("*a").append(i - 1).append("]\n");
        }
        return y.toString();
    }

    private static MeshCluster rename(MeshCluster c, String name) {
        return MeshCluster.named(name).withId(c.id()).withPodCidr(c.podCidr()).withServiceCidr(c.serviceCidr())
                .withApiServer(c.apiServer()).withMeshIp(c.meshIp()).withAccess(c.access()).withCilium(c.cilium());
    }

    private static MeshSpec cilium(MeshSpec s, CiliumOptions o) {
        return MeshSpec.of(s.name(), o, s.ca(), s.exposure(), s.azure(), s.clusters());
    }

    private static MeshSpec ca(MeshSpec s, CaStrategy ca) {
        return MeshSpec.of(s.name(), s.cilium(), ca, s.exposure(), s.azure(), s.clusters());
    }

    private static Map<String, Object> meshedWith(String peer) {
        return Map.of("clustermesh", Map.of("config", Map.of("enabled", true,
                "clusters", List.of(Map.of("name", peer, "port", 2379, "ips", List.of("10.3.0.250"))))));
    }

    /** The lab's spec as a {@code kind: Mesh} file, each cluster reached through its kubeconfig file. */
    /** Where the credential plugin of {@link #pluginKubeconfig()} leaves its mark when it runs. */
    private static Path markerOfPlugin() {
        return Path.of(System.getProperty("java.io.tmpdir"), "clustermesh-catalog-plugin-ran");
    }

    /**
     * A kubeconfig whose current context {@code ctx-a} reaches cluster2 through a credential plugin that leaves a marker
     * file when it runs.
     */
    Path pluginKubeconfig() {
        try {
            Files.deleteIfExists(markerOfPlugin());
            LabCluster c = lab.cluster("cluster2");
            String yaml = c.kubeconfig().replace("name: \"cluster2\"\n  context:", "name: \"ctx-a\"\n  context:")
                    .replace("current-context: \"cluster2\"", "current-context: \"ctx-a\"")
                    .replaceAll("    token: \".*\"\n", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                            + "      command: /bin/sh\n      args: [\"-c\", \"touch " + markerOfPlugin() + "; exit 1\"]\n");
            Path f = kubeconfigs.resolve("plugin.yaml");
            Files.writeString(f, yaml, StandardCharsets.UTF_8);
            return f;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    String baseYaml() {
        StringBuilder y = new StringBuilder("""
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: lab}
                spec:
                  cilium:
                    version: 1.16.19
                  ca: {strategy: generate}
                  exposure: {type: azure-internal-lb}
                  clusters:
                """);
        for (MeshCluster c : lab.spec().clusters()) {
            y.append("  - name: ").append(c.name()).append('\n')
                    .append("    id: ").append(c.id()).append('\n')
                    .append("    podCidr: ").append(c.podCidr()).append('\n')
                    .append("    serviceCidr: ").append(c.serviceCidr()).append('\n')
                    .append("    apiServer: ").append(c.apiServer()).append('\n')
                    .append("    meshIp: ").append(c.meshIp()).append('\n')
                    .append("    kubeContext: ").append(c.name()).append('\n')
                    .append("    kubeconfig: ").append(kubeconfigs.resolve(c.name() + ".yaml")).append('\n');
        }
        return y.toString();
    }

    // ------------------------------------------------------------------------------------------------ cluster states

    void seedCa(String cluster, PemCredential ca, boolean withKey) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("ca.crt", ca.certificatePem());
        if (withKey) {
            data.put("ca.key", ca.privateKeyPem());
        }
        seedSecret(cluster, "cilium-ca", data);
    }

    void seedSecret(String cluster, String name, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        lab.cluster(cluster).client().secrets().inNamespace(Reliability.NS).resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(Reliability.NS).endMetadata().withType("Opaque").withData(encoded).build()).create();
    }

    /** A {@code cilium-config} as a Cilium install writes it. */
    void seedConfig(String cluster, String clusterName, String clusterId, String maxConnected) {
        lab.cluster(cluster).client().configMaps().inNamespace(Reliability.NS).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("cilium-config").withNamespace(Reliability.NS).endMetadata()
                .withData(Map.of("cluster-name", clusterName, "cluster-id", clusterId, "max-connected-clusters", maxConnected,
                        "routing-mode", "tunnel", "tunnel-protocol", "vxlan"))
                .build()).create();
    }

    /** Revision 1 of release {@code cilium}, deployed, in Helm's storage. */
    void seedRelease(String cluster, String chart, String version, Map<String, Object> values) {
        SecretData s = HelmStorage.encode(new HelmRelease("cilium", Reliability.NS, 1, "deployed", chart, version, values), "",
                Instant.parse("2026-01-01T00:00:00Z"));
        Map<String, String> encoded = new LinkedHashMap<>();
        s.data().forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
        lab.cluster(cluster).client().secrets().inNamespace(Reliability.NS).resource(new SecretBuilder().withNewMetadata().withName(s.name())
                .withNamespace(Reliability.NS).withLabels(s.labels()).endMetadata().withType(s.type()).withData(encoded).build()).create();
    }
}
