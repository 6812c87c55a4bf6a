package io.clustermesh.testing.day2;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PlanStep;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.sim.RemoteClusterState;
import io.clustermesh.testing.sim.SimulatedCilium.TrustFailure;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CA rotation on a 3-cluster lab mesh (Cilium 1.18 with KVStoreMesh, the official chart through real Helm): the
 * simulated agents connect over real mutual TLS, each side trusting what its pods mount (the certificate secrets'
 * {@code ca.crt}, or the CA bundle when the chart projects it), and the lab records every handshake refused on trust.
 */
class CaRotationTest {
    static final String VERSION = "1.18.11";
    static final String NS = "kube-system";
    static final List<String> CLUSTERS = List.of("cluster1", "cluster2", "cluster3");
    private static final BouncyCastleCertificateAuthority X509 = new BouncyCastleCertificateAuthority();

    static MeshLab lab() {
        return MeshLab.builder().clusters(3).charts(FixtureCharts.dir(VERSION)).cilium(CiliumOptions.version(VERSION)).start();
    }

    static void dayOne(MeshLab lab) {
        try (Mesh mesh = lab.meshBuilder().build()) {
            MeshReport r = mesh.apply(mesh.plan());
            assertThat(r.succeeded()).as(r.toText()).isTrue();
        }
    }

    /** What the lab sees in each cluster when a phase's gate has held, computed from the objects, not by the SDK. */
    record Observed(String gate, Map<String, Integer> bundleSizes, Map<String, String> cas, Map<String, Boolean> leavesFromNewCa) {
    }

    /** Takes the lab's own look at the clusters whenever a rotation gate finished. */
    static final class Phases implements MeshListener {
        final MeshLab lab;
        final List<Observed> seen = new CopyOnWriteArrayList<>();
        final List<String> finished = new CopyOnWriteArrayList<>();

        Phases(MeshLab lab) {
            this.lab = lab;
        }

        @Override
        public void stepFinished(StepFinished e) {
            finished.add(e.stepId());
            if (e.stepId().startsWith("ca-rotation/")) {
                Map<String, Integer> bundles = new LinkedHashMap<>();
                Map<String, String> cas = new LinkedHashMap<>();
                Map<String, Boolean> leaves = new LinkedHashMap<>();
                String next = recordedNewCa(lab);
                for (LabCluster c : lab.clusters()) {
                    bundles.put(c.name(), bundleSize(c));
                    cas.put(c.name(), caFingerprint(c));
                    leaves.put(c.name(), next != null && leavesSignedBy(c, next));
                }
                seen.add(new Observed(e.stepId(), bundles, cas, leaves));
            }
        }
    }

    @Test
    void threeClustersRotateTheCaAndTheAgentsStayConnectedThroughEveryPhase() {
        try (MeshLab lab = lab()) {
            dayOne(lab);
            Map<String, String> before = cas(lab);
            assertThat(before.values().stream().distinct()).hasSize(1);
            String oldCa = before.get("cluster1");

            Phases phases = new Phases(lab);
            try (Mesh mesh = lab.meshBuilder().listener(phases).build()) {
                MeshPlan plan = mesh.planRotateCa();
                assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
                assertThat(plan.notes().get("ca rotation starts at")).startsWith("phase 1:");
                assertThat(plan.toText()).contains("phase 1/3: cluster1 trusts the current and the new CA")
                        .contains("phase 2/3: cilium-ca of cluster2 becomes the new CA")
                        .contains("phase 3/3: cluster3 trusts only the new CA");
                assertThat(plan.steps()).extracting(PlanStep::id).contains("ca-rotation/ca-rotation-gate-1", "ca-rotation/ca-rotation-gate-2",
                        "ca-rotation/ca-rotation-gate-3", "cluster1/ca-rotation-record", "cluster2/ca-reissue-local-cert");
                // every phase waits for the previous gate
                assertThat(step(plan, "cluster1/ca-reissue").dependsOn()).contains("ca-rotation/ca-rotation-gate-1");
                assertThat(step(plan, "cluster3/ca-drop-old").dependsOn()).containsExactlyInAnyOrder("ca-rotation/ca-rotation-gate-2",
                        "cluster2/ca-wait-rollout-3");
                // within a phase one cluster at a time (rolloutBatch 1), as a rolling upgrade
                assertThat(step(plan, "cluster2/ca-trust-both").dependsOn()).contains("cluster1/ca-wait-rollout-1");
                assertThat(step(plan, "cluster1/ca-trust-both").dependsOn()).noneMatch(d -> d.contains("wait-rollout"));

                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                assertRotated(lab, mesh, oldCa);
            }
            assertThat(trustFailures(lab)).as("no handshake was refused on trust at any moment of the rotation").isEmpty();
            // the lab's own look after each gate: bundle of both CAs everywhere, then the new CA and leaves, then the bundle gone
            assertThat(phases.seen).extracting(Observed::gate).containsExactly("ca-rotation/ca-rotation-gate-1",
                    "ca-rotation/ca-rotation-gate-2", "ca-rotation/ca-rotation-gate-3");
            Observed one = phases.seen.get(0);
            assertThat(one.bundleSizes()).allSatisfy((c, n) -> assertThat(n).as(c + " trusts both CAs").isEqualTo(2));
            assertThat(one.cas()).allSatisfy((c, fp) -> assertThat(fp).as(c + " still issues from the old CA").isEqualTo(oldCa));
            Observed two = phases.seen.get(1);
            assertThat(two.bundleSizes()).allSatisfy((c, n) -> assertThat(n).isEqualTo(2));
            assertThat(two.cas()).allSatisfy((c, fp) -> assertThat(fp).isNotEqualTo(oldCa));
            assertThat(two.leavesFromNewCa()).allSatisfy((c, yes) -> assertThat(yes).as(c + "'s certificates from the new CA").isTrue());
            Observed three = phases.seen.get(2);
            assertThat(three.bundleSizes()).allSatisfy((c, n) -> assertThat(n).as(c + ": no bundle any more").isZero());
        }
    }

    @Test
    void replacingTheCaAndLeavesOfOneClusterWithoutTheBundlePhaseDisconnectsItInTheLab() {
        try (MeshLab lab = lab()) {
            dayOne(lab);
            assertThat(trustFailures(lab)).isEmpty();
            // what a rotation without phase 1 would do on cluster1: a new CA and certificates from it, nobody else trusting it
            LabCluster c1 = lab.cluster("cluster1");
            PemCredential ca = X509.createCa("Cilium CA elsewhere", Duration.ofDays(365));
            var issued = new MeshCertificates(X509).issue(ca, MeshCertificates.Profile.of("cluster1").withClient(true));
            PemCredential local = X509.issue(ca, new CertificateRequest("local-cluster1", List.of(), List.of(), false, true, Duration.ofDays(365)));
            Map<String, PemCredential> leaves = new LinkedHashMap<>();
            leaves.put("clustermesh-apiserver-server-cert", issued.server());
            leaves.put("clustermesh-apiserver-admin-cert", issued.admin());
            leaves.put("clustermesh-apiserver-remote-cert", issued.remote());
            leaves.put("clustermesh-apiserver-client-cert", issued.client());
            leaves.put("clustermesh-apiserver-local-cert", local);
            replace(c1, "cilium-ca", Map.of("ca.crt", ca.certificatePem(), "ca.key", ca.privateKeyPem()));
            leaves.forEach((name, cert) -> replace(c1, name, Map.of("ca.crt", ca.certificatePem(), "tls.crt", cert.certificatePem(),
                    "tls.key", cert.privateKeyPem())));

            // (while cluster1's clustermesh-apiserver restarts with its new certificate the peers see a refused connection first)
            List<RemoteClusterState> seen = lab.cilium("cluster2").awaitRemotes(rs -> rs.stream()
                    .anyMatch(r -> r.name().equals("cluster1") && r.status().contains("x509")), Duration.ofSeconds(30));
            assertThat(seen).filteredOn(r -> r.name().equals("cluster1")).singleElement()
                    .satisfies(r -> assertThat(r.ready()).isFalse());
            lab.cilium("cluster1").awaitRemotes(rs -> rs.stream().anyMatch(r -> r.status().contains("x509")), Duration.ofSeconds(30));
            List<TrustFailure> failures = trustFailures(lab);
            assertThat(failures).as("cluster2's agents refuse cluster1's new server certificate")
                    .anySatisfy(f -> {
                        assertThat(f.cluster()).isEqualTo("cluster2");
                        assertThat(f.peer()).isEqualTo("cluster1");
                        assertThat(f.detail()).contains("signed by unknown authority");
                    });
            assertThat(failures).as("cluster1's agents refuse the others' certificates of the old CA")
                    .anySatisfy(f -> {
                        assertThat(f.cluster()).isEqualTo("cluster1");
                        assertThat(f.peer()).isIn("cluster2", "cluster3");
                    });
            try (Mesh mesh = lab.meshBuilder().build()) {
                assertThat(mesh.status().healthy()).isFalse();
            }
        }
    }

    /**
     * The ordering mistake the phases exist for, made with the SDK's own steps: the rotation plan without phase 1, so
     * cluster1's certificates come from the new CA while cluster2 and cluster3 still trust only the old one.
     */
    @Test
    void reissuingBeforeEveryClusterTrustsTheNewCaIsCaughtByTheLab() {
        try (MeshLab lab = lab()) {
            dayOne(lab);
            try (Mesh mesh = lab.meshBuilder().build()) {
                MeshPlan plan = mesh.planRotateCa();
                java.util.Set<String> phaseOne = new java.util.HashSet<>();
                plan.steps().stream().filter(s -> s.kind().equals("ca-trust-both") || s.id().endsWith("/ca-wait-rollout-1")
                        || s.id().equals("ca-rotation/ca-rotation-gate-1")).forEach(s -> phaseOne.add(s.id()));
                assertThat(phaseOne).hasSize(7);
                List<PlanStep> withoutPhaseOne = plan.steps().stream().filter(s -> !phaseOne.contains(s.id()))
                        .map(s -> PlanSteps.create(s.id(), s.cluster(), s.kind(), s.description(),
                                s.dependsOn().stream().filter(d -> !phaseOne.contains(d)).toList(), s.after(), s.changes(), s.timeout(), PlanSteps.action(s)))
                        .toList();
                mesh.apply(new MeshPlan(plan.mesh(), plan.operation(), plan.createdAt(), plan.findings(), withoutPhaseOne, plan.notes()));
            }
            // which pair meets first depends on the order the restarts happen in; some pair of clusters always does
            assertThat(trustFailures(lab)).as("a cluster refused a peer's certificate (or the peer refused its client certificate)")
                    .anySatisfy(f -> {
                        assertThat(f.peer()).isNotEqualTo(f.cluster());
                        assertThat(f.detail()).containsAnyOf("signed by unknown authority", "bad certificate");
                    });
        }
    }

    @Test
    void withKvstoremeshOnChart116TheRotationIsRefusedNamingTheChartTemplate() {
        try (MeshLab lab = MeshLab.builder().clusters(2).cilium(CiliumOptions.version("1.16.19")).start()) {
            try (Mesh mesh = lab.meshBuilder().build()) {
                assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
                MeshPlan plan = mesh.planRotateCa();
                assertThat(plan.steps()).isEmpty();
                assertThat(plan.findings()).filteredOn(f -> f.code().equals("CA_ROTATION_KVSTOREMESH_CHART")).hasSize(2).allSatisfy(f -> {
                    assertThat(f.isError()).isTrue();
                    assertThat(f.message()).contains("kvstoremesh-secrets").contains("templates/clustermesh-apiserver/deployment.yaml");
                    assertThat(f.remediation()).contains("1.18");
                });
            }
            assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.client().secrets().inNamespace(NS).withName("clustermesh-ca-rotation").get())
                    .as("nothing was written").isNull());
        }
    }

    @ParameterizedTest(name = "a crash after phase {0}, then the rotation runs again and completes")
    @ValueSource(ints = {1, 2, 3})
    void aCrashAfterEachPhaseResumesThere(int phase) throws Exception {
        try (MeshLab lab = lab()) {
            dayOne(lab);
            String oldCa = cas(lab).get("cluster1");
            String gate = "ca-rotation/ca-rotation-gate-" + phase;

            // 1. the run that dies right after the phase's gate held (the applying thread interrupted, as a killed run)
            ExecutorService threads = Executors.newCachedThreadPool();
            Thread applying = Thread.currentThread();
            List<String> finished = new CopyOnWriteArrayList<>();
            MeshListener crash = new MeshListener() {
                @Override
                public void stepFinished(StepFinished e) {
                    finished.add(e.stepId());
                    if (e.stepId().equals(gate)) {
                        // the process dies here: nothing it would still send reaches the clusters (the steps the engine
                        // had already launched when the interrupt landed, e.g. phase 3's clean-up, cannot delete the record)
                        lab.clusters().forEach(c -> c.addFault(io.clustermesh.testing.requests.FaultRule.always(io.clustermesh.testing.requests.Fault.serverError())
                                .forMethods("DELETE", "PUT", "POST", "PATCH").forPath(".*/secrets.*")));
                        applying.interrupt();
                    }
                }
            };
            try (Mesh mesh = lab.meshBuilder().executor(threads).listener(crash).build()) {
                MeshReport crashed = mesh.apply(mesh.planRotateCa());
                assertThat(crashed.succeeded()).isFalse();
            } finally {
                Thread.interrupted();
                threads.shutdownNow();
                assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
            lab.clusters().forEach(LabCluster::clearFaults);
            assertThat(finished).contains(gate).doesNotContain("cluster1/ca-rotation-done");
            String recorded = recordedNewCa(lab);
            assertThat(recorded).as("the new CA is recorded in the clusters").isNotNull();

            // 2. a new process: the plan starts after the completed phase, with the recorded CA
            try (Mesh mesh = lab.meshBuilder().build()) {
                if (phase < 3) {
                    MeshPlan apply = mesh.plan();
                    assertThat(apply.findings()).as("apply would drop the bundle mid-rotation: refused, naming the rotation")
                            .anySatisfy(f -> {
                                assertThat(f.code()).isEqualTo("CA_ROTATION_IN_PROGRESS");
                                assertThat(f.isError()).isTrue();
                                assertThat(f.remediation()).contains("mesh.rotateCa()").contains("meshctl rotate-ca");
                            });
                    assertThat(apply.steps()).isEmpty();
                }
                MeshPlan resume = mesh.planRotateCa();
                assertThat(resume.hasErrors()).as(resume.toText()).isFalse();
                assertThat(resume.notes().get("ca rotation")).startsWith("resumed").contains(X509.inspect(recorded).sha256().substring(0, 16));
                assertThat(resume.notes().get("ca rotation starts at")).startsWith(phase < 3 ? "phase " + (phase + 1) + ":" : "clean-up");
                List<String> ids = resume.steps().stream().map(PlanStep::id).toList();
                for (int done = 1; done <= phase; done++) {
                    assertThat(ids).as(resume.toText()).doesNotContain("ca-rotation/ca-rotation-gate-" + done);
                }
                assertThat(ids).doesNotContain("cluster1/ca-rotation-record");
                MeshReport report = mesh.apply(resume);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                assertRotated(lab, mesh, oldCa);
            }
            assertThat(cas(lab).values()).as("the CA recorded before the crash is the one every cluster holds")
                    .containsOnly(X509.inspect(recorded).sha256());
            assertThat(trustFailures(lab)).isEmpty();
        }
    }

    // ------------------------------------------------------------------ the lab's own checks

    private static void assertRotated(MeshLab lab, Mesh mesh, String oldCa) {
        Map<String, String> after = cas(lab);
        assertThat(after.values().stream().distinct()).as("one CA everywhere: " + after).hasSize(1);
        assertThat(after.get("cluster1")).isNotEqualTo(oldCa);
        String newCaPem = caPem(lab.cluster("cluster1"));
        for (LabCluster c : lab.clusters()) {
            assertThat(leavesSignedBy(c, newCaPem)).as(c.name() + "'s clustermesh-apiserver certificates come from the new CA").isTrue();
            assertThat(bundleSize(c)).as(c.name() + ": the bundle is gone").isZero();
            assertThat(c.client().secrets().inNamespace(NS).withName("clustermesh-ca-rotation").get()).as("the rotation's record is deleted").isNull();
        }
        for (String c : CLUSTERS) {
            lab.cilium(c).awaitRemotes(rs -> rs.size() == 2 && rs.stream().allMatch(RemoteClusterState::ready), Duration.ofSeconds(30));
        }
        MeshStatus status = mesh.status();
        assertThat(status.healthy()).as(status.toText()).isTrue();
        MeshPlan next = mesh.plan();
        assertThat(next.writeSteps()).as("after the rotation the mesh is at its spec: " + next.toText()).isZero();
    }

    static List<TrustFailure> trustFailures(MeshLab lab) {
        List<TrustFailure> out = new ArrayList<>();
        CLUSTERS.forEach(c -> out.addAll(lab.cilium(c).trustFailures()));
        return out;
    }

    static Map<String, String> cas(MeshLab lab) {
        Map<String, String> out = new LinkedHashMap<>();
        lab.clusters().forEach(c -> out.put(c.name(), caFingerprint(c)));
        return out;
    }

    static String caFingerprint(LabCluster c) {
        String pem = caPem(c);
        return pem == null ? null : X509.inspect(pem).sha256();
    }

    static String caPem(LabCluster c) {
        return data(c.client().secrets().inNamespace(NS).withName("cilium-ca").get(), "ca.crt");
    }

    /** The new CA the rotation recorded (any cluster), or null. */
    static String recordedNewCa(MeshLab lab) {
        for (LabCluster c : lab.clusters()) {
            String pem = data(c.client().secrets().inNamespace(NS).withName("clustermesh-ca-rotation").get(), "ca.crt");
            if (pem != null) {
                return pem;
            }
        }
        return null;
    }

    /** How many certificates the chart's CA bundle ConfigMap holds (0 when there is none). */
    static int bundleSize(LabCluster c) {
        ConfigMap cm = c.client().configMaps().inNamespace(NS).withName("cilium-root-ca.crt").get();
        if (cm == null || cm.getData() == null || cm.getData().get("ca.crt") == null) {
            return 0;
        }
        return cm.getData().get("ca.crt").split("-----BEGIN CERTIFICATE-----", -1).length - 1;
    }

    static boolean leavesSignedBy(LabCluster c, String caPem) {
        for (String name : List.of("clustermesh-apiserver-server-cert", "clustermesh-apiserver-remote-cert", "clustermesh-apiserver-admin-cert",
                "clustermesh-apiserver-local-cert")) {
            String crt = data(c.client().secrets().inNamespace(NS).withName(name).get(), "tls.crt");
            if (crt == null || !X509.signedBy(crt, caPem)) {
                return false;
            }
        }
        return true;
    }

    private static void replace(LabCluster c, String name, Map<String, String> data) {
        Secret now = c.client().secrets().inNamespace(NS).withName(name).get();
        if (now == null) {
            return; // a certificate this chart line does not use
        }
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        Secret s = new SecretBuilder(now).withData(encoded).build();
        c.client().secrets().inNamespace(NS).resource(s).update();
    }

    private static String data(Secret s, String key) {
        if (s == null || s.getData() == null || s.getData().get(key) == null) {
            return null;
        }
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static PlanStep step(MeshPlan plan, String id) {
        return plan.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no step " + id + " in " + plan.toText()));
    }
}
