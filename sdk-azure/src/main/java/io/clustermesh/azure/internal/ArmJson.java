package io.clustermesh.azure.internal;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.json.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Untyped JSON for raw ARM calls (preview api-versions the generated models lack), on azure-json. */
public final class ArmJson {
    private ArmJson() {
    }

    /** Parses an object; an empty or non-object body gives an empty map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String body) {
        if (body == null || body.isBlank()) {
            return new LinkedHashMap<>();
        }
        try (JsonReader r = JsonProviders.createReader(body)) {
            r.nextToken();
            Object o = r.readUntyped();
            return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the ARM response is not JSON", e);
        }
    }

    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonWriter w = JsonProviders.createWriter(out)) {
            w.writeUntyped(value);
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The value at a dotted path ({@code properties.networkProfile.kubeProxyConfig}), or null. */
    public static Object at(Map<String, Object> root, String path) {
        Object cur = root;
        for (String key : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(key);
        }
        return cur;
    }

    public static String string(Map<String, Object> root, String path) {
        Object v = at(root, path);
        return v == null ? null : String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> root, String path) {
        Object v = at(root, path);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> root, String path) {
        Object v = at(root, path);
        return v instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /** The object at {@code path}, created (with every missing parent) when absent. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> ensure(Map<String, Object> root, String path) {
        Map<String, Object> cur = root;
        for (String key : path.split("\\.")) {
            Object next = cur.get(key);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                cur.put(key, next);
            }
            cur = (Map<String, Object>) next;
        }
        return cur;
    }
}
