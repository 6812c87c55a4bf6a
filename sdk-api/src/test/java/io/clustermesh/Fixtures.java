package io.clustermesh;

import io.clustermesh.internal.Driver;
import io.clustermesh.internal.PlanSteps;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PlanStep;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CertificateInfo;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.internal.StepAction;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Shared test fixtures: the article's mesh, a fake clock, trivial providers and a recording listener. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private Fixtures() {
    }

    /** cluster1..3 of the article: ids 1..3, pod CIDRs 10.10/16, 10.20/16, 10.30/16, kubeconfig contexts. */
    static MeshCluster articleCluster(int n) {
        return MeshCluster.named("cluster" + n).withId(n).withPodCidr("10." + (10 * n) + ".0.0/16")
                .withAccess(ClusterAccess.kubeContext(n == 1 ? "aks-ciliumlab" : "aks-ciliumlab" + n));
    }

    static List<MeshCluster> articleClusters() {
        return List.of(articleCluster(1), articleCluster(2), articleCluster(3));
    }

    static MeshSpec articleSpec() {
        return MeshSpec.of("article", CiliumOptions.version("1.16.19"), CaStrategy.generate(),
                Exposure.azureInternalLoadBalancer(), null, articleClusters());
    }

    /** A builder for the article mesh with trivial providers and the given driver; nothing touches a cluster. */
    static Mesh.Builder meshWith(MeshDriver driver) {
        return Mesh.builder().name("article").clusters(articleClusters())
                .driver(driver)
                .clusterTransport(new NoClusterTransport())
                .helmTransport(new NoHelm())
                .certificateAuthority(new NoCertificateAuthority());
    }

    static Mesh.Builder mesh() {
        return meshWith(new PlanDriver(ctx -> plan()));
    }

    static MeshPlan plan(PlanStep... steps) {
        return new MeshPlan("article", "apply", T0, List.of(), List.of(steps), Map.of());
    }

    static PlanStep step(String cluster, String kind, StepAction action) {
        return PlanSteps.of(cluster + "/" + kind, cluster, kind, kind + " on " + cluster, action);
    }

    /** Time stands still until someone sleeps; every sleep is recorded and advances the time at once. */
    static final class FakeClock implements MeshClock {
        private final AtomicReference<Instant> now = new AtomicReference<>(T0);
        private final List<Duration> sleeps = new ArrayList<>();

        @Override
        public Instant now() {
            return now.get();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            synchronized (sleeps) {
                sleeps.add(duration);
            }
            now.updateAndGet(t -> t.plus(duration));
        }

        List<Duration> sleeps() {
            synchronized (sleeps) {
                return List.copyOf(sleeps);
            }
        }
    }

    /** A driver whose apply plan is computed by a function; other operations are not expected in these tests. */
    static final class PlanDriver implements Driver {
        private final Function<MeshContext, MeshPlan> planApply;

        PlanDriver(Function<MeshContext, MeshPlan> planApply) {
            this.planApply = planApply;
        }

        @Override
        public MeshPlan planApply(MeshContext context) {
            return planApply.apply(context);
        }

        @Override
        public MeshPlan planDisconnect(MeshContext context, String cluster) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public MeshPlan planDisable(MeshContext context) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public MeshStatus status(MeshContext context) {
            throw new UnsupportedOperationException("not in this test");
        }
    }

    static final class NoClusterTransport implements ClusterTransport {
        @Override
        public ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts) {
            throw new UnsupportedOperationException("these tests reach no cluster");
        }
    }

    static final class NoHelm implements HelmTransport {
        @Override
        public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            throw new UnsupportedOperationException("these tests run no Helm");
        }

        @Override
        public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
            throw new UnsupportedOperationException("these tests run no Helm");
        }

        @Override
        public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
            throw new UnsupportedOperationException("these tests run no Helm");
        }
    }

    static final class NoCertificateAuthority implements CertificateAuthority {
        @Override
        public PemCredential createCa(String commonName, Duration validity) {
            throw new UnsupportedOperationException("these tests issue no certificates");
        }

        @Override
        public PemCredential issue(PemCredential ca, CertificateRequest request) {
            throw new UnsupportedOperationException("these tests issue no certificates");
        }

        @Override
        public CertificateInfo inspect(String certificatePem) {
            throw new UnsupportedOperationException("these tests issue no certificates");
        }

        @Override
        public boolean keyMatches(PemCredential credential) {
            throw new UnsupportedOperationException("these tests issue no certificates");
        }

        @Override
        public boolean signedBy(String certificatePem, String caCertificatePem) {
            throw new UnsupportedOperationException("these tests issue no certificates");
        }
    }

    /** Records every event in the order the listener saw them. Thread-safe. */
    static final class RecordingListener implements MeshListener {
        private final List<Object> events = new ArrayList<>();

        private synchronized void add(Object e) {
            events.add(e);
        }

        synchronized List<Object> events() {
            return List.copyOf(events);
        }

        <T> List<T> of(Class<T> type) {
            return events().stream().filter(type::isInstance).map(type::cast).toList();
        }

        @Override
        public void planStarted(PlanStarted event) {
            add(event);
        }

        @Override
        public void planFinished(PlanFinished event) {
            add(event);
        }

        @Override
        public void stepStarted(StepStarted event) {
            add(event);
        }

        @Override
        public void stepFinished(StepFinished event) {
            add(event);
        }

        @Override
        public void stepFailed(StepFailed event) {
            add(event);
        }

        @Override
        public void retryScheduled(RetryScheduled event) {
            add(event);
        }

        @Override
        public void waiting(Waiting event) {
            add(event);
        }
    }
}
