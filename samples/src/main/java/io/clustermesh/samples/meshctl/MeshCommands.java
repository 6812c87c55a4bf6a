package io.clustermesh.samples.meshctl;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshPlan;
import io.clustermesh.MeshReport;
import io.clustermesh.MeshStatus;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.cilium.helm.ValuesFileHelmTransport;
import io.clustermesh.internal.Json;
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

    /** Shared plumbing: streams, target, output. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        CommonOptions opts;

        @Spec
        CommandSpec spec;

        PrintStream out() {
            return ((Meshctl) spec.root().userObject()).out;
        }

        PrintStream err() {
            return ((Meshctl) spec.root().userObject()).err;
        }

        /** Where progress goes: stdout for people, stderr when stdout carries JSON. */
        PrintStream progress() {
            return opts.json() ? err() : out();
        }

        Target target() {
            return Target.open(opts, progress(), err());
        }

        void printJson(Object document) {
            out().println(Json.write(document));
        }

        /** Plans with {@code planner}, stops on findings, applies, prints the report. */
        int runPlanned(String operation, java.util.function.Function<Target, MeshPlan> planner) throws Exception {
            try (Target t = target()) {
                MeshPlan plan = planner.apply(t);
                if (plan.hasErrors()) {
                    return findingsExit(plan.findings(), operation);
                }
                MeshReport report = t.mesh().apply(plan);
                if (opts.json()) {
                    out().println(report.toJson());
                } else {
                    out().print(report.toText());
                }
                return Meshctl.exitCode(report, t.mesh().spec().clusters().size());
            }
        }

        int findingsExit(List<Finding> findings, String operation) {
            if (opts.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("operation", operation);
                doc.put("valid", false);
                doc.put("findings", findings.stream().map(MeshCommands::findingMap).toList());
                printJson(doc);
            } else {
                Meshctl.printFindings(findings, err());
                err().println("nothing was written.");
            }
            return Meshctl.INVALID;
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

    @Command(name = "plan", description = "Show what apply would change (reads only). With --values-dir, write each cluster's complete Helm values (GitOps).")
    static final class Plan extends Base {
        @Option(names = "--values-dir", paramLabel = "DIR", description = "write <cluster>.values.yaml per cluster (files hold private keys: mode 0600)")
        Path valuesDir;

        @Override
        public Integer call() throws Exception {
            try (Target t = target()) {
                MeshPlan plan = t.mesh().plan();
                if (plan.hasErrors()) {
                    return findingsExit(plan.findings(), "plan");
                }
                if (valuesDir != null) {
                    writeValues(t);
                }
                if (opts.json()) {
                    out().println(plan.toJson());
                } else {
                    out().print(plan.toText());
                }
                return Meshctl.OK;
            }
        }

        private void writeValues(Target t) throws Exception {
            Map<String, Map<String, Object>> values = t.driver().intendedValues(t.mesh().context());
            ValuesFileHelmTransport files = new ValuesFileHelmTransport(valuesDir);
            Files.createDirectories(valuesDir);
            for (Map.Entry<String, Map<String, Object>> e : values.entrySet()) {
                var cluster = t.mesh().resolvedSpec().cluster(e.getKey()).orElseThrow();
                files.upgradeInstall(null, cluster, new io.clustermesh.spi.HelmRequest("kube-system", "cilium", "cilium", null,
                        t.mesh().resolvedSpec().ciliumFor(cluster).version(), e.getValue(), null));
            }
            err().println("wrote " + values.size() + " values files to " + valuesDir
                    + " - they hold the CA key and certificate keys: keep them in a secret store, not in plain git");
        }
    }

    @Command(name = "apply", description = "Bring every cluster into the mesh (idempotent; converged meshes get zero writes).")
    static class Apply extends Base {
        @Override
        public Integer call() throws Exception {
            try (Target t = target()) {
                MeshPlan plan = t.mesh().plan();
                if (plan.hasErrors()) {
                    return findingsExit(plan.findings(), "apply");
                }
                printWarnings(plan);
                MeshReport report = t.mesh().apply(plan);
                MeshStatus status = report.succeeded() ? t.mesh().status() : null;
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
                return Meshctl.exitCode(report, t.mesh().spec().clusters().size());
            }
        }

        void printWarnings(MeshPlan plan) {
            plan.findings().stream().filter(f -> !f.isError())
                    .forEach(f -> progress().println("  ! " + (f.cluster() == null ? "" : f.cluster() + ": ") + f.message() + " (fix: " + f.remediation() + ")"));
        }
    }

    @Command(name = "connect", description = "Same as apply: connect every cluster to every other.")
    static final class Connect extends Apply {
    }

    @Command(name = "status", description = "Per cluster and peer, like 'cilium clustermesh status', keeping every error text.")
    static final class Status extends Base {
        @Override
        public Integer call() throws Exception {
            try (Target t = target()) {
                MeshStatus status = t.mesh().status();
                if (opts.json()) {
                    out().println(status.toJson());
                } else {
                    out().print(status.toText());
                }
                return status.healthy() ? Meshctl.OK : Meshctl.PARTIAL;
            }
        }
    }

    @Command(name = "disconnect", description = "Remove a cluster from every peer (it keeps Cilium).")
    static final class Disconnect extends Base {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        public Integer call() throws Exception {
            return runPlanned("disconnect", t -> t.mesh().planDisconnect(cluster));
        }
    }

    @Command(name = "disable", description = "Turn cluster mesh off on every cluster (clustermesh.useAPIServer=false, no peers).")
    static final class Disable extends Base {
        @Override
        public Integer call() throws Exception {
            return runPlanned("disable", t -> t.mesh().planDisable());
        }
    }

    @Command(name = "preflight", description = "Every check that needs no write: spec, clusters, Azure network; all problems at once.")
    static final class Preflight extends Base {
        @Override
        public Integer call() throws Exception {
            try (Target t = target()) {
                MeshPlan plan = t.mesh().plan();
                List<Finding> findings = plan.findings();
                if (opts.json()) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("operation", "preflight");
                    doc.put("valid", !plan.hasErrors());
                    doc.put("findings", findings.stream().map(MeshCommands::findingMap).toList());
                    doc.put("requiredPorts", io.clustermesh.model.RequiredPorts.of(t.mesh().resolvedSpec()).stream().map(Object::toString).toList());
                    printJson(doc);
                } else {
                    if (findings.isEmpty()) {
                        out().println("preflight: no problems found");
                    } else {
                        Meshctl.printFindings(findings, out());
                    }
                    out().println("ports to open between all node subnets:");
                    io.clustermesh.model.RequiredPorts.of(t.mesh().resolvedSpec()).stream().map(Object::toString).toList().forEach(p -> out().println("  " + p));
                }
                return plan.hasErrors() ? Meshctl.INVALID : Meshctl.OK;
            }
        }
    }

    @Command(name = "services", description = "Per cluster, each global service and where its requests go (from the live Services and EndpointSlices).")
    static final class Services extends Base {
        @Option(names = {"-n", "--namespace"}, description = "only this namespace (with --name: only this service)")
        String namespace;

        @Option(names = "--name", description = "only this service")
        String name;

        @Override
        public Integer call() throws Exception {
            try (Target t = target()) {
                var services = t.mesh().services();
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
    }

    static MeshConfigurationException noSpec() {
        return new MeshConfigurationException(null, "no mesh spec given", "pass --spec FILE (see samples/specs/article.yaml)");
    }

    static Mesh.Builder builder() {
        return Mesh.builder();
    }
}
