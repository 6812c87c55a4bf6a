package io.clustermesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lab in a process that ends (SIGTERM, as Ctrl-C or a CI job's cancel sends it) takes its files with it: while it is
 * still starting, and once started when nobody closed it. The lab runs in a child JVM so that the signal is real.
 */
class LabExitTest {

    @Test
    void sigtermWhileTheLabStartsRemovesWhatItStarted(@TempDir Path tmp) throws Exception {
        assertSigtermLeavesNothing(tmp, "starting");
    }

    @Test
    void sigtermOnAStartedLabThatNobodyClosedRemovesIt(@TempDir Path tmp) throws Exception {
        assertSigtermLeavesNothing(tmp, "started");
    }

    private static void assertSigtermLeavesNothing(Path tmp, String stage) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("labs"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), stage, root.toString())
                .redirectError(tmp.resolve("child.stderr").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(3, TimeUnit.MINUTES);
            assertThat(line).as("the child reached '" + stage + "'; stderr: " + Files.readString(tmp.resolve("child.stderr")))
                    .isEqualTo(stage);
            assertThat(labDirs(root)).as("the lab's work directory while it is " + stage).hasSize(1);

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();

            assertThat(p.exitValue()).as("killed by SIGTERM").isEqualTo(143);
            assertThat(labDirs(root)).as("no lab directory left after SIGTERM while " + stage).isEmpty();
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    private static List<Path> labDirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("clustermesh-lab-")).toList();
        }
    }

    /** {@code starting}: an add-on that never returns holds the lab mid-start; {@code started}: a lab nobody closes. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            String stage = args[0];
            MeshLab.Builder b = MeshLab.builder().clusters(2).tempRoot(Path.of(args[1]));
            if (stage.equals("starting")) {
                b.addon(lab -> {
                    System.out.println("starting");
                    System.out.flush();
                    new CountDownLatch(1).await(); // until the signal
                    return () -> { };
                });
            }
            b.start();
            System.out.println("started");
            System.out.flush();
            new CountDownLatch(1).await();
        }
    }
}
