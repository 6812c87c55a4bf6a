package io.clustermesh.testing.reliability;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.MeshClock;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.SecretData;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the reliability suite shares: small labs with a fixed seed, the "nothing was written" check on the lab's
 * request counters, an inventory of what the mesh left in each cluster (read with the lab's own client, neither
 * counted nor faulted), a listener that records retries and failures, and a clock that skips long waits.
 */
final class Reliability {
    /** Every lab of the suite uses this seed: fault decisions are a function of it and the request number. */
    static final long SEED = 20_260_801L;
    static final String NS = "kube-system";

    private Reliability() {
    }

    /** A lab of {@code n} clusters with one node each and no delays: the cheapest lab that still runs the whole mesh. */
    static MeshLab.Builder lab(int n) {
        return MeshLab.builder().clusters(n).nodesPerCluster(1).seed(SEED);
    }

    static void resetCounts(MeshLab lab) {
        lab.clusters().forEach(LabCluster::resetCounts);
        lab.arm().ifPresent(a -> a.resetCounts());
    }

    /** Writes (POST, PUT, PATCH, DELETE; faulted ones included) per cluster since the last reset. */
    static Map<String, Long> writes(MeshLab lab) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (LabCluster c : lab.clusters()) {
            out.put(c.name(), c.counts().writes());
        }
        return out;
    }

    /** No cluster (and no fake ARM) received a single write request since the last reset. */
    static void assertNothingWritten(MeshLab lab, String when) {
        for (LabCluster c : lab.clusters()) {
            assertThat(c.counts().writes()).as("%s: writes to %s %s", when, c.name(), c.counts().byMethod()).isZero();
        }
        lab.arm().ifPresent(a -> assertThat(a.counts().writes()).as("%s: writes to the fake ARM", when).isZero());
    }

    // ------------------------------------------------------------------------------------------------ status

    /** Every cluster has a ready clustermesh-apiserver and every agent is connected to every other cluster. */
    static void assertHealthy(MeshStatus status, int clusters) {
        assertThat(status.clusters()).hasSize(clusters);
        for (ClusterStatus c : status.clusters()) {
            assertThat(c.errors()).as(c.name()).isEmpty();
            assertThat(c.apiserverReady()).as(c.name() + " apiserver").isTrue();
            assertThat(c.agents()).as(c.name() + " agents").isNotEmpty()
                    .allSatisfy(a -> assertThat(a.error()).as(c.name()).isNull());
            assertThat(c.peers()).as(c.name() + " peers").hasSize(clusters - 1)
                    .allSatisfy(p -> assertThat(p.fullyConnected()).as(c.name() + " -> " + p.peer() + " " + p.errors()).isTrue());
        }
    }

    // ------------------------------------------------------------------------------------------------ inventory

    /**
     * What one cluster holds in kube-system after a run, for "no duplicates, no orphans".
     *
     * @param objects  kind/name of every Secret, ConfigMap, Service, Deployment, DaemonSet and Lease, Helm's storage
     *                 secrets excluded
     * @param releases Helm storage of release cilium: revision to status, by revision
     * @param ca       SHA-256 fingerprint of {@code cilium-ca}'s certificate, {@code null} when absent
     */
    record Inventory(String cluster, TreeSet<String> objects, Map<Integer, String> releases, String ca) {

        /**
         * One deployed revision, the newest; the older ones superseded, or failed (an install or upgrade a stopped run
         * left pending, marked failed by the next one, as Helm does); nothing left pending; revisions 1..N without gaps.
         */
        void assertReleaseHistorySane() {
            assertThat(releases).as(cluster + ": Helm storage of release cilium").isNotEmpty();
            int newest = releases.keySet().stream().max(Integer::compare).orElseThrow();
            assertThat(releases.keySet()).as(cluster + ": revisions without gaps").hasSize(newest);
            releases.forEach((rev, status) -> {
                if (rev == newest) {
                    assertThat(status).as(cluster + ": status of revision " + rev).isEqualTo("deployed");
                } else {
                    assertThat(status).as(cluster + ": status of revision " + rev).isIn("superseded", "failed");
                }
            });
        }
    }

    static Inventory inventory(LabCluster c) {
        KubernetesClient k = c.client();
        TreeSet<String> objects = new TreeSet<>();
        Map<Integer, String> releases = new java.util.TreeMap<>();
        for (Secret s : k.secrets().inNamespace(NS).list().getItems()) {
            if (HelmStorage.SECRET_TYPE.equals(s.getType())) {
                HelmRelease r = HelmStorage.decode(c.name(), toData(s));
                if ("cilium".equals(r.name())) {
                    releases.put(r.revision(), r.status());
                }
                continue;
            }
            objects.add("Secret/" + s.getMetadata().getName());
        }
        add(objects, "ConfigMap", k.configMaps().inNamespace(NS).list().getItems());
        add(objects, "Service", k.services().inNamespace(NS).list().getItems());
        add(objects, "Deployment", k.apps().deployments().inNamespace(NS).list().getItems());
        add(objects, "DaemonSet", k.apps().daemonSets().inNamespace(NS).list().getItems());
        add(objects, "Lease", k.leases().inNamespace(NS).list().getItems());
        return new Inventory(c.name(), objects, releases, caFingerprint(c));
    }

    private static void add(TreeSet<String> out, String kind, List<? extends HasMetadata> items) {
        items.forEach(o -> out.add(kind + "/" + o.getMetadata().getName()));
    }

    /** SHA-256 of the {@code cilium-ca} certificate, or {@code null}. */
    static String caFingerprint(LabCluster c) {
        Secret s = c.client().secrets().inNamespace(NS).withName("cilium-ca").get();
        if (s == null || s.getData() == null || s.getData().get("ca.crt") == null) {
            return null;
        }
        String pem = new String(Base64.getDecoder().decode(s.getData().get("ca.crt")), StandardCharsets.UTF_8);
        return new BouncyCastleCertificateAuthority().inspect(pem).sha256();
    }

    static SecretData toData(Secret s) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        return new SecretData(s.getMetadata().getName(), s.getMetadata().getResourceVersion(), s.getType(),
                s.getMetadata().getLabels() == null ? Map.of() : s.getMetadata().getLabels(), data);
    }

    /** The bearer token of a lab kubeconfig (a secret the SDK must never print). */
    static String token(LabCluster c) {
        return c.kubeconfig().lines().map(String::trim).filter(l -> l.startsWith("token:"))
                .map(l -> l.substring("token:".length()).trim().replace("\"", "")).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------------------------------------ events

    /** Records what the engine tells listeners; thread-safe. */
    static final class Events implements MeshListener {
        final List<RetryScheduled> retries = new CopyOnWriteArrayList<>();
        final List<StepFailed> failures = new CopyOnWriteArrayList<>();
        final List<StepFinished> finished = new CopyOnWriteArrayList<>();

        @Override
        public void retryScheduled(RetryScheduled e) {
            retries.add(e);
        }

        @Override
        public void stepFailed(StepFailed e) {
            failures.add(e);
        }

        @Override
        public void stepFinished(StepFinished e) {
            finished.add(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ time

    /**
     * Real time, except that long sleeps (backoffs, Retry-After) are skipped: a sleep of {@code d} waits at most
     * {@link #MAX_REAL_SLEEP} for real and moves this clock's {@link #now()} ahead by the rest. Polling waits (the
     * lab's 50 ms) stay real so that the lab is not polled faster than a user's run would poll it. Records every
     * sleep of a second or more.
     */
    static final class SkippingClock implements MeshClock {
        static final Duration MAX_REAL_SLEEP = Duration.ofMillis(20);
        private final AtomicLong skippedNanos = new AtomicLong();
        final List<Duration> longSleeps = new CopyOnWriteArrayList<>();

        @Override
        public Instant now() {
            return Instant.now().plusNanos(skippedNanos.get());
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            if (d.isNegative() || d.isZero()) {
                return;
            }
            if (d.compareTo(Duration.ofSeconds(1)) >= 0) {
                longSleeps.add(d);
            }
            Duration real = d.compareTo(MAX_REAL_SLEEP) > 0 && d.compareTo(Duration.ofMillis(100)) > 0 ? MAX_REAL_SLEEP : d;
            skippedNanos.addAndGet(d.minus(real).toNanos());
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(real.toNanos()); // the clock's own job: waiting for real
        }
    }
}
