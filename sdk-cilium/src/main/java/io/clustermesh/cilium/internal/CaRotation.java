package io.clustermesh.cilium.internal;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.report.Change;
import io.clustermesh.Finding;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.PlanStep;
import io.clustermesh.Severity;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.internal.StepContext;
import io.clustermesh.internal.StepResult;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Moves a running mesh to a new CA without losing connectivity, in three phases, each gated on every cluster's agents
 * seeing every peer connected (Cilium's {@code tls.caBundle}: "allowing for CA rotation with no down-time", chart
 * values.yaml; the agents and the clustermesh-apiserver then read {@code ca.crt} from the bundle instead of the
 * certificate secrets, templates/cilium-agent/daemonset.yaml and templates/clustermesh-apiserver/deployment.yaml):
 * <ol>
 *   <li><b>trust both</b>: every cluster's release gets {@code tls.caBundle.enabled=true} with the current CA(s) and
 *       the new CA as content (the chart renders ConfigMap {@code cilium-root-ca.crt});</li>
 *   <li><b>re-issue</b>: {@code tls.ca} (secret {@code cilium-ca}) becomes the new CA and the clustermesh-apiserver
 *       certificates (server, admin, remote, client, and the KVStoreMesh client certificate the SDK writes) are issued
 *       from it; every peer trusts both CAs, so each cluster's new certificates are accepted at once;</li>
 *   <li><b>drop the old CA</b>: the bundle is removed; each cluster trusts only {@code ca.crt} of its secrets, the new
 *       CA.</li>
 * </ol>
 * The new CA (with its key), the old CA certificates and the last phase whose gate held are recorded in secret
 * {@value #STATE_SECRET} of every cluster before anything else is written, so a run that stops anywhere resumes at the
 * phase that did not complete, with the same new CA; the secret is deleted once phase 3 held.
 */
public final class CaRotation {
    /** The rotation's record in kube-system of every cluster. */
    public static final String STATE_SECRET = "clustermesh-ca-rotation";
    public static final String KIND_RECORD = "ca-rotation-record";
    public static final String KIND_TRUST_BOTH = "ca-trust-both";
    public static final String KIND_REISSUE = "ca-reissue";
    public static final String KIND_LOCAL_CERT = "ca-reissue-local-cert";
    public static final String KIND_DROP_OLD = "ca-drop-old";
    public static final String KIND_ROLLOUT = "ca-wait-rollout";
    public static final String KIND_GATE = "ca-rotation-gate";
    public static final String KIND_DONE = "ca-rotation-done";
    static final String[] PHASES = {"", "every cluster trusts the current and the new CA (tls.caBundle)",
            "cilium-ca and the clustermesh-apiserver certificates re-issued from the new CA",
            "the old CA dropped from every cluster's trust (tls.caBundle removed)"};

    private final MeshContext ctx;
    private final ChartSource chart;
    private final CertificateAuthority authority;
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private Map<String, ClusterSnapshot> snapshots;

    public CaRotation(MeshContext ctx, ChartSource chart) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.chart = Objects.requireNonNull(chart, "chart");
        this.authority = ctx.certificateAuthority();
    }

    /** Whether Helm values enable the CA bundle (only a CA rotation of the SDK does). */
    public static boolean bundleEnabled(Map<String, Object> values) {
        return Boolean.TRUE.equals(Values.get(values, "tls.caBundle.enabled"));
    }

    /** What the clusters record: the new CA, the old CA certificates, the last phase whose gate held. */
    private record State(PemCredential next, String old, int phase) {
    }

    /** The rotation plan: the phases still to do, each gated; nothing is written while planning. */
    public MeshPlan plan() {
        snapshots = SnapshotReader.readAll(ctx);
        for (ClusterSnapshot s : snapshots.values()) {
            check(s);
        }
        Map<String, State> recorded = new LinkedHashMap<>();
        if (findings.stream().noneMatch(Finding::isError)) {
            for (ClusterSnapshot s : snapshots.values()) {
                readState(s.name()).ifPresent(st -> recorded.put(s.name(), st));
            }
        }
        State state = findings.stream().anyMatch(Finding::isError) ? null : state(recorded);
        if (state == null || findings.stream().anyMatch(Finding::isError)) {
            return new MeshPlan(ctx.spec().name(), "rotate-ca", ctx.clock().now(), findings, List.of(), notes);
        }
        return new MeshPlan(ctx.spec().name(), "rotate-ca", ctx.clock().now(), findings, steps(state, recorded), notes);
    }

    private void check(ClusterSnapshot s) {
        String c = s.name();
        if (!s.reachable()) {
            findings.add(Finding.error("CA_ROTATION_CLUSTER_UNREACHABLE", c, "cluster " + c,
                    c + " did not answer: " + s.error().getMessage() + "; a CA rotation changes the trust of every cluster and needs all of them",
                    s.error().remediation().isEmpty() ? "make " + c + " reachable and run the rotation again" : s.error().remediation()));
            return;
        }
        if (s.release() == null || !CaPlanner.meshed(s) || s.ca() == null) {
            findings.add(Finding.error("CA_ROTATION_NOT_MESHED", c, "helm release kube-system/cilium",
                    c + " is not part of a running mesh (no Cilium release with peers, or no cilium-ca): there is no CA to rotate",
                    "bring the mesh up with apply first; a new mesh gets a new CA from spec.ca"));
            return;
        }
        CiliumOptions o = ctx.spec().ciliumFor(s.cluster());
        if (o.certificateMethod() != CertificateMethod.SDK) {
            findings.add(Finding.error("CA_ROTATION_CERTIFICATE_METHOD", c, "spec.cilium.certificateMethod",
                    c + " gets its clustermesh-apiserver certificates from " + o.certificateMethod().value()
                            + "; the rotation re-issues them itself and supports only the SDK-issued certificates",
                    "use certificateMethod: sdk (apply it first), or rotate with the issuer (certgen, cert-manager) by hand"));
        }
        if (!Objects.equals(s.release().chartVersion(), o.version())) {
            findings.add(Finding.error("CA_ROTATION_PENDING_UPGRADE", c, "spec.cilium.version",
                    c + " runs chart " + s.release().chartVersion() + " but the spec asks for " + o.version()
                            + "; a rotation changes only the trust and the certificates",
                    "apply the version change first (mesh.apply / meshctl apply), then rotate"));
        }
        try {
            ChartVersion v = ChartVersion.parse(o.version());
            if (o.kvstoremesh() && !v.atLeast(1, 18)) {
                findings.add(Finding.error("CA_ROTATION_KVSTOREMESH_CHART", c, "spec.cilium.version",
                        c + ": with KVStoreMesh, chart " + o.version() + " mounts the remote certificate's ca.crt for the connections to"
                                + " the peers, not tls.caBundle (templates/clustermesh-apiserver/deployment.yaml, volume kvstoremesh-secrets;"
                                + " the bundle is used there from 1.18), so re-issuing one cluster's certificates would disconnect it",
                        "upgrade the mesh to Cilium 1.18 or newer first (one minor line at a time), or turn KVStoreMesh off, then rotate"));
            }
        } catch (IllegalArgumentException e) {
            // an unparsable version is reported by the validator
        }
    }

    /** The recorded rotation, or a new one from spec.ca; {@code null} with a finding when there is nothing to rotate. */
    private State state(Map<String, State> recorded) {
        if (!recorded.isEmpty()) {
            State first = recorded.values().iterator().next();
            String fp = fingerprint(first.next().certificatePem());
            int phase = 3;
            for (Map.Entry<String, State> e : recorded.entrySet()) {
                if (!fingerprint(e.getValue().next().certificatePem()).equals(fp)) {
                    findings.add(Finding.error("CA_ROTATION_STATE_CONFLICT", e.getKey(), "secret kube-system/" + STATE_SECRET,
                            e.getKey() + " records a rotation to another CA (" + fingerprint(e.getValue().next().certificatePem()).substring(0, 16)
                                    + ") than " + recorded.keySet().iterator().next() + " (" + fp.substring(0, 16) + ")",
                            "keep the secret of the rotation that got further and delete the other, then run the rotation again"));
                    return null;
                }
                phase = Math.min(phase, e.getValue().phase());
            }
            State st = new State(first.next(), first.old(), phase);
            notes.put("ca rotation", "resumed: to the new CA " + fp.substring(0, 16) + " recorded in secret kube-system/" + STATE_SECRET
                    + (phase == 0 ? "; no phase completed yet" : "; phases 1-" + phase + " completed"));
            return st;
        }
        CaStrategy strategy = ctx.spec().ca();
        Map<String, String> olds = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            olds.putIfAbsent(fingerprint(s.ca().certificatePem()), s.ca().certificatePem());
        }
        PemCredential next;
        if (strategy.kind() == CaStrategy.Kind.ADOPT) {
            ClusterSnapshot from = snapshots.get(strategy.fromCluster());
            if (from == null) {
                findings.add(Finding.error("CA_ADOPT_UNKNOWN_CLUSTER", strategy.fromCluster(), "spec.ca.from",
                        "the CA is to be adopted from '" + strategy.fromCluster() + "', which is not a cluster of the mesh",
                        "set spec.ca.from to a cluster of the mesh"));
                return null;
            }
            next = from.ca();
            if (!next.hasKey()) {
                findings.add(Finding.error("CA_KEY_MISSING", from.name(), "secret kube-system/cilium-ca",
                        from.name() + "'s CA has no private key (ca.key), so certificates cannot be issued from it",
                        "restore ca.key in " + from.name() + "'s cilium-ca secret, or rotate to a generated CA (ca: {strategy: generate})"));
                return null;
            }
            if (olds.size() == 1) {
                findings.add(new Finding("CA_ROTATION_NOTHING_TO_DO", Severity.INFO, from.name(), "spec.ca.from",
                        "every cluster already uses " + from.name() + "'s CA: there is nothing to rotate",
                        "to move to a new CA, use ca: {strategy: generate} (with the validity the new CA should have)"));
                return null;
            }
            notes.put("ca rotation", "new: to " + from.name() + "'s CA " + fingerprint(next.certificatePem()).substring(0, 16));
        } else {
            // a subject of its own: during the rotation both CAs sit in one bundle, and peers tell them apart by name
            next = authority.createCa("Cilium CA " + ctx.spec().name() + " " + ctx.clock().now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    strategy.validity());
            notes.put("ca rotation", "new: to a generated CA " + fingerprint(next.certificatePem()).substring(0, 16)
                    + " (ECDSA P-256, valid " + strategy.validity().toDays() + " days)");
        }
        String nextFp = fingerprint(next.certificatePem());
        StringBuilder old = new StringBuilder();
        olds.forEach((fp, pem) -> {
            if (!fp.equals(nextFp)) {
                old.append(pemBlock(pem));
            }
        });
        return new State(next, old.toString(), 0);
    }

    private List<PlanStep> steps(State st, Map<String, State> recorded) {
        List<PlanStep> steps = new ArrayList<>();
        List<String> names = new ArrayList<>(snapshots.keySet());
        String bundle = st.old() + pemBlock(st.next().certificatePem());
        String nextShort = fingerprint(st.next().certificatePem()).substring(0, 16);
        notes.put("ca rotation starts at", st.phase() >= 3 ? "clean-up (phase 3 completed)" : "phase " + (st.phase() + 1) + ": " + PHASES[st.phase() + 1]);
        List<String> gate = new ArrayList<>();
        // 0. record the new CA everywhere before any cluster trusts it
        if (st.phase() < 3) {
            for (String c : names) {
                if (!recorded.containsKey(c)) {
                    String id = c + "/" + KIND_RECORD;
                    steps.add(PlanSteps.create(id, c, KIND_RECORD, "record the rotation to the new CA " + nextShort + " (so a stopped run resumes with it)",
                            List.of(), List.of(), List.of(new Change("secret kube-system/" + STATE_SECRET, "ca.crt", null, "the new CA " + nextShort)),
                            null, sc -> record(c, st)));
                    gate.add(id);
                }
            }
        }
        // one planner per CA: the current CA of each cluster (phase 1) and the new CA (phases 2 and 3)
        ApplyPlanner toNext = ApplyPlanner.withCa(ctx, chart, snapshots, st.next());
        Map<String, ApplyPlanner> current = new LinkedHashMap<>();
        for (int phase = Math.max(1, st.phase() + 1); phase <= 3; phase++) {
            int p = phase;
            List<String> rollouts = new ArrayList<>();
            int batch = ctx.spec().cilium().rolloutBatch();
            for (int i = 0; i < names.size(); i++) {
                String c = names.get(i);
                ClusterSnapshot s = snapshots.get(c);
                List<String> deps = new ArrayList<>(gate);
                // rolling, as an upgrade: rolloutBatch clusters at a time, the next after the previous ones rolled out
                int from = (i / batch - 1) * batch;
                for (int j = Math.max(0, from); j < from + batch && j >= 0 && j < i; j++) {
                    deps.add(names.get(j) + "/" + KIND_ROLLOUT + "-" + p);
                }
                List<Change> changes = new ArrayList<>();
                String res = "helm release kube-system/cilium";
                String kind;
                String what;
                io.clustermesh.internal.StepAction action;
                if (p == 1) {
                    ApplyPlanner own = current.computeIfAbsent(fingerprint(s.ca().certificatePem()),
                            k -> ApplyPlanner.withCa(ctx, chart, snapshots, s.ca()));
                    kind = KIND_TRUST_BOTH;
                    what = "phase 1/3: " + c + " trusts the current and the new CA (tls.caBundle with " + count(bundle) + " CAs)";
                    if (!bundle.equals(Values.get(s.release().values(), "tls.caBundle.content")) || !bundleEnabled(s.release().values())) {
                        changes.add(new Change(res, "tls.caBundle", bundleEnabled(s.release().values()) ? "another bundle" : "disabled",
                                "enabled: the current CA and the new CA " + nextShort + " (ConfigMap cilium-root-ca.crt)"));
                    }
                    action = sc -> own.upgradeTo(sc, c, withBundle(own.completeValues(c), bundle));
                } else if (p == 2) {
                    kind = KIND_REISSUE;
                    what = "phase 2/3: cilium-ca of " + c + " becomes the new CA " + nextShort + " and its clustermesh-apiserver certificates are issued from it";
                    boolean caDone = fingerprint(s.ca().certificatePem()).equals(fingerprint(st.next().certificatePem()));
                    if (!caDone) {
                        changes.add(new Change(res, "tls.ca", fingerprint(s.ca().certificatePem()).substring(0, 16), nextShort));
                    }
                    if (!toNext.keepsCertificates(c)) {
                        changes.add(new Change(res, "clustermesh.apiserver.tls (server, admin, remote, client)", "<certificates of the current CA>",
                                ApplyPlanner.NEW_CERTIFICATE + " from " + nextShort));
                    }
                    if (toNext.writesLocalCertificate(c)) {
                        String localId = c + "/" + KIND_LOCAL_CERT;
                        steps.add(PlanSteps.create(localId, c, KIND_LOCAL_CERT, "phase 2/3: issue the KVStoreMesh client certificate of " + c
                                + " (CN local-" + c + ") from the new CA", List.copyOf(deps), List.of(),
                                List.of(new Change("secret kube-system/" + Names.LOCAL_CERT_SECRET, "tls.crt", "<certificate of the current CA>",
                                        "<certificate local-" + c + " from " + nextShort + ">")), null, sc -> toNext.localCertificate(c)));
                        deps.add(localId);
                    }
                    action = sc -> toNext.upgradeTo(sc, c, withBundle(toNext.completeValues(c), bundle));
                } else {
                    kind = KIND_DROP_OLD;
                    what = "phase 3/3: " + c + " trusts only the new CA " + nextShort + " (tls.caBundle removed)";
                    if (bundleEnabled(s.release().values()) || !fingerprint(s.ca().certificatePem()).equals(fingerprint(st.next().certificatePem()))) {
                        changes.add(new Change(res, "tls.caBundle", "enabled: the current CA and the new CA", "removed: only ca.crt, the new CA"));
                    }
                    action = sc -> toNext.upgradeTo(sc, c, toNext.completeValues(c));
                }
                String id = c + "/" + kind;
                List<String> after = deps.stream().filter(d -> d.contains("/" + KIND_ROLLOUT + "-")).map(d -> d.substring(0, d.indexOf('/'))).toList();
                steps.add(PlanSteps.create(id, c, kind, what + (changes.isEmpty() ? " (already done)" : "")
                        + (after.isEmpty() ? "" : "; after " + String.join(", ", after) + " rolled out"), deps, List.of(), changes, null, action));
                String rollout = c + "/" + KIND_ROLLOUT + "-" + p;
                steps.add(PlanSteps.create(rollout, c, KIND_ROLLOUT, "phase " + p + "/3: wait for the clustermesh-apiserver and the agents of " + c
                        + " to be rolled out", List.of(id), List.of(), List.of(), null, sc -> toNext.rolledOut(sc, c)));
                rollouts.add(rollout);
            }
            String gateId = "ca-rotation/" + KIND_GATE + "-" + p;
            steps.add(PlanSteps.create(gateId, null, KIND_GATE, "gate of phase " + p + "/3 (" + PHASES[p] + "): every cluster's agents connected to every peer;"
                    + " then phase " + p + " is recorded as completed", rollouts, List.of(),
                    List.of(new Change("secret kube-system/" + STATE_SECRET, "phase", String.valueOf(p - 1), String.valueOf(p))), null,
                    sc -> gate(sc, p, names)));
            gate = List.of(gateId);
        }
        for (String c : names) {
            steps.add(PlanSteps.create(c + "/" + KIND_DONE, c, KIND_DONE, "the rotation is complete: delete its record on " + c, gate, List.of(),
                    List.of(new Change("secret kube-system/" + STATE_SECRET, "", "the rotation's record", null)), null, sc -> done(c)));
        }
        return steps;
    }

    // ------------------------------------------------------------------ step actions

    private StepResult record(String cluster, State st) {
        ClusterConnection conn = ctx.connection(cluster);
        Optional<SecretData> now = conn.secret(Names.NAMESPACE, STATE_SECRET);
        if (now.isPresent()) {
            State there = parse(now.get());
            if (there != null && fingerprint(there.next().certificatePem()).equals(fingerprint(st.next().certificatePem()))) {
                return StepResult.unchanged("already recorded");
            }
        }
        conn.putSecret(Names.NAMESPACE, secret(st, 0, now.map(SecretData::resourceVersion).orElse(null)));
        return StepResult.changed("recorded the new CA " + fingerprint(st.next().certificatePem()).substring(0, 16));
    }

    private StepResult gate(StepContext sc, int phase, List<String> names) throws Exception {
        String[] last = {""};
        sc.await("every cluster's agents to see every peer connected after phase " + phase + " of the CA rotation", ctx.timeouts().connection(),
                "the rotation stops here (phase " + phase + " is not recorded as completed): mesh.status() shows which peers fail and why;"
                        + " fix them, then run the rotation again to resume",
                () -> {
                    List<String> missing = new ArrayList<>();
                    for (String c : names) {
                        MeshCluster mc = ctx.spec().cluster(c).orElseThrow();
                        io.clustermesh.report.ClusterStatus st = StatusReader.cluster(ctx, mc);
                        for (String p : names) {
                            if (!p.equals(c) && st.peers().stream().noneMatch(x -> x.peer().equals(p) && x.fullyConnected())) {
                                missing.add(c + " -> " + p);
                            }
                        }
                    }
                    last[0] = String.join(", ", missing);
                    return missing.isEmpty() ? Optional.of(Boolean.TRUE) : Optional.empty();
                });
        for (String c : names) {
            ClusterConnection conn = ctx.connection(c);
            Optional<SecretData> now = conn.secret(Names.NAMESPACE, STATE_SECRET);
            State there = now.map(CaRotation::parse).orElse(null);
            if (there == null) {
                throw new io.clustermesh.MeshPreconditionException(c + ": the record of the CA rotation (secret kube-system/"
                        + STATE_SECRET + ") is gone",
                        Details.inCluster(c).atStep(sc.stepId())
                                .fix("run the rotation again; if the record was deleted on every cluster, check which CA each"
                        + " cluster's cilium-ca holds (mesh.plan() reports a mismatch)"));
            }
            if (there.phase() < phase) {
                conn.putSecret(Names.NAMESPACE, secret(there, phase, now.get().resourceVersion()));
            }
        }
        return StepResult.changed("every peer connected; phase " + phase + " recorded as completed");
    }

    private StepResult done(String cluster) {
        return ctx.connection(cluster).deleteSecret(Names.NAMESPACE, STATE_SECRET)
                ? StepResult.changed("deleted the rotation's record") : StepResult.unchanged("no record left");
    }

    // ------------------------------------------------------------------ state and values

    private Optional<State> readState(String cluster) {
        try {
            Optional<SecretData> s = SnapshotReader.retrying(ctx, () -> ctx.connection(cluster).secret(Names.NAMESPACE, STATE_SECRET));
            if (s.isEmpty()) {
                return Optional.empty();
            }
            State st = parse(s.get());
            if (st == null) {
                findings.add(Finding.error("CA_ROTATION_STATE_UNREADABLE", cluster, "secret kube-system/" + STATE_SECRET,
                        cluster + ": the record of the CA rotation lacks the new CA, its key or the phase",
                        "delete the broken secret on " + cluster + " if another cluster still records the rotation, then run it again"));
                return Optional.empty();
            }
            return Optional.of(st);
        } catch (MeshException e) {
            findings.add(Finding.error("CA_ROTATION_CLUSTER_UNREACHABLE", cluster, "secret kube-system/" + STATE_SECRET,
                    cluster + ": cannot read the record of the CA rotation: " + e.getMessage(), "make " + cluster + " reachable and run again"));
            return Optional.empty();
        }
    }

    private static State parse(SecretData s) {
        String crt = s.string("ca.crt");
        String key = s.string("ca.key");
        String old = s.string("old.crt");
        String phase = s.string("phase");
        if (crt == null || key == null || old == null || phase == null) {
            return null;
        }
        try {
            return new State(new PemCredential(crt, key), old, Integer.parseInt(phase.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static SecretData secret(State st, int phase, String resourceVersion) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("ca.crt", st.next().certificatePem().getBytes(StandardCharsets.UTF_8));
        data.put("ca.key", st.next().privateKeyPem().getBytes(StandardCharsets.UTF_8));
        data.put("old.crt", st.old().getBytes(StandardCharsets.UTF_8));
        data.put("phase", String.valueOf(phase).getBytes(StandardCharsets.UTF_8));
        return new SecretData(STATE_SECRET, resourceVersion, "Opaque", Map.of("app.kubernetes.io/managed-by", "clustermesh"), data);
    }

    /** The values with the CA bundle the chart renders as ConfigMap cilium-root-ca.crt (key ca.crt, the chart defaults). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withBundle(Map<String, Object> values, String bundle) {
        Map<String, Object> out = new LinkedHashMap<>(values);
        Map<String, Object> tls = out.get("tls") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        Map<String, Object> caBundle = new LinkedHashMap<>();
        caBundle.put("enabled", true);
        caBundle.put("content", bundle);
        tls.put("caBundle", caBundle);
        out.put("tls", tls);
        return out;
    }

    private static String pemBlock(String pem) {
        String t = pem.strip();
        return t + "\n";
    }

    private static int count(String bundle) {
        return bundle.split("-----BEGIN CERTIFICATE-----", -1).length - 1;
    }

    private String fingerprint(String pem) {
        return authority.inspect(pem).sha256();
    }
}
