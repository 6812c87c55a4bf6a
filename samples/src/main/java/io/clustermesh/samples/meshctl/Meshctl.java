package io.clustermesh.samples.meshctl;

import io.clustermesh.ErrorCode;
import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.StepReport;
import io.clustermesh.azure.AzureFindingCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * {@code meshctl}: drives a Cilium Cluster Mesh from a spec file, on real AKS clusters or on the embedded lab.
 * Exit codes: 0 goal reached; 2 invalid input (nothing written); 3 partial failure; 4 unreachable or timed out;
 * 1 anything else.
 */
@Command(name = "meshctl", mixinStandardHelpOptions = true, version = "meshctl 0.1.0",
        description = "Bring AKS clusters into one Cilium Cluster Mesh and keep it healthy.",
        subcommands = {DemoCommand.class, MeshCommands.Plan.class, MeshCommands.Diff.class, MeshCommands.Apply.class, MeshCommands.Connect.class,
                MeshCommands.Status.class, MeshCommands.Disconnect.class, MeshCommands.Disable.class,
                MeshCommands.Preflight.class, MeshCommands.Services.class, BenchCommand.class, LabCommand.class, OperatorCommand.class, CommandLine.HelpCommand.class,
                RotateCaCommand.class})
public final class Meshctl implements Runnable {
    final PrintStream out;
    final PrintStream err;

    Meshctl(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;
    public static final int PARTIAL = 3;
    public static final int UNREACHABLE = 4;
    /** {@code plan --exit-code}: the live mesh differs from the spec. */
    public static final int DIFFERS = 5;

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }

    public static void main(String[] args) {
        configureLogging(java.util.Arrays.asList(args).contains("-v") || java.util.Arrays.asList(args).contains("--verbose"));
        System.exit(run(args, System.out, System.err));
    }

    /** slf4j-simple on stderr: warnings only, unless --verbose (steps at INFO); never keys or tokens either way. */
    static void configureLogging(boolean verbose) {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.wiremock", "warn");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        for (var h : java.util.logging.Logger.getLogger("").getHandlers()) {
            h.setLevel(java.util.logging.Level.WARNING);
        }
    }

    /** Runs the CLI with the given streams (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Meshctl(out, err));
        cli.registerConverter(java.nio.file.Path.class, new OptionChecks.PathConverter());
        cli.registerConverter(java.net.URI.class, new OptionChecks.UriConverter());
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((ex, args1) -> {
            // a mistyped command line: what is wrong, how to fix it; no usage dump, no exception class
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
            w.println("      fix: see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options and their values");
            w.flush();
            return INVALID;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            CommandLine.ParseResult leaf = parsed;
            while (leaf.subcommand() != null) {
                leaf = leaf.subcommand();
            }
            boolean verbose = leaf.hasMatchedOption("--verbose");
            boolean json = "json".equals(String.valueOf(leaf.matchedOptionValue("--output", "text")));
            if (json && ex instanceof MeshConfigurationException c) {
                java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
                doc.put("operation", leaf.commandSpec().name());
                doc.put("valid", false);
                doc.put("findings", c.findings().stream().map(MeshCommands::findingMap).toList());
                out.println(io.clustermesh.internal.Json.write(doc));
                return INVALID;
            }
            return handle(ex, err, verbose);
        });
        return cli.execute(args);
    }

    static int handle(Exception ex, PrintStream err, boolean verbose) {
        if (ex instanceof MeshConfigurationException c) {
            printFindings(c.findings(), err);
            err.println("nothing was written.");
            return INVALID;
        }
        if (ex instanceof MeshException m) {
            err.println("error: " + m.describe());
            if (verbose && m.getCause() != null) {
                err.println("cause: " + m.getCause());
            }
            return m.code() == ErrorCode.UNREACHABLE || m.code() == ErrorCode.TIMEOUT ? UNREACHABLE
                    : m.code() == ErrorCode.CONFIGURATION ? INVALID : FAILED;
        }
        err.println("error: " + ex);
        if (verbose) {
            ex.printStackTrace(err);
        } else {
            err.println("(run with --verbose for details)");
        }
        return FAILED;
    }

    static void printFindings(List<Finding> findings, PrintStream out) {
        long errors = findings.stream().filter(Finding::isError).count();
        if (errors > 0) {
            out.println(errors + " problem" + (errors == 1 ? "" : "s") + " found:");
        }
        for (Finding f : findings) {
            // the cluster is named once: most messages already start with it
            boolean named = f.cluster() == null || f.message().startsWith(f.cluster() + ":") || f.message().startsWith(f.cluster() + " ");
            out.println((f.isError() ? "  \u2718 " : "  ! ") + (named ? "" : f.cluster() + ": ") + f.message()
                    + (f.path().isEmpty() || f.message().startsWith(f.path()) ? "" : "  (" + f.path() + ")"));
            out.println("      fix: " + f.remediation() + "  [" + f.code() + "]");
        }
    }

    /**
     * Finding codes saying that a cluster could not be read while planning (its API server or, for clusters given by
     * Azure reference, Azure Resource Manager did not answer). Stable codes, see docs/findings.md.
     */
    static final Set<String> UNREADABLE_CODES = Set.of("CLUSTER_UNREACHABLE", "CA_ADOPT_SOURCE_UNREACHABLE", AzureFindingCodes.ARM_UNAVAILABLE);

    /**
     * The clusters (of {@code clusters}, in that order) that could not be read, by the findings. A finding for no
     * particular cluster (ARM itself did not answer) counts for every cluster.
     */
    static List<String> unreadableClusters(List<Finding> findings, List<String> clusters) {
        Set<String> named = new java.util.LinkedHashSet<>();
        for (Finding f : findings) {
            if (UNREADABLE_CODES.contains(f.code())) {
                if (f.cluster() == null) {
                    return List.copyOf(clusters);
                }
                named.add(f.cluster());
            }
        }
        List<String> out = new java.util.ArrayList<>(clusters.stream().filter(named::contains).toList());
        named.stream().filter(c -> !clusters.contains(c)).forEach(out::add);
        return List.copyOf(out);
    }

    /**
     * The exit code of findings made before anything was written: 4 when no cluster could be read, 3 when some could
     * not (the plan is incomplete: its other findings may be consequences), else 2 for error findings, 0 otherwise.
     */
    static int findingsExitCode(List<Finding> findings, List<String> clusters) {
        List<String> unreadable = unreadableClusters(findings, clusters);
        if (!unreadable.isEmpty()) {
            return unreadable.containsAll(clusters) ? UNREACHABLE : PARTIAL;
        }
        return findings.stream().anyMatch(Finding::isError) ? INVALID : OK;
    }

    /** "could not read cluster2 (1 of 3 clusters)" / "could not read any cluster (cluster1, cluster2)". */
    static String unreadableText(List<String> unreadable, List<String> clusters) {
        return unreadable.containsAll(clusters) ? "could not read any cluster (" + String.join(", ", unreadable) + ")"
                : "could not read " + String.join(", ", unreadable) + " (" + unreadable.size() + " of " + clusters.size() + " clusters)";
    }

    /** The exit code of a finished run. */
    static int exitCode(MeshReport report, int clusters) {
        if (report.succeeded()) {
            return OK;
        }
        List<StepReport> failures = report.failures();
        boolean allUnreachable = !failures.isEmpty() && failures.stream()
                .allMatch(s -> s.errorCode() == ErrorCode.UNREACHABLE || s.errorCode() == ErrorCode.TIMEOUT);
        if (report.failedClusters().size() < clusters) {
            return PARTIAL;
        }
        return allUnreachable ? UNREACHABLE : FAILED;
    }
}
