package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.RetryPolicy;
import io.clustermesh.MeshConfigurationException;
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
import java.util.List;

/** What a command works on: a mesh built from the spec, on real clusters or on an embedded lab made for it. */
final class Target implements AutoCloseable {
    private final Mesh mesh;
    private final MeshLab lab;
    private final CiliumMeshDriver driver;
    private final MeshTimeouts timeouts;

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
                b.spec(spec);
            } else {
                b.clusters(3);
            }
            int n = spec == null ? 3 : spec.clusters().size();
            progress.println("starting the embedded lab (" + n + " clusters) ...");
            MeshLab lab;
            try (Heartbeat h = Heartbeat.start(heartbeat, terminal, "the embedded lab to start (" + n + " API servers, etcd, simulated Cilium)",
                    "no deadline: it stops by itself if a part cannot start")) {
                lab = b.start();
            }
            try {
                CiliumMeshDriver driver = new CiliumMeshDriver(lab.chartSource(), true);
                return new Target(lab.meshBuilder().driver(driver).listener(listener).listener(pluginNotice).holderIdentity(holder())
                        .allowExecFromSpecFiles(o.allowExec).build(), lab, driver, MeshLab.timeouts());
            } catch (RuntimeException e) {
                lab.close();
                throw e;
            }
        }
        if (spec == null) {
            throw new MeshConfigurationException(null, "no mesh spec given",
                    "pass --spec FILE (see samples/specs/article.yaml), or --lab to try it on the embedded lab");
        }
        CiliumMeshDriver driver = new CiliumMeshDriver();
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
        };
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
                c = c.access(ClusterAccess.kubeContext(a.context().orElseThrow(), kubeconfig));
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
                lab.close();
            }
        }
    }
}
