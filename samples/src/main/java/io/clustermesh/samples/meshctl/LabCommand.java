package io.clustermesh.samples.meshctl;

import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabAddressing;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code meshctl lab}: the embedded lab as a place to try meshctl on, kept up between commands. {@code lab up} starts
 * it in the foreground, writes its kubeconfig (one context per cluster, as {@code az aks get-credentials} leaves one)
 * and a spec for it, and runs until interrupted; {@code plan}, {@code apply}, {@code status}, {@code services} ... then
 * work against it with {@code --spec}, {@code --kubeconfig} and {@code --charts} as against AKS.
 */
@Command(name = "lab", mixinStandardHelpOptions = true, subcommands = LabCommand.Up.class,
        description = "The embedded lab as a long-running place to try meshctl on (see 'meshctl lab up --help').")
final class LabCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(((Meshctl) spec.root().userObject()).out);
    }

    /** {@code meshctl lab up}. */
    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Start the embedded lab in the foreground: N clusters (fabric8 mock API servers), simulated Cilium agents"
                    + " and an etcd per clustermesh-apiserver, reached through a kubeconfig with one context per cluster.",
                    "Writes DIR/kubeconfig and DIR/mesh.yaml, prints the commands to use them and runs until interrupted"
                    + " (Ctrl-C or SIGTERM): then it stops every etcd process and removes the lab's files (exit 130 or 143)."})
    static final class Up implements Callable<Integer> {
        /** The line {@code lab up} prints once the lab serves (scripts wait for it). */
        static final String READY = "ready: the lab runs until interrupted (Ctrl-C)";
        static final String KUBECONFIG = "kubeconfig";
        static final String SPEC = "mesh.yaml";

        @Option(names = "--clusters", paramLabel = "N", description = "clusters in the lab, within 1..255 (default ${DEFAULT-VALUE})")
        int clusters = 3;

        @Option(names = "--dir", paramLabel = "DIR", description = "where to write kubeconfig and mesh.yaml (created when missing); default: a new"
                + " temporary directory. Both files are removed when the lab stops (the kubeconfig holds the lab's tokens)")
        Path dir;

        @Option(names = {"-v", "--verbose"}, description = "the lab's own log at INFO on stderr")
        boolean verbose;

        @Option(names = {"-q", "--quiet"}, description = "no progress while the lab starts: only what to run, and errors")
        boolean quiet;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            OptionChecks checks = new OptionChecks();
            checks.range("--clusters", clusters, 1, LabAddressing.MAX_CLUSTERS,
                    "give a cluster count within 1.." + LabAddressing.MAX_CLUSTERS + " (the lab's address plan); 3 is the article's mesh");
            checks.writableDirectory("--dir", dir);
            if (dir != null) {
                // the lab removes the files it wrote when it stops: it never takes over files that were there before
                List<String> present = java.util.stream.Stream.of(KUBECONFIG, SPEC).filter(f -> Files.exists(dir.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
                if (!present.isEmpty()) {
                    checks.add("--dir", dir + " already holds " + String.join(" and ", present) + "; the lab would overwrite, then remove "
                            + (present.size() == 1 ? "it" : "them"), "give a new or empty directory, or move " + String.join(" and ", present) + " away");
                }
            }
            checks.throwIfAny();

            Meshctl root = (Meshctl) spec.root().userObject();
            PrintStream out = root.out;
            PrintStream err = root.err;
            boolean terminal = System.console() != null;
            if (!quiet) {
                err.println("starting the embedded lab (" + clusters + " clusters) ...");
            }
            MeshLab lab;
            try (Heartbeat h = Heartbeat.start(quiet ? null : err, terminal, "the embedded lab to start (" + clusters
                    + " API servers, simulated Cilium)", "no deadline: it stops by itself if a part cannot start")) {
                lab = MeshLab.builder().clusters(clusters).helm(MeshLab.Helm.REAL).start();
            }
            Path files;
            boolean ownDir;
            try {
                ownDir = dir == null || !Files.exists(dir);
                files = dir == null ? Files.createTempDirectory("meshctl-lab-") : Files.createDirectories(dir);
            } catch (IOException | RuntimeException e) {
                lab.close();
                throw e;
            }
            Path kubeconfig = files.resolve(KUBECONFIG);
            Path specFile = files.resolve(SPEC);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread down = new Thread(() -> {
                try {
                    lab.close();
                    deleteQuietly(kubeconfig);
                    deleteQuietly(specFile);
                    if (ownDir) {
                        deleteQuietly(files);
                    }
                    err.println("lab down: its etcd processes are stopped and its files removed");
                    err.flush();
                } finally {
                    stopped.countDown();
                }
            }, "meshctl-lab-down");
            Runtime.getRuntime().addShutdownHook(down);
            try {
                writePrivate(kubeconfig, Files.readString(lab.kubeconfigFile(), StandardCharsets.UTF_8));
                writePrivate(specFile, MeshSpecYaml.write(specFor(lab)));
            } catch (IOException | RuntimeException e) {
                Runtime.getRuntime().removeShutdownHook(down);
                down.run();
                throw e;
            }
            printHowTo(out, lab, kubeconfig, specFile);
            out.println(READY);
            out.flush();
            stopped.await();
            return Meshctl.OK;
        }

        /**
         * The lab's spec with every cluster reached by its kube context alone, so that {@code --kubeconfig} says which
         * file: {@code meshctl apply --spec mesh.yaml --kubeconfig kubeconfig} is the command users run for AKS.
         */
        static MeshSpec specFor(MeshLab lab) {
            List<MeshCluster> clusters = new ArrayList<>();
            for (MeshCluster c : lab.spec().clusters()) {
                clusters.add(c.withAccess(ClusterAccess.kubeContext(c.access().context().orElseThrow())));
            }
            return lab.spec().withClusters(clusters);
        }

        private static void printHowTo(PrintStream out, MeshLab lab, Path kubeconfig, Path specFile) {
            List<String> names = lab.clusters().stream().map(LabCluster::name).toList();
            String with = " --spec " + specFile + " --kubeconfig " + kubeconfig + " --charts " + lab.chartsDir();
            out.println("lab up: " + names.size() + " cluster" + (names.size() == 1 ? "" : "s") + " (" + String.join(", ", names) + ")");
            out.println("  kubeconfig: " + kubeconfig + " (contexts " + String.join(", ", names) + "; it holds tokens: keep it private)");
            out.println("  spec:       " + specFile);
            out.println("  charts:     " + lab.chartsDir() + " (the Cilium chart packages the lab ships; no download)");
            out.println("  lab files:  " + lab.workDir() + " (etcd data, removed when the lab stops)");
            out.println("then, in another terminal:");
            for (String command : List.of("plan", "apply", "status", "services")) {
                out.println("  meshctl " + command + with);
            }
        }

        private static void writePrivate(Path file, String content) throws IOException {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.UTF_8);
        }

        private static void deleteQuietly(Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a directory the user put other files in stays; the lab's own files are gone
            }
        }
    }

    /** For the command list: picocli's own tree of commands under {@code root}, as "lab up". */
    static List<String> qualifiedNames(CommandLine root) {
        List<String> out = new ArrayList<>();
        root.getSubcommands().forEach((name, sub) -> {
            out.add(name);
            qualifiedNames(sub).forEach(n -> out.add(name + " " + n));
        });
        return out;
    }
}
