package io.clustermesh;

import java.util.Locale;
import java.util.Optional;

/**
 * Which backends a global service prefers ({@code service.cilium.io/affinity}, Cilium docs, network/clustermesh/services).
 *
 * <ul>
 *   <li>{@link #NONE}: local and remote backends alike (the default, also when the annotation is absent);</li>
 *   <li>{@link #LOCAL}: local backends always; remote ones only when no local backend is active and at least one
 *       remote backend is healthy;</li>
 *   <li>{@link #REMOTE}: remote backends always; local ones only when no remote backend is healthy and at least
 *       one local backend is.</li>
 * </ul>
 * Cilium ignores the annotation on a Service that is not global.
 */
public enum Affinity {
    LOCAL("local"), REMOTE("remote"), NONE("none");

    private final String value;

    Affinity(String value) {
        this.value = value;
    }

    /** The annotation value as Cilium spells it. */
    public String value() {
        return value;
    }

    /**
     * Parses an annotation value the way Cilium does: case-insensitive, the empty string means {@link #NONE}.
     *
     * @return empty when Cilium does not recognise the value
     */
    public static Optional<Affinity> parse(String s) {
        if (s == null) {
            return Optional.of(NONE);
        }
        String v = s.toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return Optional.of(NONE);
        }
        for (Affinity a : values()) {
            if (a.value.equals(v)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
