package io.clustermesh.operator;

import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.model.MeshSpec;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Reconciles one {@code ClusterMesh}: read the spec (with its Secrets) → plan → apply when the plan writes (the SDK's
 * own Lease per mesh on the members, {@code MeshLock}) → status. Deletion: the finalizer {@link #FINALIZER} stays until
 * the {@code deletionPolicy} is carried out ({@code Disconnect}: {@link Mesh#disable()} on the members; {@code Orphan}:
 * nothing). Status and events hold findings, step counts and remediations — never a kubeconfig or token.
 */
public final class ClusterMeshReconciler {
    /** The API group of the custom resource. */
    public static final String GROUP = "clustermesh.io";
    /** The served version. */
    public static final String VERSION = "v1alpha1";
    /** The kind. */
    public static final String KIND = "ClusterMesh";
    /** The finalizer that holds deletion until the deletion policy is carried out. */
    public static final String FINALIZER = "clustermesh.io/finalizer";
    /** How the resource is addressed with the generic client. */
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder().withGroup(GROUP)
            .withVersion(VERSION).withKind(KIND).withPlural("clustermeshes").withNamespaced(true).build();

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMeshReconciler.class);

    /** What one reconcile came to. */
    public enum Outcome {
        /** Converged (or nothing to do). */
        READY,
        /** The spec or its Secrets are wrong: retried on the next change or resync, not backed off. */
        INVALID,
        /** A failure worth retrying with back-off. */
        FAILED,
        /** The resource is gone (deleted, finalizer released). */
        GONE
    }

    private final KubernetesClient client;
    private final Function<MeshSpec, Mesh.Builder> meshes;
    private final String identity;
    private final Clock clock;
    private final BooleanSupplier leading;
    private final AzureAccess azure;

    /**
     * @param client the management cluster
     * @param meshes makes a {@link Mesh.Builder} for a spec ({@code Mesh.builder().spec(spec)} in production; tests give
     *               the lab's transports)
     * @param identity this controller's identity (the holder of the SDK's Lease per mesh, the source of events)
     */
    public ClusterMeshReconciler(KubernetesClient client, Function<MeshSpec, Mesh.Builder> meshes, String identity, Clock clock) {
        this(client, meshes, identity, clock, () -> true);
    }

    /**
     * A reconciler fenced by leadership: before each write (to a member, to the resource, an event) it asks
     * {@code leading}, and a reconcile that finds it false stops there and writes nothing more, so that an instance
     * that lost its Lease does not race its successor.
     *
     * @param leading whether this instance still holds the controller's Lease
     */
    public ClusterMeshReconciler(KubernetesClient client, Function<MeshSpec, Mesh.Builder> meshes, String identity, Clock clock,
            BooleanSupplier leading) {
        this(client, meshes, identity, clock, leading, AzureAccess.of(null, null, System.getenv()));
    }

    /** @param azure how clusters given as {@code azure:} are reached (the operator's workload identity) */
    ClusterMeshReconciler(KubernetesClient client, Function<MeshSpec, Mesh.Builder> meshes, String identity, Clock clock,
            BooleanSupplier leading, AzureAccess azure) {
        this.azure = Objects.requireNonNull(azure, "azure");
        this.leading = Objects.requireNonNull(leading, "leading");
        this.client = Objects.requireNonNull(client, "client");
        this.meshes = Objects.requireNonNull(meshes, "meshes");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Reconciles the resource {@code namespace/name} once. */
    public Outcome reconcile(String namespace, String name) {
        try {
            return reconcileOnce(namespace, name);
        } catch (NotLeading e) {
            LOG.info("ClusterMesh {}/{}: {} no longer leads, reconcile stopped before its next write", namespace, name, identity);
            return Outcome.FAILED;
        }
    }

    /** Thrown where a write would follow and this instance no longer leads. */
    private static final class NotLeading extends RuntimeException {
        NotLeading() {
            super("not leading", null, false, false);
        }
    }

    private void fence() {
        if (!leading.getAsBoolean()) {
            throw new NotLeading();
        }
    }

    private Outcome reconcileOnce(String namespace, String name) {
        fence();
        GenericKubernetesResource cr = client.genericKubernetesResources(CONTEXT).inNamespace(namespace).withName(name).get();
        if (cr == null) {
            return Outcome.GONE;
        }
        Object given = cr.getAdditionalProperties().get("spec");
        ClusterMeshSpec.Result read = ClusterMeshSpec.read(name, given, secret -> client.secrets().inNamespace(namespace).withName(secret).get());
        List<Finding> noAzure = azure.check(given);
        if (!noAzure.isEmpty()) {
            // reported with every other finding of the resource, in the same run
            List<Finding> all = new ArrayList<>(read.findings());
            all.addAll(noAzure);
            read = new ClusterMeshSpec.Result(null, all, read.deletionPolicy(), read.secrets());
        }
        if (cr.getMetadata().getDeletionTimestamp() != null) {
            return delete(cr, read);
        }
        long generation = cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration();
        if (!read.ok()) {
            writeStatus(cr, degraded(generation, "InvalidSpec", summary(read.findings()), read.findings(), null, null));
            event(cr, "Warning", "InvalidSpec", summary(read.findings()));
            LOG.warn("ClusterMesh {}/{}: {} finding(s), nothing written", namespace, name, read.findings().size());
            return Outcome.INVALID;
        }
        try (Mesh mesh = mesh(read.spec())) {
            MeshPlan plan = mesh.plan();
            if (plan.hasErrors()) {
                writeStatus(cr, degraded(generation, "InvalidSpec", summary(plan.findings()), plan.findings(), plan, null));
                event(cr, "Warning", "InvalidSpec", summary(plan.findings()));
                return Outcome.INVALID;
            }
            // the finalizer before the first write to a member: a resource that never got that far (a bad spec)
            // is deleted at once, without touching any member
            cr = withFinalizer(cr);
            String planSummary = plan.steps().size() + " step(s), " + plan.writeSteps() + " writing";
            if (plan.writeSteps() > 0) {
                writeStatus(cr, status(generation, "Progressing", "True", "Applying", planSummary, plan.findings(), planSummary, null, null));
                event(cr, "Normal", "Applying", "applying a plan of " + planSummary);
                fence();
                MeshReport report = mesh.apply(plan);
                if (!report.succeeded()) {
                    String msg = "apply failed on " + String.join(", ", report.failedClusters());
                    event(cr, "Warning", "ApplyFailed", msg);
                    writeStatus(cr, degraded(generation, "ApplyFailed", msg, report.findings(), plan, report.failures().isEmpty()
                            ? null : Map.of("message", msg, "remediation", "see the events; the next reconcile resumes the apply")));
                    return Outcome.FAILED;
                }
                event(cr, "Normal", "Applied", "applied " + report.changedSteps() + " changed step(s) in " + report.duration().toMillis() + " ms");
            }
            MeshStatus st = mesh.status();
            List<Map<String, Object>> clusters = new ArrayList<>();
            boolean healthy = true;
            int n = read.spec().clusters().size();
            for (ClusterStatus c : st.clusters()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("peersConnected", c.connectedPeers().size());
                m.put("peersExpected", n - 1);
                m.put("peers", c.connectedPeers());
                clusters.add(m);
                healthy &= c.connectedPeers().size() == n - 1;
            }
            Map<String, Object> s = healthy
                    ? status(generation, "Ready", "True", "Converged", "every cluster is connected to its " + (n - 1) + " peer(s)",
                            plan.findings(), planSummary, clusters, null)
                    : status(generation, "Progressing", "True", "WaitingForPeers", "not every cluster sees all its peers yet",
                            plan.findings(), planSummary, clusters, null);
            writeStatus(cr, s);
            return healthy ? Outcome.READY : Outcome.FAILED;
        } catch (MeshConfigurationException e) {
            writeStatus(cr, degraded(generation, "InvalidSpec", summary(e.findings()), e.findings(), null, null));
            return Outcome.INVALID;
        } catch (MeshException e) {
            String msg = e.getMessage();
            LOG.warn("ClusterMesh {}/{}: {}", namespace, name, msg);
            event(cr, "Warning", "ReconcileFailed", msg);
            writeStatus(cr, degraded(generation, "ReconcileFailed", msg, List.of(), null,
                    Map.of("code", String.valueOf(e.code()), "message", msg, "remediation", String.valueOf(e.remediation()))));
            return Outcome.FAILED;
        }
    }

    /** The mesh of a spec; clusters given as {@code azure:} are reached through the operator's Azure access. */
    private Mesh mesh(MeshSpec spec) {
        Mesh.Builder b = meshes.apply(spec).holderIdentity(identity);
        if (AzureAccess.needed(spec) && azure.configured()) {
            b.cloudProvider(azure.provider());
        }
        return b.build();
    }

    private GenericKubernetesResource withFinalizer(GenericKubernetesResource cr) {
        if (cr.getMetadata().getFinalizers() != null && cr.getMetadata().getFinalizers().contains(FINALIZER)) {
            return cr;
        }
        fence();
        return client.genericKubernetesResources(CONTEXT).inNamespace(cr.getMetadata().getNamespace()).withName(cr.getMetadata().getName())
                .edit(r -> {
                    List<String> f = new ArrayList<>(r.getMetadata().getFinalizers() == null ? List.of() : r.getMetadata().getFinalizers());
                    f.add(FINALIZER);
                    r.getMetadata().setFinalizers(f);
                    return r;
                });
    }

    private Outcome delete(GenericKubernetesResource cr, ClusterMeshSpec.Result read) {
        String ns = cr.getMetadata().getNamespace();
        String name = cr.getMetadata().getName();
        if (cr.getMetadata().getFinalizers() == null || !cr.getMetadata().getFinalizers().contains(FINALIZER)) {
            return Outcome.GONE;
        }
        if (read.deletionPolicy() == ClusterMeshSpec.DeletionPolicy.Disconnect && read.ok()) {
            try (Mesh mesh = mesh(read.spec())) {
                fence();
                MeshReport report = mesh.disable();
                if (!report.succeeded()) {
                    // unreachable clusters are reported, not waited on forever: the resource goes, the event names them
                    event(cr, "Warning", "DisconnectIncomplete", "mesh not disabled on " + String.join(", ", report.failedClusters())
                            + "; disable it there by hand (meshctl disable) when the cluster is reachable");
                } else {
                    event(cr, "Normal", "Disconnected", "cluster mesh disabled on every member");
                }
            } catch (MeshException e) {
                event(cr, "Warning", "DisconnectIncomplete", e.getMessage());
            }
        } else if (read.deletionPolicy() == ClusterMeshSpec.DeletionPolicy.Disconnect) {
            event(cr, "Warning", "DisconnectSkipped", "the spec cannot be read (" + summary(read.findings()) + "); the mesh is left as it is");
        }
        fence();
        client.genericKubernetesResources(CONTEXT).inNamespace(ns).withName(name).edit(r -> {
            List<String> f = new ArrayList<>(r.getMetadata().getFinalizers());
            f.remove(FINALIZER);
            r.getMetadata().setFinalizers(f);
            return r;
        });
        return Outcome.GONE;
    }

    private Map<String, Object> degraded(long generation, String reason, String message, List<Finding> findings, MeshPlan plan,
            Map<String, String> lastError) {
        Map<String, String> err = lastError;
        if (err == null && !findings.isEmpty()) {
            Finding f = findings.stream().filter(Finding::isError).findFirst().orElse(findings.get(0));
            err = new LinkedHashMap<>();
            err.put("code", f.code());
            err.put("message", f.message());
            err.put("remediation", f.remediation());
        }
        return status(generation, "Degraded", "True", reason, message, findings,
                plan == null ? null : plan.steps().size() + " step(s), " + plan.writeSteps() + " writing", null, err);
    }

    private Map<String, Object> status(long generation, String type, String value, String reason, String message,
            List<Finding> findings, String planSummary, List<Map<String, Object>> clusters, Map<String, String> lastError) {
        String now = Instant.now(clock).toString();
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (String t : List.of("Ready", "Progressing", "Degraded")) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("type", t);
            c.put("status", t.equals(type) ? value : "False");
            c.put("reason", t.equals(type) ? reason : "None");
            c.put("message", t.equals(type) ? message : "");
            c.put("lastTransitionTime", now);
            c.put("observedGeneration", generation);
            conditions.add(c);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("observedGeneration", generation);
        s.put("conditions", conditions);
        List<Map<String, Object>> fs = new ArrayList<>();
        for (Finding f : findings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", f.code());
            m.put("severity", String.valueOf(f.severity()));
            if (f.cluster() != null) m.put("cluster", f.cluster());
            m.put("path", f.path());
            m.put("message", f.message());
            m.put("remediation", f.remediation());
            fs.add(m);
        }
        s.put("findings", fs);
        if (planSummary != null) s.put("lastPlan", planSummary);
        if (clusters != null) {
            s.put("clusters", clusters);
            s.put("clusterCount", clusters.size());
        }
        if (lastError != null) s.put("lastError", lastError);
        return s;
    }

    private void writeStatus(GenericKubernetesResource cr, Map<String, Object> status) {
        fence();
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                GenericKubernetesResource latest = client.genericKubernetesResources(CONTEXT).inNamespace(cr.getMetadata().getNamespace())
                        .withName(cr.getMetadata().getName()).get();
                if (latest == null) {
                    return;
                }
                latest.setAdditionalProperty("status", status);
                // the CRD serves the status subresource: a PUT there changes status only, never spec or generation
                client.genericKubernetesResources(CONTEXT).inNamespace(cr.getMetadata().getNamespace()).resource(latest).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private void event(GenericKubernetesResource cr, String type, String reason, String message) {
        fence();
        try {
            client.v1().events().inNamespace(cr.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(cr.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(GROUP + "/" + VERSION).withKind(KIND)
                            .withName(cr.getMetadata().getName()).withNamespace(cr.getMetadata().getNamespace())
                            .withUid(cr.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message).withReportingComponent("clustermesh-operator")
                    .withReportingInstance(identity).withFirstTimestamp(Instant.now(clock).toString())
                    .withLastTimestamp(Instant.now(clock).toString()).withCount(1).build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {} for ClusterMesh {}: HTTP {}", reason, cr.getMetadata().getName(), e.getCode());
        }
    }

    private static String summary(List<Finding> findings) {
        List<Finding> errors = findings.stream().filter(Finding::isError).toList();
        if (errors.isEmpty()) {
            return "no error";
        }
        return errors.size() + " problem(s): " + errors.get(0).message() + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more in status.findings)" : "");
    }
}
