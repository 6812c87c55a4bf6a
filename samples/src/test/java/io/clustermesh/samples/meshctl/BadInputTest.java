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
                new Case("bench --poll-interval-ms 0", "--poll-interval-ms", d -> List.of("bench", "--poll-interval-ms", "0", "--clusters", "0", "--plan-sizes", "0")),
                new Case("bench --clusters 300", "--clusters", d -> List.of("bench", "--clusters", "300", "--plan-sizes", "0")),
                new Case("bench --nodes not a number", "--nodes", d -> List.of("bench", "--nodes", "many")),
                new Case("--output not a format", "--output", d -> plan("--output", "xml")));
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
