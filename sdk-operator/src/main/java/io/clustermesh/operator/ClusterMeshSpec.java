package io.clustermesh.operator;

import io.clustermesh.Finding;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.fabric8.kubernetes.api.model.Secret;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads a {@code ClusterMesh} resource's {@code spec} into a {@link MeshSpec}. The spec is the spec file's {@code spec}
 * and is read by the very same parser ({@link MeshSpecYaml#parse(String)}), so one schema serves both and every finding
 * of the spec file (unknown fields with suggestions, CIDRs, ids, ...) is reported for the resource too. The two fields
 * of the resource only are taken off first: {@code deletionPolicy}, and per cluster {@code kubeconfigSecretRef}
 * ({@code {name, key = kubeconfig, context}}), whose Secret's kubeconfig becomes the cluster's
 * {@link ClusterAccess#kubeconfig(String, String)} with credential plugins (exec) disallowed: a kubeconfig in a Secret
 * is not the operator's own choice of program to run. Instead of {@code kubeconfigSecretRef} a cluster may be given as an
 * AKS resource, {@code azure: {resourceGroup, name}} (the spec file's field, {@link ClusterAccess#azure(String, String)},
 * with the subscription from {@code spec.azure.subscription}), reached with the operator's Azure credential; exactly one
 * of the two per cluster. {@code kubeContext}/{@code kubeconfig} (paths in the operator's file system) are not accepted
 * in a resource.
 */
public final class ClusterMeshSpec {
    /** Key of the kubeconfig in a Secret when {@code kubeconfigSecretRef.key} is not given. */
    public static final String DEFAULT_KEY = "kubeconfig";

    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    /** What deleting the resource does to the mesh. */
    public enum DeletionPolicy {
        /** Disable cluster mesh on every reachable member (the default). */
        Disconnect,
        /** Leave the mesh running. */
        Orphan
    }

    /** A Secret a cluster's credentials come from. */
    public record SecretRef(String cluster, String name, String key, String context) {
    }

    /**
     * The outcome: the spec (null when any error finding), every finding, the deletion policy and the Secrets named.
     *
     * @param spec the spec with every cluster's access from its Secret, or null
     * @param findings every problem found, in one list
     * @param deletionPolicy the resource's deletion policy
     * @param secrets the Secrets the resource names, by cluster
     */
    public record Result(MeshSpec spec, List<Finding> findings, DeletionPolicy deletionPolicy, List<SecretRef> secrets) {
        /** True when the spec could be read with no error finding. */
        public boolean ok() {
            return spec != null;
        }
    }

    private ClusterMeshSpec() {
    }

    /**
     * Reads the resource's spec.
     *
     * @param meshName the resource's {@code metadata.name}, the mesh's name
     * @param spec the resource's {@code spec} (maps, lists and scalars as the Kubernetes client gives them)
     * @param secrets looks a Secret up by name in the resource's namespace (null when there is none)
     */
    @SuppressWarnings("unchecked")
    public static Result read(String meshName, Object spec, Function<String, Secret> secrets) {
        Objects.requireNonNull(secrets, "secrets");
        List<Finding> findings = new ArrayList<>();
        if (!(spec instanceof Map<?, ?> given)) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec", "the ClusterMesh has no spec",
                    "give spec with at least clusters (see docs/operator.md)"));
            return new Result(null, findings, DeletionPolicy.Disconnect, List.of());
        }
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) given);
        DeletionPolicy policy = DeletionPolicy.Disconnect;
        Object dp = copy.remove("deletionPolicy");
        if (dp != null) {
            try {
                policy = DeletionPolicy.valueOf(String.valueOf(dp));
            } catch (IllegalArgumentException e) {
                findings.add(Finding.error("SPEC_INVALID_VALUE", null, "spec.deletionPolicy", "spec.deletionPolicy is '" + dp + "'",
                        "use one of: Disconnect, Orphan"));
            }
        }
        List<SecretRef> refs = new ArrayList<>();
        if (copy.get("clusters") instanceof List<?> clusters) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < clusters.size(); i++) {
                Object c = clusters.get(i);
                if (!(c instanceof Map<?, ?> cm)) {
                    out.add(c);
                    continue;
                }
                Map<String, Object> cluster = new LinkedHashMap<>((Map<String, Object>) cm);
                String path = "spec.clusters[" + i + "]";
                String name = cluster.get("name") instanceof String s ? s : path;
                for (String field : List.of("kubeContext", "kubeconfig")) {
                    if (cluster.remove(field) != null) {
                        findings.add(Finding.error("SPEC_UNKNOWN_FIELD", name, path + "." + field, name + ": " + field
                                        + " is a spec file field; in a ClusterMesh a cluster's credentials come from a Secret or from Azure",
                                "remove " + field + " and give kubeconfigSecretRef: {name: <secret>, key: kubeconfig, context: <context>}"
                                        + " or azure: {resourceGroup: <group>, name: <AKS cluster>}"));
                    }
                }
                Object ref = cluster.remove("kubeconfigSecretRef");
                boolean azure = cluster.get("azure") != null;
                String context = null;
                if (ref != null && azure) {
                    findings.add(Finding.error("SPEC_CONFLICT", name, path, name + ": both kubeconfigSecretRef and azure are given;"
                                    + " a cluster's credentials come from exactly one of them",
                            "keep kubeconfigSecretRef (a kubeconfig in a Secret) or azure: {resourceGroup, name} (the AKS cluster, reached"
                                    + " with the operator's workload identity) for " + name + ", not both"));
                    cluster.remove("azure");
                } else if (azure) {
                    // the spec file's parser reads azure: {resourceGroup, name} into ClusterAccess.azure(..)
                    out.add(cluster);
                    continue;
                } else if (ref instanceof Map<?, ?> r && r.get("name") instanceof String secret && !secret.isBlank()) {
                    String key = r.get("key") instanceof String k && !k.isBlank() ? k : DEFAULT_KEY;
                    context = r.get("context") instanceof String x && !x.isBlank() ? x : null;
                    refs.add(new SecretRef(name, secret, key, context));
                } else if (ref != null) {
                    findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".kubeconfigSecretRef.name",
                            name + ": kubeconfigSecretRef names no Secret",
                            "write kubeconfigSecretRef: {name: <secret in this namespace>, key: kubeconfig}"));
                } else {
                    findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".kubeconfigSecretRef",
                            name + ": no credentials: neither kubeconfigSecretRef nor azure is given",
                            "add kubeconfigSecretRef: {name: <secret in this namespace>, key: kubeconfig}, or azure: {resourceGroup: <group>,"
                                    + " name: <AKS cluster>} with spec.azure.subscription (reached with the operator's workload identity)"));
                }
                // the spec file's parser wants an access per cluster: the Secret's comes in below
                cluster.put("kubeContext", context != null ? context : "from-secret");
                out.add(cluster);
            }
            copy.put("clusters", out);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", MeshSpecYaml.API_VERSION);
        doc.put("kind", MeshSpecYaml.KIND);
        doc.put("metadata", Map.of("name", meshName));
        doc.put("spec", copy);
        MeshSpecYaml.Result parsed = MeshSpecYaml.parse(YAML.writeValueAsString(doc));
        findings.addAll(parsed.findings());
        if (parsed.spec() != null) {
            // the rules that need no I/O (ids, CIDR overlaps, names, ...): reported with the Secret problems in one run
            findings.addAll(io.clustermesh.Mesh.validate(parsed.spec()));
        }
        Map<String, String> kubeconfigs = new LinkedHashMap<>();
        for (SecretRef ref : refs) {
            Secret s = secrets.apply(ref.name());
            String where = "spec.clusters[" + ref.cluster() + "].kubeconfigSecretRef";
            if (s == null) {
                findings.add(Finding.error("SECRET_NOT_FOUND", ref.cluster(), where + ".name", ref.cluster() + ": the Secret '"
                        + ref.name() + "' does not exist in the ClusterMesh's namespace", "create it, e.g. kubectl create secret generic "
                        + ref.name() + " --from-file=" + ref.key() + "=<kubeconfig of " + ref.cluster() + ">"));
                continue;
            }
            String content = value(s, ref.key());
            if (content == null || content.isBlank()) {
                findings.add(Finding.error("SECRET_KEY_MISSING", ref.cluster(), where + ".key", ref.cluster() + ": the Secret '"
                        + ref.name() + "' has no (non-empty) key '" + ref.key() + "'", "put the cluster's kubeconfig under key "
                        + ref.key() + ", or name the key that holds it in kubeconfigSecretRef.key"));
                continue;
            }
            kubeconfigs.put(ref.cluster(), content);
        }
        boolean errors = findings.stream().anyMatch(Finding::isError);
        if (errors || parsed.spec() == null) {
            return new Result(null, findings, policy, refs);
        }
        List<MeshCluster> withAccess = new ArrayList<>();
        for (MeshCluster c : parsed.spec().clusters()) {
            if (AzureAccess.isAzure(c)) {
                withAccess.add(c); // credentials from ARM with the operator's Azure credential (AzureAccess)
                continue;
            }
            SecretRef ref = refs.stream().filter(r -> r.cluster().equals(c.name())).findFirst().orElseThrow();
            String content = kubeconfigs.get(c.name());
            ClusterAccess access = ref.context() != null ? ClusterAccess.kubeconfig(content, ref.context()) : ClusterAccess.kubeconfig(content);
            withAccess.add(c.withAccess(access.withExecAllowed(false)));
        }
        return new Result(parsed.spec().withClusters(withAccess), findings, policy, refs);
    }

    private static String value(Secret s, String key) {
        if (s.getStringData() != null && s.getStringData().get(key) != null) {
            return s.getStringData().get(key);
        }
        if (s.getData() != null && s.getData().get(key) != null) {
            try {
                return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
