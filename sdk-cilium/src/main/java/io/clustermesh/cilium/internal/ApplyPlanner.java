package io.clustermesh.cilium.internal;

import io.clustermesh.internal.PlanSteps;
import io.clustermesh.report.Change;
import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.report.PlanStep;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.cilium.values.PeerEndpoint;
import io.clustermesh.cilium.values.ValuesChange;
import io.clustermesh.cilium.values.ValuesDiff;
import io.clustermesh.cilium.values.ValuesInput;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.internal.StepContext;
import io.clustermesh.internal.StepResult;
import io.clustermesh.spi.WorkloadStatus;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Plans {@code apply}, {@code disconnect} and {@code disable} (docs/operations.md). Planning reads
 * every cluster once, in parallel, and writes nothing; the steps re-check the cluster before writing so that a
 * retried or repeated step writes nothing when nothing changed.
 */
public final class ApplyPlanner {
    public static final String KIND_UPGRADE = "helm-upgrade";
    public static final String KIND_UPGRADE_PEERS = "helm-upgrade-peers";
    public static final String KIND_GATE = "rolling-gate";
    public static final String KIND_WAIT_LB = "wait-lb-ip";
    public static final String KIND_WAIT_ROLLOUT = "wait-rollout";
    public static final String KIND_VERIFY = "verify-peers";
    public static final String KIND_UNREACHABLE = "read-cluster";
    public static final String KIND_LOCAL_CERT = "local-cert";
    /** Writes the clustermesh-apiserver server, admin and remote certificate Secrets before the upgrade (chart 1.20+). */
    public static final String KIND_LEAF_CERTS = "apiserver-certs";

    private final MeshContext ctx;
    private final ChartSource chart;
    private final boolean waitForConvergence;
    private final MeshSpec spec;
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private Map<String, ClusterSnapshot> snapshots;
    private Map<String, MeshCluster> clusters;
    private PemCredential meshCa;
    private CertificatePlan certs;
    private PlanChecks checks;

    private final java.util.function.Supplier<PemCredential> generatedCa;

    /**
     * @param generatedCa the CA to use when no cluster has one yet (the driver keeps one per mesh so that every plan
     *                    of the same {@code Mesh} before the first apply agrees)
     */
    public ApplyPlanner(MeshContext ctx, ChartSource chart, boolean waitForConvergence, java.util.function.Supplier<PemCredential> generatedCa) {
        this.generatedCa = generatedCa;
        this.ctx = ctx;
        this.chart = chart;
        this.waitForConvergence = waitForConvergence;
        this.spec = ctx.spec();
    }

    /** How a plan shows a certificate that its upgrade step issues. */
    static final String NEW_CERTIFICATE = CertificatePlan.NEW_CERTIFICATE;

    /** How an operation changes each cluster's peers. */
    enum Operation { APPLY, DISCONNECT, DISABLE }

    public MeshPlan planApply() {
        return plan(Operation.APPLY, null);
    }

    public MeshPlan planDisconnect(String cluster) {
        return plan(Operation.DISCONNECT, cluster);
    }

    public MeshPlan planDisable() {
        return plan(Operation.DISABLE, null);
    }

    /** The values each reachable cluster would get in a single pass (for GitOps export). Holds keys. */
    public Map<String, Map<String, Object>> intendedValues() {
        prepare(Operation.APPLY);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (findings.stream().anyMatch(Finding::isError)) {
            throw new io.clustermesh.MeshConfigurationException(findings);
        }
        for (ClusterSnapshot s : snapshots.values()) {
            if (s.reachable()) {
                out.put(s.name(), values(s, peersFor(s.name(), Operation.APPLY, null, x -> snapshots.get(x).meshAddress()), true));
            }
        }
        return out;
    }

    private void prepare(Operation op) {
        snapshots = SnapshotReader.readAll(ctx);
        clusters = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            clusters.put(s.name(), complete(s));
        }
        checks = new PlanChecks(ctx, chart, waitForConvergence, findings, notes, clusters);
        for (ClusterSnapshot s : snapshots.values()) {
            checks.checkCluster(s, op);
        }
        checks.checkMesh(snapshots, op);
        if (findings.stream().noneMatch(Finding::isError)) {
            CaPlanner.Decision d = CaPlanner.decide(spec.ca(), snapshots, ctx.certificateAuthority(), generatedCa);
            findings.addAll(d.findings());
            meshCa = d.ca();
            certs = meshCa == null ? null : new CertificatePlan(ctx, meshCa);
            notes.put("ca", d.source());
        }
    }

    // ------------------------------------------------------------------ CA rotation (see CaRotation)

    /**
     * A planner over snapshots already read whose mesh CA is {@code ca}: the CA rotation computes each phase's values
     * with the planner of the CA that phase issues from (certificates kept when signed by it, else issued once).
     */
    static ApplyPlanner withCa(MeshContext ctx, ChartSource chart, Map<String, ClusterSnapshot> snapshots, PemCredential ca) {
        ApplyPlanner p = new ApplyPlanner(ctx, chart, true, () -> ca);
        p.snapshots = snapshots;
        p.clusters = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            p.clusters.put(s.name(), p.complete(s));
        }
        p.meshCa = ca;
        p.certs = new CertificatePlan(ctx, ca);
        return p;
    }

    /** The complete values of {@code cluster} with every peer, its certificates from this planner's CA. Holds keys. */
    Map<String, Object> completeValues(String cluster) {
        ClusterSnapshot s = snapshots.get(cluster);
        return values(s, peersFor(cluster, Operation.APPLY, null, x -> snapshots.get(x).meshAddress()), true);
    }

    /** Whether the cluster's current SDK-issued certificates are signed by this planner's CA and still good. */
    boolean keepsCertificates(String cluster) {
        MeshCluster c = clusters.get(cluster);
        return certs.kept(snapshots.get(cluster), c, spec.ciliumFor(c)).isPresent();
    }

    /** A Helm upgrade of {@code cluster} to {@code values}, unless the release has them already. */
    StepResult upgradeTo(StepContext sc, String cluster, Map<String, Object> values) {
        return upgrade(sc, snapshots.get(cluster), values);
    }

    /** Waits for the cluster's clustermesh-apiserver and agents to be rolled out. */
    StepResult rolledOut(StepContext sc, String cluster) throws Exception {
        return waitRollout(sc, cluster);
    }

    /** Whether the SDK writes the cluster's KVStoreMesh client certificate itself. */
    boolean writesLocalCertificate(String cluster) {
        return certs.needsLocalCert(clusters.get(cluster));
    }

    /** Issues the KVStoreMesh client certificate from this planner's CA unless the current one is from it and good. */
    StepResult localCertificate(String cluster) {
        return certs.writeLocalCert(cluster);
    }

    private MeshCluster complete(ClusterSnapshot s) {
        MeshCluster c = s.cluster();
        if (c.apiServer() == null && s.reachable()) {
            String host = URI.create(ctx.connection(c.name()).apiServerUrl()).getHost();
            c = c.withApiServer(host);
            notes.put(c.name() + ".apiServer", host + " (from the kubeconfig server URL)");
        }
        return c;
    }


    private MeshPlan plan(Operation op, String target) {
        prepare(op);
        String operation = op.name().toLowerCase(java.util.Locale.ROOT);
        if (findings.stream().anyMatch(Finding::isError)) {
            return new MeshPlan(spec.name(), operation, ctx.clock().now(), findings, List.of(), notes);
        }
        List<PlanStep> steps = new ArrayList<>();
        boolean twoPass = op == Operation.APPLY && spec.exposure().isLoadBalancer()
                && snapshots.values().stream().anyMatch(s -> s.meshAddress().isEmpty());
        List<String> waitLb = new ArrayList<>();
        List<String> rollouts = new ArrayList<>();
        Map<String, Draft> drafts = drafts(op, target);
        for (ClusterSnapshot s : snapshots.values()) {
            String c = s.name();
            if (!s.reachable()) {
                steps.add(unreachableStep(s));
                continue;
            }
            Draft draft = drafts.get(c);
            if (op == Operation.APPLY) {
                notes.put(c + ".certificates", certs.leafNote(clusters.get(c)));
            }
            boolean versionChange = draft.versionChange();
            ValuesDiff diff = draft.diff();
            String last = null;
            String localCertStep = null;
            if (draft.localCert() != null) {
                Optional<SecretData> existing = draft.localCert();
                if (existing.isEmpty() || !draft.localCertValid()) {
                    localCertStep = c + "/" + KIND_LOCAL_CERT;
                    steps.add(PlanSteps.create(localCertStep, c, KIND_LOCAL_CERT,
                            "issue the KVStoreMesh client certificate (CN local-" + c + ") from the mesh CA",
                            List.of(), List.of(), List.of(new Change("secret kube-system/" + Names.LOCAL_CERT_SECRET, "tls.crt",
                            existing.isEmpty() ? null : "<certificate to renew>", "<certificate local-" + c + ">")), null,
                            sc -> certs.writeLocalCert(c)));
                }
            }
            String leafStep = null;
            if (draft.leafSecrets()) {
                leafStep = c + "/" + KIND_LEAF_CERTS;
                List<Change> leafChanges = new ArrayList<>();
                for (String secret : CiliumValues.LEAF_SECRETS) {
                    leafChanges.add(new Change("secret kube-system/" + secret, "tls.crt", null, NEW_CERTIFICATE));
                }
                steps.add(PlanSteps.create(leafStep, c, KIND_LEAF_CERTS, "write the clustermesh-apiserver certificates the chart "
                        + spec.ciliumFor(s.cluster()).chartVersion().line() + " expects as Secrets before the upgrade, issued from the mesh CA",
                        List.of(), List.of(), leafChanges, null, sc -> certs.writeLeafSecrets(s, clusters.get(c))));
            }
            List<String> before = new ArrayList<>();
            if (localCertStep != null) before.add(localCertStep);
            if (leafStep != null) before.add(leafStep);
            List<DriftChecks.Drift> drift = checks == null ? List.of() : checks.drift(c);
            if (versionChange || !diff.isEmpty() || PlanChecks.interrupted(s) || !drift.isEmpty()) {
                List<Change> changes = new ArrayList<>(changes(s, diff, versionChange));
                drift.forEach(d -> changes.add(d.change()));
                String id = c + "/" + KIND_UPGRADE;
                steps.add(PlanSteps.create(id, c, KIND_UPGRADE, (s.release() == null ? "helm install" : "helm upgrade") + " cilium "
                        + spec.ciliumFor(s.cluster()).version() + " with the complete values (" + diff.changes().size() + " changed paths"
                        + (drift.isEmpty() ? "" : ", repairing " + drift.size() + " drifted object" + (drift.size() == 1 ? "" : "s")) + ")",
                        List.copyOf(before), List.of(), changes, null,
                        sc -> upgrade(sc, s, values(s, draft.peers(), op != Operation.DISABLE), !drift.isEmpty())));
                last = id;
            } else if (!before.isEmpty()) {
                last = before.get(before.size() - 1);
            }
            if (!waitForConvergence || op == Operation.DISABLE) {
                continue;
            }
            if (op == Operation.APPLY && spec.exposure().isLoadBalancer()) {
                String id = c + "/" + KIND_WAIT_LB;
                steps.add(PlanSteps.create(id, c, KIND_WAIT_LB, "wait for the clustermesh-apiserver LoadBalancer IP"
                        + (clusters.get(c).meshIp() == null ? "" : " " + clusters.get(c).meshIp()),
                        last == null ? List.of() : List.of(last), List.of(), List.of(), null, sc -> waitLoadBalancer(sc, c)));
                waitLb.add(id);
            }
        }
        if (waitForConvergence && op == Operation.APPLY) {
            rollingChain(steps, drafts);
        }
        if (twoPass && waitForConvergence) {
            for (ClusterSnapshot s : snapshots.values()) {
                if (!s.reachable()) continue;
                String c = s.name();
                String id = c + "/" + KIND_UPGRADE_PEERS;
                List<String> missing = snapshots.values().stream().filter(x -> !x.name().equals(c) && x.meshAddress().isEmpty())
                        .map(ClusterSnapshot::name).toList();
                steps.add(PlanSteps.create(id, c, KIND_UPGRADE_PEERS, "helm upgrade adding the peers whose LB IPs are known only after pass 1: "
                        + String.join(", ", missing), List.of(c + "/" + KIND_WAIT_LB), waitLb,
                        List.of(new Change("helm release kube-system/cilium", "clustermesh.config.clusters", "without " + String.join(", ", missing),
                                "every peer with its LB IP")), null, sc -> upgradePeers(sc, s)));
            }
        }
        if (waitForConvergence && op != Operation.DISABLE) {
            for (ClusterSnapshot s : snapshots.values()) {
                if (!s.reachable()) continue;
                String c = s.name();
                String id = c + "/" + KIND_WAIT_ROLLOUT;
                List<String> deps = new ArrayList<>();
                for (PlanStep p : steps) {
                    if (c.equals(p.cluster()) && (p.kind().equals(KIND_UPGRADE) || p.kind().equals(KIND_UPGRADE_PEERS) || p.kind().equals(KIND_WAIT_LB))) {
                        deps.add(p.id());
                    }
                }
                steps.add(PlanSteps.create(id, c, KIND_WAIT_ROLLOUT, "wait for the clustermesh-apiserver and the cilium agents to be rolled out",
                        deps, List.of(), List.of(), null, sc -> waitRollout(sc, c)));
                rollouts.add(id);
            }
            for (ClusterSnapshot s : snapshots.values()) {
                if (!s.reachable()) continue;
                String c = s.name();
                if (op == Operation.DISCONNECT && c.equals(target)) continue;
                steps.add(PlanSteps.create(c + "/" + KIND_VERIFY, c, KIND_VERIFY, "wait until every agent is connected to every peer",
                        List.of(c + "/" + KIND_WAIT_ROLLOUT), rollouts, List.of(), null, sc -> verify(sc, c, op, target)));
            }
        }
        return new MeshPlan(spec.name(), operation, ctx.clock().now(), findings, steps, notes);
    }

    /**
     * A chart version change on clusters that already run Cilium restarts their agents: it rolls out in batches of
     * {@link CiliumOptions#rolloutBatch()} clusters (default 1), in spec order. Each upgraded cluster outside the last
     * batch gets a {@value #KIND_GATE} step (after its rollout: its agents report every peer connected and every peer's
     * agents report it connected again), and the Helm upgrades of the next batch depend on every gate of the previous
     * one: a failed gate stops the rollout there, and the next run resumes with the clusters still on the old version.
     * Fresh installs and value-only changes are not chained.
     */
    private void rollingChain(List<PlanStep> steps, Map<String, Draft> drafts) {
        List<String> order = new ArrayList<>();
        for (ClusterSnapshot s : snapshots.values()) {
            if (s.reachable() && s.release() != null && drafts.get(s.name()) != null && drafts.get(s.name()).versionChange()
                    && steps.stream().anyMatch(p -> p.id().equals(s.name() + "/" + KIND_UPGRADE))) {
                order.add(s.name());
            }
        }
        int size = spec.cilium().rolloutBatch();
        if (order.size() < 2 || size >= order.size()) {
            return;
        }
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < order.size(); i += size) {
            batches.add(order.subList(i, Math.min(order.size(), i + size)));
        }
        List<String> previousGates = List.of();
        List<String> previous = List.of();
        for (int b = 0; b < batches.size(); b++) {
            List<String> batch = batches.get(b);
            List<String> gates = new ArrayList<>();
            for (String c : batch) {
                int at = indexOf(steps, c + "/" + KIND_UPGRADE);
                PlanStep up = steps.get(at);
                List<String> deps = new ArrayList<>(up.dependsOn());
                deps.addAll(previousGates);
                String position = size == 1 ? "rolling upgrade " + (b + 1) + "/" + batches.size()
                        + (previous.isEmpty() ? "" : ", after " + previous.get(0) + "'s gate")
                        : "rolling upgrade batch " + (b + 1) + "/" + batches.size() + " (" + String.join(", ", batch) + ")"
                        + (previous.isEmpty() ? "" : ", after the gates of " + String.join(", ", previous));
                steps.set(at, PlanSteps.create(up.id(), up.cluster(), up.kind(), up.description() + "; " + position
                        + "; restarts the cilium agents (DaemonSet cilium) and the clustermesh-apiserver", deps, up.after(), up.changes(),
                        up.timeout(), PlanSteps.action(up)));
                if (b < batches.size() - 1) {
                    String gate = c + "/" + KIND_GATE;
                    steps.add(PlanSteps.create(gate, c, KIND_GATE, "gate: " + c + "'s agents connected to every peer and every peer's agents to " + c
                            + " before the next " + (size == 1 ? "cluster" : "batch") + " is upgraded", List.of(c + "/" + KIND_WAIT_ROLLOUT),
                            List.of(), List.of(), null, sc -> gate(sc, c)));
                    gates.add(gate);
                }
            }
            previousGates = gates;
            previous = batch;
        }
        StringBuilder note = new StringBuilder();
        for (List<String> batch : batches) {
            note.append(note.length() == 0 ? "" : " -> ").append(batch.size() == 1 ? batch.get(0) : "[" + String.join(", ", batch) + "]");
        }
        notes.put("rolling upgrade", note + (size == 1 ? "" : " (" + size + " clusters at a time)"));
    }

    private static int indexOf(List<PlanStep> steps, String id) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).id().equals(id)) {
                return i;
            }
        }
        throw new IllegalStateException("no step " + id);
    }

    /** The rolling-upgrade gate of {@code c}: it and its peers see each other connected again. */
    private StepResult gate(StepContext sc, String c) throws Exception {
        List<String> peers = spec.clusters().stream().map(MeshCluster::name).filter(n -> !n.equals(c)).toList();
        String[] last = {""};
        sc.await("the agents of " + c + " and of its peers to see each other connected after " + c + "'s upgrade",
                ctx.timeouts().connection(), "the rollout stops here: fix " + c + " (mesh.status() shows why), then run apply again to resume",
                () -> {
                    io.clustermesh.report.ClusterStatus self = StatusReader.cluster(ctx, clusters.get(c));
                    List<String> missing = new ArrayList<>();
                    for (String p : peers) {
                        if (self.peers().stream().noneMatch(x -> x.peer().equals(p) && x.fullyConnected())) {
                            missing.add(c + " -> " + p);
                        }
                        io.clustermesh.report.ClusterStatus other = StatusReader.cluster(ctx, clusters.get(p));
                        if (other.peers().stream().noneMatch(x -> x.peer().equals(c) && x.fullyConnected())) {
                            missing.add(p + " -> " + c);
                        }
                    }
                    last[0] = String.join(", ", missing);
                    return missing.isEmpty() ? Optional.of(Boolean.TRUE) : Optional.empty();
                });
        return StepResult.unchanged("every peer connected both ways");
    }

    /**
     * What one cluster gets, worked out before the steps: its peers, the diff of its complete values against the
     * release (new certificates stand in as {@link CertificatePlan#placeholder}) and, when the SDK issues the KVStoreMesh client certificate, the current one and whether it is still
     * good ({@code localCert} null when not needed), and whether the certificate Secrets must be written (1.20+).
     */
    private record Draft(List<PeerEndpoint> peers, boolean versionChange, ValuesDiff diff, Optional<SecretData> localCert,
                         boolean localCertValid, boolean leafSecrets) {
    }

    /**
     * The drafts of every reachable cluster, computed in parallel on the mesh's executor: each is independent of the
     * others (values, certificates and the diff are CPU work; the local certificate is one read of its cluster), so a
     * large mesh is planned in the time of its slowest cluster rather than the sum of all.
     */
    private Map<String, Draft> drafts(Operation op, String target) {
        Map<String, java.util.concurrent.CompletableFuture<Draft>> futures = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            if (s.reachable()) {
                futures.put(s.name(), java.util.concurrent.CompletableFuture.supplyAsync(() -> draft(s, op, target), ctx.executor()));
            }
        }
        Map<String, Draft> out = new LinkedHashMap<>();
        for (Map.Entry<String, java.util.concurrent.CompletableFuture<Draft>> e : futures.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().join());
            } catch (java.util.concurrent.CompletionException ex) {
                futures.values().forEach(f -> f.cancel(true));
                if (ex.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (ex.getCause() instanceof Error err) {
                    throw err;
                }
                throw ex;
            }
        }
        return out;
    }

    private Draft draft(ClusterSnapshot s, Operation op, String target) {
        String c = s.name();
        List<PeerEndpoint> peers = peersFor(c, op, target, x -> snapshots.get(x).meshAddress());
        Map<String, Object> intended = values(s, peers, op != Operation.DISABLE, true);
        Map<String, Object> current = s.release() == null ? null : s.release().values();
        boolean versionChange = s.release() == null || !Objects.equals(s.release().chartVersion(), spec.ciliumFor(s.cluster()).version());
        ValuesDiff diff = ValuesDiff.of(current == null ? Map.of() : current, intended);
        Optional<SecretData> localCert = null;
        boolean localCertValid = false;
        if (op != Operation.DISABLE && certs.needsLocalCert(s.cluster())) {
            localCert = SnapshotReader.retrying(ctx, () -> ctx.connection(c).secret(Names.NAMESPACE, Names.LOCAL_CERT_SECRET));
            localCertValid = localCert.isPresent() && certs.localCertValid(localCert.get(), c);
        }
        // chart 1.20+: the certificate Secrets are written when the cluster does not hold good ones from the mesh CA
        MeshCluster mc = clusters.get(c);
        boolean leafSecrets = op != Operation.DISABLE && certs.writesLeafSecrets(mc)
                && certs.kept(s, mc, spec.ciliumFor(mc)).isEmpty();
        return new Draft(peers, versionChange, diff, localCert, localCertValid, leafSecrets);
    }

    private PlanStep unreachableStep(ClusterSnapshot s) {
        String c = s.name();
        return PlanSteps.of(c + "/" + KIND_UNREACHABLE, c, KIND_UNREACHABLE, "read the cluster (it did not answer while planning)", sc -> {
            try {
                SnapshotReader.read(ctx, s.cluster());
            } catch (MeshException e) {
                throw new MeshUnreachableException(c + " did not answer: " + e.getMessage(),
                        MeshException.Details.inCluster(c).atStep(sc.stepId()).retryable(false).cause(e).fix(e.remediation().isEmpty() ? "make the cluster reachable and run apply again" : e.remediation()));
            }
            throw new MeshPreconditionException(c + " answers again but did not when the plan was made, so it was left out",
                    MeshException.Details.inCluster(c).atStep(sc.stepId()).fix("run apply again to include " + c));
        });
    }

    private List<Change> changes(ClusterSnapshot s, ValuesDiff diff, boolean versionChange) {
        List<Change> out = new ArrayList<>();
        String res = "helm release kube-system/cilium";
        if (versionChange) {
            out.add(new Change(res, "chart", s.release() == null ? null : s.release().chartVersion(), spec.ciliumFor(s.cluster()).version()));
        }
        if (PlanChecks.interrupted(s)) {
            out.add(new Change(res, "status", s.release().status() + " (revision " + s.release().revision() + ", interrupted)", "deployed"));
        }
        for (ValuesChange v : diff.changes()) {
            out.add(new Change(res, v.path(), certs.display(v.before()), certs.display(v.after())));
        }
        return out;
    }

    /** The peers of {@code cluster} for an operation; {@code address} gives each peer's IP if known. */
    private List<PeerEndpoint> peersFor(String cluster, Operation op, String target, Function<String, Optional<String>> address) {
        List<PeerEndpoint> out = new ArrayList<>();
        if (op == Operation.DISABLE || (op == Operation.DISCONNECT && cluster.equals(target))) {
            return out;
        }
        for (MeshCluster m : spec.clusters()) {
            if (m.name().equals(cluster) || (op == Operation.DISCONNECT && m.name().equals(target))) {
                continue;
            }
            Optional<String> ip = address.apply(m.name());
            ip.ifPresent(a -> out.add(new PeerEndpoint(m.name(), Names.APISERVER_PORT, List.of(a))));
        }
        return out;
    }

    /** The values a step applies: with the cluster's real certificates (issued now if they must be new). */
    private Map<String, Object> values(ClusterSnapshot s, List<PeerEndpoint> peers, boolean meshEnabled) {
        return values(s, peers, meshEnabled, false);
    }

    /**
     * @param forPlan true while planning: certificates that must be new are not issued yet (see {@link CertificatePlan#placeholder})
     */
    private Map<String, Object> values(ClusterSnapshot s, List<PeerEndpoint> peers, boolean meshEnabled, boolean forPlan) {
        MeshCluster c = clusters.get(s.name());
        CiliumOptions o = spec.ciliumFor(c);
        ApiserverCertificates leaves = o.certificateMethod() != CertificateMethod.SDK ? null
                : forPlan ? certs.kept(s, c, o).orElseGet(certs::placeholder) : certs.certificates(s, c, o);
        return CiliumValues.values(ValuesInput.of(spec, c, peers, meshCa, leaves, meshEnabled));
    }


    // ------------------------------------------------------------------ step actions

    private HelmRequest request(MeshCluster c, Map<String, Object> values) {
        String version = spec.ciliumFor(c).version();
        return new HelmRequest(Names.NAMESPACE, Names.RELEASE, chart.chartFor(version), chart.repository(), version, values,
                ctx.timeouts().rollout());
    }

    private StepResult upgrade(StepContext sc, ClusterSnapshot s, Map<String, Object> intended) {
        return upgrade(sc, s, intended, false);
    }

    /** @param repair run Helm even when the release has these values: live objects drifted from it */
    private StepResult upgrade(StepContext sc, ClusterSnapshot s, Map<String, Object> intended, boolean repair) {
        MeshCluster c = clusters.get(s.name());
        ClusterConnection conn = ctx.connection(c.name());
        Optional<HelmRelease> now = ctx.helm().release(conn, c, Names.NAMESPACE, Names.RELEASE);
        if (!repair && now.isPresent() && !HelmStorage.isPending(now.get().status()) && Objects.equals(now.get().chartVersion(), spec.ciliumFor(c).version())
                && ValuesDiff.of(now.get().values(), intended).isEmpty()) {
            return StepResult.unchanged("release already has these values");
        }
        HelmRelease r = ctx.helm().upgradeInstall(conn, c, request(c, intended));
        if (certs != null && certs.writesLeafSecrets(c) && Boolean.TRUE.equals(Values.get(intended, "clustermesh.useAPIServer"))) {
            // a release of an older line rendered these Secrets from values, and Helm deletes what the new revision no
            // longer renders: write them again (unchanged when Helm left them)
            certs.writeLeafSecrets(s, c);
        }
        return StepResult.changed("release cilium revision " + r.revision());
    }

    private StepResult upgradePeers(StepContext sc, ClusterSnapshot s) {
        String c = s.name();
        List<PeerEndpoint> peers = peersFor(c, Operation.APPLY, null, x -> {
            Object ip = sc.output(x + "/" + KIND_WAIT_LB);
            return ip instanceof String str ? Optional.of(str) : snapshots.get(x).meshAddress();
        });
        Map<String, Object> intended = values(s, peers, true);
        List<String> absent = spec.clusters().stream().map(MeshCluster::name)
                .filter(n -> !n.equals(c) && peers.stream().noneMatch(p -> p.name().equals(n))).toList();
        StepResult r = upgrade(sc, s, intended);
        String detail = r.detail() + (absent.isEmpty() ? "" : "; left out (no LB IP): " + String.join(", ", absent));
        return new StepResult(r.changed(), detail, null);
    }

    private StepResult waitLoadBalancer(StepContext sc, String c) throws Exception {
        ClusterConnection conn = ctx.connection(c);
        MeshCluster mc = clusters.get(c);
        String ip = sc.await("the LoadBalancer IP of kube-system/clustermesh-apiserver", ctx.timeouts().loadBalancerIp(),
                "check the events of Service kube-system/clustermesh-apiserver in " + c + "; on AKS the cluster identity needs the "
                        + "Network Contributor role on the subnet to create the internal load balancer"
                        + (mc.meshIp() == null ? "" : ", and " + mc.meshIp() + " must be free in the subnet"),
                () -> conn.service(Names.NAMESPACE, Names.APISERVER).flatMap(svc -> svc.ingressIps().stream().findFirst()));
        if (mc.meshIp() != null && !mc.meshIp().equals(ip)) {
            throw new MeshPreconditionException(c + ": the clustermesh-apiserver got LB IP " + ip + " instead of the requested " + mc.meshIp(),
                    MeshException.Details.inCluster(c).atStep(sc.stepId()).fix("check that " + mc.meshIp() + " is free and inside " + c + "'s subnet"));
        }
        return StepResult.unchanged("LB IP " + ip).withOutput(ip);
    }

    private StepResult waitRollout(StepContext sc, String c) throws Exception {
        ClusterConnection conn = ctx.connection(c);
        sc.await("the rollout of deployment kube-system/clustermesh-apiserver", ctx.timeouts().rollout(),
                "kubectl -n kube-system describe deployment clustermesh-apiserver in " + c + " (image pulls, scheduling, certificates)",
                () -> conn.deployment(Names.NAMESPACE, Names.APISERVER).filter(WorkloadStatus::rolledOut));
        sc.await("the rollout of daemonset kube-system/cilium", ctx.timeouts().rollout(),
                "kubectl -n kube-system describe daemonset cilium in " + c,
                () -> conn.daemonSet(Names.NAMESPACE, Names.AGENT_DAEMONSET).filter(WorkloadStatus::rolledOut));
        return StepResult.unchanged("rolled out").withOutput(Boolean.TRUE);
    }

    private StepResult verify(StepContext sc, String c, Operation op, String target) throws Exception {
        List<String> expected = spec.clusters().stream().map(MeshCluster::name)
                .filter(n -> !n.equals(c) && !(op == Operation.DISCONNECT && n.equals(target)))
                .filter(n -> sc.output(n + "/" + KIND_WAIT_ROLLOUT) != null)
                .toList();
        MeshCluster mc = clusters.get(c);
        ClusterConnection conn = ctx.connection(c);
        String[] last = {""};
        boolean[] oneAgentReady = {false};
        try {
            sc.await("every agent of " + c + " to be connected to " + (expected.isEmpty() ? "its peers" : String.join(", ", expected)),
                ctx.timeouts().connection(),
                "typical causes: 2379/tcp blocked between the node subnets, different CAs, a wrong peer IP",
                () -> {
                    io.clustermesh.report.AgentStatus justRead = null;
                    if (!oneAgentReady[0]) {
                        // agents connect at about the same time: until one of them sees every peer, asking one is enough
                        // (a poll costs one exec instead of one per node); then every agent is checked
                        List<io.clustermesh.spi.PodInfo> pods = conn.pods(Names.NAMESPACE, Names.AGENT_SELECTOR);
                        if (pods.isEmpty()) {
                            last[0] = "no Cilium agent pods (k8s-app=cilium)";
                            return Optional.empty();
                        }
                        io.clustermesh.report.AgentStatus a = StatusReader.agents(ctx, conn, List.of(pods.get(0))).get(0);
                        Map<String, io.clustermesh.report.RemoteClusterStatus> remotes = StatusReader.byName(a);
                        List<String> notReady = expected.stream().filter(p -> remotes.get(p) == null || !remotes.get(p).ready()).toList();
                        if (a.error() != null || !notReady.isEmpty()) {
                            last[0] = a.error() != null ? a.pod() + ": " + a.error() : notReady.stream().map(p -> p + ": " + Optional.ofNullable(remotes.get(p))
                                    .map(r -> r.status().isEmpty() ? "not ready" : r.status())
                                    .orElse("not configured on " + a.pod())).reduce((x, y) -> x + " | " + y).orElse("");
                            return Optional.empty();
                        }
                        oneAgentReady[0] = true;
                        justRead = a; // this poll's answer of that agent: the cluster's read below does not ask it again
                    }
                    io.clustermesh.report.ClusterStatus st = StatusReader.cluster(ctx, mc, false, justRead);
                    Set<String> connected = st.peers().stream().filter(io.clustermesh.report.PeerStatus::fullyConnected)
                            .map(io.clustermesh.report.PeerStatus::peer).collect(java.util.stream.Collectors.toSet());
                    boolean ok = !st.agents().isEmpty() && st.agents().stream().allMatch(a -> a.error() == null)
                            && connected.containsAll(expected);
                    if (!ok) {
                        Set<String> wanted = new java.util.HashSet<>(expected);
                        last[0] = st.peers().stream().filter(p -> wanted.contains(p.peer()) && !p.fullyConnected())
                                .map(p -> p.peer() + ": " + String.join("; ", p.errors())).reduce((a, b) -> a + " | " + b).orElse("");
                    }
                    return ok ? Optional.of(Boolean.TRUE) : Optional.empty();
                });
        } catch (io.clustermesh.MeshTimeoutException e) {
            throw new io.clustermesh.MeshTimeoutException(e.getMessage() + (last[0].isEmpty() ? "" : "; still failing: " + last[0]),
                    MeshException.Details.inCluster(c).atStep(sc.stepId()).fix(e.remediation()));
        }
        return StepResult.unchanged("connected to " + expected.size() + " peer" + (expected.size() == 1 ? "" : "s"));
    }
}
