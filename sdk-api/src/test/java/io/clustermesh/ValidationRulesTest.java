package io.clustermesh;

import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.McsApi;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.model.RoutingMode;
import io.clustermesh.model.TunnelProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.clustermesh.Fixtures.articleCluster;
import static io.clustermesh.Fixtures.articleSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One case per finding code of {@code internal/Validator} (docs/findings.md): each starts from the article's valid
 * mesh, breaks one thing, and checks code, severity, cluster, exact path, message and remediation, that no other
 * finding appears, and that {@code Mesh.builder().build()} refuses the spec with the same finding.
 */
class ValidationRulesTest {

    /**
     * @param messageHas     texts the message must contain (the cluster name is checked separately)
     * @param remediationHas a concrete hint the remediation must contain
     * @param allCodes       every code the spec produces (the case's own included): nothing else may appear
     */
    record Rule(String title, MeshSpec spec, String code, Severity severity, String cluster, String path,
                List<String> messageHas, String remediationHas, Set<String> allCodes) {
        @Override
        public String toString() {
            return code + ": " + title;
        }
    }

    private static Rule error(String title, MeshSpec spec, String code, String cluster, String path, String remediationHas,
                              String... messageHas) {
        return new Rule(title, spec, code, Severity.ERROR, cluster, path, List.of(messageHas), remediationHas, Set.of(code));
    }

    private static Rule also(Rule r, String... otherCodes) {
        Set<String> all = new TreeSet<>(r.allCodes());
        all.addAll(Arrays.asList(otherCodes));
        return new Rule(r.title(), r.spec(), r.code(), r.severity(), r.cluster(), r.path(), r.messageHas(), r.remediationHas(), all);
    }

    // ---- spec edits, each from the article mesh ----

    @SafeVarargs
    private static MeshSpec article(UnaryOperator<MeshSpec>... edits) {
        MeshSpec s = articleSpec();
        for (UnaryOperator<MeshSpec> e : edits) {
            s = e.apply(s);
        }
        return s;
    }

    private static UnaryOperator<MeshSpec> cluster(int index, UnaryOperator<MeshCluster> edit) {
        return s -> {
            List<MeshCluster> cs = new ArrayList<>(s.clusters());
            cs.set(index, edit.apply(cs.get(index)));
            return s.withClusters(cs);
        };
    }

    private static UnaryOperator<MeshSpec> cilium(UnaryOperator<CiliumOptions> edit) {
        return s -> MeshSpec.of(s.name(), edit.apply(s.cilium()), s.ca(), s.exposure(), s.azure(), s.clusters());
    }

    private static UnaryOperator<MeshSpec> ca(CaStrategy ca) {
        return s -> MeshSpec.of(s.name(), s.cilium(), ca, s.exposure(), s.azure(), s.clusters());
    }

    private static UnaryOperator<MeshSpec> exposure(Exposure e) {
        return s -> MeshSpec.of(s.name(), s.cilium(), s.ca(), e, s.azure(), s.clusters());
    }

    private static UnaryOperator<MeshSpec> clusters(MeshCluster... cs) {
        return s -> s.withClusters(List.of(cs));
    }

    private static UnaryOperator<CiliumOptions> version(String v) {
        return o -> o.withVersion(v);
    }

    static Stream<Rule> rules() {
        String tooLong = "cluster-" + "a".repeat(25); // 33 characters, valid otherwise
        return Stream.of(
                error("a single cluster", article(clusters(articleCluster(1))), "MESH_TOO_FEW_CLUSTERS", null, "spec.clusters",
                        "add another cluster", "at least two clusters", "has 1"),
                error("no cluster at all", article(clusters()), "MESH_TOO_FEW_CLUSTERS", null, "spec.clusters",
                        "add another cluster", "has 0"),
                error("a mesh name too long for the CA's subject", article(s -> MeshSpec.of("m".repeat(55), s.cilium(), s.ca(), s.exposure(),
                        s.azure(), s.clusters())), "MESH_NAME_INVALID", null, "metadata.name", "54 characters", "RFC 5280"),

                error("empty name", article(cluster(1, c -> rename(c, ""))), "CLUSTER_NAME_EMPTY", null,
                        "spec.clusters[1].name", "cluster2", "cluster #2 has no name"),
                error("33 characters", article(cluster(1, c -> rename(c, tooLong))), "CLUSTER_NAME_TOO_LONG", tooLong,
                        "spec.clusters[1].name", "32 characters or fewer", "33 characters", "at most 32"),
                error("upper case and underscore", article(cluster(1, c -> rename(c, "Cluster_2"))), "CLUSTER_NAME_INVALID",
                        "Cluster_2", "spec.clusters[1].name", "cluster-1", "lower case alphanumerics"),
                error("'default' with id 2", article(cluster(1, c -> rename(c, "default"))), "CLUSTER_NAME_DEFAULT_WITH_ID",
                        "default", "spec.clusters[1].name", "rename the cluster", "non-zero cluster id (2)"),
                error("two clusters named cluster1", article(cluster(1, c -> rename(c, "cluster1"))), "CLUSTER_NAME_DUPLICATE",
                        "cluster1", "spec.clusters[1].name", "unique name",
                        "remote and local cluster have the same, non-unique name: cluster1", "clusters[0] and clusters[1]"),

                error("id 0", article(cluster(1, c -> c.withId(0))), "CLUSTER_ID_MISSING", "cluster2", "spec.clusters[1].id",
                        "between 1 and 255", "cluster id is not set", "0 is reserved"),
                error("id 300 with maxConnectedClusters 255", article(cluster(1, c -> c.withId(300))), "CLUSTER_ID_OUT_OF_RANGE",
                        "cluster2", "spec.clusters[1].id", "spec.cilium.maxConnectedClusters: 511",
                        "cluster id 300 is outside 1..255"),
                error("id 512 with maxConnectedClusters 511",
                        article(cilium(o -> o.withMaxConnectedClusters(511)), cluster(2, c -> c.withId(512))),
                        "CLUSTER_ID_OUT_OF_RANGE", "cluster3", "spec.clusters[2].id", "between 1 and 511",
                        "cluster id 512 is outside 1..511"),
                error("negative id", article(cluster(0, c -> c.withId(-1))), "CLUSTER_ID_OUT_OF_RANGE", "cluster1",
                        "spec.clusters[0].id", "between 1 and 255", "cluster id -1 is outside 1..255"),
                error("two clusters with id 1", article(cluster(1, c -> c.withId(1))), "CLUSTER_ID_DUPLICATE", "cluster2",
                        "spec.clusters[1].id", "unique id",
                        "remote and local cluster have the same, non-unique ID: 1", "cluster1 and cluster2"),

                error("maxConnectedClusters 300", article(cilium(o -> o.withMaxConnectedClusters(300))),
                        "MAX_CONNECTED_CLUSTERS_INVALID", null, "spec.cilium.maxConnectedClusters", "255 (default) or 511",
                        "maxConnectedClusters is 300", "only allows 255 or 511"),
                also(error("a cluster overrides maxConnectedClusters with 1000",
                                article(cluster(1, c -> c.withCilium(CiliumOptions.defaults().withMaxConnectedClusters(1000)))),
                                "MAX_CONNECTED_CLUSTERS_INVALID", "cluster2", "spec.clusters[1].cilium.maxConnectedClusters",
                                "255 (default) or 511", "maxConnectedClusters is 1000"),
                        "MAX_CONNECTED_CLUSTERS_MIXED"),
                error("one cluster with 511, the mesh with 255",
                        article(cluster(1, c -> c.withCilium(CiliumOptions.defaults().withMaxConnectedClusters(511)))),
                        "MAX_CONNECTED_CLUSTERS_MIXED", "cluster2", "spec.clusters[1].cilium.maxConnectedClusters",
                        "maxConnectedClusters: 255", "maxConnectedClusters is 511 but the mesh uses 255",
                        "remote and local clusters have different max connected clusters"),

                error("native routing for the mesh", article(cilium(o -> o.withRoutingMode(RoutingMode.NATIVE))),
                        "ROUTING_MODE_NOT_TUNNEL", null, "spec.cilium.routingMode", "routingMode: tunnel",
                        "RoutingMode must be set to tunnel when aksbyocni.enabled=true"),
                also(error("native routing on one cluster",
                                article(cluster(1, c -> c.withCilium(CiliumOptions.defaults().withRoutingMode(RoutingMode.NATIVE)))),
                                "ROUTING_MODE_NOT_TUNNEL", "cluster2", "spec.clusters[1].cilium.routingMode", "routingMode: tunnel",
                                "RoutingMode must be set to tunnel"),
                        "ROUTING_MODE_MIXED"),
                also(error("one cluster routes natively, the others tunnel",
                                article(cluster(1, c -> c.withCilium(CiliumOptions.defaults().withRoutingMode(RoutingMode.NATIVE)))),
                                "ROUTING_MODE_MIXED", "cluster2", "spec.clusters[1].cilium.routingMode", "routingMode: tunnel",
                                "routingMode is native but the mesh uses tunnel", "same routing mode"),
                        "ROUTING_MODE_NOT_TUNNEL"),
                error("Geneve on cluster3, VXLAN elsewhere",
                        article(cluster(2, c -> c.withCilium(CiliumOptions.defaults().withTunnelProtocol(TunnelProtocol.GENEVE)))),
                        "TUNNEL_PROTOCOL_MIXED", "cluster3", "spec.clusters[2].cilium.tunnelProtocol", "tunnelProtocol: vxlan",
                        "tunnelProtocol is geneve but the mesh uses vxlan"),
                error("WireGuard on cluster2 only",
                        article(cluster(1, c -> c.withCilium(CiliumOptions.defaults().withEncryption(Encryption.WIREGUARD)))),
                        "ENCRYPTION_MIXED", "cluster2", "spec.clusters[1].cilium.encryption", "encryption: none",
                        "encryption is wireguard but the mesh uses none"),

                error("version 'latest'", article(cilium(version("latest"))), "CILIUM_VERSION_INVALID", null,
                        "spec.cilium.version", "1.16.19", "'latest' is not a Cilium chart version"),
                error("a cluster overrides the version with '1.x'",
                        article(cluster(1, c -> c.withCilium(CiliumOptions.version("1.x")))), "CILIUM_VERSION_INVALID", "cluster2",
                        "spec.clusters[1].cilium.version", "1.16.19", "'1.x' is not a Cilium chart version"),
                error("chart 1.14.5", article(cilium(version("1.14.5"))), "CILIUM_VERSION_UNSUPPORTED", null,
                        "spec.cilium.version", "1.16.19", "1.14.5 is not supported", "1.15 to 1.20"),
                error("chart 1.21.0", article(cilium(version("1.21.0"))), "CILIUM_VERSION_UNSUPPORTED", null,
                        "spec.cilium.version", "1.16.19", "1.21.0 is not supported"),
                error("a cluster overrides the version with 1.21.0",
                        article(cluster(1, c -> c.withCilium(CiliumOptions.version("1.21.0")))), "CILIUM_VERSION_UNSUPPORTED",
                        "cluster2", "spec.clusters[1].cilium.version", "1.16.19", "1.21.0 is not supported"),

                error("policyDefaultLocalCluster on chart 1.17",
                        article(cilium(o -> o.withVersion("1.17.17").withPolicyDefaultLocalCluster(true))), "CILIUM_OPTION_NOT_ON_LINE", null,
                        "spec.cilium.policyDefaultLocalCluster", "chart 1.18 or later", "needs Cilium chart 1.18 or later", "1.17.17"),
                error("defaultGlobalNamespace on chart 1.19",
                        article(cilium(o -> o.withVersion("1.19.5").withDefaultGlobalNamespace(false))), "CILIUM_OPTION_NOT_ON_LINE", null,
                        "spec.cilium.defaultGlobalNamespace", "chart 1.20 or later", "needs Cilium chart 1.20 or later", "1.19.5"),
                error("CoreDNS auto-configuration on chart 1.18",
                        article(cluster(1, c -> c.withCilium(CiliumOptions.version("1.18.11").withMcsApi(McsApi.ON_COREDNS)))),
                        "CILIUM_OPTION_NOT_ON_LINE", "cluster2", "spec.clusters[1].cilium.mcsApi", "set mcsApi: on",
                        "on-coredns needs Cilium chart 1.19 or later", "1.18.11"),
                new Rule("a 1.18 cluster in a 1.19 mesh: policy selectors mean different things",
                        article(cilium(version("1.19.5")), cluster(0, c -> c.withCilium(CiliumOptions.version("1.18.11")))),
                        "POLICY_DEFAULT_LOCAL_CLUSTER_MIXED", Severity.WARNING, null, "spec.cilium.policyDefaultLocalCluster",
                        List.of("only the local cluster on cluster2, cluster3", "every cluster on cluster1"),
                        "io.cilium.k8s.policy.cluster", Set.of("POLICY_DEFAULT_LOCAL_CLUSTER_MIXED")),

                error("no access", article(cluster(1, c -> c.withAccess(null))), "CLUSTER_ACCESS_MISSING", "cluster2",
                        "spec.clusters[1].kubeContext", "set kubeContext", "no way to reach the cluster's Kubernetes API"),
                error("an Azure cluster without spec.azure",
                        article(cluster(1, c -> c.withAccess(ClusterAccess.azure("rsg-ciliumlab2", "aks-ciliumlab2")))),
                        "AZURE_SECTION_MISSING", "cluster2", "spec.clusters[1].azure", "spec.azure.subscription",
                        "Azure resource but the spec has no azure section"),
                error("apiServer given as a URL",
                        article(cluster(1, c -> c.withApiServer("https://aks-ciliumlab2-1a2b.hcp.eastus.azmk8s.io:443"))),
                        "API_SERVER_INVALID", "cluster2", "spec.clusters[1].apiServer", "no https://",
                        "apiServer 'https://aks-ciliumlab2-1a2b.hcp.eastus.azmk8s.io:443' must be a host name"),

                error("no pod CIDR", article(cluster(1, c -> c.withPodCidr(null))), "POD_CIDR_MISSING", "cluster2",
                        "spec.clusters[1].podCidr", "10.20.0.0/16", "no pod CIDR", "10.0.0.0/8"),
                error("pod CIDR without prefix", article(cluster(1, c -> c.withPodCidr("10.20.0.0"))), "CIDR_INVALID", "cluster2",
                        "spec.clusters[1].podCidr", "10.10.0.0/16", "podCidr '10.20.0.0' is not a CIDR"),
                error("pod CIDR with host bits", article(cluster(1, c -> c.withPodCidr("10.20.1.0/16"))), "CIDR_INVALID",
                        "cluster2", "spec.clusters[1].podCidr", "10.10.0.0/16", "host bits set", "the network is 10.20.0.0/16"),
                error("service CIDR /33", article(cluster(0, c -> c.withServiceCidr("10.0.0.0/33"))), "CIDR_INVALID", "cluster1",
                        "spec.clusters[0].serviceCidr", "serviceCidr as an IPv4 network", "prefix length 33, outside 0..32"),
                error("IPv6 pod CIDR", article(cluster(1, c -> c.withPodCidr("fd00:10:20::/48"))), "CIDR_IPV6_UNSUPPORTED",
                        "cluster2", "spec.clusters[1].podCidr", "IPv4 podCidr", "is IPv6", "IPv4 meshes only"),
                error("IPv6 meshIp", article(cluster(1, c -> c.withMeshIp("fd00::250"))), "CIDR_IPV6_UNSUPPORTED", "cluster2",
                        "spec.clusters[1].meshIp", "IPv4 address", "meshIp fd00::250 is IPv6"),
                reserved("169.254.0.0/16"),
                reserved("172.30.0.0/16"),
                reserved("172.31.0.0/16"),
                reserved("192.0.2.0/24"),
                error("service CIDR in an AKS reserved range", article(cluster(0, c -> c.withServiceCidr("172.31.0.0/16"))),
                        "CIDR_RESERVED", "cluster1", "spec.clusters[0].serviceCidr", "outside 169.254.0.0/16, 172.30.0.0/16",
                        "serviceCidr 172.31.0.0/16 overlaps 172.31.0.0/16, which AKS reserves"),
                error("cluster2's pod CIDR inside cluster1's", article(cluster(1, c -> c.withPodCidr("10.10.128.0/17"))),
                        "POD_CIDR_OVERLAP", "cluster2", "spec.clusters[1].podCidr", "distinct range (spec.clusters[1].podCidr)",
                        "pod CIDR 10.10.128.0/17 overlaps cluster1's 10.10.0.0/16"),
                error("cluster3's pod CIDR overlaps cluster1's", article(cluster(2, c -> c.withPodCidr("10.10.0.0/15"))),
                        "POD_CIDR_OVERLAP", "cluster3", "spec.clusters[2].podCidr", "distinct range",
                        "pod CIDR 10.10.0.0/15 overlaps cluster1's 10.10.0.0/16"),
                error("cluster1's service CIDR is cluster2's pod CIDR", article(cluster(0, c -> c.withServiceCidr("10.20.0.0/16"))),
                        "POD_CIDR_OVERLAPS_SERVICE_CIDR", "cluster2", "spec.clusters[1].podCidr", "outside every service CIDR",
                        "pod CIDR 10.20.0.0/16 overlaps cluster1's service CIDR 10.20.0.0/16"),
                error("a service CIDR inside the cluster's own pod CIDR", article(cluster(1, c -> c.withServiceCidr("10.20.255.0/24"))),
                        "POD_CIDR_OVERLAPS_SERVICE_CIDR", "cluster2", "spec.clusters[1].podCidr", "outside every service CIDR",
                        "overlaps its own service CIDR 10.20.255.0/24"),

                error("meshIp with an octet of 300", article(cluster(1, c -> c.withMeshIp("10.2.0.300"))), "MESH_IP_INVALID",
                        "cluster2", "spec.clusters[1].meshIp", "e.g. 10.1.0.250", "meshIp '10.2.0.300' is not an IP address"),
                error("meshIp as a CIDR", article(cluster(1, c -> c.withMeshIp("10.2.0.250/32"))), "MESH_IP_INVALID", "cluster2",
                        "spec.clusters[1].meshIp", "e.g. 10.1.0.250", "'10.2.0.250/32' is not an IP address"),
                error("meshIp as a host name", article(cluster(1, c -> c.withMeshIp("lb.cluster2.internal"))), "MESH_IP_INVALID",
                        "cluster2", "spec.clusters[1].meshIp", "e.g. 10.1.0.250", "'lb.cluster2.internal' is not an IP address"),
                error("meshIp outside the cluster's node range",
                        article(cluster(1, c -> c.withNodeCidr("10.2.0.0/24").withMeshIp("10.9.0.250"))),
                        "MESH_IP_OUTSIDE_NODE_CIDR", "cluster2", "spec.clusters[1].meshIp", "a free address of 10.2.0.0/24",
                        "meshIp 10.9.0.250 is outside the cluster's node range 10.2.0.0/24"),
                error("a node range that is not a network", article(cluster(1, c -> c.withNodeCidr("10.2.0.0/33"))),
                        "CIDR_INVALID", "cluster2", "spec.clusters[1].nodeCidr", "nodeCidr as an IPv4 network", "nodeCidr"),
                error("two clusters ask for 10.1.0.250",
                        article(cluster(0, c -> c.withMeshIp("10.1.0.250")), cluster(1, c -> c.withMeshIp("10.1.0.250"))),
                        "MESH_IP_DUPLICATE", "cluster2", "spec.clusters[1].meshIp", "its own meshIp",
                        "meshIp 10.1.0.250 is also cluster1's"),
                error("meshIp with leading zeros (ambiguous octal)",
                        article(cluster(0, c -> c.withMeshIp("10.1.0.250")), cluster(1, c -> c.withMeshIp("010.1.0.250"))),
                        "MESH_IP_NOT_CANONICAL", "cluster2", "spec.clusters[1].meshIp", "write spec.clusters[1].meshIp: 10.1.0.250",
                        "'010.1.0.250' is not written canonically (leading zeros, which some tools read as octal)"),
                error("pod CIDR in full-width digits", article(cluster(1, c -> c.withPodCidr("１０.２０.０.０/１６"))), "CIDR_NOT_CANONICAL",
                        "cluster2", "spec.clusters[1].podCidr", "write spec.clusters[1].podCidr: 10.20.0.0/16",
                        "podCidr '１０.２０.０.０/１６' is not written canonically"),
                error("pod CIDR smaller than one node's block", article(cluster(1, c -> c.withPodCidr("10.20.0.0/25"))), "POD_CIDR_TOO_SMALL",
                        "cluster2", "spec.clusters[1].podCidr", "/24 or larger", "pod CIDR 10.20.0.0/25 is smaller than one node's block"),
                error("pod CIDR in the loopback range", article(cluster(1, c -> c.withPodCidr("127.16.0.0/16"))), "CIDR_SPECIAL_PURPOSE",
                        "cluster2", "spec.clusters[1].podCidr", "RFC 1918", "overlaps 127.0.0.0/8 (loopback)"),
                error("public meshIp", article(cluster(1, c -> c.withMeshIp("8.8.8.8"))), "MESH_IP_NOT_PRIVATE", "cluster2",
                        "spec.clusters[1].meshIp", "RFC 1918", "meshIp 8.8.8.8 is a public address"),
                error("apiServer written as a non-canonical IP", article(cluster(1, c -> c.withApiServer("010.2.0.4"))), "API_SERVER_INVALID",
                        "cluster2", "spec.clusters[1].apiServer", "write spec.clusters[1].apiServer: 10.2.0.4",
                        "apiServer '010.2.0.4' is an IP address not written canonically"),
                error("meshIp in its own pod CIDR", article(cluster(1, c -> c.withMeshIp("10.20.0.250"))), "MESH_IP_IN_CLUSTER_RANGE",
                        "cluster2", "spec.clusters[1].meshIp", "outside pod and service CIDRs",
                        "meshIp 10.20.0.250 lies in its own pod CIDR 10.20.0.0/16"),
                error("meshIp in another cluster's service CIDR",
                        article(cluster(0, c -> c.withServiceCidr("10.0.0.0/16")), cluster(1, c -> c.withMeshIp("10.0.0.250"))),
                        "MESH_IP_IN_CLUSTER_RANGE", "cluster2", "spec.clusters[1].meshIp", "outside pod and service CIDRs",
                        "meshIp 10.0.0.250 lies in cluster1's service CIDR 10.0.0.0/16"),
                error("meshIp in 169.254.0.0/16", article(cluster(1, c -> c.withMeshIp("169.254.0.10"))), "MESH_IP_RESERVED",
                        "cluster2", "spec.clusters[1].meshIp", "free address of the cluster's node subnet",
                        "meshIp 169.254.0.10 lies in 169.254.0.0/16, which AKS reserves"),
                new Rule("meshIp with NodePort exposure", article(exposure(Exposure.nodePort()), cluster(1, c -> c.withMeshIp("10.2.0.250"))),
                        "MESH_IP_IGNORED", Severity.WARNING, "cluster2", "spec.clusters[1].meshIp",
                        List.of("meshIp is ignored with exposure node-port"), "use exposure azure-internal-lb", Set.of("MESH_IP_IGNORED")),

                error("CA adopted from a cluster not in the mesh", article(ca(CaStrategy.adoptFrom("cluster9"))),
                        "CA_ADOPT_UNKNOWN_CLUSTER", "cluster9", "spec.ca.from", "one of: cluster1, cluster2, cluster3",
                        "adopted from 'cluster9', which is not a cluster of the mesh"));
    }

    private static Rule reserved(String range) {
        return error("pod CIDR " + range, article(cluster(1, c -> c.withPodCidr(range))), "CIDR_RESERVED", "cluster2",
                "spec.clusters[1].podCidr", "outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24",
                "podCidr " + range + " overlaps " + range + ", which AKS reserves");
    }

    private static MeshCluster rename(MeshCluster c, String name) {
        return MeshCluster.named(name).withId(c.id()).withPodCidr(c.podCidr()).withServiceCidr(c.serviceCidr())
                .withApiServer(c.apiServer()).withMeshIp(c.meshIp()).withAccess(c.access()).withCilium(c.cilium());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachRuleReportsCodeSeverityClusterPathMessageAndRemediation(Rule rule) {
        List<Finding> findings = Mesh.validate(rule.spec());

        assertThat(findings.stream().map(Finding::code).collect(Collectors.toSet())).as("all codes of %s", findings)
                .isEqualTo(rule.allCodes());
        List<Finding> mine = findings.stream().filter(f -> f.code().equals(rule.code())).toList();
        assertThat(mine).as("findings %s", findings).hasSize(1);
        Finding f = mine.get(0);
        assertThat(f.severity()).isEqualTo(rule.severity());
        assertThat(f.cluster()).isEqualTo(rule.cluster());
        assertThat(f.path()).isEqualTo(rule.path());
        if (rule.cluster() != null) {
            assertThat(f.message()).as("the message names the cluster").contains(rule.cluster());
        }
        assertThat(f.message()).contains(rule.messageHas());
        assertThat(f.remediation()).as("remediation of %s", f).isNotBlank().contains(rule.remediationHas());
        assertThat(f.remediation()).as("the remediation says what to do, it does not repeat the problem")
                .isNotEqualTo(f.message());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void builderRefusesErrorsWithTheSameFindingAndAcceptsWarnings(Rule rule) {
        Mesh.Builder builder = Mesh.builder().spec(rule.spec());
        Finding expected = Mesh.validate(rule.spec()).stream().filter(f -> f.code().equals(rule.code())).findFirst().orElseThrow();
        if (rule.severity() == Severity.ERROR) {
            assertThatThrownBy(builder::build)
                    .isInstanceOfSatisfying(MeshConfigurationException.class, e -> {
                        assertThat(e.findings()).contains(expected);
                        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
                        assertThat(e.getMessage()).contains(rule.code()).contains(rule.path());
                    });
        } else {
            try (Mesh mesh = builder.build()) {
                assertThat(mesh.spec()).isEqualTo(rule.spec());
            }
        }
    }

    @Test
    void everyCodeTheValidatorEmitsHasACase() throws Exception {
        String source = java.nio.file.Files.readString(java.nio.file.Path.of(
                "src/main/java/io/clustermesh/internal/Validator.java"));
        Set<String> emitted = java.util.regex.Pattern.compile("\"([A-Z][A-Z0-9_]+)\"").matcher(source).results()
                .map(m -> m.group(1)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = rules().map(Rule::code).collect(Collectors.toCollection(TreeSet::new));
        assertThat(covered).containsAll(emitted);
    }

    // ---- the article mesh and the boundaries of the rules ----

    @Test
    void theArticleMeshHasNoFindings() {
        assertThat(Mesh.validate(articleSpec())).isEmpty();
        try (Mesh mesh = Mesh.builder().spec(articleSpec()).build()) {
            assertThat(mesh.spec().clusters()).extracting(MeshCluster::name).containsExactly("cluster1", "cluster2", "cluster3");
        }
    }

    @Test
    void theFullArticleMeshWithEveryOptionalFieldHasNoFindings() {
        MeshSpec spec = MeshSpec.of("article", CiliumOptions.version("1.16.19"), CaStrategy.adoptFrom("cluster1"),
                Exposure.azureInternalLoadBalancer(), new AzureSpec("00000000-0000-0000-0000-000000000000",
                new AzureRef("rg-hub", "hub1")), List.of(
                articleCluster(1).withServiceCidr("10.0.0.0/16").withMeshIp("10.1.0.250").withApiServer("aks-ciliumlab-1a2b.hcp.eastus.azmk8s.io"),
                articleCluster(2).withServiceCidr("10.0.0.0/16").withMeshIp("10.2.0.250"),
                MeshCluster.named("cluster3").withId(3).withAccess(ClusterAccess.azure("rsg-ciliumlab3", "aks-ciliumlab3"))));
        assertThat(Mesh.validate(spec)).isEmpty();
    }

    @Test
    void clusterIdsUpTo511AreAcceptedWithMaxConnectedClusters511() {
        MeshSpec spec = article(cilium(o -> o.withMaxConnectedClusters(511)), cluster(1, c -> c.withId(300)), cluster(2, c -> c.withId(511)));
        assertThat(Mesh.validate(spec)).isEmpty();
    }

    @Test
    void clusterIds1And255AreTheBoundsWith255() {
        assertThat(Mesh.validate(article(cluster(0, c -> c.withId(255)), cluster(1, c -> c.withId(1))))).isEmpty();
        assertThat(Mesh.validate(article(cluster(0, c -> c.withId(256))))).extracting(Finding::code)
                .containsExactly("CLUSTER_ID_OUT_OF_RANGE");
    }

    @Test
    void aNameOf32CharactersIsAccepted() {
        String name = "cluster-" + "a".repeat(24);
        assertThat(name).hasSize(32);
        assertThat(Mesh.validate(article(cluster(1, c -> rename(c, name))))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-cluster", "cluster-", "clu ster", "CLUSTER", "cluster.2", "cluster_2", "ä"})
    void namesOutsideTheCiliumPatternAreInvalid(String name) {
        assertThat(Mesh.validate(article(cluster(1, c -> rename(c, name))))).extracting(Finding::code)
                .containsExactly("CLUSTER_NAME_INVALID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "1", "a-b", "0cluster", "aks-ciliumlab-2"})
    void namesOfTheCiliumPatternAreValid(String name) {
        assertThat(Mesh.validate(article(cluster(1, c -> rename(c, name))))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.15.0", "1.16.19", "1.19.4", "1.20.0", "1.20.0-pre.3", "v1.17.2"})
    void supportedChartVersionsAreAccepted(String v) {
        assertThat(Mesh.validate(article(cilium(version(v))))).isEmpty();
    }

    @Test
    void anAzureClusterWithAnAzureSectionMayLeaveOutItsPodCidr() {
        MeshSpec spec = MeshSpec.of("article", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(),
                new AzureSpec("00000000-0000-0000-0000-000000000000", null),
                List.of(articleCluster(1), MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.azure("rsg", "aks2"))));
        assertThat(Mesh.validate(spec)).isEmpty();
    }

    @Test
    void aSupersetOfTwoReservedRangesIsReportedForEach() {
        List<Finding> f = Mesh.validate(article(cluster(1, c -> c.withPodCidr("172.30.0.0/15"))));
        assertThat(f).extracting(Finding::code).containsExactly("CIDR_RESERVED", "CIDR_RESERVED");
        assertThat(f).extracting(Finding::message).anySatisfy(m -> assertThat(m).contains("172.30.0.0/16"))
                .anySatisfy(m -> assertThat(m).contains("172.31.0.0/16"));
    }

    // ---- the texts users know from the cilium CLI (docs/findings.md) ----

    @Test
    void duplicateNameUsesTheCliText() {
        Finding f = single(Mesh.validate(article(cluster(2, c -> rename(c, "cluster2")))), "CLUSTER_NAME_DUPLICATE");
        assertThat(f.message()).startsWith("remote and local cluster have the same, non-unique name: cluster2");
        assertThat(f.path()).isEqualTo("spec.clusters[2].name");
    }

    @Test
    void duplicateIdUsesTheCliText() {
        Finding f = single(Mesh.validate(article(cluster(2, c -> c.withId(2)))), "CLUSTER_ID_DUPLICATE");
        assertThat(f.message()).startsWith("remote and local cluster have the same, non-unique ID: 2");
        assertThat(f.cluster()).isEqualTo("cluster3");
        assertThat(f.path()).isEqualTo("spec.clusters[2].id");
    }

    private static Finding single(List<Finding> findings, String code) {
        assertThat(findings).extracting(Finding::code).containsExactly(code);
        return findings.get(0);
    }
}
