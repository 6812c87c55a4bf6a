package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bad option values are refused before any work: exit code 2, the option named, what is wrong and the fix, no Java
 * class name or stack trace, nothing written. No case starts a lab or reaches a cluster: each finishes at once.
 */
class BadInputTest {
    private static final String ARTICLE = MeshctlTest.ARTICLE.toString();

    @TempDir
    static Path dir;

    /** A values directory every case passes where it is not the subject; it must never appear. */
    private static Path untouched;

    record Case(String name, String option, Function<Path, List<String>> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeEach
    void freshValuesDir() throws Exception {
        untouched = dir.resolve("values-" + System.nanoTime());
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("--arm-endpoint file:///etc/passwd", "--arm-endpoint",
                        d -> plan("--arm-endpoint", "file:///etc/passwd")),
                new Case("--arm-endpoint without a host", "--arm-endpoint", d -> plan("--arm-endpoint", "https:///x")),
                new Case("--arm-endpoint not a URL", "--arm-endpoint", d -> plan("--arm-endpoint", "ht tp://x")),
                new Case("--values-dir a regular file", "--values-dir", d -> List.of("plan", "--spec", ARTICLE, "--values-dir", file(d).toString())),
                new Case("--values-dir /dev/null", "--values-dir", d -> List.of("plan", "--spec", ARTICLE, "--values-dir", "/dev/null")),
                new Case("--values-dir under a file", "--values-dir",
                        d -> List.of("plan", "--spec", ARTICLE, "--values-dir", file(d).resolve("out").toString())),
                new Case("--values-dir read-only", "--values-dir", d -> List.of("plan", "--spec", ARTICLE, "--values-dir", readOnlyDir(d).toString())),
                new Case("--values-dir missing under a read-only directory", "--values-dir",
                        d -> List.of("plan", "--spec", ARTICLE, "--values-dir", readOnlyDir(d).resolve("out").toString())),
                new Case("--values-dir symlink to a file", "--values-dir",
                        d -> List.of("plan", "--spec", ARTICLE, "--values-dir", symlink(d, file(d)).toString())),
                new Case("--spec a directory", "--spec", d -> withSpec(d.toString())),
                new Case("--spec /dev/zero", "--spec", d -> withSpec("/dev/zero")),
                new Case("--spec a FIFO", "--spec", d -> withSpec(fifo(d).toString())),
                new Case("--spec missing", "--spec", d -> withSpec(d.resolve("nope.yaml").toString())),
                new Case("--spec a dangling symlink", "--spec", d -> withSpec(symlink(d, d.resolve("gone.yaml")).toString())),
                new Case("--spec unreadable", "--spec", d -> withSpec(unreadable(d).toString())),
                new Case("--spec larger than 1 MiB", "--spec", d -> withSpec(large(d).toString())),
                new Case("--spec empty", "--spec", d -> withSpec("")),
                new Case("--kubeconfig a directory", "--kubeconfig", d -> plan("--kubeconfig", d.toString())),
                new Case("--kubeconfig missing", "--kubeconfig", d -> plan("--kubeconfig", d.resolve("nope").toString())),
                new Case("--kubeconfig /dev/zero", "--kubeconfig", d -> plan("--kubeconfig", "/dev/zero")),
                new Case("--kubeconfig unreadable", "--kubeconfig", d -> plan("--kubeconfig", unreadable(d).toString())),
                new Case("status --spec a directory", "--spec", d -> List.of("status", "--spec", d.toString())),
                new Case("apply --kubeconfig missing", "--kubeconfig", d -> List.of("apply", "--spec", ARTICLE, "--kubeconfig", "/nope")),
                new Case("preflight --arm-endpoint ftp", "--arm-endpoint", d -> List.of("preflight", "--spec", ARTICLE, "--arm-endpoint", "ftp://x")),
                new Case("services --name without --namespace", "--name", d -> List.of("services", "--spec", ARTICLE, "--name", "web")),
                new Case("bench --nodes 0", "--nodes", d -> List.of("bench", "--nodes", "0", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --concurrency 0", "--concurrency", d -> List.of("bench", "--concurrency", "0", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --api-latency-ms -1", "--api-latency-ms", d -> List.of("bench", "--api-latency-ms", "-1", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --wait-minutes 0", "--wait-minutes", d -> List.of("bench", "--wait-minutes", "0", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --apiserver-store disk", "--apiserver-store", d -> List.of("bench", "--apiserver-store", "disk", "--clusters", "0",
                        "--plan-sizes", "0")),
                new Case("bench --poll-interval-ms 0", "--poll-interval-ms", d -> List.of("bench", "--poll-interval-ms", "0", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --clusters 300", "--clusters", d -> List.of("bench", "--clusters", "300", "--plan-sizes", "0")),
                new Case("bench --nodes not a number", "--nodes", d -> List.of("bench", "--nodes", "many")),
                new Case("--output not a format", "--output", d -> plan("--output", "xml")),
                // option values that are files, directories, devices, symbolic links, read-only directories
                new Case("--charts a regular file", "--charts", d -> plan("--charts", file(d).toString())),
                new Case("--charts /dev/null", "--charts", d -> plan("--charts", "/dev/null")),
                new Case("--charts missing", "--charts", d -> plan("--charts", d.resolve("no-charts").toString())),
                new Case("--kubeconfig a symlink to a directory", "--kubeconfig", d -> plan("--kubeconfig", symlink(d, d).toString())),
                new Case("--kubeconfig a dangling symlink", "--kubeconfig", d -> plan("--kubeconfig", symlink(d, d.resolve("gone")).toString())),
                new Case("--spec a symlink to a directory", "--spec", d -> withSpec(symlink(d, d).toString())),
                new Case("--values-dir /dev/zero", "--values-dir", d -> List.of("plan", "--spec", ARTICLE, "--values-dir", "/dev/zero")),
                new Case("lab up --dir a read-only directory", "--dir", d -> List.of("lab", "up", "--dir", readOnlyDir(d).toString())),
                new Case("lab up --dir /dev/null", "--dir", d -> List.of("lab", "up", "--dir", "/dev/null")),
                new Case("lab up --dir a regular file", "--dir", d -> List.of("lab", "up", "--dir", file(d).toString())),
                new Case("lab up --clusters 256", "--clusters", d -> List.of("lab", "up", "--clusters", "256")),
                new Case("lab up --dir holding a kubeconfig", "--dir", d -> List.of("lab", "up", "--dir", withKubeconfig(d).toString())),
                // spec files: what they hold
                new Case("--spec 20 MiB", "--spec", d -> withSpec(sparse(d, 20L << 20).toString())),
                new Case("--spec a binary file", "is not UTF-8", d -> withSpec(binary(d).toString())),
                new Case("--spec a YAML alias bomb", "aliases", d -> withSpec(spec(d, aliasBomb()).toString())),
                new Case("--spec with duplicate keys", "spec.clusters[0].id", d -> withSpec(spec(d, HEAD.replace("metadata: {name: m}\n",
                        "metadata: {name: m}\nmetadata: {name: n}\n") + "  - {name: c1, id: 1, podCidr: 10.1.0.0/16, kubeContext: a, id: 2}\n"
                        + "  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n").toString())),
                new Case("--spec with a BOM and CRLF line ends", "spec.clusters[0].podCidr", d -> withSpec(spec(d, "\uFEFF" + (HEAD
                        + "  - {name: c1, id: 1, podCidr: 10.1.0.0/99, kubeContext: a}\n  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                        .replace("\n", "\r\n")).toString())),
                new Case("--spec metadata.name of 70 characters", "metadata.name", d -> withSpec(spec(d, HEAD.replace("name: m}", "name: " + "a".repeat(70) + "}")
                        + TWO).toString())),
                new Case("--spec an id beyond the int range", "spec.clusters[0].id", d -> withSpec(spec(d, HEAD
                        + "  - {name: c1, id: 2147483648, podCidr: 10.1.0.0/16, kubeContext: a}\n  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                        .toString())),
                new Case("--spec a cluster named 1e3 (unquoted)", "1e3", d -> withSpec(spec(d, HEAD
                        + "  - {name: 1e3, id: 1, podCidr: 10.1.0.0/16, kubeContext: a}\n  - {name: c2, id: 1, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                        .toString())));
    }

    private static final String HEAD = "apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec:\n  clusters:\n";
    private static final String TWO = "  - {name: c1, id: 1, podCidr: 10.1.0.0/16, kubeContext: a}\n  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n";

    @Test
    void whatASpecHoldsIsReportedInTheUsersTerms() {
        MeshctlTest.Run id = MeshctlTest.run(withSpec(spec(dir, HEAD
                + "  - {name: c1, id: 2147483648, podCidr: 10.1.0.0/16, kubeContext: a}\n  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                .toString()).toArray(String[]::new));
        assertThat(id.err()).as("a whole number beyond the range").contains("2147483648 is out of range").doesNotContain("whole number")
                .doesNotContain("SPEC_WRONG_TYPE");

        MeshctlTest.Run name = MeshctlTest.run(withSpec(spec(dir, HEAD
                + "  - {name: 1e3, id: 1, podCidr: 10.1.0.0/16, kubeContext: a}\n  - {name: c2, id: 1, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                .toString()).toArray(String[]::new));
        assertThat(name.code()).isEqualTo(Meshctl.INVALID);
        assertThat(name.err()).as("the name as written, only the duplicate id wrong").contains("CLUSTER_ID_DUPLICATE").contains("1e3")
                .doesNotContain("1000").doesNotContain("NAME_INVALID");

        MeshctlTest.Run bom = MeshctlTest.run(withSpec(spec(dir, "\uFEFF" + (HEAD
                + "  - {name: c1, id: 1, podCidr: 10.1.0.0/99, kubeContext: a}\n  - {name: c2, id: 2, podCidr: 10.2.0.0/16, kubeContext: b}\n")
                .replace("\n", "\r\n")).toString()).toArray(String[]::new));
        assertThat(bom.err()).as("a BOM and CRLF are read as YAML allows: only the planted error").contains("1 problem found")
                .contains("CIDR_INVALID").doesNotContain("\r");

        MeshctlTest.Run longName = MeshctlTest.run(withSpec(spec(dir, HEAD.replace("name: m}", "name: " + "a".repeat(70) + "}") + TWO)
                .toString()).toArray(String[]::new));
        assertThat(longName.err()).contains("MESH_NAME_INVALID").contains("shorten metadata.name").doesNotContain("RFC 5280 ub-common-name");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedBeforeAnyWork(Case c) {
        List<String> args = new ArrayList<>(c.args().apply(dir));
        if (args.get(0).equals("plan") && !args.contains("--values-dir")) {
            args.addAll(List.of("--values-dir", untouched.toString()));
        }
        MeshctlTest.Run r = MeshctlTest.run(args.toArray(String[]::new));

        assertThat(r.code()).as(r.err()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).as("names the option").contains(c.option());
        assertThat(r.err()).as("says how to fix it").contains("fix:");
        assertThat(r.err()).as("no Java class name").doesNotContain("java.").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).as("nothing on stdout").isEmpty();
        assertThat(untouched).as("nothing written").doesNotExist();
    }

    @Test
    void everyProblemIsReportedAtOnceAndAsJson() {
        Path valuesDir = dir.resolve("never");
        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", dir.resolve("nope.yaml").toString(), "--kubeconfig", "/dev/zero",
                "--arm-endpoint", "file:///etc/passwd", "--values-dir", "/dev/null", "-o", "json");
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        JsonNode doc = r.json();
        assertThat(doc.path("valid").asBoolean()).isFalse();
        assertThat(doc.path("findings")).extracting(f -> f.path("path").asString())
                .containsExactlyInAnyOrder("--spec", "--kubeconfig", "--arm-endpoint", "--values-dir");
        assertThat(doc.path("findings")).allSatisfy(f -> {
            assertThat(f.path("code").asString()).isEqualTo(OptionChecks.CODE);
            assertThat(f.path("remediation").asString()).isNotBlank();
        });
        assertThat(valuesDir).doesNotExist();
    }

    @Test
    void credentialsInTheArmUrlAreNeverEchoed() {
        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", ARTICLE, "--arm-endpoint", "https://admin:hunter2@arm.example/");
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("--arm-endpoint").contains("user information").doesNotContain("hunter2");
        MeshctlTest.Run bad = MeshctlTest.run("plan", "--spec", ARTICLE, "--arm-endpoint", "https://admin:hun ter2@arm.example/");
        assertThat(bad.code()).isEqualTo(Meshctl.INVALID);
        assertThat(bad.err()).contains("--arm-endpoint").doesNotContain("hun ter2").doesNotContain("URISyntaxException");
    }

    @Test
    void aSymlinkToADirectoryIsAValuesDirAndASymlinkToASpecIsASpec() throws Exception {
        Path target = Files.createDirectories(dir.resolve("real-values"));
        Path link = symlink(dir, target);
        Path spec = symlink(dir, MeshctlTest.ARTICLE.toAbsolutePath());
        OptionChecks checks = new OptionChecks();
        checks.writableDirectory("--values-dir", link);
        checks.readableFile("--spec", spec, OptionChecks.MAX_SPEC_BYTES, "a spec");
        checks.writableDirectory("--values-dir", dir.resolve("new").resolve("deeper"));
        checks.throwIfAny();
    }

    // ----------------------------------------------------------------------------------------- fixtures

    private static List<String> plan(String... more) {
        List<String> a = new ArrayList<>(List.of("plan", "--spec", ARTICLE));
        a.addAll(List.of(more));
        return a;
    }

    private static List<String> withSpec(String spec) {
        return List.of("plan", "--spec", spec);
    }

    private static Path file(Path d) {
        try {
            Path f = d.resolve("a-file-" + System.nanoTime());
            Files.writeString(f, "x");
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path readOnlyDir(Path d) {
        try {
            Path ro = Files.createDirectories(d.resolve("ro-" + System.nanoTime()));
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
            return ro;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path symlink(Path d, Path target) {
        try {
            return Files.createSymbolicLink(d.resolve("link-" + System.nanoTime()), target);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path fifo(Path d) {
        Path f = d.resolve("fifo-" + System.nanoTime());
        try {
            Process p = new ProcessBuilder("mkfifo", f.toString()).redirectErrorStream(true).start();
            assumeTrue(p.waitFor() == 0, "mkfifo is available");
        } catch (Exception e) {
            assumeTrue(false, "mkfifo is available");
        }
        return f;
    }

    private static Path unreadable(Path d) {
        try {
            Path f = Files.copy(MeshctlTest.ARTICLE, d.resolve("unreadable-" + System.nanoTime() + ".yaml"));
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("-w-------"));
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A directory holding a file named kubeconfig, which lab up must neither overwrite nor remove. */
    private static Path withKubeconfig(Path d) {
        try {
            Path dir = Files.createDirectories(d.resolve("kube-" + System.nanoTime()));
            Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n");
            return dir;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path spec(Path d, String yaml) {
        try {
            return Files.writeString(d.resolve("spec-" + System.nanoTime() + ".yaml"), yaml);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes that are not UTF-8 (0xff never occurs in UTF-8), under the size limit. */
    private static Path binary(Path d) {
        try {
            byte[] bytes = new byte[4096];
            new java.util.Random(7).nextBytes(bytes);
            bytes[0] = (byte) 0xff;
            return Files.write(d.resolve("binary-" + System.nanoTime() + ".yaml"), bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nine levels of ten aliases each: 10^9 nodes once expanded. */
    private static String aliasBomb() {
        StringBuilder y = new StringBuilder("apiVersion: clustermesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            y.append("l").append(i).append(": &l").append(i).append(" [").append(String.join(", ", java.util.Collections.nCopies(10, "*l" + (i - 1))))
                    .append("]\n");
        }
        return y.append("spec:\n  clusters: *l9\n").toString();
    }

    private static Path sparse(Path d, long length) {
        try {
            Path f = d.resolve("sparse-" + System.nanoTime() + ".yaml");
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(length);
            }
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A sparse file just over 1 MiB: nothing is written but its length. */
    private static Path large(Path d) {
        try {
            Path f = d.resolve("large-" + System.nanoTime() + ".yaml");
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(OptionChecks.MAX_SPEC_BYTES + 1);
            }
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
