package io.clustermesh;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The effective global-service setting of one Service in one cluster, read the way the Cilium agent reads it
 * (Cilium docs, network/clustermesh/services; Cilium {@code pkg/annotation/k8s.go} and {@code pkg/annotation/clustermesh.go}):
 * <ul>
 *   <li>each setting has a canonical annotation and a legacy alias; when both are present the canonical one wins
 *       ({@code annotation.Get} tries the key before its aliases);</li>
 *   <li>{@code global} is true only when the value, lower-cased, is {@code "true"};</li>
 *   <li>{@code shared} defaults to true on a global Service, is true only for {@code "true"} when given (so
 *       {@code "yes"} means not shared), and is false on a Service that is not global;</li>
 *   <li>{@code affinity} is ignored on a Service that is not global; values are lower-cased; an unrecognised value
 *       counts as {@link Affinity#NONE} here (Cilium logs "unrecognized service affinity value") and is reported by
 *       {@link MeshServices#check}.</li>
 * </ul>
 * The compact constructor enforces these rules, so a setting never claims what Cilium would not do.
 *
 * @param namespace   the Service's namespace
 * @param name        the Service's name
 * @param cluster     the cluster it was read from
 * @param exists      whether the Service exists in that cluster
 * @param type        {@code ClusterIP}, {@code NodePort}, {@code LoadBalancer}, ...; {@code null} when missing
 * @param global      merges remote backends and may export its own
 * @param shared      exports its backends to the other clusters
 * @param affinity    which backends are preferred
 * @param annotations the global-service annotations as written, canonical and legacy keys (other annotations are
 *                    left out)
 */
public record ServiceSetting(String namespace, String name, String cluster, boolean exists, String type, boolean global,
                             boolean shared, Affinity affinity, Map<String, String> annotations) {

    /** Canonical: {@code "true"} makes the Service global. */
    public static final String GLOBAL = "service.cilium.io/global";
    /** Canonical: {@code "false"} keeps the local backends from being exported (default true when global). */
    public static final String SHARED = "service.cilium.io/shared";
    /** Canonical: {@code local}, {@code remote} or {@code none}. */
    public static final String AFFINITY = "service.cilium.io/affinity";
    /** Legacy alias of {@link #GLOBAL} ({@code GlobalServiceAlias} in Cilium). */
    public static final String LEGACY_GLOBAL = "io.cilium/global-service";
    /** Legacy alias of {@link #SHARED} ({@code SharedServiceAlias}). */
    public static final String LEGACY_SHARED = "io.cilium/shared-service";
    /** Legacy alias of {@link #AFFINITY} ({@code ServiceAffinityAlias}). */
    public static final String LEGACY_AFFINITY = "io.cilium/service-affinity";
    /** Every key the setting is read from, canonical ones first. */
    public static final List<String> KEYS = List.of(GLOBAL, SHARED, AFFINITY, LEGACY_GLOBAL, LEGACY_SHARED, LEGACY_AFFINITY);

    public ServiceSetting {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cluster, "cluster");
        affinity = affinity == null ? Affinity.NONE : affinity;
        TreeMap<String, String> kept = new TreeMap<>();
        if (annotations != null) {
            annotations.forEach((k, v) -> {
                if (KEYS.contains(k) && v != null) kept.put(k, v);
            });
        }
        annotations = Collections.unmodifiableMap(kept);
        if (!exists) {
            type = null;
            global = false;
        }
        if (!global) {
            shared = false;
            affinity = Affinity.NONE;
        }
    }

    /** The Service does not exist in {@code cluster}. */
    public static ServiceSetting missing(String namespace, String name, String cluster) {
        return new ServiceSetting(namespace, name, cluster, false, null, false, false, Affinity.NONE, Map.of());
    }

    /** Reads the setting from a Service's annotations (other annotations are ignored). */
    public static ServiceSetting of(String namespace, String name, String cluster, String type, Map<String, String> annotations) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        boolean global = lookup(a, GLOBAL, LEGACY_GLOBAL).map(v -> v.toLowerCase(Locale.ROOT).equals("true")).orElse(false);
        boolean shared = lookup(a, SHARED, LEGACY_SHARED).map(v -> v.toLowerCase(Locale.ROOT).equals("true")).orElse(true);
        Affinity affinity = lookup(a, AFFINITY, LEGACY_AFFINITY).flatMap(Affinity::parse).orElse(Affinity.NONE);
        return new ServiceSetting(namespace, name, cluster, true, type, global, shared, affinity, a);
    }

    private static Optional<String> lookup(Map<String, String> a, String key, String alias) {
        String v = a.get(key);
        return Optional.ofNullable(v != null ? v : a.get(alias));
    }

    /** The value in force for a canonical key ({@link #GLOBAL}, {@link #SHARED}, {@link #AFFINITY}): canonical, else legacy. */
    public Optional<String> value(String canonicalKey) {
        return switch (canonicalKey) {
            case GLOBAL -> lookup(annotations, GLOBAL, LEGACY_GLOBAL);
            case SHARED -> lookup(annotations, SHARED, LEGACY_SHARED);
            case AFFINITY -> lookup(annotations, AFFINITY, LEGACY_AFFINITY);
            default -> throw new IllegalArgumentException("not a canonical global-service annotation: " + canonicalKey);
        };
    }

    /** Whether the affinity annotation (either key) is set, whatever its value and whether Cilium honours it. */
    public boolean affinityDeclared() {
        return value(AFFINITY).isPresent();
    }

    /** Whether the shared annotation (either key) is set. */
    public boolean sharedDeclared() {
        return value(SHARED).isPresent();
    }

    /** False when the affinity annotation holds a value Cilium does not know (e.g. {@code "near"}). */
    public boolean affinityRecognised() {
        return value(AFFINITY).map(v -> Affinity.parse(v).isPresent()).orElse(true);
    }

    /** Whether any legacy key ({@code io.cilium/...}) is present. */
    public boolean usesLegacyAnnotations() {
        return annotations.containsKey(LEGACY_GLOBAL) || annotations.containsKey(LEGACY_SHARED) || annotations.containsKey(LEGACY_AFFINITY);
    }

    /** Whether any global-service annotation is present (the Service is, or was meant to be, global). */
    public boolean annotated() {
        return !annotations.isEmpty();
    }

    /** {@code namespace/name}. */
    public String service() {
        return namespace + "/" + name;
    }
}
