package io.clustermesh.cilium.services;

import io.clustermesh.Affinity;
import io.clustermesh.ServiceSetting;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The annotation changes that bring a Service to a requested global-service setting: only what differs, canonical
 * keys written, legacy keys removed (their value carried over when the request does not say otherwise).
 *
 * @param set    annotations to write (key to value)
 * @param remove annotation keys to delete
 */
public record AnnotationEdit(Map<String, String> set, Set<String> remove) {

    public AnnotationEdit {
        set = Collections.unmodifiableMap(new TreeMap<>(set));
        remove = Collections.unmodifiableSet(new TreeSet<>(remove));
    }

    public boolean isEmpty() {
        return set.isEmpty() && remove.isEmpty();
    }

    /**
     * Makes the Service global. {@code shared}/{@code affinity} empty = keep what is there. {@link Affinity#NONE}
     * removes the affinity annotation (absent means none in every Cilium version; some read a literal "none" as
     * "local only").
     */
    public static AnnotationEdit apply(Map<String, String> current, Optional<Boolean> shared, Optional<Affinity> affinity) {
        Objects.requireNonNull(current, "current");
        Map<String, String> desired = new LinkedHashMap<>(current);
        desired.put(ServiceSetting.GLOBAL, "true");
        desired.remove(ServiceSetting.LEGACY_GLOBAL);
        if (shared.isPresent()) {
            desired.put(ServiceSetting.SHARED, String.valueOf(shared.get()));
        } else {
            carryOver(current, desired, ServiceSetting.SHARED, ServiceSetting.LEGACY_SHARED);
        }
        desired.remove(ServiceSetting.LEGACY_SHARED);
        if (affinity.isPresent()) {
            if (affinity.get() == Affinity.NONE) {
                desired.remove(ServiceSetting.AFFINITY);
            } else {
                desired.put(ServiceSetting.AFFINITY, affinity.get().value());
            }
        } else {
            carryOver(current, desired, ServiceSetting.AFFINITY, ServiceSetting.LEGACY_AFFINITY);
        }
        desired.remove(ServiceSetting.LEGACY_AFFINITY);
        return diff(current, desired);
    }

    /** Removes every global-service annotation, canonical and legacy. */
    public static AnnotationEdit remove(Map<String, String> current) {
        Map<String, String> desired = new LinkedHashMap<>(current);
        ServiceSetting.KEYS.forEach(desired::remove);
        return diff(current, desired);
    }

    /** The value Cilium reads (canonical first), moved to the canonical key. */
    private static void carryOver(Map<String, String> current, Map<String, String> desired, String canonical, String legacy) {
        String v = current.containsKey(canonical) ? current.get(canonical) : current.get(legacy);
        if (v != null) {
            desired.put(canonical, v);
        }
    }

    private static AnnotationEdit diff(Map<String, String> current, Map<String, String> desired) {
        Map<String, String> set = new TreeMap<>();
        desired.forEach((k, v) -> {
            if (!v.equals(current.get(k))) set.put(k, v);
        });
        Set<String> remove = new TreeSet<>();
        current.keySet().forEach(k -> {
            if (!desired.containsKey(k)) remove.add(k);
        });
        return new AnnotationEdit(set, remove);
    }
}
