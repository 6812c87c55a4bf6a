package io.clustermesh;

import io.clustermesh.internal.Driver;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.internal.ServiceRequests;
import io.clustermesh.spi.TrafficProbe;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mesh.services() delegates to the driver; the probe reaches the driver through the context. */
class MeshServicesWiringTest {

    @SuppressWarnings("unchecked")
    static <T> T unused(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, m, a) -> {
            if (m.getName().equals("priority")) return 0;
            if (m.getName().equals("name")) return type.getSimpleName();
            throw new UnsupportedOperationException(m.getName());
        });
    }

    /** A driver that knows nothing about global services (keeps the default). */
    static class PlainDriver implements Driver {
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
        public String name() {
            return "plain-driver";
        }
    }

    /** A connection that only knows its cluster (the probe under test needs no more). */
    static ClusterConnection connectionTo(String cluster) {
        return (ClusterConnection) Proxy.newProxyInstance(ClusterConnection.class.getClassLoader(), new Class<?>[]{ClusterConnection.class}, (p, m, a) -> {
            if (m.getName().equals("cluster")) return cluster;
            throw new UnsupportedOperationException(m.getName());
        });
    }

    static Mesh.Builder builder(MeshDriver driver) {
        String kubeconfig = "apiVersion: v1\nkind: Config\n";
        return Mesh.builder()
                .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withAccess(ClusterAccess.kubeconfig(kubeconfig)))
                .cluster(MeshCluster.named("cluster2").withId(2).withPodCidr("10.20.0.0/16").withAccess(ClusterAccess.kubeconfig(kubeconfig)))
                .driver(driver)
                .clusterTransport(unused(ClusterTransport.class))
                .helmTransport(unused(HelmTransport.class))
                .certificateAuthority(unused(CertificateAuthority.class));
    }

    @Test
    void aDriverWithoutGlobalServicesSaysWhatToAdd() {
        try (Mesh mesh = builder(new PlainDriver()).build()) {
            assertThatThrownBy(mesh::services).isInstanceOfSatisfying(MeshException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(e.getMessage()).contains("plain-driver").contains("does not support global services");
                assertThat(e.remediation()).contains("io.clustermesh:clustermesh-cilium");
            });
        }
    }

    @Test
    void theBuildersTrafficProbeReachesTheDriver() {
        List<String> sent = new ArrayList<>();
        TrafficProbe probe = (from, ns, name, n) -> {
            sent.add(from.cluster() + "->" + ns + "/" + name + "x" + n);
            return java.util.Collections.nCopies(n, ProbeAnswer.from("cluster2", "10.20.0.5", "web-1"));
        };
        MeshDriver driver = new PlainDriver() {
            @Override
            public MeshServices services(MeshContext context) {
                return new MeshServices() {
                    @Override
                    public McsExport exportMcs(String namespace, String name) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public List<McsImport> mcsImports(String namespace, String name) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public GlobalServiceRequest global(String namespace, String name) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public List<ServiceSetting> settings(String namespace, String name) {
                        return List.of();
                    }

                    @Override
                    public List<ServiceSetting> list() {
                        return List.of();
                    }

                    @Override
                    public List<Finding> check(String namespace, String name) {
                        return List.of();
                    }

                    @Override
                    public List<ServiceRoute> routes(String namespace, String name) {
                        return List.of();
                    }

                    @Override
                    public List<ServiceRoute> awaitRoutes(String namespace, String name, java.time.Duration timeout) {
                        return List.of();
                    }

                    @Override
                    public ProbeRequest probe(String namespace, String name) {
                        return ServiceRequests.probe(namespace, name, (ns, n, from, count) -> new ProbeResult(ns, n, from,
                                context.trafficProbe().orElseThrow().send(connectionTo(from), ns, n, count)));
                    }
                };
            }
        };
        try (Mesh mesh = builder(driver).trafficProbe(probe).build()) {
            ProbeResult r = mesh.services().probe("meshtest", "web").from("cluster1").requests(3);
            assertThat(sent).containsExactly("cluster1->meshtest/webx3");
            assertThat(r.byCluster()).containsEntry("cluster2", 3);
            assertThat(r.toString()).isEqualTo("cluster1 -> meshtest/web, 3 requests: cluster2 3");
        }
    }

    @Test
    void requestsValidateTheirArguments() {
        ProbeRequest p = ServiceRequests.probe("ns", "web", (ns, n, from, c) -> new ProbeResult(ns, n, from, List.of()));
        assertThatThrownBy(() -> p.requests(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.requests(5)).isInstanceOf(IllegalStateException.class).hasMessageContaining("from(cluster)");
        ServiceRequests.GlobalServiceWriter none = new ServiceRequests.GlobalServiceWriter() {
            @Override
            public ServiceUpdate apply(GlobalServiceRequest request) {
                return new ServiceUpdate(request.namespace(), request.name(), List.of(), List.of());
            }

            @Override
            public ServiceUpdate remove(GlobalServiceRequest request) {
                return apply(request);
            }
        };
        assertThatThrownBy(() -> ServiceRequests.global(" ", "web", none)).isInstanceOf(IllegalArgumentException.class);
        GlobalServiceRequest g = ServiceRequests.global("ns", "web", none).shared(false).affinity(Affinity.REMOTE).in("cluster2");
        assertThat(g.requestedShared()).contains(false);
        assertThat(g.requestedAffinity()).contains(Affinity.REMOTE);
        assertThat(g.clusters()).containsExactly("cluster2");
        assertThat(g.toString()).isEqualTo("global ns/web shared=false affinity=remote in [cluster2]");
        assertThat(g.apply().changed()).isFalse();
    }

    @Test
    void probeAnswersAreEitherAnAnswerOrAnError() {
        assertThatThrownBy(() -> new ProbeAnswer("cluster1", null, null, null)).isInstanceOf(IllegalArgumentException.class);
        ProbeResult r = new ProbeResult("ns", "web", "cluster2", List.of(ProbeAnswer.from("cluster3", "10.30.0.4", null),
                ProbeAnswer.failed("connection refused"), ProbeAnswer.from("cluster3", "10.30.0.5", null)));
        assertThat(r.byBackend()).containsExactly(java.util.Map.entry("cluster3/10.30.0.4", 1), java.util.Map.entry("cluster3/10.30.0.5", 1));
        assertThat(r.failures()).isEqualTo(1);
        assertThat(r.toString()).isEqualTo("cluster2 -> ns/web, 3 requests: cluster3 2 failed 1 (connection refused)");
    }
}
