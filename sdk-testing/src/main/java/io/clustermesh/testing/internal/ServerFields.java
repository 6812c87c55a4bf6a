package io.clustermesh.testing.internal;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;

/**
 * What a Kubernetes API server writes into an object besides what the client sent: the defaults of the built-in
 * kinds (k8s.io/kubernetes/pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go)
 * and a {@code metadata.managedFields} entry per field manager (k8s.io/apimachinery/pkg/apis/meta/v1
 * {@code ManagedFieldsEntry}, {@code FieldsV1}). {@code uid}, {@code resourceVersion}, {@code creationTimestamp} and
 * {@code generation} are the CRUD store's (fabric8 {@code KubernetesCrudPersistence}); cluster IPs and node ports are
 * allocated by the {@code LabDispatcher}.
 */
public final class ServerFields {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Map-typed fields: their field set has a {@code "."} entry, like any map in FieldsV1. */
    private static final Set<String> MAP_FIELDS = Set.of("labels", "annotations", "data", "binaryData", "stringData", "matchLabels",
            "nodeSelector", "selector");

    private ServerFields() {
    }

    /** Applies the API server's defaults of the object's kind (in place). Subresource writes are not defaulted. */
    public static void defaults(ObjectNode o) {
        String kind = o.path("kind").asString("");
        switch (kind) {
            case "Secret" -> {
                if (!o.hasNonNull("type")) {
                    o.put("type", "Opaque");
                }
            }
            case "Service" -> service(obj(o, "spec"));
            case "Deployment" -> {
                ObjectNode spec = obj(o, "spec");
                putIfAbsent(spec, "replicas", 1);
                ObjectNode strategy = obj(spec, "strategy");
                if (!strategy.hasNonNull("type")) {
                    strategy.put("type", "RollingUpdate");
                }
                if (strategy.path("type").asString().equals("RollingUpdate")) {
                    ObjectNode ru = obj(strategy, "rollingUpdate");
                    if (!ru.hasNonNull("maxUnavailable")) {
                        ru.put("maxUnavailable", "25%");
                    }
                    if (!ru.hasNonNull("maxSurge")) {
                        ru.put("maxSurge", "25%");
                    }
                }
                putIfAbsent(spec, "revisionHistoryLimit", 10);
                putIfAbsent(spec, "progressDeadlineSeconds", 600);
                podTemplate(spec);
            }
            case "DaemonSet" -> {
                ObjectNode spec = obj(o, "spec");
                ObjectNode strategy = obj(spec, "updateStrategy");
                if (!strategy.hasNonNull("type")) {
                    strategy.put("type", "RollingUpdate");
                }
                if (strategy.path("type").asString().equals("RollingUpdate")) {
                    ObjectNode ru = obj(strategy, "rollingUpdate");
                    if (!ru.hasNonNull("maxUnavailable")) {
                        ru.put("maxUnavailable", 1);
                    }
                    if (!ru.hasNonNull("maxSurge")) {
                        ru.put("maxSurge", 0);
                    }
                }
                putIfAbsent(spec, "revisionHistoryLimit", 10);
                podTemplate(spec);
            }
            case "StatefulSet" -> {
                ObjectNode spec = obj(o, "spec");
                putIfAbsent(spec, "replicas", 1);
                if (!spec.hasNonNull("podManagementPolicy")) {
                    spec.put("podManagementPolicy", "OrderedReady");
                }
                ObjectNode strategy = obj(spec, "updateStrategy");
                if (!strategy.hasNonNull("type")) {
                    strategy.put("type", "RollingUpdate");
                }
                if (strategy.path("type").asString().equals("RollingUpdate")) {
                    putIfAbsent(obj(strategy, "rollingUpdate"), "partition", 0);
                }
                putIfAbsent(spec, "revisionHistoryLimit", 10);
                podTemplate(spec);
            }
            case "ReplicaSet" -> {
                ObjectNode spec = obj(o, "spec");
                putIfAbsent(spec, "replicas", 1);
                podTemplate(spec);
            }
            case "Job" -> job(obj(o, "spec"));
            case "CronJob" -> {
                ObjectNode spec = obj(o, "spec");
                if (!spec.hasNonNull("concurrencyPolicy")) {
                    spec.put("concurrencyPolicy", "Allow");
                }
                if (!spec.hasNonNull("suspend")) {
                    spec.put("suspend", false);
                }
                putIfAbsent(spec, "successfulJobsHistoryLimit", 3);
                putIfAbsent(spec, "failedJobsHistoryLimit", 1);
                job(obj(obj(spec, "jobTemplate"), "spec"));
            }
            case "Pod" -> podSpec(obj(o, "spec"));
            case "Namespace" -> {
                ObjectNode spec = obj(o, "spec");
                if (!spec.has("finalizers")) {
                    spec.putArray("finalizers").add("kubernetes");
                }
                ObjectNode status = obj(o, "status");
                if (!status.hasNonNull("phase")) {
                    status.put("phase", "Active");
                }
            }
            default -> {
            }
        }
    }

    private static void service(ObjectNode spec) {
        String type = spec.path("type").asString("ClusterIP");
        if (!spec.hasNonNull("type")) {
            spec.put("type", "ClusterIP");
        }
        if (!spec.hasNonNull("sessionAffinity")) {
            spec.put("sessionAffinity", "None");
        }
        if (spec.get("ports") instanceof ArrayNode ports) {
            for (JsonNode p : ports) {
                if (p instanceof ObjectNode po) {
                    if (!po.hasNonNull("protocol")) {
                        po.put("protocol", "TCP");
                    }
                    if (!po.hasNonNull("targetPort") && po.has("port")) {
                        po.set("targetPort", po.get("port").deepCopy());
                    }
                }
            }
        }
        if (type.equals("ExternalName")) {
            return;
        }
        if (!spec.has("ipFamilies")) {
            spec.putArray("ipFamilies").add("IPv4");
        }
        if (!spec.hasNonNull("ipFamilyPolicy")) {
            spec.put("ipFamilyPolicy", "SingleStack");
        }
        if (!spec.hasNonNull("internalTrafficPolicy")) {
            spec.put("internalTrafficPolicy", "Cluster");
        }
        if ((type.equals("NodePort") || type.equals("LoadBalancer")) && !spec.hasNonNull("externalTrafficPolicy")) {
            spec.put("externalTrafficPolicy", "Cluster");
        }
        if (type.equals("LoadBalancer") && !spec.hasNonNull("allocateLoadBalancerNodePorts")) {
            spec.put("allocateLoadBalancerNodePorts", true);
        }
    }

    private static void job(ObjectNode spec) {
        putIfAbsent(spec, "completions", 1);
        putIfAbsent(spec, "parallelism", 1);
        putIfAbsent(spec, "backoffLimit", 6);
        if (!spec.hasNonNull("completionMode")) {
            spec.put("completionMode", "NonIndexed");
        }
        if (!spec.hasNonNull("suspend")) {
            spec.put("suspend", false);
        }
        podTemplate(spec);
    }

    private static void podTemplate(ObjectNode workloadSpec) {
        if (workloadSpec.get("template") instanceof ObjectNode t) {
            podSpec(obj(t, "spec"));
        }
    }

    private static void podSpec(ObjectNode spec) {
        if (!spec.hasNonNull("restartPolicy")) {
            spec.put("restartPolicy", "Always");
        }
        if (!spec.hasNonNull("dnsPolicy")) {
            spec.put("dnsPolicy", "ClusterFirst");
        }
        if (!spec.hasNonNull("schedulerName")) {
            spec.put("schedulerName", "default-scheduler");
        }
        putIfAbsent(spec, "terminationGracePeriodSeconds", 30);
        if (!spec.has("securityContext")) {
            spec.putObject("securityContext");
        }
        if (spec.hasNonNull("serviceAccountName") && !spec.hasNonNull("serviceAccount")) {
            spec.put("serviceAccount", spec.get("serviceAccountName").asString());
        }
        boolean hostNetwork = spec.path("hostNetwork").asBoolean(false);
        for (String list : new String[]{"initContainers", "containers"}) {
            if (spec.get(list) instanceof ArrayNode containers) {
                for (JsonNode c : containers) {
                    if (c instanceof ObjectNode co) {
                        container(co, hostNetwork);
                    }
                }
            }
        }
        if (spec.get("volumes") instanceof ArrayNode volumes) {
            for (JsonNode v : volumes) {
                if (v instanceof ObjectNode vo) {
                    for (String source : new String[]{"secret", "configMap", "projected", "downwardAPI"}) {
                        if (vo.get(source) instanceof ObjectNode so) {
                            putIfAbsent(so, "defaultMode", 420);
                        }
                    }
                    if (vo.get("hostPath") instanceof ObjectNode hp && !hp.has("type")) {
                        hp.put("type", "");
                    }
                }
            }
        }
    }

    private static void container(ObjectNode c, boolean hostNetwork) {
        if (!c.hasNonNull("terminationMessagePath")) {
            c.put("terminationMessagePath", "/dev/termination-log");
        }
        if (!c.hasNonNull("terminationMessagePolicy")) {
            c.put("terminationMessagePolicy", "File");
        }
        if (!c.hasNonNull("imagePullPolicy")) {
            String image = c.path("image").asString("");
            String last = image.substring(image.lastIndexOf('/') + 1);
            boolean latest = !image.contains("@") && (!last.contains(":") || last.endsWith(":latest"));
            c.put("imagePullPolicy", latest ? "Always" : "IfNotPresent");
        }
        if (!c.has("resources")) {
            c.putObject("resources");
        }
        if (c.get("ports") instanceof ArrayNode ports) {
            for (JsonNode p : ports) {
                if (p instanceof ObjectNode po) {
                    if (!po.hasNonNull("protocol")) {
                        po.put("protocol", "TCP");
                    }
                    if (hostNetwork && !po.has("hostPort") && po.has("containerPort")) {
                        po.set("hostPort", po.get("containerPort").deepCopy());
                    }
                }
            }
        }
        for (String probe : new String[]{"livenessProbe", "readinessProbe", "startupProbe"}) {
            if (c.get(probe) instanceof ObjectNode p) {
                putIfAbsent(p, "timeoutSeconds", 1);
                putIfAbsent(p, "periodSeconds", 10);
                putIfAbsent(p, "successThreshold", 1);
                putIfAbsent(p, "failureThreshold", 3);
                if (p.get("httpGet") instanceof ObjectNode h && !h.hasNonNull("scheme")) {
                    h.put("scheme", "HTTP");
                }
            }
        }
        if (c.get("env") instanceof ArrayNode env) {
            for (JsonNode e : env) {
                if (e.path("valueFrom").get("fieldRef") instanceof ObjectNode fr && !fr.hasNonNull("apiVersion")) {
                    fr.put("apiVersion", "v1");
                }
            }
        }
    }

    /**
     * Records the write in {@code metadata.managedFields}: the entry of {@code manager} for this operation (and
     * subresource) is replaced by one owning the fields of {@code written}; the other managers' entries are kept from
     * {@code previous}.
     *
     * @param stored      the object as it will be stored (gets the managedFields)
     * @param written     what the client sent (its fields become the manager's), after the patch for a PATCH
     * @param previous    the stored object before the write, {@code null} for a create
     * @param subresource {@code status} or {@code null}
     */
    public static void managedFields(ObjectNode stored, JsonNode written, JsonNode previous, String manager, String subresource, Instant now) {
        ObjectNode meta = obj(stored, "metadata");
        ArrayNode entries = F.arrayNode();
        if (previous != null && previous.path("metadata").get("managedFields") instanceof ArrayNode old) {
            for (JsonNode e : old) {
                boolean same = e.path("manager").asString("").equals(manager) && e.path("operation").asString("").equals("Update")
                        && e.path("subresource").asString("").equals(subresource == null ? "" : subresource);
                if (!same) {
                    entries.add(e.deepCopy());
                }
            }
        }
        ObjectNode entry = entries.addObject();
        entry.put("manager", manager);
        entry.put("operation", "Update");
        entry.put("apiVersion", stored.path("apiVersion").asString(""));
        entry.put("time", now.truncatedTo(ChronoUnit.SECONDS).toString());
        entry.put("fieldsType", "FieldsV1");
        ObjectNode fields = F.objectNode();
        PatchSchema.Node schema = PatchSchema.forKind(stored.path("kind").asString(""));
        if (written instanceof ObjectNode w) {
            for (Map.Entry<String, JsonNode> e : w.properties()) {
                String k = e.getKey();
                if (k.equals("apiVersion") || k.equals("kind")) {
                    continue;
                }
                boolean status = k.equals("status");
                if ((subresource == null) == status) {
                    continue;
                }
                if (k.equals("metadata")) {
                    ObjectNode mf = F.objectNode();
                    for (String owned : new String[]{"labels", "annotations", "finalizers", "ownerReferences"}) {
                        JsonNode v = e.getValue().get(owned);
                        if (v != null && !v.isNull()) {
                            mf.set("f:" + owned, fieldSet(owned, v, schema.child("metadata").field(owned)));
                        }
                    }
                    if (!mf.isEmpty()) {
                        fields.set("f:metadata", mf);
                    }
                    continue;
                }
                if (!e.getValue().isNull()) {
                    fields.set("f:" + k, fieldSet(k, e.getValue(), schema.field(k)));
                }
            }
        }
        entry.set("fieldsV1", fields);
        if (subresource != null) {
            entry.put("subresource", subresource);
        }
        meta.set("managedFields", entries);
    }

    /** The FieldsV1 set of one field's value. */
    private static ObjectNode fieldSet(String name, JsonNode value, PatchSchema.Field field) {
        ObjectNode out = F.objectNode();
        if (value instanceof ObjectNode o) {
            if (MAP_FIELDS.contains(name)) {
                out.putObject(".");
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (!e.getValue().isNull()) {
                    out.set("f:" + e.getKey(), fieldSet(e.getKey(), e.getValue(), field.child().field(e.getKey())));
                }
            }
        } else if (value instanceof ArrayNode a && field.mergeList()) {
            for (JsonNode item : a) {
                if (field.mergeKey() == null) {
                    out.putObject("v:" + item.toString());
                } else if (item instanceof ObjectNode io && io.has(field.mergeKey())) {
                    ObjectNode key = F.objectNode();
                    key.set(field.mergeKey(), io.get(field.mergeKey()));
                    ObjectNode element = fieldSet("", io, new PatchSchema.Field(false, null, false, field.child()));
                    ObjectNode withDot = F.objectNode();
                    withDot.putObject(".");
                    withDot.setAll(element);
                    out.set("k:" + key, withDot);
                }
            }
        }
        return out;
    }

    private static ObjectNode obj(ObjectNode parent, String name) {
        if (parent.get(name) instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(name);
    }

    private static void putIfAbsent(ObjectNode o, String name, int value) {
        if (!o.hasNonNull(name)) {
            o.put(name, value);
        }
    }
}
