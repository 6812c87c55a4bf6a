package io.clustermesh.cilium;

import io.clustermesh.internal.Driver;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.MeshServices;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.MeshDriver;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * N clusters, each a fabric8 {@link KubernetesMockServer} in CRUD mode on loopback, and a {@link Mesh} over them whose
 * driver only provides global services ({@link io.clustermesh.cilium.services.CiliumMeshServices}). For tests.
 */
public final class MockClusters implements AutoCloseable {
    private final Map<String, KubernetesMockServer> servers = new LinkedHashMap<>();
    private final Map<String, KubernetesClient> admins = new LinkedHashMap<>();

    public MockClusters(String... names) {
        for (String n : names) {
            KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
            s.init(InetAddress.getLoopbackAddress(), 0);
            servers.put(n, s);
            KubernetesClient admin = s.createClient();
            admins.put(n, admin);
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
        }
    }

    /** The admin client of a cluster, to seed and inspect it directly. */
    public KubernetesClient admin(String cluster) {
        return admins.get(cluster);
    }

    public List<String> names() {
        return List.copyOf(servers.keySet());
    }

    public static String kubeconfig(String url) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                contexts:
                - name: lab
                  context: {cluster: lab, user: lab}
                current-context: lab
                users:
                - name: lab
                  user: {token: not-a-real-token}
                """.formatted(url);
    }

    /** Creates a namespace in every cluster. */
    public MockClusters namespace(String ns) {
        admins.values().forEach(a -> a.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create());
        return this;
    }

    /** Creates a Service with annotations in one cluster. */
    public MockClusters service(String cluster, String ns, String name, String type, Map<String, String> annotations) {
        admin(cluster).services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations)).endMetadata()
                .withNewSpec().withType(type).addNewPort().withPort(80).endPort().addToSelector("app", name).endSpec().build()).create();
        return this;
    }

    /** Creates an EndpointSlice for a Service with ready endpoints at the given pod IPs. */
    public MockClusters endpoints(String cluster, String ns, String service, String... podIps) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(service + "-abcde").withNamespace(ns)
                .addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4");
        int i = 0;
        for (String ip : podIps) {
            b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(true).endConditions()
                    .withNewTargetRef().withKind("Pod").withName(service + "-" + cluster + "-" + (i++)).withNamespace(ns).endTargetRef().endEndpoint();
        }
        b.addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort();
        admin(cluster).discovery().v1().endpointSlices().inNamespace(ns).resource(b.build()).create();
        return this;
    }

    @SuppressWarnings("unchecked")
    static <T> T unused(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, m, a) -> {
            if (m.getName().equals("priority")) return 0;
            if (m.getName().equals("name")) return "unused-" + type.getSimpleName();
            throw new UnsupportedOperationException(type.getSimpleName() + "." + m.getName() + " is not used by these tests");
        });
    }

    /** A driver that provides only global services, over whatever the context gives. */
    public static final class ServicesDriver implements Driver {
        private final Function<MeshContext, MeshServices> services;

        public ServicesDriver(Function<MeshContext, MeshServices> services) {
            this.services = services;
        }

        @Override
        public MeshPlan planApply(MeshContext context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MeshPlan planDisconnect(MeshContext context, String cluster) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MeshPlan planDisable(MeshContext context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MeshStatus status(MeshContext context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MeshServices services(MeshContext context) {
            return services.apply(context);
        }
    }

    /** A connection of the SDK's fabric8 transport to one of these clusters (default timeouts); the caller closes it. */
    public io.clustermesh.spi.ClusterConnection connection(String cluster) {
        String url = "http://127.0.0.1:" + servers.get(cluster).getPort();
        return new io.clustermesh.cilium.kube.Fabric8ClusterTransport().connect(
                MeshCluster.named(cluster).withId(1).withAccess(ClusterAccess.kubeconfig(kubeconfig(url))), io.clustermesh.MeshTimeouts.defaults());
    }

    /** A mesh builder over these clusters (ids 1.., pod CIDRs 10.<10*id>.0.0/16), with the given driver. */
    public Mesh.Builder mesh(MeshDriver driver) {
        Mesh.Builder b = Mesh.builder().driver(driver)
                .helmTransport(unused(HelmTransport.class))
                .certificateAuthority(unused(CertificateAuthority.class));
        int id = 1;
        for (Map.Entry<String, KubernetesMockServer> e : servers.entrySet()) {
            String url = "http://127.0.0.1:" + e.getValue().getPort();
            b.cluster(MeshCluster.named(e.getKey()).withId(id).withPodCidr("10." + (10 * id) + ".0.0/16").withAccess(ClusterAccess.kubeconfig(kubeconfig(url))));
            id++;
        }
        return b;
    }

    @Override
    public void close() {
        admins.values().forEach(KubernetesClient::close);
        servers.values().forEach(KubernetesMockServer::destroy);
    }
}
