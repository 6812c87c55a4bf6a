package io.clustermesh.testing.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in resources the lab's API server serves and advertises: discovery ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<group>/<version>}) and the OpenAPI v3 index are generated from this table. It holds
 * the kinds an AKS cluster has that Helm charts (Cilium's among them), the SDK and the simulated Cilium create or read;
 * custom resources are not here (the CRUD store answers their discovery).
 *
 * <p>Each entry mirrors what a Kubernetes 1.30 API server answers in its {@code APIResourceList}
 * (k8s.io/apimachinery/pkg/apis/meta/v1 {@code APIResource}): plural name, singular name, namespaced, kind, verbs,
 * short names, and the subresources as {@code <plural>/<sub>} entries.
 */
public final class ApiResources {
    private static final List<String> ALL = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> NO_COLLECTION_DELETE = List.of("create", "delete", "get", "list", "patch", "update", "watch");
    private static final List<String> GET_PATCH_UPDATE = List.of("get", "patch", "update");

    /** One resource of one group version. */
    public record Resource(String group, String version, String kind, String plural, boolean namespaced, List<String> verbs,
                           List<String> shortNames, List<String> subresources) {
        public String apiVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        /** The path of the collection, with {@code {namespace}} as a placeholder when namespaced. */
        public String collectionPath() {
            String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
            return base + (namespaced ? "/namespaces/{namespace}/" : "/") + plural;
        }
    }

    private static final List<Resource> RESOURCES = new ArrayList<>();

    private static void add(String group, String version, String kind, String plural, boolean namespaced, List<String> verbs,
                            List<String> shortNames, String... subresources) {
        RESOURCES.add(new Resource(group, version, kind, plural, namespaced, verbs, shortNames, List.of(subresources)));
    }

    static {
        // core v1
        add("", "v1", "ConfigMap", "configmaps", true, ALL, List.of("cm"));
        add("", "v1", "Endpoints", "endpoints", true, ALL, List.of("ep"));
        add("", "v1", "Event", "events", true, ALL, List.of("ev"));
        add("", "v1", "LimitRange", "limitranges", true, ALL, List.of("limits"));
        add("", "v1", "Namespace", "namespaces", false, List.of("create", "delete", "get", "list", "patch", "update", "watch"), List.of("ns"), "status", "finalize");
        add("", "v1", "Node", "nodes", false, ALL, List.of("no"), "status", "proxy");
        add("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, ALL, List.of("pvc"), "status");
        add("", "v1", "PersistentVolume", "persistentvolumes", false, ALL, List.of("pv"), "status");
        add("", "v1", "Pod", "pods", true, ALL, List.of("po"), "status", "exec", "log", "eviction", "portforward", "proxy", "binding", "ephemeralcontainers", "attach");
        add("", "v1", "PodTemplate", "podtemplates", true, ALL, List.of());
        add("", "v1", "ReplicationController", "replicationcontrollers", true, ALL, List.of("rc"), "status", "scale");
        add("", "v1", "ResourceQuota", "resourcequotas", true, ALL, List.of("quota"), "status");
        add("", "v1", "Secret", "secrets", true, ALL, List.of());
        add("", "v1", "ServiceAccount", "serviceaccounts", true, ALL, List.of("sa"), "token");
        add("", "v1", "Service", "services", true, NO_COLLECTION_DELETE, List.of("svc"), "status", "proxy");
        // apps/v1
        add("apps", "v1", "ControllerRevision", "controllerrevisions", true, ALL, List.of());
        add("apps", "v1", "DaemonSet", "daemonsets", true, ALL, List.of("ds"), "status");
        add("apps", "v1", "Deployment", "deployments", true, ALL, List.of("deploy"), "status", "scale");
        add("apps", "v1", "ReplicaSet", "replicasets", true, ALL, List.of("rs"), "status", "scale");
        add("apps", "v1", "StatefulSet", "statefulsets", true, ALL, List.of("sts"), "status", "scale");
        // batch/v1
        add("batch", "v1", "CronJob", "cronjobs", true, ALL, List.of("cj"), "status");
        add("batch", "v1", "Job", "jobs", true, ALL, List.of(), "status");
        // rbac
        add("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, ALL, List.of());
        add("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, ALL, List.of());
        add("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, ALL, List.of());
        add("rbac.authorization.k8s.io", "v1", "Role", "roles", true, ALL, List.of());
        // others a chart or the mesh may use
        add("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, ALL, List.of("pdb"), "status");
        add("coordination.k8s.io", "v1", "Lease", "leases", true, ALL, List.of());
        add("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, ALL, List.of());
        add("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, ALL, List.of());
        add("networking.k8s.io", "v1", "Ingress", "ingresses", true, ALL, List.of("ing"), "status");
        add("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, ALL, List.of("netpol"));
        add("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, ALL, List.of("crd", "crds"), "status");
        add("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, ALL, List.of("pc"));
        add("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, ALL, List.of("sc"));
        add("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, ALL, List.of("hpa"), "status");
        add("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false, ALL, List.of());
        add("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false, ALL, List.of());
        add("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, ALL, List.of("csr"), "status", "approval");
        add("events.k8s.io", "v1", "Event", "events", true, ALL, List.of("ev"));
    }

    private ApiResources() {
    }

    public static List<Resource> all() {
        return List.copyOf(RESOURCES);
    }

    /** The built-in group versions in discovery order, core first ({@code ""} group, then named groups). */
    public static Map<String, List<String>> groupVersions() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Resource r : RESOURCES) {
            List<String> versions = out.computeIfAbsent(r.group(), g -> new ArrayList<>());
            if (!versions.contains(r.version())) {
                versions.add(r.version());
            }
        }
        return out;
    }

    public static List<Resource> of(String group, String version) {
        return RESOURCES.stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
    }

    /** A resource by group, version and plural. */
    public static Optional<Resource> byPlural(String group, String version, String plural) {
        return RESOURCES.stream().filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural)).findFirst();
    }

    /** A resource by {@code apiVersion} and kind. */
    public static Optional<Resource> byKind(String apiVersion, String kind) {
        return RESOURCES.stream().filter(r -> r.apiVersion().equals(apiVersion) && r.kind().equals(kind)).findFirst();
    }

    /** The singular name the API server reports: the kind in lower case. */
    static String singular(Resource r) {
        return r.kind().toLowerCase(Locale.ROOT);
    }

    static List<String> subresourceVerbs(String sub) {
        return switch (sub) {
            case "status", "scale", "approval", "ephemeralcontainers" -> GET_PATCH_UPDATE;
            case "exec", "attach", "portforward" -> List.of("create", "get");
            case "log" -> List.of("get");
            case "eviction", "binding", "token" -> List.of("create");
            case "finalize" -> List.of("update");
            case "proxy" -> List.of("create", "delete", "get", "patch", "update");
            default -> List.of("get");
        };
    }
}
