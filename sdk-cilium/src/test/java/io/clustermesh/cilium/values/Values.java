package io.clustermesh.cilium.values;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Test helpers to read values documents. */
final class Values {
    private Values() {
    }

    /** The value at a dotted path, {@code null} when missing. */
    static Object at(Map<String, ?> values, String dottedPath) {
        Object node = values;
        for (String part : dottedPath.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(part);
        }
        return node;
    }

    static boolean has(Map<String, ?> values, String dottedPath) {
        String parent = dottedPath.contains(".") ? dottedPath.substring(0, dottedPath.lastIndexOf('.')) : null;
        Object node = parent == null ? values : at(values, parent);
        return node instanceof Map<?, ?> m && m.containsKey(dottedPath.substring(dottedPath.lastIndexOf('.') + 1));
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
