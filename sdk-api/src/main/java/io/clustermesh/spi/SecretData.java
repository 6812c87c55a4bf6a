package io.clustermesh.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A Kubernetes Secret's data. Its values are secrets: {@link #toString()} shows key names and sizes only.
 *
 * @param name            secret name
 * @param resourceVersion as read, {@code null} for a new secret; writes use it for optimistic concurrency
 * @param type            secret type (e.g. {@code Opaque}, {@code kubernetes.io/tls}, {@code helm.sh/release.v1})
 * @param labels          labels
 * @param data            decoded values
 */
public record SecretData(String name, String resourceVersion, String type, Map<String, String> labels,
                         Map<String, byte[]> data) {
    public SecretData {
        Objects.requireNonNull(name, "name");
        type = type == null ? "Opaque" : type;
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        if (!(data instanceof Copied)) {
            // the values are copied once; the data of another SecretData (already copies) is taken as it is: a secret
            // written with a new resource version, or passed on, does not copy its N entries again
            Map<String, byte[]> copy = new LinkedHashMap<>();
            (data == null ? Map.<String, byte[]>of() : data).forEach((k, v) -> copy.put(k, v.clone()));
            data = new Copied(copy);
        }
    }

    /** The read-only data of a SecretData, whose arrays are its own copies. */
    private static final class Copied extends java.util.AbstractMap<String, byte[]> {
        private final Map<String, byte[]> map;

        Copied(Map<String, byte[]> map) {
            this.map = java.util.Collections.unmodifiableMap(map);
        }

        @Override
        public java.util.Set<Map.Entry<String, byte[]>> entrySet() {
            return map.entrySet();
        }

        @Override
        public byte[] get(Object key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public java.util.Set<String> keySet() {
            return map.keySet();
        }
    }

    /** A new secret (no resource version). */
    public static SecretData of(String name, Map<String, String> labels, Map<String, byte[]> data) {
        return new SecretData(name, null, "Opaque", labels, data);
    }

    public String string(String key) {
        byte[] b = data.get(key);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Same type, labels and data (resource version ignored). */
    public boolean sameContent(SecretData other) {
        if (other == null || !type.equals(other.type) || !labels.equals(other.labels) || !data.keySet().equals(other.data.keySet())) {
            return false;
        }
        return data.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), other.data.get(e.getKey())));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretData s && Objects.equals(s.resourceVersion, resourceVersion) && s.name.equals(name) && sameContent(s);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, resourceVersion, type, labels, data.keySet());
    }

    @Override
    public String toString() {
        Map<String, String> sizes = new TreeMap<>();
        data.forEach((k, v) -> sizes.put(k, v.length + " bytes"));
        return "Secret[" + name + ", type " + type + ", data " + sizes + "]";
    }
}
