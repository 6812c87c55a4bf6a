package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code meshctl lab up} as users run it: a separate JVM in the background, then {@code apply} and {@code status}
 * against the kubeconfig and spec it wrote (as against AKS: kube contexts of a kubeconfig file, helm-java, the chart
 * packages it names), then a signal. What remains afterwards is read from the operating system ({@code /proc}, the file
 * system), not from the lab.
 */
class LabUpTest {
    /** Bounds the wait for the lab to come up (a failure, not a measurement). */
    private static final long START_MINUTES = 4;

    @Test
    void applyAndStatusWorkAgainstItsKubeconfigAndSigtermLeavesNoEtcdProcessOrFile(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("lab");
        try (Lab lab = Lab.up(tmp, "--clusters", "2", "--dir", dir.toString())) {
            assertThat(lab.kubeconfig).isEqualTo(dir.resolve("kubeconfig")).isRegularFile();
            assertThat(lab.spec).isEqualTo(dir.resolve("mesh.yaml")).isRegularFile();
            assertThat(Files.readString(lab.kubeconfig)).as("one context per cluster").containsPattern("name: \"?cluster1\"?\n")
                    .containsPattern("name: \"?cluster2\"?\n");
            assertThat(Files.getPosixFilePermissions(lab.kubeconfig)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
            assertThat(Files.readString(lab.spec)).as("clusters by kube context; --kubeconfig says which file").contains("kubeContext")
                    .doesNotContain("kubeconfig:").doesNotContain("token");
            List<String> with = List.of("--spec", lab.spec.toString(), "--kubeconfig", lab.kubeconfig.toString(), "--charts", lab.charts.toString());

            // an apply stopped by SIGTERM in flight releases the mesh's change lock with the record of where it stopped ...
            Process first = new ProcessBuilder(args(Path.of(System.getProperty("java.home"), "bin", "java").toString(), List.of("-cp",
                    System.getProperty("java.class.path"), Meshctl.class.getName(), "apply"), with.toArray(String[]::new)))
                    .redirectError(tmp.resolve("first-apply.stderr").toFile()).start();
            try {
                assertThat(untilLine(first, "local-cert")).as("the first apply got under way (its lock taken, certificates issued); stderr: "
                        + Files.readString(tmp.resolve("first-apply.stderr"))).isNotNull();
                first.destroy(); // SIGTERM
                assertThat(first.waitFor(2, TimeUnit.MINUTES)).isTrue();
                assertThat(first.exitValue()).isEqualTo(143);
            } finally {
                first.destroyForcibly();
            }

            // ... so the next apply is not refused for the lock's lifetime, and says what it resumes before it does the rest
            MeshctlTest.Run apply = MeshctlTest.run(args("apply", with, "-o", "json", "-q"));
            assertThat(apply.code()).as(apply.err()).isZero();
            assertThat(apply.json().path("succeeded").asBoolean()).isTrue();
            assertThat(apply.err()).containsPattern("meshctl: resuming apply of mesh \\S+ by meshctl/\\S+, interrupted at \\S+ after \\d+ of \\d+ steps")
                    .contains("this run re-plans from what the clusters hold now");

            MeshctlTest.Run status = MeshctlTest.run(args("status", with, "-o", "json", "-q"));
            assertThat(status.code()).as(status.err()).isZero();
            JsonNode clusters = status.json().path("clusters");
            assertThat(clusters).hasSize(2).allSatisfy(c -> assertThat(c.path("connectedPeers")).hasSize(1));

            MeshctlTest.Run plan = MeshctlTest.run(args("plan", with, "--exit-code", "-q"));
            assertThat(plan.code()).as("the applied mesh matches the spec lab up wrote: " + plan.err()).isZero();

            MeshctlTest.Run services = MeshctlTest.run(args("services", with, "-q"));
            assertThat(services.code()).as(services.err()).isZero();
            assertThat(services.out()).contains("no global services");

            List<ProcessHandle> etcd = lab.etcdProcesses();
            assertThat(etcd).as("the clustermesh-apiservers' etcd, children of the lab's JVM").isNotEmpty();
            assertThat(etcdUnder(lab.workDir)).as("/proc: etcd with its data in the lab's files").isNotEmpty();

            lab.process.destroy(); // SIGTERM
            assertThat(lab.process.waitFor(2, TimeUnit.MINUTES)).as("the lab stops after SIGTERM").isTrue();

            assertThat(lab.process.exitValue()).as(lab.err()).isEqualTo(143);
            assertThat(etcd).noneMatch(ProcessHandle::isAlive);
            assertThat(etcdUnder(lab.workDir)).as("no etcd of the lab in /proc").isEmpty();
            assertThat(lab.workDir).doesNotExist();
            assertThat(dir).as("--dir it created").doesNotExist();
            assertThat(lab.err()).contains("lab down");
        }
    }

    @Test
    void sigintStopsItWithExit130AndRemovesItsTemporaryDirectory(@TempDir Path tmp) throws Exception {
        try (Lab lab = Lab.up(tmp, "--clusters", "1", "--quiet")) {
            assertThat(lab.kubeconfig.getParent().getFileName().toString()).startsWith("meshctl-lab-");
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(lab.process.pid())).start();
            assertThat(kill.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(lab.process.waitFor(2, TimeUnit.MINUTES)).as("the lab stops after SIGINT").isTrue();

            assertThat(lab.process.exitValue()).as(lab.err()).isEqualTo(130);
            assertThat(lab.kubeconfig.getParent()).as("its temporary directory").doesNotExist();
            assertThat(lab.workDir).doesNotExist();
            assertThat(lab.err()).as("--quiet: no progress").doesNotContain("waiting for");
        }
    }

    @Test
    void sigtermDuringAnApplyWithLabRemovesTheLabsEtcdAndFiles(@TempDir Path tmp) throws Exception {
        // the child's temporary files all go to its own directory, so what it leaves is visible there
        Path jtmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Djava.io.tmpdir=" + jtmp,
                "-cp", System.getProperty("java.class.path"), Meshctl.class.getName(), "apply", "--lab", "--spec", MeshctlTest.ARTICLE.toString())
                .redirectError(tmp.resolve("apply.stderr").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l = out.readLine(); l != null; l = out.readLine()) {
                        if (l.contains("local-cert")) {
                            return l; // the certificates are issued, Helm is yet to run: the apply is in flight
                        }
                    }
                } catch (IOException e) {
                    // ended
                }
                return null;
            }).get(START_MINUTES, TimeUnit.MINUTES);
            assertThat(line).as("the apply got under way; stderr: " + Files.readString(tmp.resolve("apply.stderr"))).isNotNull();
            assertThat(labDirs(jtmp)).as("the lab's files, while it runs").isNotEmpty();

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();

            assertThat(p.exitValue()).isEqualTo(143);
            assertThat(etcdUnder(jtmp)).as("no etcd of the lab in /proc").isEmpty();
            assertThat(labDirs(jtmp)).as("no lab directory left").isEmpty();
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /** Reads {@code p}'s standard output until a line containing {@code text} (returned), or its end ({@code null}). */
    private static String untilLine(Process p, String text) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l = out.readLine(); l != null; l = out.readLine()) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
            } catch (IOException e) {
                // ended
            }
            return null;
        }).get(START_MINUTES, TimeUnit.MINUTES);
        // keep draining stdout so that the process never blocks on a full pipe
        CompletableFuture.runAsync(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException e) {
                // ended
            }
        });
        return line;
    }

    private static List<Path> labDirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("clustermesh-lab-")).toList();
        }
    }

    @Test
    void badOptionsAreRefusedBeforeAnyLabStarts(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        MeshctlTest.Run r = MeshctlTest.run("lab", "up", "--clusters", "0", "--dir", file.toString());
        assertThat(r.code()).isEqualTo(Meshctl.INVALID);
        assertThat(r.err()).contains("--clusters").contains("--dir").contains("fix:").doesNotContain("starting the embedded lab")
                .doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    private static String[] args(String command, List<String> with, String... more) {
        List<String> a = new ArrayList<>();
        a.add(command);
        a.addAll(with);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Processes whose command line is etcd's with a path under {@code dir}, from {@code /proc}. */
    static List<Long> etcdUnder(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException e) {
                    continue; // ended meanwhile
                }
                if (cmdline.contains("etcd") && cmdline.contains(dir.toString())) {
                    out.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return out;
    }

    /** {@code meshctl lab up} in its own JVM, up to its ready line. */
    static final class Lab implements AutoCloseable {
        final Process process;
        final Path stderr;
        Path kubeconfig;
        Path spec;
        Path charts;
        Path workDir;

        private Lab(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
        }

        static Lab up(Path tmp, String... options) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Meshctl.class.getName(), "lab", "up"));
            cmd.addAll(List.of(options));
            Path stderr = tmp.resolve("lab-up.stderr");
            Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
            Lab lab = new Lab(p, stderr);
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                    StringBuilder all = new StringBuilder();
                    try {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            all.append(line).append('\n');
                            if (line.equals(LabCommand.Up.READY)) {
                                return all.toString();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended: not ready
                    }
                    return null;
                });
                String text = ready.get(START_MINUTES, TimeUnit.MINUTES);
                assertThat(text).as("the ready line; stderr: " + lab.err()).isNotNull();
                lab.kubeconfig = Path.of(field(text, "kubeconfig: (\\S+)"));
                lab.spec = Path.of(field(text, "spec: +(\\S+)"));
                lab.charts = Path.of(field(text, "charts: +(\\S+)"));
                lab.workDir = Path.of(field(text, "lab files: +(\\S+)"));
                // keep draining stdout so that the lab never blocks on a full pipe
                CompletableFuture.runAsync(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException e) {
                        // ended
                    }
                });
                return lab;
            } catch (Exception | AssertionError e) {
                lab.close();
                throw e;
            }
        }

        private static String field(String text, String regex) {
            Matcher m = Pattern.compile(regex).matcher(text);
            assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
            return m.group(1);
        }

        List<ProcessHandle> etcdProcesses() {
            return process.toHandle().descendants()
                    .filter(h -> h.info().command().map(c -> c.endsWith("etcd")).orElse(false)).toList();
        }

        String err() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(no stderr: " + e.getMessage() + ")";
            }
        }

        /** Never leaves the lab running, whatever the test found. */
        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(1, TimeUnit.MINUTES)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
        }
    }
}
