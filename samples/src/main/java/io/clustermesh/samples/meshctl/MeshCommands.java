package io.clustermesh.samples.meshctl;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.cilium.helm.ValuesFileHelmTransport;
import io.clustermesh.internal.Json;
import io.clustermesh.model.MeshCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** plan, apply, connect, status, disconnect, disable, preflight. */
final class MeshCommands {
    private MeshCommands() {
    }

    /** Shared plumbing: option checks, streams, target, output, exit codes of findings. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        CommonOptions opts;

        @Spec
        CommandSpec spec;

        /** The names of the spec's clusters, once the target is open (for the exit codes of findings). */
        List<String> clusters = List.of();

        PrintStream out() {
            return ((Meshctl) spec.root().userObject()).out;
        }

        PrintStream err() {
            return ((Meshctl) spec.root().userObject()).err;
        }

        /** Where progress goes: stdout for people, stderr when stdout carries JSON; nowhere with --quiet. */
        PrintStream progress() {
            return opts.quiet ? new PrintStream(java.io.OutputStream.nullOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)
                    : opts.json() ? err() : out();
        }

        /** Warnings are not progress: shown even with --quiet. */
        PrintStream notices() {
            return opts.json() ? err() : out();
        }

        /** Runs {@code work}, showing on stderr what it waits for once it takes longer than a second (not with --quiet). */
        <T> T waitingFor(Target t, String what, java.util.function.Supplier<T> work) {
            try (Heartbeat h = Heartbeat.start(opts.quiet ? null : err(), System.console() != null && !opts.json(), what, t.readDeadline())) {
                return work.get();
            }
        }

        /** "3 clusters (cluster1, cluster2, cluster3)". */
        String clusterList() {
            return clusters.size() + " cluster" + (clusters.size() == 1 ? "" : "s") + " (" + String.join(", ", clusters) + ")";
        }

        MeshPlan plan(Target t) {
            return waitingFor(t, "the plan: reading " + clusterList(), () -> t.mesh().plan());
        }

        /** Checks of this command's own options, made with the common ones before any work. */
        void checkOptions(OptionChecks checks) {
        }

        /** The command's work on an open target. */
        abstract int run(Target t) throws Exception;

        /**
         * Checks every option first (exit 2, nothing done), opens the target, runs; invalid input and clusters that
         * could not be read are exit codes 2, 3 or 4 with every finding.
         */
        @Override
        public final Integer call() throws Exception {
            try {
                OptionChecks checks = new OptionChecks();
                opts.check(checks);
                checkOptions(checks);
                checks.throwIfAny();
                try (Target t = Target.open(opts, progress(), opts.quiet ? null : err(), err())) {
                    clusters = t.mesh().spec().clusters().stream().map(MeshCluster::name).toList();
                    return run(t);
                }
            } catch (MeshConfigurationException e) {
                return findingsExit(e.findings(), spec.name());
            }
        }

        void printJson(Object document) {
            out().println(Json.write(document));
        }

        /** Plans with {@code planner}, stops on findings, applies, prints the report. */
        int runPlanned(Target t, String operation, java.util.function.Function<Target, MeshPlan> planner) {
            MeshPlan plan = waitingFor(t, "the " + operation + " plan: reading " + clusterList(), () -> planner.apply(t));
            if (plan.hasErrors()) {
                return findingsExit(plan.findings(), operation);
            }
            MeshReport report = CancelOnSignal.apply(t.mesh(), plan);
            if (opts.json()) {
                out().println(report.toJson());
            } else {
                out().print(report.toText());
            }
            return Meshctl.exitCode(report, clusters.size());
        }

        /** Prints findings that stop the command (nothing was written) and returns 2, or 3/4 when clusters could not be read. */
        int findingsExit(List<Finding> findings, String operation) {
            List<String> unreadable = Meshctl.unreadableClusters(findings, clusters);
            if (opts.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("operation", operation);
                doc.put("valid", findings.stream().noneMatch(f -> f.isError() && !Meshctl.UNREADABLE_CODES.contains(f.code())));
                doc.put("unreadableClusters", unreadable);
                doc.put("findings", findings.stream().map(MeshCommands::findingMap).toList());
                printJson(doc);
            } else {
                Meshctl.printFindings(findings, err());
                if (!unreadable.isEmpty()) {
                    err().println(Meshctl.unreadableText(unreadable, clusters) + "; fix: make them reachable from here and run again");
                }
                err().println("nothing was written.");
            }
            return Meshctl.findingsExitCode(findings, clusters);
        }

        /** On stderr: the clusters the plan could not read (its steps for them are only "read the cluster"). */
        void sayUnreadable(List<String> unreadable, String consequence) {
            err().println(spec.name() + " is incomplete: " + Meshctl.unreadableText(unreadable, clusters) + consequence);
            err().println("      fix: make them reachable from here (see the CLUSTER_UNREACHABLE findings) and run " + spec.name() + " again");
        }
    }

    static Map<String, Object> findingMap(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", f.code());
        m.put("severity", f.severity().name());
        m.put("cluster", f.cluster());
        m.put("path", f.path());
        m.put("message", f.message());
        m.put("remediation", f.remediation());
        return m;
    }

    @Command(mixinStandardHelpOptions = true, name = "plan", description = "Show what apply would change (reads only). With --values-dir, write each cluster's complete Helm values (GitOps).")
    static class Plan extends Base {
        @Option(names = "--values-dir", paramLabel = "DIR", description = "write <cluster>.values.yaml per cluster (files hold private keys: mode 0600)")
        Path valuesDir;

        @Option(names = "--exit-code", description = "exit " + Meshctl.DIFFERS + " when the live mesh differs from the spec (the plan writes or"
                + " found drift), 0 when it matches: for cron jobs and CI")
        boolean exitCode;

        @Override
        void checkOptions(OptionChecks checks) {
            checks.writableDirectory("--values-dir", valuesDir);
        }

        @Override
        int run(Target t) throws Exception {
            MeshPlan plan = plan(t);
            if (plan.hasErrors()) {
                return findingsExit(plan.findings(), "plan");
            }
            List<String> unreadable = Meshctl.unreadableClusters(plan.findings(), clusters);
            if (valuesDir != null && unreadable.isEmpty()) {
                // with a cluster unread, its CA and settings are unknown: values for the others could be wrong
                unreadable = writeValues(t);
            }
            if (opts.json()) {
                Map<String, Object> doc = plan.toMap();
                doc.put("unreadableClusters", unreadable);
                printJson(doc);
            } else {
                out().print(plan.toText());
            }
            if (!unreadable.isEmpty()) {
                sayUnreadable(unreadable, valuesDir == null ? "" : "; no values files were written to " + valuesDir);
            }
            if (!unreadable.isEmpty()) {
                return unreadable.containsAll(clusters) ? Meshctl.UNREACHABLE : Meshctl.PARTIAL;
            }
            boolean drift = plan.findings().stream().anyMatch(f -> f.code().startsWith("DRIFT_"));
            if (exitCode && (plan.writeSteps() > 0 || drift)) {
                err().println("meshctl: the live mesh differs from the spec (" + plan.writeSteps() + " writing steps"
                        + (drift ? ", drift found" : "") + "); 'meshctl apply' makes it match");
                return Meshctl.DIFFERS;
            }
            return Meshctl.OK;
        }

        /** Writes every cluster's values, or nothing and returns the clusters that could not be read. */
        private List<String> writeValues(Target t) throws Exception {
            Map<String, Map<String, Object>> values = waitingFor(t, "the values: reading " + clusterList() + " again",
                    () -> t.driver().intendedValues(t.mesh()));
            List<String> missing = clusters.stream().filter(c -> !values.containsKey(c)).toList();
            if (!missing.isEmpty()) {
                // a cluster became unreadable between plan and export: say so rather than write part of the mesh
                return missing;
            }
            ValuesFileHelmTransport files = new ValuesFileHelmTransport(valuesDir);
            Files.createDirectories(valuesDir);
            for (Map.Entry<String, Map<String, Object>> e : values.entrySet()) {
                var cluster = t.mesh().resolvedSpec().cluster(e.getKey()).orElseThrow();
                files.upgradeInstall(null, cluster, new io.clustermesh.spi.HelmRequest("kube-system", "cilium", "cilium", null,
                        t.mesh().resolvedSpec().ciliumFor(cluster).version(), e.getValue(), null));
            }
            err().println("wrote " + values.size() + " values files to " + valuesDir
                    + " - they hold the CA key and certificate keys: keep them in a secret store, not in plain git");
            return List.of();
        }
    }


    @Command(mixinStandardHelpOptions = true, name = "diff", description = "Exit " + Meshctl.DIFFERS + " when the live mesh differs from"
            + " the spec (what apply would write, or drift), 0 when it matches; prints the plan. The same as plan --exit-code.")
    static final class Diff extends Plan {
        Diff() {
            exitCode = true;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "apply", description = "Bring every cluster into the mesh (idempotent; converged meshes get zero writes).")
    static class Apply extends Base {
        @Override
        int run(Target t) {
            MeshPlan plan = plan(t);
            if (plan.hasErrors()) {
                return findingsExit(plan.findings(), spec.name());
            }
            printWarnings(plan);
            MeshReport report = CancelOnSignal.apply(t.mesh(), plan);
            MeshStatus status = report.succeeded() ? waitingFor(t, "the status of " + clusterList(), () -> t.mesh().status()) : null;
            if (opts.json()) {
                Map<String, Object> doc = report.toMap();
                doc.put("status", status == null ? null : status.toMap());
                printJson(doc);
            } else {
                if (!report.succeeded()) {
                    out().print(report.toText());
                }
                if (status != null) {
                    out().print(status.toText());
                }
            }
            return Meshctl.exitCode(report, clusters.size());
        }

        void printWarnings(MeshPlan plan) {
            plan.findings().stream().filter(f -> !f.isError())
                    .forEach(f -> notices().println("  ! " + (f.cluster() == null ? "" : f.cluster() + ": ") + f.message() + " (fix: " + f.remediation() + ")"));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "connect", description = "Same as apply: connect every cluster to every other.")
    static final class Connect extends Apply {
    }

    @Command(mixinStandardHelpOptions = true, name = "status", description = "Per cluster and peer, like 'cilium clustermesh status', keeping every error text.")
    static final class Status extends Base {
        @Override
        int run(Target t) {
            MeshStatus status = waitingFor(t, "the status of " + clusterList() + ": every agent's cilium-dbg status", () -> t.mesh().status());
            if (opts.json()) {
                out().println(status.toJson());
            } else {
                out().print(status.toText());
            }
            List<String> unread = status.clusters().stream().filter(Status::unread).map(io.clustermesh.report.ClusterStatus::name).toList();
            if (!unread.isEmpty()) {
                err().println("status is incomplete: " + Meshctl.unreadableText(unread, clusters)
                        + "; fix: make them reachable from here (see each cluster's error above) and run status again");
            }
            if (status.healthy()) {
                return Meshctl.OK;
            }
            return !unread.isEmpty() && unread.containsAll(clusters) ? Meshctl.UNREACHABLE : Meshctl.PARTIAL;
        }

        /**
         * A cluster whose status could not be read at all: nothing of it is known (no cluster id, name, agent) but one
         * error, and that error is not "Cilium is not installed" (a cluster that answered).
         */
        static boolean unread(io.clustermesh.report.ClusterStatus s) {
            return s.clusterId() == 0 && s.configuredName() == null && s.agents().isEmpty() && s.errors().size() == 1
                    && !s.errors().get(0).startsWith("Cilium is not installed");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "disconnect", description = "Remove a cluster from every peer (it keeps Cilium).")
    static final class Disconnect extends Base {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        int run(Target t) {
            return runPlanned(t, "disconnect", m -> m.mesh().planDisconnect(cluster));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "disable", description = "Turn cluster mesh off on every cluster (clustermesh.useAPIServer=false, no peers).")
    static final class Disable extends Base {
        @Override
        int run(Target t) {
            return runPlanned(t, "disable", m -> m.mesh().planDisable());
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "preflight", description = "Every check that needs no write: spec, clusters, Azure network; all problems at once.")
    static final class Preflight extends Base {
        @Override
        int run(Target t) {
            MeshPlan plan = plan(t);
            List<Finding> findings = plan.findings();
            List<String> unreadable = Meshctl.unreadableClusters(findings, clusters);
            if (opts.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("operation", "preflight");
                doc.put("valid", findings.stream().noneMatch(f -> f.isError() && !Meshctl.UNREADABLE_CODES.contains(f.code())));
                doc.put("unreadableClusters", unreadable);
                doc.put("findings", findings.stream().map(MeshCommands::findingMap).toList());
                doc.put("requiredPorts", io.clustermesh.cilium.config.RequiredPorts.of(t.mesh().resolvedSpec()).stream().map(Object::toString).toList());
                printJson(doc);
            } else {
                if (findings.isEmpty()) {
                    out().println("preflight: no problems found");
                } else {
                    Meshctl.printFindings(findings, out());
                }
                out().println("ports to open between all node subnets:");
                io.clustermesh.cilium.config.RequiredPorts.of(t.mesh().resolvedSpec()).stream().map(Object::toString).toList().forEach(p -> out().println("  " + p));
            }
            if (!unreadable.isEmpty()) {
                sayUnreadable(unreadable, ": their checks were not made");
            }
            return Meshctl.findingsExitCode(findings, clusters);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "services", description = "Per cluster, each global service and where its requests go (from the live Services and EndpointSlices).")
    static final class Services extends Base {
        @Option(names = {"-n", "--namespace"}, description = "only this namespace (with --name: only this service)")
        String namespace;

        @Option(names = "--name", description = "only this service")
        String name;

        @Override
        void checkOptions(OptionChecks checks) {
            if (name != null && namespace == null) {
                checks.add("--name", "a service name needs its namespace", "add -n NAMESPACE (--namespace) to --name " + name);
            }
        }

        @Override
        int run(Target t) {
            var services = waitingFor(t, "the global services of " + clusterList(), () -> t.mesh().services());
            List<Map<String, Object>> docs = new java.util.ArrayList<>();
            java.util.Set<String> which = name != null && namespace != null ? java.util.Set.of(namespace + "/" + name)
                    : ServicesView.globalServices(services);
            for (String s : which) {
                String ns = s.substring(0, s.indexOf('/'));
                if (namespace == null || namespace.equals(ns)) {
                    docs.add(ServicesView.describe(services, ns, s.substring(s.indexOf('/') + 1)));
                }
            }
            if (opts.json()) {
                printJson(Map.of("services", docs));
            } else if (docs.isEmpty()) {
                out().println("no global services (annotate a Service with service.cilium.io/global: \"true\" in every cluster)");
            } else {
                docs.forEach(d -> out().print(ServicesView.text(d)));
            }
            return Meshctl.OK;
        }
    }

    static MeshConfigurationException noSpec() {
        return new MeshConfigurationException("no mesh spec given",
                Details.meshWide().fix("pass --spec FILE (see samples/specs/article.yaml)"));
    }

    static Mesh.Builder builder() {
        return Mesh.builder();
    }
}
