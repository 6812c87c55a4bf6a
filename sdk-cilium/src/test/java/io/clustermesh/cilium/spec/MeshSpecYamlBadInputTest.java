package io.clustermesh.cilium.spec;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * The spec reader on input that is valid YAML but easy to misread, and on paths that are not spec files: each is read
 * as YAML defines it or is a finding with its path and fix, never a wrong value, an exception or an endless read.
 */
class MeshSpecYamlBadInputTest {

    private static final String HEAD = "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\n";
    private static final String TWO = """
            spec:
              clusters:
              - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a}
              - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: b}
            """;

    private static List<Finding> findings(String yaml) {
        MeshSpecYaml.Result r = MeshSpecYaml.parse(yaml);
        assertThat(r.ok()).as("%s", r.findings()).isFalse();
        assertThat(r.spec()).isNull();
        return r.findings();
    }

    // ---- scalars keep the text written

    @Test
    void aVersionThatLooksLikeANumberKeepsItsText() {
        MeshSpecYaml.Result r = MeshSpecYaml.parse(HEAD + TWO + "  cilium: {version: 1.20}\n");
        assertThat(r.findings()).isEmpty();
        assertThat(r.spec().cilium().version()).isEqualTo("1.20");
        // and the rules see the text written: not 1.2
        assertThat(Mesh.validate(r.spec())).extracting(Finding::message).allSatisfy(m -> assertThat(m).doesNotContain("'1.2'"));
    }

    @Test
    void rolloutBatchIsReadAndLessThanOneIsAFindingWithItsPath() {
        assertThat(MeshSpecYaml.parse(HEAD + TWO + "  cilium: {rolloutBatch: 2}\n").orThrow().cilium().rolloutBatch()).isEqualTo(2);
        assertThat(MeshSpecYaml.parse(HEAD + TWO).orThrow().cilium().rolloutBatch()).as("default").isEqualTo(1);
        assertThat(findings(HEAD + TWO + "  cilium: {rolloutBatch: 0}\n")).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_INVALID_VALUE");
            assertThat(f.path()).isEqualTo("spec.cilium.rolloutBatch");
            assertThat(f.remediation()).contains("1");
        });
    }

    @Test
    void anUnquotedNameThatLooksLikeANumberKeepsItsText() {
        MeshSpec s = MeshSpecYaml.parse(HEAD + TWO.replace("name: cluster2", "name: 1e3").replace("name: cluster1", "name: 0x1f"))
                .orThrow();
        assertThat(s.clusters()).extracting(c -> c.name()).containsExactly("0x1f", "1e3");
    }

    @Test
    void idsBeyondTheIntRangeAreOutOfRangeAndOnlyPlainDecimalIsANumber() {
        List<Finding> f = findings(HEAD + TWO.replace("id: 1,", "id: 99999999999,").replace("id: 2,", "id: 010,"));
        assertThat(f).extracting(Finding::code, Finding::path).containsExactlyInAnyOrder(
                tuple("SPEC_INVALID_VALUE", "spec.clusters[0].id"), tuple("SPEC_INVALID_VALUE", "spec.clusters[1].id"));
        assertThat(f.get(0).message()).isEqualTo("spec.clusters[0].id 99999999999 is out of range");
        assertThat(f.get(0).remediation()).contains("between 1 and 255");
        assertThat(f.get(1).message()).contains("'010'").contains("leading zeros");
        assertThat(f.get(1).remediation()).isEqualTo("write id: 10");
        assertThat(findings(HEAD + TWO.replace("id: 2,", "id: ٢,"))).singleElement()
                .satisfies(x -> assertThat(x.remediation()).isEqualTo("write id: 2"));
    }

    @Test
    void yesAndNoAreNotBooleans() {
        assertThat(findings(HEAD + TWO + "  cilium: {hubble: yes}\n")).extracting(Finding::code, Finding::path)
                .containsExactly(tuple("SPEC_WRONG_TYPE", "spec.cilium.hubble"));
    }

    // ---- anchors and aliases

    @Test
    void aliasesResolveAsYamlDefinesThem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mesh.yaml");
        Files.writeString(file, HEAD + """
                spec:
                  cilium: &opts {version: 1.17.6, encryption: wireguard}
                  clusters: &h
                  - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a, kubeconfig: &kc kube/config.yaml}
                  - {name: cluster2, id: 2, podCidr: 10.20.0.0/16, kubeContext: b, kubeconfig: *kc, cilium: *opts}
                """);
        MeshSpec s = MeshSpecYaml.read(file).orThrow();
        assertThat(s.clusters().get(1).access().kubeconfigFile()).contains(dir.resolve("kube/config.yaml"));
        assertThat(s.clusters().get(1).cilium()).isEqualTo(s.cilium());
        assertThat(s.cilium().version()).isEqualTo("1.17.6");

        // a list of clusters anchored elsewhere (here in an unknown field: reported, and the clusters still read)
        MeshSpecYaml.Result r = MeshSpecYaml.parse(HEAD + """
                x-clusters: &h
                - {name: cluster1, id: 1, podCidr: 10.10.0.0/16, kubeContext: a}
                - {name: cluster2, id: 2, podCidr: 10.10.0.0/16, kubeContext: b}
                spec:
                  clusters: *h
                """);
        assertThat(r.findings()).extracting(Finding::code, Finding::path).containsExactly(
                tuple("SPEC_UNKNOWN_FIELD", "x-clusters"), tuple("POD_CIDR_OVERLAP", "spec.clusters[1].podCidr"));
    }

    @Test
    void anAliasBombIsAFindingNotAnOutOfMemoryError() {
        StringBuilder y = new StringBuilder(HEAD + "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            y.append("x").append(i).append(": &a").append(i).append(" [").append(("*a" + (i - 1) + ", ").repeat(9))
                    .append("*a").append(i - 1).append("]\n");
        }
        y.append(TWO).append("  cilium: *a9\n");
        List<Finding> f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> findings(y.toString()));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo("SPEC_TOO_COMPLEX");
            assertThat(x.message()).contains("aliases");
            assertThat(x.remediation()).isNotBlank();
        });
    }

    @Test
    void aRecursiveAliasIsAWrongTypeNotAnEndlessWalk() {
        List<Finding> f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> findings(HEAD + "spec:\n  clusters: &c [*c, *c]\n"));
        assertThat(f).extracting(Finding::code, Finding::path).contains(tuple("SPEC_WRONG_TYPE", "spec.clusters[0]"));
    }

    @Test
    void nestingTooDeepToReadIsAFindingNotAStackOverflowError() {
        String deep = HEAD + TWO + "  azure: " + "[".repeat(200_000) + "]".repeat(200_000) + "\n";
        List<Finding> f = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> findings(deep));
        assertThat(f).singleElement().satisfies(x -> assertThat(x.code()).isEqualTo("SPEC_TOO_COMPLEX"));
    }

    @Test
    void mergeKeysAreNotYaml12AndSaySo() {
        List<Finding> f = findings(HEAD + TWO + "  cilium:\n    <<: {hubble: true}\n");
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo("SPEC_UNKNOWN_FIELD");
            assertThat(x.remediation()).contains("merge keys");
        });
    }

    // ---- duplicate keys, empty sections, several documents: reported with everything else

    @Test
    void duplicateKeysAreFindingsWithPathAndFixAlongsideEveryOtherFinding() {
        List<Finding> f = findings(HEAD + """
                spec:
                  clusters:
                  - name: cluster1
                    id: 1
                    podCidr: 10.10.0.0/16
                    podCidr: 10.30.0.0/16
                    kubeContext: a
                    colour: blue
                  - {name: cluster2, id: 2, podCidr: 10.10.0.0/16, kubeContext: b, meshIp: 8.8.8.8}
                """);
        assertThat(f).extracting(Finding::code, Finding::path).containsExactlyInAnyOrder(
                tuple("SPEC_DUPLICATE_KEY", "spec.clusters[0].podCidr"),
                tuple("SPEC_UNKNOWN_FIELD", "spec.clusters[0].colour"),
                tuple("POD_CIDR_OVERLAP", "spec.clusters[1].podCidr"),
                tuple("MESH_IP_NOT_PRIVATE", "spec.clusters[1].meshIp"));
        Finding dup = f.stream().filter(x -> x.code().equals("SPEC_DUPLICATE_KEY")).findFirst().orElseThrow();
        assertThat(dup.message()).contains("'podCidr' is given twice at spec.clusters[0]").contains("line 8");
        assertThat(dup.remediation()).contains("keep one 'podCidr'");
    }

    @Test
    void nullAndEmptySectionsAreFindingsNamingThem() {
        assertThat(findings(HEAD + "spec: null\n")).extracting(Finding::code, Finding::path)
                .containsExactly(tuple("SPEC_EMPTY_SECTION", "spec"));
        assertThat(findings(HEAD + "spec:\n  clusters: []\n")).extracting(Finding::code, Finding::path)
                .containsExactly(tuple("SPEC_EMPTY_SECTION", "spec.clusters"));
        List<Finding> f = findings(HEAD + TWO + "  cilium:\n  exposure: {}\n");
        assertThat(f).extracting(Finding::code, Finding::path).containsExactlyInAnyOrder(
                tuple("SPEC_EMPTY_SECTION", "spec.cilium"), tuple("SPEC_EMPTY_SECTION", "spec.exposure"));
        assertThat(f.get(0).remediation()).contains("remove the cilium: line");
        assertThat(findings(HEAD + TWO.replace("kubeContext: b}", "kubeContext: b, cilium: {}}")))
                .extracting(Finding::path).containsExactly("spec.clusters[1].cilium");
    }

    @Test
    void severalDocumentsAreOnePlainFinding() {
        assertThat(findings(HEAD + TWO + "---\n" + HEAD + TWO)).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_MULTIPLE_DOCUMENTS");
            assertThat(f.message()).isEqualTo("the spec file holds more than one YAML document (separated by ---); a spec is one kind: Mesh document");
        });
        // a document start marker, or a trailing one, is not a second document
        assertThat(MeshSpecYaml.parse("---\n" + HEAD + TWO + "---\n").ok()).isTrue();
    }

    @Test
    void aByteOrderMarkAndCrlfLineEndingsAreAccepted(@TempDir Path dir) throws Exception {
        MeshSpec plain = MeshSpecYaml.parse(HEAD + TWO).orThrow();
        Path file = dir.resolve("windows.yaml");
        byte[] body = (HEAD + TWO).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Files.write(file, withBom);
        assertThat(MeshSpecYaml.read(file).orThrow()).isEqualTo(plain);
        assertThat(MeshSpecYaml.parse("\uFEFF" + (HEAD + TWO).replace("\n", "\r\n")).orThrow()).isEqualTo(plain);
    }

    // ---- paths that are not spec files

    @Test
    void aFileOverOneMebibyteIsNotRead(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(2L << 20);
        }
        assertThat(MeshSpecYaml.read(big).findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_TOO_LARGE");
            assertThat(f.message()).contains("2097152 bytes").contains("1 MiB");
            assertThat(f.path()).isEqualTo(big.toString());
        });
        assertThat(MeshSpecYaml.parse(HEAD + TWO + "#" + "x".repeat(2 << 20)).findings()).extracting(Finding::code)
                .containsExactly("SPEC_TOO_LARGE");
    }

    @Test
    void aDirectoryIsNotASpecFile(@TempDir Path dir) {
        assertThat(MeshSpecYaml.read(dir).findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_NOT_A_FILE");
            assertThat(f.message()).contains("is a directory");
            assertThat(f.remediation()).contains(dir.resolve("mesh.yaml").toString());
        });
    }

    @Test
    void devZeroIsNeverRead() {
        Path zero = Path.of("/dev/zero");
        assumeThat(Files.exists(zero)).isTrue();
        List<Finding> f = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> MeshSpecYaml.read(zero).findings());
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo("SPEC_NOT_A_FILE");
            assertThat(x.message()).contains("not a regular file");
        });
    }

    @Test
    void aFifoIsNeverOpened(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("mesh.yaml");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            assumeThat(e).as("mkfifo is not available").isNull();
            return;
        }
        assumeThat(p.waitFor()).isZero();
        // opening a FIFO without a writer blocks for ever: the check must come first
        List<Finding> f = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> MeshSpecYaml.read(fifo).findings());
        assertThat(f).extracting(Finding::code).containsExactly("SPEC_NOT_A_FILE");
    }

    @Test
    void aFileThatIsNotUtf8IsUnreadableWithTheFix(@TempDir Path dir) throws Exception {
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, (HEAD + "metadata: {name: caf\u00e9}\n" + TWO).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(MeshSpecYaml.read(latin1).findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("SPEC_UNREADABLE");
            assertThat(f.remediation()).contains("UTF-8");
        });
    }
}
