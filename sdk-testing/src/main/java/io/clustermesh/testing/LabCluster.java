package io.clustermesh.testing;

import io.clustermesh.model.ClusterAccess;
import io.clustermesh.spi.NodeInfo;
import io.clustermesh.testing.internal.FaultInjector;
import io.clustermesh.testing.internal.LabDispatcher;
import io.clustermesh.testing.internal.LabPki;
import io.clustermesh.testing.internal.LabProxy;
import io.clustermesh.testing.internal.RequestCounter;
import io.clustermesh.testing.internal.Deterministic;
import io.clustermesh.testing.requests.ExecHandler;
import io.clustermesh.testing.requests.FaultRule;
import io.clustermesh.testing.requests.KubeChange;
import io.clustermesh.testing.requests.RequestCounts;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.vertx.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * One lab cluster: fabric8's {@link KubernetesMockServer} in CRUD mode (a real HTTP Kubernetes API, in memory)
 * seeded like an AKS BYOCNI cluster: namespaces, {@code N} nodes with InternalIPs from the spoke subnet, the
 * {@code kube-proxy} DaemonSet (unless disabled), the {@code kubernetes} Service, and {@code /version}.
 *
 * <p>Clients reach it through {@link #kubeconfig()} / {@link #access()}: {@code https://127.0.0.1:<port>} with the
 * cluster's own CA in {@code certificate-authority-data} and a bearer token (requests without it get 401). The
 * AKS-style FQDN ({@link #apiServer()}) is what Helm values use ({@code k8sServiceHost}); the lab's
 * {@link LoopbackResolver} maps {@code <fqdn>:443} to the loopback port.
 *
 * <p>Knobs: {@link #latency(Duration)}, {@link #addFault(FaultRule)} (429 with Retry-After, 500, 409, connection
 * reset, hang), counters {@link #counts()} (reads vs writes). Like the real API server it answers {@code /version},
 * discovery and OpenAPI v3, enforces {@code resourceVersion} on updates (409), applies JSON, merge and strategic merge
 * patches, sets the built-in kinds' defaults and {@code managedFields}, merges Secret {@code stringData} into
 * {@code data} and allocates cluster IPs and node ports: real Helm (helm-java) installs charts onto it through
 * {@link #kubeconfig()}. docs/lab.md says what it does not do. The lab's own client ({@link #client()}) bypasses token, knobs and counters.
 *
 * <p>How it hooks into fabric8: {@code KubernetesMockServer(context, webServer, responses, dispatcher, false)}
 * with our {@code LabDispatcher} wrapped around the {@code KubernetesMixedDispatcher} (expectations, then CRUD);
 * the {@code MockWebServer} speaks plain HTTP/1.1 on loopback behind a small proxy that terminates TLS and can
 * reset connections.
 */
public final class LabCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LabCluster.class);
    /** fabric8's mock server logs every request at INFO through java.util.logging; keep it quiet (held strongly). */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger(MockWebServer.class.getName());

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private final LabClusterSpec spec;
    private final RequestCounter counter = new RequestCounter();
    private final FaultInjector injector;
    private final KubernetesMockServer server;
    private final LabDispatcher dispatcher;
    private final LabProxy proxy;
    private final LabPki pki;
    private final KubernetesClient client;
    private final ExecutorService events;
    private final String token;
    private volatile LabEntraId entraId;
    private volatile boolean closed;

    private LabCluster(LabClusterSpec spec, KubernetesSerialization serialization) {
        this.spec = spec;
        this.injector = new FaultInjector(spec.seed() ^ Deterministic.hash(spec.seed(), spec.name()));
        this.token = "lab-" + Long.toHexString(Deterministic.hash(spec.seed(), "token/" + spec.name()))
                + Long.toHexString(Deterministic.mix(System.nanoTime()));
        String internalToken = Long.toHexString(Deterministic.mix(System.nanoTime() ^ spec.seed())) + Long.toHexString(System.identityHashCode(this));
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lab-" + spec.name() + "-events");
            t.setDaemon(true);
            return t;
        });
        MockWebServer web = new MockWebServer();
        web.setProtocols(List.of(Protocol.HTTP_1_1));
        web.setHttp2ClearTextEnabled(false);
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        this.dispatcher = new LabDispatcher(spec.name(), responses, counter, injector, token, internalToken, spec.serviceCidr(), events,
                spec.kubernetesVersion(), spec.apiServer() + ":443");
        String[] v = spec.kubernetesVersion().split("\\.");
        VersionInfo version = new VersionInfo.Builder().withMajor(v[0]).withMinor(v[1]).withGitVersion("v" + spec.kubernetesVersion())
                .withPlatform("linux/amd64").withGoVersion("go1.22.0").build();
        this.server = new KubernetesMockServer(new Context(), web, responses, dispatcher, false, version);
        LabPki clusterCa = null;
        LabProxy p = null;
        KubernetesClient c = null;
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
            javax.net.ssl.SSLContext tls = null;
            if (spec.tls()) {
                clusterCa = LabPki.newAuthority(spec.name() + "-ca");
                LabPki.Issued serving = clusterCa.issue("apiserver", true, false,
                        List.of("localhost", spec.apiServer(), "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                "kubernetes.default.svc.cluster.local"),
                        List.of("127.0.0.1", dispatcher.clusterIp(1)));
                tls = clusterCa.sslContext(serving);
            }
            p = new LabProxy(spec.name(), server.getPort(), tls);
            Config config = new ConfigBuilder(Config.empty())
                    .withMasterUrl("http://127.0.0.1:" + server.getPort())
                    .withCustomHeaders(Map.of(LabDispatcher.INTERNAL_HEADER, internalToken))
                    .withNamespace("default")
                    .withRequestRetryBackoffLimit(3)
                    .withRequestTimeout(30_000)
                    .build();
            c = new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization).build();
        } catch (IOException | RuntimeException e) {
            if (c != null) {
                c.close();
            }
            if (p != null) {
                p.close();
            }
            server.shutdown();
            events.shutdownNow();
            throw e instanceof IOException io ? new UncheckedIOException("cannot start lab cluster " + spec.name(), io)
                    : (RuntimeException) e;
        }
        this.pki = clusterCa;
        this.proxy = p;
        this.client = c;
    }

    /** Starts a cluster and seeds it. */
    public static LabCluster start(LabClusterSpec spec) {
        return start(spec, new KubernetesSerialization());
    }

    /**
     * Like {@link #start(LabClusterSpec)}, the lab's own client sharing {@code serialization} (thread-safe) with the
     * other clusters of a lab: each fabric8 client otherwise builds the deserializers of every model class again.
     */
    static LabCluster start(LabClusterSpec spec, KubernetesSerialization serialization) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(serialization, "serialization");
        LabCluster cluster = new LabCluster(spec, serialization);
        try {
            cluster.seed();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.debug("lab cluster {} ({}) on {}", spec.name(), spec.apiServer(), cluster.apiServerUrl());
        return cluster;
    }

    private void seed() {
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                    .addToLabels("kubernetes.io/metadata.name", ns).endMetadata()
                    .withNewStatus().withPhase("Active").endStatus().build()).create();
        }
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("kubernetes")
                .addToLabels("component", "apiserver").addToLabels("provider", "kubernetes").endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(dispatcher.clusterIp(1)).withClusterIPs(dispatcher.clusterIp(1))
                .addNewPort().withName("https").withPort(443).withProtocol("TCP").withNewTargetPort(443).endPort().endSpec().build()).create();
        List<String> names = spec.nodeNames();
        List<String> ips = spec.nodeIps();
        for (int k = 0; k < names.size(); k++) {
            String n = names.get(k);
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(n)
                    .addToLabels("kubernetes.io/hostname", n)
                    .addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("kubernetes.io/arch", "amd64")
                    .addToLabels("kubernetes.azure.com/agentpool", "nodepool1")
                    .addToLabels("kubernetes.azure.com/cluster", spec.nodeResourceGroup())
                    .addToLabels("kubernetes.azure.com/mode", "system")
                    .addToLabels("node.kubernetes.io/instance-type", "Standard_D4s_v5")
                    .addToLabels("topology.kubernetes.io/region", spec.region())
                    .addToLabels("topology.kubernetes.io/zone", "0")
                    .endMetadata()
                    .withNewSpec().withProviderID("azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                            + spec.nodeResourceGroup().toLowerCase(java.util.Locale.ROOT) + "/providers/Microsoft.Compute/virtualMachineScaleSets/"
                            + n.substring(0, n.lastIndexOf("-vmss") + 5) + "/virtualMachines/" + k).endSpec()
                    .withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress(ips.get(k)).endAddress()
                    .addNewAddress().withType("Hostname").withAddress(n).endAddress()
                    // BYOCNI: no CNI yet, so nodes are NotReady until Cilium runs (the simulated Cilium flips this)
                    .addNewCondition().withType("Ready").withStatus("False").withReason("KubeletNotReady")
                    .withMessage("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized")
                    .endCondition()
                    .withNewNodeInfo().withKubeletVersion("v" + spec.kubernetesVersion()).withKubeProxyVersion("v" + spec.kubernetesVersion())
                    .withOperatingSystem("linux").withArchitecture("amd64").withOsImage("Ubuntu 22.04.5 LTS")
                    .withContainerRuntimeVersion("containerd://1.7.22-1").endNodeInfo()
                    .endStatus().build()).create();
        }
        if (spec.kubeProxy()) {
            client.apps().daemonSets().inNamespace("kube-system").resource(kubeProxyDaemonSet()).create();
        }
    }

    private io.fabric8.kubernetes.api.model.apps.DaemonSet kubeProxyDaemonSet() {
        int n = spec.nodeCount();
        return new DaemonSetBuilder().withNewMetadata().withName("kube-proxy").withNamespace("kube-system")
                .addToLabels("component", "kube-proxy").addToLabels("tier", "node")
                .addToLabels("addonmanager.kubernetes.io/mode", "Reconcile").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("component", "kube-proxy").addToMatchLabels("tier", "node").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("component", "kube-proxy").addToLabels("tier", "node").endMetadata()
                .withNewSpec().withHostNetwork(true).withPriorityClassName("system-node-critical")
                .addNewContainer().withName("kube-proxy").withImage("mcr.microsoft.com/oss/kubernetes/kube-proxy:v" + spec.kubernetesVersion())
                .endContainer().endSpec().endTemplate().endSpec()
                .withNewStatus().withDesiredNumberScheduled(n).withCurrentNumberScheduled(n).withNumberReady(n)
                .withNumberAvailable(n).withUpdatedNumberScheduled(n).withNumberMisscheduled(0).withObservedGeneration(1L).endStatus()
                .build();
    }

    // --- identity ------------------------------------------------------------------------------------------------------

    public LabClusterSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    /** The AKS-style API server FQDN ({@code k8sServiceHost}); resolvable only through the lab's resolver. */
    public String apiServer() {
        return spec.apiServer();
    }

    /** The loopback URL clients use, e.g. {@code https://127.0.0.1:41234}. */
    public URI apiServerUrl() {
        return URI.create((spec.tls() ? "https" : "http") + "://127.0.0.1:" + proxy.port());
    }

    public InetSocketAddress apiServerAddress() {
        return proxy.address();
    }

    /** The cluster's nodes as the SDK sees them. */
    public List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        List<String> names = spec.nodeNames();
        List<String> ips = spec.nodeIps();
        for (int i = 0; i < names.size(); i++) {
            out.add(new NodeInfo(names.get(i), ips.get(i), Map.of("kubernetes.azure.com/agentpool", "nodepool1")));
        }
        return out;
    }

    /**
     * A kubeconfig for this cluster (YAML), shaped like AKS's {@code clusterUser} kubeconfig: context and cluster
     * named after the cluster, the server's CA, a bearer token. A secret: never log it.
     */
    public String kubeconfig() {
        String user = "clusterUser_" + spec.resourceGroup() + "_" + spec.name();
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n- name: ").append(q(spec.name())).append("\n  cluster:\n")
                .append("    server: ").append(q(apiServerUrl().toString())).append('\n');
        if (pki != null) {
            y.append("    certificate-authority-data: ")
                    .append(Base64.getEncoder().encodeToString(pki.caPem().getBytes(StandardCharsets.US_ASCII))).append('\n');
        }
        y.append("contexts:\n- name: ").append(q(spec.name())).append("\n  context:\n    cluster: ").append(q(spec.name()))
                .append("\n    user: ").append(q(user)).append("\n    namespace: default\n")
                .append("current-context: ").append(q(spec.name())).append('\n')
                .append("users:\n- name: ").append(q(user)).append("\n  user:\n    token: ").append(q(token)).append('\n');
        return y.toString();
    }

    /**
     * The kubeconfig AKS's {@code listClusterUserCredential} returns for a cluster with Microsoft Entra ID integration:
     * the same server and CA, and a user entry that runs {@code kubelogin get-token} (exec plugin, {@code --server-id}
     * of the AKS server application) instead of holding a credential. {@code command} is the plugin's command, e.g. a
     * script a test can tell was run.
     */
    public String kubeloginKubeconfig(String command) {
        String k = kubeconfig();
        String user = "clusterUser_" + spec.resourceGroup() + "_" + spec.name();
        return k.substring(0, k.indexOf("users:\n")) + "users:\n- name: " + q(user) + "\n  user:\n    exec:\n"
                + "      apiVersion: \"client.authentication.k8s.io/v1beta1\"\n      command: " + q(command) + "\n      args:\n"
                + "      - \"get-token\"\n      - \"--environment\"\n      - \"AzurePublicCloud\"\n      - \"--server-id\"\n"
                + "      - \"6dae42f8-4368-4678-94ff-3960e28e3630\"\n      - \"--client-id\"\n      - \"80faf920-1908-4b52-b5ef-a8e7bedfc67a\"\n"
                + "      - \"--tenant-id\"\n      - \"00000000-0000-0000-0000-0000000000aa\"\n      - \"--login\"\n      - \"devicecode\"\n"
                + "      interactiveMode: \"IfAvailable\"\n      provideClusterInfo: false\n";
    }

    /**
     * From now on this cluster's API server accepts only bearer tokens {@code entraId} issued for the AKS scope and not
     * yet expired (an AKS cluster with Entra ID and local accounts disabled): the kubeconfig token and any other get
     * 401. The lab's own client is not affected.
     */
    public void acceptOnly(LabEntraId entraId) {
        Objects.requireNonNull(entraId, "entraId");
        dispatcher.authenticate(entraId::accepts);
        this.entraId = entraId;
    }

    /** The Entra ID whose tokens this cluster accepts, when it {@linkplain #acceptOnly accepts only those}. */
    public java.util.Optional<LabEntraId> entraId() {
        return java.util.Optional.ofNullable(entraId);
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** {@code ClusterAccess.kubeconfig(kubeconfig())}. */
    public ClusterAccess access() {
        return ClusterAccess.kubeconfig(kubeconfig());
    }

    /**
     * The lab's own client (plain HTTP to the mock, no token): bypasses latency, faults, counters. For the simulated
     * Cilium, seeding and assertions. Closed with the cluster; do not close it.
     */
    public KubernetesClient client() {
        return client;
    }

    /** Makes generic resources of a CRD discoverable ({@code /apis/<group>/<version>}) without creating the CRD. */
    public void expectCustomResource(String group, String version, String kind, String plural, boolean namespaced) {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
                .withKind(kind).withPlural(plural).withScope(namespaced ? "Namespaced" : "Cluster")
                .withName(plural + "." + group).build());
    }

    /**
     * Who answers {@code exec} in pods (a Kubernetes exec WebSocket with stdout, stderr and the exit status), e.g. the
     * simulated Cilium agents' {@code cilium-dbg status -o json}. Pods the handler does not serve get the CRUD store's
     * answer.
     */
    public void execHandler(ExecHandler handler) {
        dispatcher.execHandler(Objects.requireNonNull(handler, "handler"));
    }

    /** Listens to successful writes (in order, on the cluster's event thread; listeners must not block long). */
    public void onChange(Consumer<KubeChange> listener) {
        dispatcher.listener(Objects.requireNonNull(listener, "listener"));
    }

    // --- knobs and counters ---------------------------------------------------------------------------------------------

    public RequestCounts counts() {
        return counter.snapshot();
    }

    public void resetCounts() {
        counter.reset();
    }

    /** Latency added to every answer (non-blocking: a timer on the mock's event loop). */
    public void latency(Duration latency) {
        injector.latency(latency);
    }

    public Duration latency() {
        return injector.latency();
    }

    public void addFault(FaultRule rule) {
        injector.add(rule, counter.sequence());
    }

    public void clearFaults() {
        injector.clear();
    }

    public List<FaultRule> faults() {
        return injector.rules();
    }

    /** Connections the proxy reset on request so far. */
    public int connectionResets() {
        return proxy.resets();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close();
        } finally {
            try {
                proxy.close();
            } finally {
                server.shutdown();
                events.shutdownNow();
                try {
                    events.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        LOG.debug("lab cluster {} closed", spec.name());
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "LabCluster[" + spec.name() + ", " + spec.apiServer() + (closed ? ", closed" : " -> " + apiServerUrl()) + "]";
    }
}
