package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.clustermesh.cilium.values.ArticleMesh.CERTS;
import static io.clustermesh.cilium.values.ArticleMesh.CLUSTERS;
import static io.clustermesh.cilium.values.ArticleMesh.PKI;
import static io.clustermesh.cilium.values.Values.at;
import static io.clustermesh.cilium.values.Values.b64;
import static org.assertj.core.api.Assertions.assertThat;

class ValuesDiffTest {

    @Test
    void aFirstInstallAddsEveryValueAndShowsNoKey() {
        Map<String, Object> intended = ArticleMesh.values("1.16.19", "cluster1");
        ValuesDiff diff = ValuesDiff.of(null, intended);
        assertThat(diff.changes()).allSatisfy(c -> assertThat(c.kind()).isEqualTo(ValuesChange.Kind.ADDED));
        // a missing subtree is one change, shown whole (and redacted)
        assertThat(diff.paths()).containsExactlyElementsOf(intended.keySet());
        assertThat(change(diff, "kubeProxyReplacement").after()).isEqualTo("\"true\"");
        assertThat(change(diff, "cluster").after()).isEqualTo("{name: \"cluster1\", id: 1}");
        assertThat(change(diff, "tls").after())
                .isEqualTo("{ca: {cert: <cert sha256:" + fingerprint(PKI.ca()) + ">, key: <redacted>}}");
        assertThat(change(diff, "clustermesh").after())
                .contains("clusters: [{name: \"cluster2\", port: 2379, ips: [\"10.2.0.250\"]}, {name: \"cluster3\"")
                .contains("service.beta.kubernetes.io/azure-load-balancer-ipv4: \"10.1.0.250\"")
                .contains("server: {cert: <cert sha256:" + fingerprint(CERTS.get("cluster1").server()) + ">, key: <redacted>}");
        assertNoKeyMaterial(diff.toString());
        assertThat(ValuesDiff.of(Map.of(), intended).changes()).isEqualTo(diff.changes());

        // into an existing but empty section, the values show one by one
        Map<String, Object> bare = new LinkedHashMap<>(Map.of("tls", Map.of("ca", Map.of())));
        ValuesDiff ca = ValuesDiff.of(bare, Map.of("tls", at(intended, "tls")));
        assertThat(ca.paths()).containsExactly("tls.ca.cert", "tls.ca.key");
        assertThat(change(ca, "tls.ca.key").after()).isEqualTo("<redacted>");
        assertThat(change(ca, "tls.ca.cert").after()).isEqualTo("<cert sha256:" + fingerprint(PKI.ca()) + ">");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aConvergedClusterNeedsNoUpgrade() {
        Map<String, Object> intended = ArticleMesh.values("1.19.5", "cluster2");
        Map<String, Object> release = CiliumValues.fromYaml(CiliumValues.toYaml(intended));
        // Helm keeps numbers as float64: 2379 comes back as 2379.0
        Map<String, Object> entry = firstListEntry(release);
        entry.put("port", 2379.0);
        ((Map<String, Object>) release.get("cluster")).put("id", 2L);
        ValuesDiff diff = ValuesDiff.of(release, intended);
        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.toString()).isEqualTo("no changes");
    }

    @Test
    void aNewPeerShowsAsOneAddedEntryInEitherShape() {
        MeshSpec spec = ArticleMesh.spec("1.16.19");
        ValuesInput twoClusters = ArticleMesh.input(spec, "cluster1", true)
                .withPeers(List.of(PeerEndpoint.of("cluster2", "10.2.0.250")));
        ValuesInput threeClusters = ArticleMesh.input(spec, "cluster1", true);
        ValuesDiff list = ValuesDiff.of(CiliumValues.values(twoClusters), CiliumValues.values(threeClusters));
        assertThat(list.changes()).containsExactly(new ValuesChange("clustermesh.config.clusters[1]", ValuesChange.Kind.ADDED,
                null, "{name: \"cluster3\", port: 2379, ips: [\"10.3.0.250\"]}"));

        MeshSpec spec120 = ArticleMesh.spec("1.20.0-pre.3");
        ValuesDiff map = ValuesDiff.of(
                CiliumValues.values(ArticleMesh.input(spec120, "cluster1", true).withPeers(List.of(PeerEndpoint.of("cluster2", "10.2.0.250")))),
                CiliumValues.values(ArticleMesh.input(spec120, "cluster1", true)));
        assertThat(map.changes()).containsExactly(new ValuesChange("clustermesh.config.clusters.cluster3",
                ValuesChange.Kind.ADDED, null, "{port: 2379, ips: [\"10.3.0.250\"]}"));

        ValuesDiff ipChange = ValuesDiff.of(CiliumValues.values(threeClusters), CiliumValues.values(threeClusters
                .withPeers(List.of(PeerEndpoint.of("cluster2", "10.2.0.9"), PeerEndpoint.of("cluster3", "10.3.0.250")))));
        assertThat(ipChange.changes()).containsExactly(new ValuesChange("clustermesh.config.clusters[0].ips",
                ValuesChange.Kind.CHANGED, "[\"10.2.0.250\"]", "[\"10.2.0.9\"]"));
    }

    @Test
    void upgradingTo120MovesPeersFromTheListToTheMap() {
        Map<String, Object> old = ArticleMesh.values("1.19.5", "cluster3");
        Map<String, Object> next = ArticleMesh.values("1.20.0-pre.3", "cluster3");
        ValuesDiff diff = ValuesDiff.of(old, next);
        // 1.20 also takes the certificates no longer as values (the SDK writes them as Secrets before the upgrade)
        assertThat(diff.paths()).containsExactlyInAnyOrder("clustermesh.config.clusters", "clustermesh.apiserver.tls.enableSecrets",
                "clustermesh.apiserver.tls.server", "clustermesh.apiserver.tls.admin", "clustermesh.apiserver.tls.remote");
        assertThat(change(diff, "clustermesh.apiserver.tls.server").kind()).isEqualTo(ValuesChange.Kind.REMOVED);
        assertNoKeyMaterial(diff.toString());
        ValuesChange c = change(diff, "clustermesh.config.clusters");
        assertThat(c.kind()).isEqualTo(ValuesChange.Kind.CHANGED);
        assertThat(c.before()).startsWith("[{name: \"cluster1\"");
        assertThat(c.after()).startsWith("{cluster1: {port: 2379");
        assertThat(CiliumValues.clusterEntries(old)).isEqualTo(CiliumValues.clusterEntries(next));
    }

    @Test
    void renewedCertificatesShowFingerprintsAndRedactedKeys() {
        MeshSpec spec = ArticleMesh.spec("1.16.19");
        ApiserverCertificates renewed = PKI.apiserverCertificates("cluster1", false);
        Map<String, Object> before = CiliumValues.values(ArticleMesh.input(spec, "cluster1", true));
        Map<String, Object> after = CiliumValues.values(ValuesInput.of(spec, CLUSTERS.get(0), PeerEndpoint.plannedFrom(spec),
                PKI.ca(), renewed, true));
        ValuesDiff diff = ValuesDiff.of(before, after);
        assertThat(diff.paths()).containsExactlyInAnyOrder(
                "clustermesh.apiserver.tls.server.cert", "clustermesh.apiserver.tls.server.key",
                "clustermesh.apiserver.tls.admin.cert", "clustermesh.apiserver.tls.admin.key",
                "clustermesh.apiserver.tls.remote.cert", "clustermesh.apiserver.tls.remote.key",
                "clustermesh.apiserver.tls.client.cert", "clustermesh.apiserver.tls.client.key");
        ValuesChange serverCert = change(diff, "clustermesh.apiserver.tls.server.cert");
        assertThat(serverCert.before()).isEqualTo("<cert sha256:" + fingerprint(CERTS.get("cluster1").server()) + ">");
        assertThat(serverCert.after()).isEqualTo("<cert sha256:" + fingerprint(renewed.server()) + ">");
        ValuesChange serverKey = change(diff, "clustermesh.apiserver.tls.server.key");
        assertThat(serverKey.kind()).isEqualTo(ValuesChange.Kind.CHANGED);
        assertThat(serverKey.before()).isEqualTo("<redacted>");
        assertThat(serverKey.after()).isEqualTo("<redacted>");
        assertNoKeyMaterial(diff.toString());
        assertNoKeyMaterial(renewed.server().privateKeyPem(), diff.toString());
    }

    @Test
    void switchingToChartIssuedCertificatesRemovesTheKeysWithoutShowingThem() {
        Map<String, Object> sdk = ArticleMesh.values("1.16.19", "cluster1");
        MeshSpec helm = ArticleMesh.spec("1.16.19", Exposure.azureInternalLoadBalancer(), o -> o.withCertificateMethod(CertificateMethod.HELM));
        Map<String, Object> chart = CiliumValues.values(ValuesInput.of(helm, CLUSTERS.get(0), PeerEndpoint.plannedFrom(helm), PKI.ca(), null, true));
        ValuesDiff diff = ValuesDiff.of(sdk, chart);
        assertThat(change(diff, "clustermesh.apiserver.tls.auto.enabled").toString())
                .isEqualTo("clustermesh.apiserver.tls.auto.enabled: false -> true");
        assertThat(change(diff, "clustermesh.apiserver.tls.auto.method").kind()).isEqualTo(ValuesChange.Kind.ADDED);
        ValuesChange admin = change(diff, "clustermesh.apiserver.tls.admin");
        assertThat(admin.kind()).isEqualTo(ValuesChange.Kind.REMOVED);
        assertThat(admin.before()).contains("key: <redacted>").contains("cert: <cert sha256:");
        assertThat(admin.toString()).endsWith("-> (unset)");
        // the server entry stays for the names the chart adds to its own certificate (the mesh IP)
        assertThat(change(diff, "clustermesh.apiserver.tls.server.key").kind()).isEqualTo(ValuesChange.Kind.REMOVED);
        assertThat(change(diff, "clustermesh.apiserver.tls.server.key").before()).isEqualTo("<redacted>");
        assertThat(change(diff, "clustermesh.apiserver.tls.server.extraIpAddresses").kind()).isEqualTo(ValuesChange.Kind.ADDED);
        assertNoKeyMaterial(diff.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void typesMatterAndDottedKeysAreQuoted() {
        Map<String, Object> intended = ArticleMesh.values("1.19.5", "cluster2");
        Map<String, Object> release = CiliumValues.fromYaml(CiliumValues.toYaml(intended));
        release.put("kubeProxyReplacement", true);
        ((Map<String, Object>) Values.at(release, "clustermesh.apiserver.service.annotations"))
                .put("service.beta.kubernetes.io/azure-load-balancer-ipv4", "10.2.0.9");
        ValuesDiff diff = ValuesDiff.of(release, intended);
        assertThat(diff.changes()).containsExactly(
                new ValuesChange("kubeProxyReplacement", ValuesChange.Kind.CHANGED, "true", "\"true\""),
                new ValuesChange("clustermesh.apiserver.service.annotations[\"service.beta.kubernetes.io/azure-load-balancer-ipv4\"]",
                        ValuesChange.Kind.CHANGED, "\"10.2.0.9\"", "\"10.2.0.250\""));
    }

    @Test
    void keysAreRedactedWhereverTheyAre() {
        String keyPem = CERTS.get("cluster2").remote().privateKeyPem();
        Map<String, Object> odd = new LinkedHashMap<>();
        odd.put("extraConfig", new LinkedHashMap<>(Map.of("blob", b64(keyPem), "raw", keyPem, "plain", "kept")));
        odd.put("clustermesh", Map.of("config", Map.of("clusters", List.of(Map.of("name", "x", "tls",
                Map.of("cert", b64(CERTS.get("cluster2").remote().certificatePem()), "key", "c2hvcnQ=", "caCert", ""))))));
        odd.put("auth", Map.of("password", "hunter2", "token", 12345, "clientSecret", "s3cr3t-value"));
        odd.put("peers", Map.of("turkey", Map.of("port", 2379), "tls.key", "short-but-secret"));

        ValuesDiff diff = ValuesDiff.of(Map.of("extraConfig", Map.of(), "auth", Map.of()), odd);
        assertThat(change(diff, "extraConfig.blob").after()).isEqualTo("<redacted>");
        assertThat(change(diff, "extraConfig.raw").after()).isEqualTo("<redacted>");
        assertThat(change(diff, "extraConfig.plain").after()).isEqualTo("\"kept\"");
        assertThat(change(diff, "clustermesh").after())
                .contains("key: <redacted>", "cert: <cert sha256:" + fingerprint(CERTS.get("cluster2").remote()) + ">", "caCert: \"\"");
        assertThat(change(diff, "auth.password").after()).isEqualTo("<redacted>");
        assertThat(change(diff, "auth.token").after()).isEqualTo("<redacted>");
        assertThat(change(diff, "auth.clientSecret").after()).isEqualTo("<redacted>");
        assertThat(change(diff, "peers").after()).contains("turkey: {port: 2379}").contains("tls.key: <redacted>");
        assertThat(diff.toString()).doesNotContain("hunter2", "12345", "c2hvcnQ=", "s3cr3t", "short-but-secret");
        assertThat(ValuesDiff.of(Map.of("x", Double.NaN, "y", 1.5), Map.of("x", Double.NaN, "y", 1.5f)).isEmpty()).isTrue();
        assertNoKeyMaterial(keyPem, diff.toString());
    }

    @Test
    void redactedValuesAreSafeToPrintAndLeaveTheOriginalAlone() {
        Map<String, Object> values = ArticleMesh.values("1.19.5", "cluster1");
        String original = CiliumValues.toYaml(values);
        Map<String, Object> safe = CiliumValues.redacted(values);
        assertThat(CiliumValues.toYaml(values)).isEqualTo(original);
        assertThat(at(safe, "tls.ca.key")).isEqualTo("<redacted>");
        assertThat(at(safe, "clustermesh.apiserver.tls.server.key")).isEqualTo("<redacted>");
        assertThat(at(safe, "tls.ca.cert")).isEqualTo("<cert sha256:" + fingerprint(PKI.ca()) + ">");
        assertThat(at(safe, "cluster.name")).isEqualTo("cluster1");
        assertThat(at(safe, "clustermesh.config.clusters")).isEqualTo(at(values, "clustermesh.config.clusters"));
        assertThat(at(safe, "kubeProxyReplacement")).isEqualTo("true");
        assertNoKeyMaterial(CiliumValues.toYaml(safe));
        assertNoKeyMaterial(safe.toString());
        // the export itself is the real thing
        assertThat(original).contains(b64(PKI.ca().privateKeyPem()));
    }

    // ---- helpers

    private static ValuesChange change(ValuesDiff diff, String path) {
        return diff.changes().stream().filter(c -> c.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no change at " + path + " in " + diff.paths()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstListEntry(Map<String, Object> values) {
        return ((List<Map<String, Object>>) at(values, "clustermesh.config.clusters")).get(0);
    }

    /** Neither PEM nor base64 of any test private key. */
    private static void assertNoKeyMaterial(String text) {
        List<String> keys = new ArrayList<>(List.of(PKI.ca().privateKeyPem()));
        CERTS.values().forEach(c -> {
            keys.add(c.server().privateKeyPem());
            keys.add(c.admin().privateKeyPem());
            keys.add(c.remote().privateKeyPem());
            keys.add(c.client().privateKeyPem());
        });
        for (String key : keys) {
            assertNoKeyMaterial(key, text);
        }
    }

    private static void assertNoKeyMaterial(String keyPem, String text) {
        assertThat(text).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN");
        String body = keyPem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
        assertThat(text).doesNotContain(body.substring(0, 24));
        assertThat(text).doesNotContain(b64(keyPem).substring(0, 24));
        assertThat(text).doesNotContain(b64(keyPem).substring(40, 64));
    }

    private static String fingerprint(PemCredential credential) {
        try {
            byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(credential.certificatePem().getBytes(StandardCharsets.US_ASCII))).getEncoded();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der)).substring(0, 16);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
