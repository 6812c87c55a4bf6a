package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the lab's Cilium would allow between two endpoints of the mesh, computed by the lab from the
 * {@code cilium.io/v2 CiliumNetworkPolicy} objects stored in each cluster and that cluster's {@code cilium-config}, the
 * way Cilium's agent selects (its truth never comes from the SDK that wrote the policies):
 * <ul>
 *   <li>A policy applies to the endpoints of its own cluster and namespace that its {@code endpointSelector}
 *       selects. An endpoint selected by a policy with an {@code ingress} section is default-deny for ingress (the
 *       same for {@code egress}); traffic passes when the destination's ingress and the source's egress both allow
 *       it.</li>
 *   <li>A peer selector ({@code fromEndpoints}, {@code toEndpoints}) matches an endpoint's labels; the keys
 *       {@code io.cilium.k8s.policy.cluster} and {@code io.kubernetes.pod.namespace} (with or without the {@code k8s:}
 *       source prefix) match its cluster and namespace. Without a namespace key the selector is limited to the
 *       policy's namespace (a namespaced CiliumNetworkPolicy). Without a cluster key it matches every cluster of the
 *       mesh, or only the enforcing cluster when its {@code cilium-config} says
 *       {@code policy-default-local-cluster: "true"} (Cilium 1.18 option, default on from 1.19; Cilium docs,
 *       "Cluster Mesh" network policy section, and the 1.19 upgrade notes).</li>
 *   <li>Ports, L7 rules, CIDR and entity selectors, deny rules and clusterwide policies are not modelled: a rule
 *       allows on some port, and a policy using what is not modelled fails the query instead of answering wrongly.</li>
 * </ul>
 */
public final class LabPolicies {
    /** The cluster label Cilium gives every endpoint ({@code k8sConst.PolicyLabelCluster}). */
    public static final String CLUSTER_KEY = "io.cilium.k8s.policy.cluster";
    /** The namespace label Cilium gives every endpoint. */
    public static final String NAMESPACE_KEY = "io.kubernetes.pod.namespace";

    private final Function<String, KubernetesClient> clients;

    private LabPolicies(Function<String, KubernetesClient> clients) {
        this.clients = clients;
    }

    /**
     * The policies of the clusters, read at each query ({@code MeshLab.policies()} gives those of a lab).
     *
     * @param clients the lab's own client of each cluster, by cluster name (throwing for a name that is not a cluster)
     */
    public static LabPolicies of(Function<String, KubernetesClient> clients) {
        return new LabPolicies(Objects.requireNonNull(clients, "clients"));
    }

    /**
     * An endpoint of the mesh.
     *
     * @param cluster   its cluster's name
     * @param namespace its namespace
     * @param labels    its pod labels
     */
    public record Endpoint(String cluster, String namespace, Map<String, String> labels) {
        public Endpoint {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(namespace, "namespace");
            labels = Map.copyOf(labels);
        }

        @Override
        public String toString() {
            return cluster + "/" + namespace + labels;
        }
    }

    /** Whether a new connection from {@code from} to {@code to} is allowed by both ends' policies. */
    public boolean allowed(Endpoint from, Endpoint to) {
        return allows(from, to, "egress", "toEndpoints", from) && allows(from, to, "ingress", "fromEndpoints", to);
    }

    /**
     * Whether the policies of {@code subject}'s cluster allow the connection in one direction: {@code subject} is the
     * endpoint the policies select ({@code from} for egress, {@code to} for ingress), the other one is the peer.
     */
    private boolean allows(Endpoint from, Endpoint to, String direction, String peersKey, Endpoint subject) {
        Endpoint peer = subject == from ? to : from;
        KubernetesClient cluster = clients.apply(subject.cluster());
        boolean localDefault = localDefault(cluster);
        boolean enforced = false;
        for (GenericKubernetesResource policy : policies(cluster, subject.namespace())) {
            Map<String, Object> spec = map(policy.getAdditionalProperties().get("spec"), policy, "spec");
            unsupported(policy, spec, "specs", "ingressDeny", "egressDeny", "nodeSelector");
            Map<String, Object> endpointSelector = map(spec.get("endpointSelector"), policy, "spec.endpointSelector");
            if (!selects(endpointSelector, subject, subject.namespace(), subject.cluster(), true, policy)) {
                continue;
            }
            if (!spec.containsKey(direction)) {
                continue;
            }
            enforced = true;
            for (Object rule : list(spec.get(direction), policy, "spec." + direction)) {
                Map<String, Object> r = map(rule, policy, "spec." + direction + "[]");
                unsupported(policy, r, direction.equals("ingress") ? "fromCIDR" : "toCIDR",
                        direction.equals("ingress") ? "fromCIDRSet" : "toCIDRSet",
                        direction.equals("ingress") ? "fromEntities" : "toEntities",
                        direction.equals("ingress") ? "fromRequires" : "toRequires", "toServices", "toFQDNs");
                for (Object sel : list(r.get(peersKey), policy, "spec." + direction + "[]." + peersKey)) {
                    if (selects(map(sel, policy, peersKey + "[]"), peer, subject.namespace(), subject.cluster(), localDefault, policy)) {
                        return true;
                    }
                }
            }
        }
        return !enforced;
    }

    private static boolean localDefault(KubernetesClient cluster) {
        ConfigMap config = cluster.configMaps().inNamespace("kube-system").withName("cilium-config").get();
        return config != null && config.getData() != null && "true".equals(config.getData().get("policy-default-local-cluster"));
    }

    private static List<GenericKubernetesResource> policies(KubernetesClient cluster, String namespace) {
        return cluster.genericKubernetesResources("cilium.io/v2", "CiliumNetworkPolicy").inNamespace(namespace)
                .list().getItems();
    }

    /**
     * Whether a label selector selects the endpoint. {@code policyNamespace} limits a selector without a namespace
     * key; {@code enforcingCluster} limits one without a cluster key when {@code localOnlyByDefault}.
     */
    private static boolean selects(Map<String, Object> selector, Endpoint e, String policyNamespace, String enforcingCluster,
                                   boolean localOnlyByDefault, GenericKubernetesResource policy) {
        boolean namespaceGiven = false;
        boolean clusterGiven = false;
        Map<String, Object> matchLabels = selector.get("matchLabels") == null ? Map.of()
                : map(selector.get("matchLabels"), policy, "matchLabels");
        for (Map.Entry<String, Object> m : matchLabels.entrySet()) {
            String key = key(m.getKey());
            namespaceGiven |= key.equals(NAMESPACE_KEY);
            clusterGiven |= key.equals(CLUSTER_KEY);
            if (!String.valueOf(m.getValue()).equals(value(e, key))) {
                return false;
            }
        }
        for (Object x : selector.get("matchExpressions") == null ? List.of() : list(selector.get("matchExpressions"), policy, "matchExpressions")) {
            Map<String, Object> expr = map(x, policy, "matchExpressions[]");
            String key = key(String.valueOf(expr.get("key")));
            namespaceGiven |= key.equals(NAMESPACE_KEY);
            clusterGiven |= key.equals(CLUSTER_KEY);
            String actual = value(e, key);
            List<String> values = expr.get("values") == null ? List.of()
                    : list(expr.get("values"), policy, "values").stream().map(String::valueOf).toList();
            boolean ok = switch (String.valueOf(expr.get("operator"))) {
                case "In" -> actual != null && values.contains(actual);
                case "NotIn" -> actual == null || !values.contains(actual);
                case "Exists" -> actual != null;
                case "DoesNotExist" -> actual == null;
                default -> throw new UnsupportedOperationException(name(policy) + ": operator " + expr.get("operator")
                        + " is not modelled by the lab");
            };
            if (!ok) {
                return false;
            }
        }
        if (!namespaceGiven && !e.namespace().equals(policyNamespace)) {
            return false;
        }
        return clusterGiven || !localOnlyByDefault || e.cluster().equals(enforcingCluster);
    }

    private static String key(String k) {
        for (String prefix : List.of("k8s:", "any:")) {
            if (k.startsWith(prefix)) {
                return k.substring(prefix.length());
            }
        }
        return k;
    }

    private static String value(Endpoint e, String key) {
        return switch (key) {
            case CLUSTER_KEY -> e.cluster();
            case NAMESPACE_KEY -> e.namespace();
            default -> e.labels().get(key);
        };
    }

    private static void unsupported(GenericKubernetesResource policy, Map<String, Object> m, String... keys) {
        for (String k : keys) {
            if (m.containsKey(k)) {
                throw new UnsupportedOperationException(name(policy) + ": " + k + " is not modelled by the lab's policy check");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, GenericKubernetesResource policy, String where) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalStateException(name(policy) + ": " + where + " is not an object");
    }

    private static List<Object> list(Object o, GenericKubernetesResource policy, String where) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw new IllegalStateException(name(policy) + ": " + where + " is not a list");
    }

    private static String name(GenericKubernetesResource policy) {
        return "CiliumNetworkPolicy " + policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
    }
}
