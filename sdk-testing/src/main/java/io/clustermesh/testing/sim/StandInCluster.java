package io.clustermesh.testing.sim;

import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.IpCidr;
import io.clustermesh.testing.RequestCounts;
import io.clustermesh.testing.internal.RequestCounter;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A minimal lab cluster: fabric8's {@code KubernetesMockServer} in CRUD mode on loopback, seeded like an AKS BYOCNI
 * cluster ({@code kube-system}, nodes with InternalIPs of the cluster's subnet, a kube-proxy DaemonSet), with request
 * counters (the lab's own requests excluded), an {@link ExecHandler} hook and a write listener. A stand-in with the
 * same role as the lab foundation's {@code LabCluster} until that is merged; the simulated Cilium needs only the
 * {@linkplain #internalClient() internal client}, the {@linkplain #subnet() subnet} and the hooks. Address plan of
 * cluster {@code i} (1..254): subnet {@code 172.16.<i>.0/24}, node {@code k} at {@code .4+k}, mesh IP {@code .250},
 * pod CIDR {@code 10.<i>.0.0/16}.
 */
public final class StandInCluster implements AutoCloseable {
    /** Requests carrying this header come from the lab itself and are not counted. */
    public static final String INTERNAL_HEADER = "X-Clustermesh-Lab";
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
    /** The mock web server logs every request at INFO through java.util.logging; the lab counts them instead. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final String name;
    private final int index;
    private final KubernetesMockServer server;
    private final KubernetesClient internal;
    private final RequestCounter counter = new RequestCounter();
    private final List<String> nodeNames;
    private volatile ExecHandler execHandler = (ns, pod, container, command) -> Optional.empty();
    private volatile Runnable writeListener = () -> { };

    public StandInCluster(String name, int index, int nodes, long seed) {
        this.name = Objects.requireNonNull(name, "name");
        this.index = index;
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        Dispatcher front = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                boolean own = "true".equals(request.getHeader(INTERNAL_HEADER));
                String method = request.getMethod() == null ? "GET" : request.getMethod().toUpperCase(java.util.Locale.ROOT);
                String path = request.getPath() == null ? "/" : request.getPath();
                String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                boolean exec = bare.endsWith("/exec");
                boolean write = WRITES.contains(method) && !exec;
                if (!own) {
                    counter.record(method, bare, write);
                }
                if (exec) {
                    Optional<MockResponse> answer = ExecWebSocket.intercept(request, execHandler);
                    if (answer.isPresent()) {
                        return answer.get();
                    }
                }
                MockResponse response = crud.dispatch(request);
                if (write) {
                    writeListener.run();
                }
                return response;
            }
        };
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), front, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        this.internal = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url()).withTrustCerts(true)
                        .withCustomHeaders(Map.of(INTERNAL_HEADER, "true")).withRequestRetryBackoffLimit(0).withNamespace("default").build())
                .withHttpClientFactory(new JdkHttpClientFactory()).build();
        this.nodeNames = java.util.stream.IntStream.range(0, nodes)
                .mapToObj(k -> "aks-nodepool1-" + (10_000_000 + Math.floorMod(seed * 31 + name.hashCode(), 90_000_000)) + "-vmss" + String.format("%06d", k))
                .toList();
        seed();
    }

    private void seed() {
        for (String ns : List.of("kube-system", "default")) {
            internal.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        for (int k = 0; k < nodeNames.size(); k++) {
            addNode(nodeNames.get(k), IpCidr.parse(subnet()).address(4 + k));
        }
        internal.apps().daemonSets().inNamespace("kube-system").resource(new DaemonSetBuilder().withNewMetadata().withName("kube-proxy")
                .addToLabels("component", "kube-proxy").endMetadata().withNewSpec().withNewSelector().addToMatchLabels("component", "kube-proxy")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("component", "kube-proxy").endMetadata().withNewSpec()
                .addNewContainer().withName("kube-proxy").withImage("mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    /** Adds a node with that InternalIP (as the AKS autoscaler would). */
    public void addNode(String nodeName, String internalIp) {
        internal.nodes().resource(new NodeBuilder().withNewMetadata().withName(nodeName).addToLabels("kubernetes.azure.com/agentpool", "nodepool1")
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        writeListener.run();
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** The spoke subnet the nodes and load balancer IPs come from. */
    public String subnet() {
        return "172.16." + index + ".0/24";
    }

    public String meshIp() {
        return IpCidr.parse(subnet()).address(250);
    }

    /** The AKS-style API server FQDN the cluster stands for (the kubeconfig points at loopback). */
    public String apiServerFqdn() {
        return name + "-" + SimulatedCilium.sha256(name + "/" + index).substring(0, 8) + ".hcp.eastus.azmk8s.io";
    }

    public String podCidr() {
        return "10." + index + ".0.0/16";
    }

    /** Kubeconfig content for the SDK's normal transport (plain HTTP on loopback). */
    public ClusterAccess access() {
        return ClusterAccess.kubeconfig("""
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster: {server: "%2$s"}
                contexts:
                - name: %1$s
                  context: {cluster: %1$s, user: %1$s}
                current-context: %1$s
                users:
                - name: %1$s
                  user: {token: lab-token}
                """.formatted(name, url()));
    }

    /** A client for the lab's own reads and writes (not counted). */
    public KubernetesClient internalClient() {
        return internal;
    }

    public void execHandler(ExecHandler handler) {
        this.execHandler = Objects.requireNonNull(handler, "handler");
    }

    /** Called after every write request (the lab's own included). Must be fast. */
    public void writeListener(Runnable listener) {
        this.writeListener = Objects.requireNonNull(listener, "listener");
    }

    public RequestCounts counts() {
        return counter.snapshot();
    }

    public void resetCounts() {
        counter.reset();
    }

    @Override
    public void close() {
        internal.close();
        server.destroy();
    }
}
