package io.clustermesh.cilium.values;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.Encryption;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.clustermesh.cilium.values.ArticleMesh.CLUSTERS;
import static io.clustermesh.cilium.values.ArticleMesh.PKI;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every generated document is checked against three schemas: the real chart's {@code values.schema.json} of its line
 * (shared/fixtures/cilium, see SOURCES.md), the SDK's contract (paths it promises, which the chart's schema does not
 * require) and the shape of {@code clustermesh.config.clusters} for the line. Deliberately wrong documents show that
 * each check rejects what it should.
 */
class ChartSchemaTest {

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private static final Schema CONTRACT = resource("values-contract.schema.json");
    private static final Schema LIST_SHAPE = resource("clusters-list.schema.json");
    private static final Schema MAP_SHAPE = resource("clusters-map.schema.json");

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.17.17", "1.18.11", "1.19.5", "1.20.0-pre.3"})
    void everyVariantOfEveryClusterIsValidForItsLine(String version) {
        Schema chart = chartSchema(version);
        Schema shape = ChartVersion.parse(version).atLeast(1, 20) ? MAP_SHAPE : LIST_SHAPE;
        Map<String, ValuesInput> variants = variants(version);
        assertThat(variants).hasSizeGreaterThan(CLUSTERS.size() * 8);
        variants.forEach((name, in) -> {
            Map<String, Object> values = CiliumValues.values(in);
            assertThat(errors(chart, values)).as("chart %s schema, %s", version, name).isEmpty();
            assertThat(errors(CONTRACT, values)).as("contract, %s %s", version, name).isEmpty();
            assertThat(errors(shape, values)).as("clusters shape, %s %s", version, name).isEmpty();
        });
    }

    @Test
    void theListSwitchIsCheckedBelow120() {
        Map<String, Object> v116 = ArticleMesh.values("1.16.19", "cluster1");
        Map<String, Object> asMap = withClustersAsMap(v116);
        assertThat(errors(chartSchema("1.16.19"), asMap)).as("the 1.16 chart only takes a list")
                .anySatisfy(e -> assertThat(e).contains("clusters"));
        assertThat(errors(LIST_SHAPE, asMap)).isNotEmpty();
        // 1.19 reads both, so only the SDK's shape check notices a map there
        Map<String, Object> v119 = withClustersAsMap(ArticleMesh.values("1.19.5", "cluster1"));
        assertThat(errors(chartSchema("1.19.5"), v119)).isEmpty();
        assertThat(errors(LIST_SHAPE, v119)).isNotEmpty();
    }

    @Test
    void theMapSwitchIsCheckedFrom120() {
        Map<String, Object> v120 = ArticleMesh.values("1.20.0-pre.3", "cluster1");
        Map<String, Object> asList = withClustersAsList(v120);
        assertThat(errors(chartSchema("1.20.0-pre.3"), asList)).as("the 1.20 schema still accepts a list").isEmpty();
        assertThat(errors(MAP_SHAPE, asList)).anySatisfy(e -> assertThat(e).contains("clusters"));
        // and a document generated for an older line is caught by the 1.20 shape check
        assertThat(errors(MAP_SHAPE, ArticleMesh.values("1.19.5", "cluster1"))).isNotEmpty();
        assertThat(errors(LIST_SHAPE, v120)).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.19.5", "1.20.0-pre.3"})
    void theChartSchemaRejectsWrongTypes(String version) {
        Schema chart = chartSchema(version);
        Map<String, Object> good = ArticleMesh.values(version, "cluster2");
        assertThat(errors(chart, with(good, "cluster.id", "2"))).anySatisfy(e -> assertThat(e).contains("id"));
        assertThat(errors(chart, with(good, "clustermesh.useAPIServer", "true"))).isNotEmpty();
        assertThat(errors(chart, with(good, "k8sServicePort", true))).isNotEmpty();
        assertThat(errors(chart, with(good, "clustermesh.maxConnectedClusters", "255"))).isNotEmpty();
        assertThat(errors(chart, with(good, "tls.ca.key", 42))).isNotEmpty();
        assertThat(errors(chart, with(good, "clustermesh.apiserver.service.annotations", List.of("x")))).isNotEmpty();
    }

    @Test
    void theContractRejectsMissingOrWrongPaths() {
        Map<String, Object> good = ArticleMesh.values("1.16.19", "cluster1");
        assertThat(errors(CONTRACT, good)).isEmpty();
        for (String path : List.of("tls.ca.key", "tls.ca.cert", "aksbyocni", "nodeinit.enabled", "cluster.id",
                "k8sServiceHost", "ipam.operator.clusterPoolIPv4PodCIDRList", "clustermesh.useAPIServer",
                "clustermesh.config.clusters", "clustermesh.config.domain", "clustermesh.apiserver.tls.auto",
                "clustermesh.apiserver.tls.remote", "clustermesh.apiserver.tls.server.key", "hubble.relay",
                "clustermesh.apiserver.service.type")) {
            assertThat(errors(CONTRACT, without(good, path))).as("without %s", path).isNotEmpty();
        }
        // the chart's own schema requires none of them: that is why the contract exists
        assertThat(errors(chartSchema("1.16.19"), without(good, "tls.ca.key"))).isEmpty();
        // 1.16's schema does not know kubeProxyReplacement at all; the contract insists on the string form
        assertThat(errors(chartSchema("1.16.19"), with(good, "kubeProxyReplacement", true))).isEmpty();
        assertThat(errors(CONTRACT, with(good, "kubeProxyReplacement", true))).isNotEmpty();
        assertThat(errors(CONTRACT, with(good, "kubeProxyReplacement", "strict"))).isNotEmpty();
        assertThat(errors(CONTRACT, with(good, "routingMode", "native"))).isNotEmpty();
        assertThat(errors(CONTRACT, with(good, "clustermesh.apiserver.tls.auto.method", "helm"))).isNotEmpty();
        Map<String, Object> certManagerWithoutIssuer = with(with(without(good, "clustermesh.apiserver.tls.server"),
                "clustermesh.apiserver.tls.auto.enabled", true), "clustermesh.apiserver.tls.auto.method", "certmanager");
        assertThat(errors(CONTRACT, certManagerWithoutIssuer)).isNotEmpty();
        // disable with peers left over is not the disable shape
        Map<String, Object> disabled = with(with(good, "clustermesh.useAPIServer", false), "clustermesh.config.enabled", false);
        assertThat(errors(CONTRACT, disabled)).isNotEmpty();
        assertThat(errors(CONTRACT, with(disabled, "clustermesh.config.clusters", List.of()))).isEmpty();
    }

    @Test
    void theShapeChecksRejectIncompleteEntries() {
        Map<String, Object> v = ArticleMesh.values("1.16.19", "cluster1");
        Map<String, Object> noIps = with(v, "clustermesh.config.clusters", List.of(Map.of("name", "cluster2", "port", 2379)));
        assertThat(errors(LIST_SHAPE, noIps)).isNotEmpty();
        Map<String, Object> emptyIps = with(v, "clustermesh.config.clusters",
                Map.of("cluster2", Map.of("port", 2379, "ips", List.of())));
        assertThat(errors(MAP_SHAPE, emptyIps)).isNotEmpty();
    }

    // ---- the variants every line is validated with

    private static Map<String, ValuesInput> variants(String version) {
        Map<String, ValuesInput> out = new LinkedHashMap<>();
        for (MeshCluster c : CLUSTERS) {
            String n = c.name();
            MeshSpec sdk = ArticleMesh.spec(version);
            out.put(n + " sdk azure-internal-lb", ArticleMesh.input(sdk, n, true));
            out.put(n + " disable", ArticleMesh.input(sdk, n, false));
            out.put(n + " disable without certificates", ValuesInput.of(sdk, c, List.of(), PKI.ca(), null, false));
            out.put(n + " sdk per-cluster remote", ValuesInput.of(sdk, c, PeerEndpoint.plannedFrom(sdk), PKI.ca(),
                    PKI.apiserverCertificates(n, true), true));
            out.put(n + " first pass, no peer address yet", ValuesInput.of(sdk, c.withMeshIp(null), PeerEndpoint.plannedFrom(
                    sdk.withClusters(CLUSTERS.stream().map(x -> x.withMeshIp(null)).toList())), PKI.ca(), ArticleMesh.CERTS.get(n), true));
            for (CertificateMethod m : List.of(CertificateMethod.HELM, CertificateMethod.CRON_JOB, CertificateMethod.CERT_MANAGER)) {
                MeshSpec spec = ArticleMesh.spec(version, Exposure.azureInternalLoadBalancer(), o -> o.withCertificateMethod(m));
                out.put(n + " " + m.value(), new ValuesInput(spec, c, PeerEndpoint.plannedFrom(spec), PKI.ca(), null, true,
                        m == CertificateMethod.CERT_MANAGER ? CertManagerIssuer.issuer("cilium") : null));
            }
            MeshSpec lb = ArticleMesh.spec(version, Exposure.loadBalancer(), o -> o.withEncryption(Encryption.WIREGUARD));
            out.put(n + " load-balancer wireguard", ArticleMesh.input(lb, n, true));
            MeshSpec np = ArticleMesh.spec(version, Exposure.nodePort(), o -> o.withEncryption(Encryption.IPSEC).withHubble(false)
                    .withKubeProxyReplacement(false).withKvstoremesh(false).withMaxConnectedClusters(511));
            out.put(n + " node-port ipsec", ArticleMesh.input(np, n, true)
                    .withPeers(List.of(new PeerEndpoint("cluster9", 32379, List.of("10.9.0.4")))));
        }
        return out;
    }

    // ---- helpers

    private static List<String> errors(Schema schema, Map<String, ?> values) {
        return schema.validate(JSON.valueToTree(values)).stream().map(Error::toString).toList();
    }

    private static Schema chartSchema(String version) {
        return SCHEMAS.computeIfAbsent(version, v -> {
            Path file = sharedDir().resolve("fixtures/cilium/values.schema-" + v + ".json");
            try (InputStream in = Files.newInputStream(file)) {
                return REGISTRY.getSchema(in);
            } catch (IOException e) {
                throw new UncheckedIOException("chart schema " + file + " (see shared/fixtures/SOURCES.md)", e);
            }
        });
    }

    /** {@code clustermesh.shared} from surefire, else {@code ../shared} beside the project. */
    static Path sharedDir() {
        String property = System.getProperty("clustermesh.shared");
        if (property != null && Files.isDirectory(Path.of(property))) {
            return Path.of(property);
        }
        return Path.of("").toAbsolutePath().getParent().resolve("../shared").normalize();
    }

    private static Schema resource(String name) {
        try (InputStream in = ChartSchemaTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return REGISTRY.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> copy(Map<String, Object> values) {
        return CiliumValues.fromYaml(CiliumValues.toYaml(values));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> with(Map<String, Object> values, String dottedPath, Object value) {
        Map<String, Object> copy = copy(values);
        String[] parts = dottedPath.split("\\.");
        Map<String, Object> node = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        node.put(parts[parts.length - 1], value);
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> without(Map<String, Object> values, String dottedPath) {
        Map<String, Object> copy = copy(values);
        String[] parts = dottedPath.split("\\.");
        Map<String, Object> node = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (Map<String, Object>) node.get(parts[i]);
        }
        assertThat(node.remove(parts[parts.length - 1])).as("%s exists", dottedPath).isNotNull();
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withClustersAsMap(Map<String, Object> values) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Object o : (List<Object>) Values.at(values, "clustermesh.config.clusters")) {
            Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) o);
            map.put((String) entry.remove("name"), entry);
        }
        assertThat(map).isNotEmpty();
        return with(values, "clustermesh.config.clusters", map);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withClustersAsList(Map<String, Object> values) {
        List<Object> list = new ArrayList<>();
        ((Map<String, Object>) Values.at(values, "clustermesh.config.clusters")).forEach((name, e) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            entry.putAll((Map<String, Object>) e);
            list.add(entry);
        });
        assertThat(list).isNotEmpty();
        return with(values, "clustermesh.config.clusters", list);
    }
}
