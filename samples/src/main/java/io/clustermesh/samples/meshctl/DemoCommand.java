package io.clustermesh.samples.meshctl;

import io.clustermesh.Affinity;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.ProbeResult;
import io.clustermesh.azure.AzureCloudProvider;
import io.clustermesh.azure.AzureLabTopology;
import io.clustermesh.azure.ProvisionResult;
import io.clustermesh.internal.Json;
import io.clustermesh.internal.MeshContexts;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.arm.FakeArm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The article end to end on the embedded lab: Azure topology on the fake ARM, Cilium on three BYOCNI clusters with
 * one CA and internal LBs, connect, status, a global service answered from every cluster, then cluster1
 * {@code shared: "false"} and cluster2 {@code affinity: "remote"} so that cluster2 is answered by cluster3 only.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "The article's whole scenario on the embedded lab (no Azure, no Docker, no arguments).")
final class DemoCommand implements Callable<Integer> {
    static final String NAMESPACE = "meshtest";
    static final String SERVICE = "aks-helloworld-one";
    static final int REQUESTS = 30;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json")
    CommonOptions.Output output = CommonOptions.Output.text;

    @Option(names = {"-v", "--verbose"}, description = "every step as it starts; error causes")
    boolean verbose;

    @Option(names = "--chart-version", paramLabel = "VERSION", description = "Cilium chart version (default ${DEFAULT-VALUE})")
    String chartVersion = CiliumOptions.DEFAULT_VERSION;

    @Spec
    CommandSpec spec;

    private final List<Map<String, Object>> checks = new ArrayList<>();
    private final List<Map<String, Object>> services = new ArrayList<>();
    private PrintStream progress;
    private Map<String, Object> serviceTable;

    private boolean json() {
        return output == CommonOptions.Output.json;
    }

    private void check(String name, boolean passed, String detail) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("passed", passed);
        c.put("detail", detail);
        checks.add(c);
        progress.println((passed ? "\u2705 " : "\u274c ") + name + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    }

    @Override
    public Integer call() throws Exception {
        Meshctl root = (Meshctl) spec.root().userObject();
        PrintStream out = root.out;
        progress = json() ? root.err : out;
        Instant start = Instant.now();
        progress.println("Starting the embedded lab: 3 AKS clusters (fabric8 mock API), simulated Cilium, etcd per cluster, fake Azure Resource Manager ...");
        MeshStatus status = null;
        try (MeshLab lab = MeshLab.builder().clusters(3).helm(MeshLab.Helm.REAL).arm(true).armTopology(false)
                .lbDelay(Duration.ofMillis(400)).rolloutDelay(Duration.ofMillis(400)).start()) {
            FakeArm arm = lab.arm().orElseThrow();
            AzureCloudProvider azure = AzureCloudProvider.builder().armEndpoint(arm.url()).pollInterval(Duration.ofMillis(50)).build();

            // 1. Azure: the article's hub-and-spoke topology and three BYOCNI clusters, kube-proxy disabled
            progress.println("==> Azure: Virtual WAN (Standard), hub, 3 spoke VNets, hub connections, 3 AKS BYOCNI clusters");
            AzureLabTopology topology = LabTopology.of(lab, arm.subscription());
            for (LabCluster c : lab.clusters()) {
                arm.registerKubeconfig(c.spec().resourceGroup(), c.name(), c.kubeconfig());
            }
            ProvisionResult provisioned = azure.topology().apply(topology);
            check("azure topology provisioned", provisioned.writes() > 0,
                    provisioned.writes() + " resources created or updated (vWAN Standard, hub, 3 VNets, 3 hub connections, 3 AKS BYOCNI clusters)");
            ProvisionResult again = azure.topology().apply(topology);
            check("azure provisioning is idempotent", again.writes() == 0, "second run: " + again.writes() + " writes");
            boolean kubeProxyGone = LabTopology.awaitKubeProxyGone(lab, Duration.ofSeconds(30));
            check("kube-proxy disabled on every cluster", kubeProxyGone, "networkProfile.kubeProxyConfig.enabled=false (preview api-version); DaemonSet removed");

            // 2. Cilium on every cluster, one CA, internal LBs, all connected
            MeshSpec meshSpec = MeshSpec.of("article", CiliumOptions.version(chartVersion).withKubeProxyReplacement(true).withHubble(true),
                    io.clustermesh.model.CaStrategy.generate(), io.clustermesh.model.Exposure.azureInternalLoadBalancer(),
                    provisioned.azure(), provisioned.meshClusters());
            try (Mesh mesh = lab.meshBuilder().spec(meshSpec).cloudProvider(azure)
                    .listener(new ConsoleProgress(progress, System.console() != null && !json(), verbose)).build()) {
                MeshPlan plan = mesh.plan();
                if (plan.hasErrors()) {
                    Meshctl.printFindings(plan.findings(), root.err);
                    check("plan", false, plan.findings().size() + " findings");
                    return finish(out, start, null, mesh);
                }
                check("plan", true, plan.steps().size() + " steps, " + plan.writeSteps() + " writing; CA " + plan.notes().getOrDefault("ca", ""));
                MeshReport report = mesh.apply(plan);
                long upgrades = report.steps().stream().filter(s -> s.kind().startsWith("helm-upgrade") && s.changed()).count();
                check("cilium installed and connected", report.succeeded(),
                        report.succeeded() ? upgrades + " Helm upgrades for " + meshSpec.clusters().size() + " clusters" : report.toText());
                status = mesh.status();
                out.flush();
                progress.print(status.toText());
                boolean allPeers = status.clusters().stream().allMatch(c -> c.connectedPeers().size() == meshSpec.clusters().size() - 1);
                check("every cluster connected to both peers", status.healthy() && allPeers,
                        status.clusters().stream().map(c -> c.name() + " " + c.connectedPeers().size() + "/" + c.peers().size()).toList().toString());
                MeshReport reapply = mesh.connect();
                check("re-apply changes nothing", reapply.succeeded() && reapply.changedSteps() == 0,
                        reapply.changedSteps() + " steps changed something");

                // 3. global service in every cluster, answered from every cluster
                progress.println("==> deploying " + NAMESPACE + "/" + SERVICE + " in every cluster and marking it global");
                LabTopology.deployHelloWorld(lab, NAMESPACE, SERVICE, 2);
                mesh.services().global(NAMESPACE, SERVICE).apply();
                mesh.services().awaitRoutes(NAMESPACE, SERVICE, Duration.ofSeconds(30));   // live in every cluster's agents
                boolean allAnswer = true;
                for (String from : List.of("cluster1", "cluster2", "cluster3")) {
                    ProbeResult r = mesh.services().probe(NAMESPACE, SERVICE).from(from).requests(REQUESTS);
                    record(services, "all global", r);
                    allAnswer &= r.byCluster().keySet().containsAll(List.of("cluster1", "cluster2", "cluster3"));
                }
                check("global service answered by all three clusters from each cluster", allAnswer, "curl " + SERVICE + " x" + REQUESTS + " per cluster");

                // 4. cluster1 stops sharing, cluster2 prefers remote backends
                progress.println("==> cluster1: service.cilium.io/shared=\"false\"; cluster2: service.cilium.io/affinity=\"remote\"");
                mesh.services().global(NAMESPACE, SERVICE).shared(false).in("cluster1").apply();
                mesh.services().global(NAMESPACE, SERVICE).affinity(Affinity.REMOTE).in("cluster2").apply();
                mesh.services().awaitRoutes(NAMESPACE, SERVICE, Duration.ofSeconds(30));
                ProbeResult fromTwo = mesh.services().probe(NAMESPACE, SERVICE).from("cluster2").requests(REQUESTS);
                record(services, "cluster1 not shared, cluster2 affinity remote", fromTwo);
                check("cluster2 is answered by cluster3 only", fromTwo.byCluster().keySet().equals(java.util.Set.of("cluster3")),
                        "answers by cluster: " + fromTwo.byCluster());
                Map<String, Object> view = ServicesView.describe(mesh.services(), NAMESPACE, SERVICE);
                serviceTable = view;
                progress.print(ServicesView.text(view));
                return finish(out, start, status, mesh);
            }
        }
    }

    private static void record(List<Map<String, Object>> services, String scenario, ProbeResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("from", r.fromCluster());
        m.put("answeredBy", new LinkedHashMap<>(r.byCluster()));
        services.add(m);
    }

    private int finish(PrintStream out, Instant start, MeshStatus status, Mesh mesh) {
        boolean passed = !checks.isEmpty() && checks.stream().allMatch(c -> Boolean.TRUE.equals(c.get("passed")));
        if (json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("passed", passed);
            doc.put("chartVersion", chartVersion);
            // which Helm ran: the production transport (helm-java) unless the lab's own was chosen
            doc.put("helmTransport", MeshContexts.of(mesh).helm().name());
            doc.put("clusterAccess", "kubeconfig contexts");
            List<Map<String, Object>> clusters = new ArrayList<>();
            if (status != null) {
                for (ClusterStatus c : status.clusters()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", c.name());
                    m.put("id", c.clusterId());
                    var sc = mesh.resolvedSpec().cluster(c.name()).orElseThrow();
                    m.put("apiServer", sc.apiServer());
                    m.put("meshIp", c.apiserverAddress());
                    m.put("connectedPeers", c.connectedPeers());
                    m.put("healthy", c.healthy());
                    clusters.add(m);
                }
            }
            doc.put("clusters", clusters);
            doc.put("checks", checks);
            doc.put("services", services);
            doc.put("serviceRoutes", serviceTable);
            doc.put("durationMs", Duration.between(start, Instant.now()).toMillis());
            out.println(Json.write(doc));
        } else {
            for (Map<String, Object> s : services) {
                out.println("  from " + s.get("from") + " (" + s.get("scenario") + "): answered by " + s.get("answeredBy"));
            }
            out.println((passed ? "demo passed: every check held" : "demo FAILED: see the checks marked \u274c above") + " (Helm: "
                    + MeshContexts.of(mesh).helm().name() + ", " + Duration.between(start, Instant.now()).toMillis() + " ms)");
        }
        return passed ? Meshctl.OK : Meshctl.FAILED;
    }
}
