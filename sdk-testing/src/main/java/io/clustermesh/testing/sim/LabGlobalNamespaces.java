package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Map;

/**
 * Cilium 1.20 global namespaces as the lab's clustermesh-apiserver honours them: a global service is exported only
 * from a global namespace. The truth comes from the cluster's rendered {@code cilium-config}
 * ({@code clustermesh-default-global-namespace}, chart 1.20 templates/cilium-configmap.yaml from
 * {@code clustermesh.defaultGlobalNamespace}; absent before 1.20, where every namespace is global) and the namespace's
 * {@code clustermesh.cilium.io/global} annotation ("true" or "false" wins over the default; chart 1.20 values.yaml,
 * {@code clustermesh.defaultGlobalNamespace}).
 */
public final class LabGlobalNamespaces {
    /** The cilium-config key (chart 1.20). */
    public static final String CONFIG_KEY = "clustermesh-default-global-namespace";
    /** The namespace annotation. */
    public static final String ANNOTATION = "clustermesh.cilium.io/global";

    private LabGlobalNamespaces() {
    }

    /** Whether {@code namespace} is global in the cluster whose cilium-config is {@code config}. */
    public static boolean global(KubernetesClient kube, Map<String, String> config, String namespace) {
        boolean byDefault = !"false".equalsIgnoreCase(String.valueOf(config.getOrDefault(CONFIG_KEY, "true")).trim());
        Namespace ns = kube.namespaces().withName(namespace).get();
        String v = ns == null || ns.getMetadata().getAnnotations() == null ? null : ns.getMetadata().getAnnotations().get(ANNOTATION);
        return v == null ? byDefault : "true".equalsIgnoreCase(v.trim());
    }
}
