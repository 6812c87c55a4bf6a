package io.clustermesh.cilium.internal;

import java.util.Map;

/** Dotted-path access to nested Helm values. */
public final class Values {
    private Values() {
    }

    /** The value at {@code a.b.c}, or {@code null}. */
    public static Object get(Map<String, Object> values, String path) {
        Object cur = values;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(part);
        }
        return cur;
    }
}
