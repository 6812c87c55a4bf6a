package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** meshctl's commands, exit codes and JSON shapes, against the embedded lab. */
class MeshctlTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Path ARTICLE = Path.of("specs/article.yaml");

    record Run(int code, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Meshctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoJsonIsOneDocumentWithThreeClustersEachSeeingTwoPeers() {
        Run r = run("demo", "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode d = r.json();
        assertThat(d.path("passed").asBoolean()).isTrue();
        assertThat(d.path("clusters")).hasSize(3);
        for (JsonNode c : d.path("clusters")) {
            assertThat(c.path("name").asString()).startsWith("cluster");
            assertThat(c.path("id").asInt()).isBetween(1, 3);
            assertThat(c.path("connectedPeers")).hasSize(2);
        }
        assertThat(d.path("checks")).isNotEmpty().allSatisfy(c -> {
            assertThat(c.path("passed").asBoolean()).as(c.toString()).isTrue();
            assertThat(c.has("name") && c.has("detail")).isTrue();
        });
        JsonNode last = d.path("services").get(d.path("services").size() - 1);
        assertThat(last.path("from").asString()).isEqualTo("cluster2");
        assertThat(last.path("answeredBy").propertyNames()).containsExactly("cluster3");
        // the services view (meshctl services): per cluster, where requests go
        JsonNode routes = d.path("serviceRoutes").path("clusters");
        assertThat(routes).hasSize(3);
        assertThat(routes.get(1).path("cluster").asString()).isEqualTo("cluster2");
        assertThat(routes.get(1).path("affinity").asString()).isEqualTo("remote");
        assertThat(routes.get(1).path("answeredBy")).extracting(JsonNode::asString).containsExactly("cluster3");
        assertThat(routes.get(0).path("shared").asBoolean()).isFalse();
    }

    @Test
    void servicesOnALabWithoutGlobalServicesSaysSo() {
        Run r = run("services", "--lab", "--spec", ARTICLE.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("no global services");
        Run json = run("services", "--lab", "--spec", ARTICLE.toString(), "-o", "json");
        assertThat(json.json().path("services")).isEmpty();
    }

    @Test
    void planOnTheLabWritesOneValuesFilePerClusterOwnerOnly(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("out");
        Run r = run("plan", "--lab", "--spec", ARTICLE.toString(), "--values-dir", values.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Plan 'apply' for mesh article").contains("helm-upgrade");
        assertThat(r.err()).contains("wrote 3 values files").contains("hold the CA key");
        for (String c : new String[]{"cluster1", "cluster2", "cluster3"}) {
            Path f = values.resolve(c + ".values.yaml");
            assertThat(f).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
            assertThat(Files.readString(f)).contains("name: \"" + c + "\"").contains("clusterPoolIPv4PodCIDRList");
        }
        assertThat(r.out()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void aSpecWithSeveralProblemsExitsTwoListingEveryProblemWithoutAStackTrace(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, """
                apiVersion: clustermesh.io/v1alpha1
                kind: Mesh
                metadata: {name: bad}
                spec:
                  cilium: {maxConnectedClusters: 300}
                  clusters:
                  - {name: Cluster_1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a}
                  - {name: cluster2, id: 1, podCidr: 10.10.128.0/17, kubeContext: b}
                  - {name: cluster3, id: 3, podCidr: 172.30.0.0/16, kubeContext: c}
                """);
        Run r = run("plan", "--spec", spec.toString());
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("MAX_CONNECTED_CLUSTERS_INVALID", "CLUSTER_NAME_INVALID", "CLUSTER_ID_DUPLICATE",
                "POD_CIDR_OVERLAP", "CIDR_RESERVED");
        assertThat(r.err()).contains("spec.clusters[1].podCidr").contains("fix:").contains("cluster2:").contains("nothing was written");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");

        Run json = run("plan", "--spec", spec.toString(), "--output", "json");
        assertThat(json.code()).isEqualTo(Meshctl.INVALID);
        assertThat(json.json().path("valid").asBoolean()).isFalse();
        assertThat(json.json().path("findings").size()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void unknownFieldsAndAMissingSpecAreInvalidInput(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("typo.yaml");
        Files.writeString(spec, "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nspec:\n  clusterz: []\n");
        Run r = run("preflight", "--spec", spec.toString());
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("unknown field 'clusterz'").contains("did you mean 'clusters'");
        Run none = run("status");
        assertThat(none.code()).isEqualTo(Meshctl.INVALID);
        assertThat(none.err()).contains("no mesh spec given").contains("--spec");
    }

    @Test
    void applyOnTheLabConvergesAndReportsStatusAsJson() {
        Run r = run("apply", "--lab", "--spec", ARTICLE.toString(), "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode d = r.json();
        assertThat(d.path("succeeded").asBoolean()).isTrue();
        assertThat(d.path("failedClusters")).isEmpty();
        assertThat(d.path("status").path("healthy").asBoolean()).isTrue();
        assertThat(d.path("status").path("clusters")).hasSize(3)
                .allSatisfy(c -> assertThat(c.path("connectedPeers")).hasSize(2));
        assertThat(r.err()).contains("==> apply of mesh article");
    }

    @Test
    void statusOfAFreshLabIsUnhealthyWithRemediationsAndExitThree() {
        Run r = run("status", "--lab", "--spec", ARTICLE.toString(), "-o", "json");
        assertThat(r.code()).isEqualTo(Meshctl.PARTIAL);
        JsonNode d = r.json();
        assertThat(d.path("healthy").asBoolean()).isFalse();
        assertThat(d.path("clusters").get(0).path("errors").get(0).asString()).contains("Cilium is not installed").contains("fix:");
    }

    @Test
    void preflightOnTheLabListsWarningsAndPorts() {
        Run r = run("preflight", "--lab", "--spec", ARTICLE.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("KUBE_PROXY_PRESENT").contains("2379/tcp").contains("8472/udp");
    }

    @Test
    void disconnectAndDisableOnTheLabSucceed() {
        assertThat(run("disconnect", "--lab", "--spec", ARTICLE.toString(), "cluster3").code()).isZero();
        assertThat(run("disable", "--lab", "--spec", ARTICLE.toString()).code()).isZero();
        Run unknown = run("disconnect", "--lab", "--spec", ARTICLE.toString(), "cluster9");
        assertThat(unknown.code()).isEqualTo(Meshctl.INVALID);
        assertThat(unknown.err()).contains("cluster9").contains("is not a cluster of mesh article");
    }

    @Test
    void aVerboseDemoPrintsNoPrivateKeyTokenOrKubeconfig() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Meshctl.class.getName(), "demo", "--verbose");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] all = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = new String(all, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("demo passed").contains("INFO");
        assertThat(output).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE")
                .doesNotContain("client-key-data").doesNotContain("token:").doesNotContain("Bearer ")
                .doesNotContain("current-context");
    }
}
