package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.Finding;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.LabAddressing;
import io.clustermesh.azure.AzureCloudProvider;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.MeshLab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;

/** What a command works on: a mesh built from the spec, on real clusters or on an embedded lab made for it. */
final class Target implements AutoCloseable {
    private final Mesh mesh;
    private final MeshLab lab;
    private final CiliumMeshDriver driver;
    private final MeshTimeouts timeouts;
    /** Closes the lab when the JVM ends before {@link #close()} (a signal); removed by {@link #close()}. */
    private Thread onSignal;

    private Target(Mesh mesh, MeshLab lab, CiliumMeshDriver driver, MeshTimeouts timeouts) {
        this.mesh = mesh;
        this.lab = lab;
        this.driver = driver;
        this.timeouts = timeouts;
    }

    /** When the reads of clusters give up, for people: the timeouts and retries the mesh was built with. */
    String readDeadline() {
        RetryPolicy r = RetryPolicy.defaults();
        return "each request gives up after " + Heartbeat.human(timeouts.request()) + ", tried up to " + r.maxAttempts() + " times";
    }

    /** The driver the mesh uses (for GitOps export of the same values the plan shows). */
    CiliumMeshDriver driver() {
        return driver;
    }

    Mesh mesh() {
        return mesh;
    }

    MeshLab lab() {
        return lab;
    }

    /**
     * @param progress where progress goes (a null stream when quiet)
     * @param heartbeat where waits without SDK events are shown (stderr), or {@code null} when quiet
     * @param notices   where what the user must always know goes (stderr, also when quiet): credential plugins that run
     */
    static Target open(CommonOptions o, PrintStream progress, PrintStream heartbeat, PrintStream notices) {
        io.clustermesh.event.MeshListener pluginNotice = pluginNotice(notices);
        MeshSpec spec = o.spec == null ? null : MeshSpecYaml.read(o.spec).orThrow();
        boolean terminal = System.console() != null && !o.json();
        ConsoleProgress listener = new ConsoleProgress(progress, terminal, o.verbose);
        if (o.lab) {
            // the production path on the lab: helm-java and the real chart through the lab's kubeconfig contexts
            MeshLab.Builder b = MeshLab.builder().helm(MeshLab.Helm.REAL);
            if (spec != null) {
                // the spec is checked before anything starts, with the addresses the lab supplies chosen here so that
                // none of them collides with one the user wrote: every finding left is about what the user wrote
                spec = forLab(spec);
                List<Finding> findings = Mesh.validate(spec);
                if (findings.stream().anyMatch(Finding::isError)) {
                    throw new MeshConfigurationException(findings);
                }
                b.spec(spec);
            } else {
                b.clusters(3);
            }
            int n = spec == null ? 3 : spec.clusters().size();
            progress.println("starting the embedded lab (" + n + " clusters; for this command only: 'meshctl lab up' keeps one up) ...");
            MeshLab lab;
            try (Heartbeat h = Heartbeat.start(heartbeat, terminal, "the embedded lab to start (" + n + " API servers, etcd, simulated Cilium)",
                    "no deadline: it stops by itself if a part cannot start")) {
                lab = b.start();
            }
            // Ctrl-C or SIGTERM while the command runs: the lab's etcd processes and files go with the JVM (exit 130/143)
            Thread onSignal = new Thread(lab::close, "meshctl-lab-close");
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                CiliumMeshDriver driver = new CiliumMeshDriver(lab.chartSource(), true);
                Target t = new Target(lab.meshBuilder().driver(driver).listener(listener).listener(pluginNotice).holderIdentity(holder())
                        .allowExecFromSpecFiles(o.allowExec).build(), lab, driver, MeshLab.timeouts());
                t.onSignal = onSignal;
                return t;
            } catch (RuntimeException e) {
                removeHook(onSignal);
                lab.close();
                throw e;
            }
        }
        if (spec == null) {
            throw new MeshConfigurationException("no mesh spec given",
                    Details.meshWide().fix("pass --spec FILE (see samples/specs/article.yaml), or --lab to try it on the embedded lab"));
        }
        CiliumMeshDriver driver = new CiliumMeshDriver(o.charts == null ? ChartSource.ciliumRepository() : ChartSource.packages(o.charts), true);
        Mesh.Builder b = Mesh.builder().spec(withKubeconfig(spec, o.kubeconfig)).driver(driver).listener(listener).listener(pluginNotice)
                .holderIdentity(holder()).allowExecFromSpecFiles(o.allowExec);
        if (o.armEndpoint != null) {
            b.cloudProvider(AzureCloudProvider.builder().armEndpoint(o.armEndpoint).build());
        }
        return new Target(b.build(), null, driver, MeshTimeouts.defaults());
    }

    /**
     * A kubeconfig credential plugin is a command run on the user's behalf: said on stderr before it first runs for a
     * cluster, even with {@code --quiet}.
     */
    static io.clustermesh.event.MeshListener pluginNotice(PrintStream notices) {
        return new io.clustermesh.event.MeshListener() {
            @Override
            public void credentialPlugin(io.clustermesh.event.CredentialPlugin e) {
                notices.println("meshctl: " + e.cluster() + ": running the kubeconfig's credential plugin '" + e.command() + "' (context "
                        + e.context() + ") to get the cluster's credentials");
                notices.flush();
            }

            @Override
            public void resuming(io.clustermesh.event.Resuming e) {
                notices.println("meshctl: " + e.describe());
                notices.flush();
            }
        };
    }

    /**
     * The spec with what the embedded lab supplies for clusters that leave it out (id, mesh IP, pod CIDR) filled in
     * (access: the lab's own kubeconfig) with lab addresses ({@link LabAddressing}) that collide with nothing the spec gives and with nothing else filled
     * in: the lab's choices never become the user's errors. What the spec gives is kept as written.
     */
    static MeshSpec forLab(MeshSpec spec) {
        Set<Integer> ids = new HashSet<>();
        List<IpCidr> taken = new ArrayList<>();
        Set<String> subnets = new HashSet<>();
        for (MeshCluster c : spec.clusters()) {
            ids.add(c.id());
            for (String cidr : new String[] {c.podCidr(), c.serviceCidr()}) {
                parse(cidr).ifPresent(taken::add);
            }
            if (c.meshIp() != null && IpCidr.isAddress(c.meshIp()) && !c.meshIp().contains(":") && !c.meshIp().contains("/")) {
                subnets.add(c.meshIp().substring(0, c.meshIp().lastIndexOf('.')));
            }
        }
        List<MeshCluster> out = new ArrayList<>();
        for (MeshCluster c : spec.clusters()) {
            if (c.id() == 0) {
                int id = free(c, i -> !ids.contains(i));
                ids.add(id);
                c = c.withId(id);
            }
            if (c.meshIp() == null) {
                int i = free(c, k -> !subnets.contains(subnetPrefix(k)));
                subnets.add(subnetPrefix(i));
                c = c.withMeshIp(LabAddressing.meshIp(i));
            }
            if (c.podCidr() == null) {
                int i = free(c, k -> taken.stream().noneMatch(t -> t.overlaps(IpCidr.parse(LabAddressing.podCidr(k)))));
                taken.add(IpCidr.parse(LabAddressing.podCidr(i)));
                c = c.withPodCidr(LabAddressing.podCidr(i));
            }
            if (c.access() == null) {
                // the lab reaches every cluster through its own kubeconfig, whatever the spec says
                c = c.withAccess(ClusterAccess.kubeContext(c.name()));
            }
            out.add(c);
        }
        return spec.withClusters(out);
    }

    /** The cluster's own id when free (the lab's usual addresses), else the first free index. */
    private static int free(MeshCluster c, java.util.function.IntPredicate isFree) {
        if (c.id() >= 1 && c.id() <= LabAddressing.MAX_CLUSTERS && isFree.test(c.id())) {
            return c.id();
        }
        for (int i = 1; i <= LabAddressing.MAX_CLUSTERS; i++) {
            if (isFree.test(i)) {
                return i;
            }
        }
        throw new MeshConfigurationException("the embedded lab has no free address left for " + c.name(),
                Details.inCluster(c.name()).fix("give it an id, meshIp and podCidr in the spec, or try fewer clusters on the lab"));
    }

    private static String subnetPrefix(int i) {
        String ip = LabAddressing.meshIp(i);
        return ip.substring(0, ip.lastIndexOf('.'));
    }

    private static java.util.Optional<IpCidr> parse(String cidr) {
        try {
            return cidr == null ? java.util.Optional.empty() : java.util.Optional.of(IpCidr.parse(cidr));
        } catch (RuntimeException e) {
            return java.util.Optional.empty(); // the validation names it
        }
    }

    /** Clusters given by kube context without a file use {@code --kubeconfig}. */
    private static MeshSpec withKubeconfig(MeshSpec spec, Path kubeconfig) {
        if (kubeconfig == null) {
            return spec;
        }
        List<MeshCluster> out = new ArrayList<>();
        for (MeshCluster c : spec.clusters()) {
            ClusterAccess a = c.access();
            if (a != null && a.kind() == ClusterAccess.Kind.KUBE_CONTEXT && a.kubeconfigFile().isEmpty()) {
                c = c.withAccess(ClusterAccess.kubeContext(a.context().orElseThrow(), kubeconfig));
            }
            if (c.access() == null) {
                // the lab reaches every cluster through its own kubeconfig, whatever the spec says
                c = c.withAccess(ClusterAccess.kubeContext(c.name()));
            }
            out.add(c);
        }
        return spec.withClusters(out);
    }

    private static String holder() {
        String user = System.getProperty("user.name", "user");
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        return "meshctl/" + user + "@" + host + ":" + ProcessHandle.current().pid();
    }

    @Override
    public void close() {
        try {
            mesh.close();
        } finally {
            if (lab != null) {
                removeHook(onSignal);
                lab.close();
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            if (hook != null) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook closes the lab
        }
    }
}
