package io.clustermesh.testing.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The patch metadata of the built-in types that strategic merge patch needs: which lists merge (and on which key),
 * which maps retain only the patch's keys. Transcribed from the {@code patchStrategy}/{@code patchMergeKey} struct tags
 * of k8s.io/api (core/v1/types.go, apps/v1/types.go, batch/v1/types.go, meta/v1/types.go) for the fields the lab's
 * kinds have; a field not listed is a plain field (maps merge, lists are replaced), as for any field without tags.
 */
final class PatchSchema {
    /** How one field patches. */
    record Field(boolean mergeList, String mergeKey, boolean retainKeys, Node child) {
    }

    /** An object type: its fields with patch metadata. */
    static final class Node {
        private final Map<String, Field> fields = new HashMap<>();

        Field field(String name) {
            return fields.getOrDefault(name, PLAIN);
        }

        Node child(String name) {
            return field(name).child();
        }

        Node mergeList(String name, String key, Node element) {
            fields.put(name, new Field(true, key, false, element));
            return this;
        }

        Node retainKeysList(String name, String key, Node element) {
            fields.put(name, new Field(true, key, true, element));
            return this;
        }

        Node object(String name, Node child) {
            fields.put(name, new Field(false, null, false, child));
            return this;
        }

        Node retainKeysObject(String name, Node child) {
            fields.put(name, new Field(false, null, true, child));
            return this;
        }
    }

    static final Node EMPTY = new Node();
    private static final Field PLAIN = new Field(false, null, false, EMPTY);

    static final Node OBJECT_META = new Node().mergeList("finalizers", null, EMPTY).mergeList("ownerReferences", "uid", EMPTY);
    static final Node CONTAINER = new Node().mergeList("ports", "containerPort", EMPTY).mergeList("env", "name", EMPTY)
            .mergeList("volumeMounts", "mountPath", EMPTY).mergeList("volumeDevices", "devicePath", EMPTY);
    static final Node POD_SPEC = new Node().mergeList("containers", "name", CONTAINER).mergeList("initContainers", "name", CONTAINER)
            .mergeList("ephemeralContainers", "name", CONTAINER).retainKeysList("volumes", "name", EMPTY)
            .mergeList("imagePullSecrets", "name", EMPTY).mergeList("hostAliases", "ip", EMPTY)
            .mergeList("topologySpreadConstraints", "topologyKey", EMPTY).retainKeysList("resourceClaims", "name", EMPTY)
            .mergeList("schedulingGates", "name", EMPTY);
    static final Node POD_TEMPLATE = new Node().object("metadata", OBJECT_META).object("spec", POD_SPEC);
    private static final Node CONDITIONS = new Node().mergeList("conditions", "type", EMPTY);
    static final Node POD_STATUS = new Node().mergeList("conditions", "type", EMPTY).mergeList("podIPs", "ip", EMPTY)
            .mergeList("hostIPs", "ip", EMPTY);
    static final Node NODE_STATUS = new Node().mergeList("conditions", "type", EMPTY).mergeList("addresses", "type", EMPTY);
    static final Node DEPLOYMENT_SPEC = new Node().object("template", POD_TEMPLATE).retainKeysObject("strategy", EMPTY);
    static final Node WORKLOAD_SPEC = new Node().object("template", POD_TEMPLATE);
    static final Node JOB_TEMPLATE = new Node().object("metadata", OBJECT_META).object("spec", WORKLOAD_SPEC);
    static final Node CRONJOB_SPEC = new Node().object("jobTemplate", JOB_TEMPLATE);
    static final Node SERVICE_SPEC = new Node().mergeList("ports", "port", EMPTY);
    static final Node SERVICE_STATUS = CONDITIONS;

    private PatchSchema() {
    }

    /** The schema of a whole object of a kind ({@link #EMPTY}-based for kinds without list metadata). */
    static Node forKind(String kind) {
        Node root = new Node().object("metadata", OBJECT_META);
        switch (kind == null ? "" : kind) {
            case "Pod" -> root.object("spec", POD_SPEC).object("status", POD_STATUS);
            case "Deployment" -> root.object("spec", DEPLOYMENT_SPEC).object("status", CONDITIONS);
            case "DaemonSet", "StatefulSet", "ReplicaSet", "Job" -> root.object("spec", WORKLOAD_SPEC).object("status", CONDITIONS);
            case "CronJob" -> root.object("spec", CRONJOB_SPEC);
            case "PodTemplate" -> root.object("template", POD_TEMPLATE);
            case "Service" -> root.object("spec", SERVICE_SPEC).object("status", SERVICE_STATUS);
            case "Node" -> root.object("status", NODE_STATUS);
            case "Namespace", "PersistentVolumeClaim", "PodDisruptionBudget" -> root.object("status", CONDITIONS);
            default -> {
            }
        }
        return root;
    }
}
