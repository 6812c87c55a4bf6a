package io.clustermesh.cilium.values;

import com.marcnuri.helm.Helm;
import io.clustermesh.cilium.helm.HelmValuesYaml;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.PemCredential;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK's values for the article's 3-cluster mesh, rendered by the real Cilium chart of every supported line
 * ({@code ../shared/fixtures/charts/cilium-<version>.tgz}, the official packages) with real Helm (helm-java
 * {@code template}): the objects a cluster gets carry its identity, every peer, and the mesh's certificates. Charts
 * 1.19+ call {@code lookup} while rendering, so Helm is pointed at an empty mock API server.
 */
class RealChartRenderTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    static Path chart(String version) {
        Path p = ChartSchemaTest.sharedDir().resolve("fixtures/charts/cilium-" + version + ".tgz");
        assertThat(p).as("the official Cilium chart package %s (../shared/fixtures/charts, see its SOURCES.md)", version).isRegularFile();
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void theRealChartRendersIdentityPeersAndCertificates(String version) throws Exception {
        Path dir = Files.createTempDirectory("render");
        try {
            Path values = dir.resolve("values.yaml");
            // every cluster with its node subnet: from 1.17 the clustermesh-apiserver admits only the peers' subnets
            io.clustermesh.model.MeshSpec spec = ArticleMesh.spec(version).withClusters(ArticleMesh.CLUSTERS.stream()
                    .map(c -> c.withNodeCidr("10." + c.id() + ".0.0/24")).toList());
            Files.writeString(values, HelmValuesYaml.write(CiliumValues.values(ArticleMesh.input(spec, "cluster2", true))));
            Path offline = dir.resolve("offline.yaml");
            Files.writeString(offline, "hubble:\n  tls:\n    auto:\n      method: cronJob\n");
            String manifest = new Helm(chart(version)).template().withName("cilium").withNamespace("kube-system").withKubeVersion("1.30.6")
                    .withValuesFile(values).withValuesFile(offline).call();
            List<JsonNode> objects = new ArrayList<>();
            for (String doc : manifest.split("(?m)^---\\s*$")) {
                if (!doc.isBlank()) {
                    JsonNode n = YAML.readTree(doc);
                    if (n != null && n.has("kind")) {
                        objects.add(n);
                    }
                }
            }
            JsonNode config = find(objects, "ConfigMap", "cilium-config");
            assertThat(config.path("data").path("cluster-name").asString()).isEqualTo("cluster2");
            assertThat(config.path("data").path("cluster-id").asString()).isEqualTo("2");

            // with KVStoreMesh (the SDK's default) the agents read every peer from the local clustermesh-apiserver
            // (cilium-clustermesh), and KVStoreMesh reads the peers themselves (cilium-kvstoremesh)
            JsonNode clustermesh = find(objects, "Secret", "cilium-clustermesh");
            assertThat(names(clustermesh.path("data"))).as("peers of cluster2").contains("cluster1", "cluster3").doesNotContain("cluster2");
            JsonNode kvstoremesh = find(objects, "Secret", "cilium-kvstoremesh");
            assertThat(names(kvstoremesh.path("data"))).contains("cluster1", "cluster3").doesNotContain("cluster2");
            String peer1 = new String(Base64.getDecoder().decode(kvstoremesh.path("data").path("cluster1").asString()), StandardCharsets.UTF_8);
            assertThat(peer1).contains("endpoints:").contains("cluster1.mesh.cilium.io:2379");

            JsonNode service = find(objects, "Service", "clustermesh-apiserver");
            assertThat(service.path("spec").path("type").asString()).isEqualTo("LoadBalancer");
            assertThat(service.path("metadata").path("annotations").path("service.beta.kubernetes.io/azure-load-balancer-internal").asString())
                    .isEqualTo("true");

            io.clustermesh.model.ChartVersion line = io.clustermesh.model.ChartVersion.parse(version);
            List<String> ranges = new ArrayList<>();
            service.path("spec").path("loadBalancerSourceRanges").forEach(r -> ranges.add(r.asString()));
            assertThat(ranges).as("source ranges rendered by chart " + version)
                    .isEqualTo(line.atLeast(1, 17) ? List.of("10.1.0.0/24", "10.3.0.0/24") : List.of());
            JsonNode localDefault = config.path("data").path("policy-default-local-cluster");
            if (line.atLeast(1, 18)) {
                assertThat(localDefault.asString()).as("the line's policy default").isEqualTo(line.atLeast(1, 19) ? "true" : "false");
            } else {
                assertThat(localDefault.isMissingNode()).as("no policy default before 1.18").isTrue();
            }

            JsonNode ca = find(objects, "Secret", "cilium-ca");
            assertThat(new String(Base64.getDecoder().decode(ca.path("data").path("ca.crt").asString()), StandardCharsets.UTF_8))
                    .isEqualTo(ArticleMesh.PKI.ca().certificatePem());
            for (String leaf : List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert", "clustermesh-apiserver-remote-cert")) {
                JsonNode s = objects.stream().filter(o -> o.path("kind").asString().equals("Secret")
                        && o.path("metadata").path("name").asString().equals(leaf)).findFirst().orElse(null);
                if (line.atLeast(1, 20)) {
                    // 1.20 takes no certificates as values: the SDK creates these Secrets before the upgrade
                    assertThat(s).as("%s left to the SDK's Secret on chart %s", leaf, version).isNull();
                } else {
                    assertThat(s).as("%s rendered by chart %s from the SDK's certificate values", leaf, version).isNotNull();
                    assertThat(s.path("data").path("tls.crt").asString()).isNotEmpty();
                }
            }
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * With MCS-API on (and CoreDNS auto-configuration where the line has it) and, on 1.20, global namespaces off by
     * default, the real chart renders the line's MCS objects: cilium-config {@code clustermesh-enable-mcs-api}, the
     * clustermesh-apiserver's {@code --clustermesh-enable-mcs-api} (1.19+), the CoreDNS auto-configuration's service account (1.19+),
     * and {@code clustermesh-default-global-namespace} (1.20).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void theRealChartRendersTheLinesMcsApiAndGlobalNamespaceObjects(String version) throws Exception {
        io.clustermesh.model.ChartVersion line = io.clustermesh.model.ChartVersion.parse(version);
        boolean v119 = line.atLeast(1, 19);
        boolean v120 = line.atLeast(1, 20);
        io.clustermesh.model.MeshSpec spec = ArticleMesh.spec(version, io.clustermesh.model.Exposure.azureInternalLoadBalancer(),
                o -> {
                    o = o.withMcsApi(v119 ? io.clustermesh.model.McsApi.ON_COREDNS : io.clustermesh.model.McsApi.ON);
                    return v120 ? o.withDefaultGlobalNamespace(false) : o;
                });
        Path dir = Files.createTempDirectory("render");
        try {
            Path values = dir.resolve("values.yaml");
            Files.writeString(values, HelmValuesYaml.write(CiliumValues.values(ArticleMesh.input(spec, "cluster2", true))));
            Path offline = dir.resolve("offline.yaml");
            Files.writeString(offline, "hubble:\n  tls:\n    auto:\n      method: cronJob\n");
            String manifest = new Helm(chart(version)).template().withName("cilium").withNamespace("kube-system").withKubeVersion("1.30.6")
                    .withValuesFile(values).withValuesFile(offline).call();
            List<JsonNode> objects = new ArrayList<>();
            for (String doc : manifest.split("(?m)^---\\s*$")) {
                if (!doc.isBlank()) {
                    JsonNode n = YAML.readTree(doc);
                    if (n != null && n.has("kind")) {
                        objects.add(n);
                    }
                }
            }
            JsonNode data = find(objects, "ConfigMap", "cilium-config").path("data");
            assertThat(data.path("clustermesh-enable-mcs-api").asString()).as("MCS-API on chart " + version).isEqualTo("true");
            // the Job itself is a post-install/post-upgrade hook (templates/clustermesh-coredns-mcsapi/job.yaml), which
            // `helm template` leaves out here; its ServiceAccount and RBAC are rendered only with the option
            boolean autoconfig = objects.stream().anyMatch(o -> o.path("kind").asString().equals("ServiceAccount")
                    && o.path("metadata").path("name").asString().equals("cilium-coredns-mcsapi-autoconfig"));
            assertThat(autoconfig).as("CoreDNS auto-configuration on chart " + version).isEqualTo(v119);
            if (v119) {
                assertThat(data.path("clustermesh-mcs-api-install-crds").asString()).isEqualTo("true");
                assertThat(find(objects, "Deployment", "clustermesh-apiserver").toString()).contains("--clustermesh-enable-mcs-api");
            }
            JsonNode global = data.path("clustermesh-default-global-namespace");
            if (v120) {
                assertThat(global.asString()).as("global namespaces off by default on 1.20").isEqualTo("false");
            } else {
                assertThat(global.isMissingNode()).as("no global namespaces before 1.20").isTrue();
            }
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The certificates each line expects, from the SDK's own issuing path ({@link MeshCertificates} with the SDK's profile
     * for the cluster and line) on the real chart: up to 1.19 the chart renders the server, admin and remote Secrets from
     * the values (and {@code tls.client} only up to 1.18); from 1.20 it renders none of them and no certificate is a value
     * (the SDK writes the Secrets beforehand), while the clustermesh-apiserver still mounts them by name. Each line's
     * deprecated keys are absent, the leaf lifetime is the line's (this test's own table: the chart's 1095 days before
     * 1.20, one year from 1.20), the server certificate names the mesh IP, and on 1.19+ the clustermesh-remote-users
     * ConfigMap the Deployment mounts is rendered with it (cilium/cilium#44181). A chart-issued variant (method helm)
     * shows the lifetime and the mesh IP reaching the chart's own certificate through the line's value paths.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void theRealChartGetsTheLinesCertificatesWithoutDeprecatedKeys(String version) throws Exception {
        ChartVersion line = ChartVersion.parse(version);
        long expectedDays = line.atLeast(1, 20) ? 365 : 1095;
        MeshSpec spec = ArticleMesh.spec(version).withClusters(ArticleMesh.CLUSTERS.stream()
                .map(c -> c.withNodeCidr("10." + c.id() + ".0.0/24")).toList());
        MeshCluster cluster2 = spec.cluster("cluster2").orElseThrow();
        CiliumOptions o = spec.ciliumFor(cluster2);
        BouncyCastleCertificateAuthority authority = new BouncyCastleCertificateAuthority();
        PemCredential ca = authority.createCa("Cilium CA", Duration.ofDays(5 * 365));
        ApiserverCertificates certs = new MeshCertificates(authority).issue(ca, MeshCertificates.Profile.forCluster(cluster2, o));
        Map<String, Object> values = CiliumValues.values(ValuesInput.of(spec, cluster2, PeerEndpoint.plannedFrom(spec), ca, certs, true));

        assertThat(values).as("external workloads (deprecated in 1.17, gone in 1.18)").doesNotContainKey("externalWorkloads");
        assertThat(Values.has(values, "clustermesh.apiserver.kvstoremesh.enabled")).as("KVStoreMesh toggle (deprecated from 1.18)")
                .isEqualTo(!line.atLeast(1, 18));
        assertThat(Values.has(values, "clustermesh.apiserver.tls.client")).as("tls.client (gone in 1.19)").isEqualTo(!line.atLeast(1, 19));
        assertThat(Values.has(values, "clustermesh.apiserver.tls.server.cert")).as("certificates as values (deprecated in 1.20)")
                .isEqualTo(!line.atLeast(1, 20));
        assertThat(Values.has(values, "clustermesh.enableMCSAPISupport")).isFalse();

        X509Certificate server = x509(certs.server().certificatePem());
        assertThat(lifetimeDays(server)).as("leaf lifetime on %s", version).isEqualTo(expectedDays);
        assertThat(ipSans(server)).as("the server certificate keeps the mesh IP peers may dial").contains("10.2.0.250", "127.0.0.1");
        assertThat(dnsSans(server)).contains("*.mesh.cilium.io", "clustermesh-apiserver.cilium.io");

        List<JsonNode> objects = render(version, values);
        JsonNode deployment = find(objects, "Deployment", "clustermesh-apiserver");
        for (String leaf : List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert", "clustermesh-apiserver-remote-cert")) {
            assertThat(deployment.toString()).as("the clustermesh-apiserver mounts %s", leaf).contains("\"" + leaf + "\"");
            JsonNode secret = findOrNull(objects, "Secret", leaf);
            if (line.atLeast(1, 20)) {
                assertThat(secret).as("%s is the SDK's on %s, not the chart's", leaf, version).isNull();
            } else {
                assertThat(secret).as("%s from the values on %s", leaf, version).isNotNull();
            }
        }
        if (!line.atLeast(1, 20)) {
            String rendered = new String(Base64.getDecoder().decode(find(objects, "Secret", "clustermesh-apiserver-server-cert")
                    .path("data").path("tls.crt").asString()), StandardCharsets.UTF_8);
            assertThat(rendered).as("the chart renders the SDK's server certificate").isEqualTo(certs.server().certificatePem());
        }
        boolean mountsUsers = deployment.toString().contains("clustermesh-remote-users");
        assertThat(findOrNull(objects, "ConfigMap", "clustermesh-remote-users") != null)
                .as("clustermesh-remote-users rendered whenever the clustermesh-apiserver mounts it (cilium/cilium#44181)").isEqualTo(mountsUsers);
        assertThat(mountsUsers).as("authMode %s needs the users ConfigMap", Values.at(values, "clustermesh.apiserver.tls.authMode")).isTrue();

        // the chart-issued variant: the option's lifetime and the mesh IP reach the chart's own server certificate
        MeshSpec helm = ArticleMesh.spec(version, io.clustermesh.model.Exposure.azureInternalLoadBalancer(),
                x -> x.withCertificateMethod(CertificateMethod.HELM)).withClusters(spec.clusters());
        Map<String, Object> chartIssued = CiliumValues.values(ValuesInput.of(helm, cluster2, PeerEndpoint.plannedFrom(helm), ca, null, true));
        X509Certificate chartServer = x509(new String(Base64.getDecoder().decode(find(render(version, chartIssued), "Secret",
                "clustermesh-apiserver-server-cert").path("data").path("tls.crt").asString()), StandardCharsets.UTF_8));
        assertThat(lifetimeDays(chartServer)).as("chart-issued leaf lifetime on %s", version).isEqualTo(expectedDays);
        assertThat(ipSans(chartServer)).as("chart-issued server certificate names on %s", version).contains("10.2.0.250");
    }

    private static List<JsonNode> render(String version, Map<String, Object> values) throws Exception {
        Path dir = Files.createTempDirectory("render");
        try {
            Path file = dir.resolve("values.yaml");
            Files.writeString(file, HelmValuesYaml.write(values));
            Path offline = dir.resolve("offline.yaml");
            Files.writeString(offline, "hubble:\n  tls:\n    auto:\n      method: cronJob\n");
            String manifest = new Helm(chart(version)).template().withName("cilium").withNamespace("kube-system").withKubeVersion("1.30.6")
                    .withValuesFile(file).withValuesFile(offline).call();
            List<JsonNode> objects = new ArrayList<>();
            for (String doc : manifest.split("(?m)^---\\s*$")) {
                if (!doc.isBlank()) {
                    JsonNode n = YAML.readTree(doc);
                    if (n != null && n.has("kind")) {
                        objects.add(n);
                    }
                }
            }
            return objects;
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static X509Certificate x509(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Whole days between notBefore and notAfter, without the issuer's back-dating of notBefore (at most an hour). */
    private static long lifetimeDays(X509Certificate c) {
        return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).minusHours(1).toDays() + 1;
    }

    private static List<String> sans(X509Certificate c, int type) throws Exception {
        List<String> out = new ArrayList<>();
        if (c.getSubjectAlternativeNames() != null) {
            for (List<?> san : c.getSubjectAlternativeNames()) {
                if (((Integer) san.get(0)) == type) {
                    out.add(String.valueOf(san.get(1)));
                }
            }
        }
        return out;
    }

    private static List<String> ipSans(X509Certificate c) throws Exception {
        return sans(c, 7);
    }

    private static List<String> dnsSans(X509Certificate c) throws Exception {
        return sans(c, 2);
    }

    private static JsonNode findOrNull(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asString().equals(kind) && o.path("metadata").path("name").asString().equals(name))
                .findFirst().orElse(null);
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asString().equals(kind) && o.path("metadata").path("name").asString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("the chart rendered no " + kind + " " + name + "; it rendered "
                        + objects.stream().map(o -> o.path("kind").asString() + "/" + o.path("metadata").path("name").asString()).toList()));
    }

    private static List<String> names(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.propertyNames().forEach(out::add);
        return out;
    }
}
