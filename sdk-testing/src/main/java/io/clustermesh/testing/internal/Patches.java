package io.clustermesh.testing.internal;

import io.fabric8.zjsonpatch.JsonPatch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The three patch types of the Kubernetes API applied to a stored object, as the API server does before it stores the
 * result like an update (k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
 * <ul>
 *   <li>{@code application/json-patch+json}: RFC 6902 (fabric8's zjsonpatch);</li>
 *   <li>{@code application/merge-patch+json}: RFC 7386;</li>
 *   <li>{@code application/strategic-merge-patch+json}: k8s.io/apimachinery/pkg/util/strategicpatch, for built-in kinds:
 *       lists merge on their {@linkplain PatchSchema merge keys}, and the directives {@code $patch} (replace, delete,
 *       merge), {@code $setElementOrder/<list>}, {@code $deleteFromPrimitiveList/<list>} and {@code $retainKeys} — what
 *       Helm's three-way merge ({@code CreateThreeWayMergePatch}) and {@code kubectl apply/patch} send.</li>
 * </ul>
 * Server-side apply ({@code application/apply-patch+yaml}) is not implemented: {@link UnsupportedPatchException}.
 */
public final class Patches {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ORDER = "$setElementOrder/";
    private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

    /** A patch the lab cannot apply; the message says why (answered 415 or 422). */
    public static final class UnsupportedPatchException extends RuntimeException {
        private final int code;

        UnsupportedPatchException(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private Patches() {
    }

    /**
     * @param contentType the request's Content-Type
     * @param current     the stored object (not modified)
     * @param patch       the patch document
     * @return the patched object
     */
    public static JsonNode apply(String contentType, JsonNode current, JsonNode patch) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        switch (type) {
            case "application/json-patch+json":
                try {
                    return JsonPatch.apply(patch, current);
                } catch (RuntimeException e) {
                    throw new UnsupportedPatchException(422, "the JSON patch cannot be applied: " + e.getMessage());
                }
            case "application/merge-patch+json":
                return mergePatch(current, patch);
            case "application/strategic-merge-patch+json":
                if (!(patch instanceof ObjectNode p) || !(current instanceof ObjectNode c)) {
                    throw new UnsupportedPatchException(422, "a strategic merge patch must be a JSON object");
                }
                JsonNode out = strategicMerge(c.deepCopy(), p, PatchSchema.forKind(c.path("kind").asString("")));
                return out == null ? JsonNodeFactory.instance.objectNode() : out;
            case "application/apply-patch+yaml":
                throw new UnsupportedPatchException(415, "server-side apply is not implemented by the clustermesh lab");
            default:
                throw new UnsupportedPatchException(415, "the body of the request was in an unknown format - accepted media types include: "
                        + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json");
        }
    }

    /** RFC 7386 JSON merge patch. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!(patch instanceof ObjectNode p)) {
            return patch.deepCopy();
        }
        ObjectNode out = target instanceof ObjectNode t ? t.deepCopy() : JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : p.properties()) {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                JsonNode existing = out.get(e.getKey());
                out.set(e.getKey(), mergePatch(existing == null ? JsonNodeFactory.instance.nullNode() : existing, e.getValue()));
            }
        }
        return out;
    }

    /**
     * Strategic merge of {@code patch} into {@code original} (modified in place).
     *
     * @return the merged map, or {@code null} when the patch deletes it ({@code $patch: delete})
     */
    static ObjectNode strategicMerge(ObjectNode original, ObjectNode patch, PatchSchema.Node schema) {
        String directive = patch.path(PATCH).asString(null);
        if ("delete".equals(directive)) {
            return null;
        }
        if ("replace".equals(directive)) {
            return strip(patch, schema);
        }
        if (directive != null && !"merge".equals(directive)) {
            throw new UnsupportedPatchException(422, "unknown patch directive " + directive);
        }
        if (patch.get(RETAIN_KEYS) instanceof ArrayNode keep) {
            Set<String> retained = new LinkedHashSet<>();
            keep.forEach(k -> retained.add(k.asString()));
            for (String name : new ArrayList<>(original.propertyNames())) {
                if (!retained.contains(name)) {
                    original.remove(name);
                }
            }
        }
        Map<String, ArrayNode> orders = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals(PATCH) || key.equals(RETAIN_KEYS)) {
                continue;
            }
            if (key.startsWith(SET_ORDER)) {
                if (value instanceof ArrayNode a) {
                    orders.put(key.substring(SET_ORDER.length()), a);
                }
                continue;
            }
            if (key.startsWith(DELETE_PRIMITIVE)) {
                String field = key.substring(DELETE_PRIMITIVE.length());
                if (original.get(field) instanceof ArrayNode list && value instanceof ArrayNode remove) {
                    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
                    list.forEach(item -> {
                        if (!contains(remove, item)) {
                            kept.add(item);
                        }
                    });
                    original.set(field, kept);
                }
                continue;
            }
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            PatchSchema.Field field = schema.field(key);
            JsonNode current = original.get(key);
            if (value instanceof ObjectNode vo) {
                PatchSchema.Node child = field.child();
                ObjectNode base = current instanceof ObjectNode co ? co : JsonNodeFactory.instance.objectNode();
                ObjectNode merged = strategicMerge(base, vo, child);
                if (merged == null) {
                    original.remove(key);
                } else {
                    original.set(key, merged);
                }
            } else if (value instanceof ArrayNode va) {
                if (field.mergeList() && current instanceof ArrayNode ca) {
                    original.set(key, mergeList(ca, va, field));
                } else {
                    original.set(key, stripList(va, field));
                }
            } else {
                original.set(key, value.deepCopy());
            }
        }
        for (Map.Entry<String, ArrayNode> o : orders.entrySet()) {
            if (original.get(o.getKey()) instanceof ArrayNode list) {
                original.set(o.getKey(), reorder(list, o.getValue(), schema.field(o.getKey()).mergeKey()));
            }
        }
        return original;
    }

    private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, PatchSchema.Field field) {
        String key = field.mergeKey();
        for (JsonNode item : patch) {
            if (item instanceof ObjectNode o && "replace".equals(o.path(PATCH).asString(null)) && o.size() == 1) {
                ArrayNode replaced = JsonNodeFactory.instance.arrayNode();
                for (JsonNode other : patch) {
                    if (other != item) {
                        replaced.add(other instanceof ObjectNode oo ? strip(oo, field.child()) : other.deepCopy());
                    }
                }
                return replaced;
            }
        }
        ArrayNode out = original.deepCopy();
        if (key == null) {
            // a merging list of primitives (e.g. finalizers): union, in order
            for (JsonNode item : patch) {
                if (!contains(out, item)) {
                    out.add(item.deepCopy());
                }
            }
            return out;
        }
        for (JsonNode item : patch) {
            if (!(item instanceof ObjectNode po)) {
                out.add(item.deepCopy());
                continue;
            }
            JsonNode keyValue = po.get(key);
            int at = indexOf(out, key, keyValue);
            if ("delete".equals(po.path(PATCH).asString(null))) {
                while (at >= 0) {
                    out.remove(at);
                    at = indexOf(out, key, keyValue);
                }
                continue;
            }
            if (at < 0) {
                out.add(strip(po, field.child()));
            } else {
                ObjectNode existing = (ObjectNode) out.get(at);
                ObjectNode merged = strategicMerge(existing, po, field.child());
                if (merged == null) {
                    out.remove(at);
                } else {
                    out.set(at, merged);
                }
            }
        }
        return out;
    }

    /** Orders a list like {@code $setElementOrder}: the listed elements in that order, the others after them in their order. */
    private static ArrayNode reorder(ArrayNode list, ArrayNode order, String key) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        List<JsonNode> rest = new ArrayList<>();
        list.forEach(rest::add);
        for (JsonNode o : order) {
            JsonNode wanted = key == null ? o : o.get(key);
            for (int i = 0; i < rest.size(); i++) {
                JsonNode item = rest.get(i);
                JsonNode have = key == null ? item : item.get(key);
                if (Objects.equals(have, wanted)) {
                    out.add(item);
                    rest.remove(i);
                    break;
                }
            }
        }
        rest.forEach(out::add);
        return out;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof ObjectNode o && Objects.equals(o.get(key), value)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean contains(ArrayNode list, JsonNode item) {
        for (JsonNode n : list) {
            if (n.equals(item)) {
                return true;
            }
        }
        return false;
    }

    /** A patch map as a value: the directives removed, {@code null} fields dropped. */
    private static ObjectNode strip(ObjectNode patch, PatchSchema.Node schema) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String k = e.getKey();
            if (k.equals(PATCH) || k.equals(RETAIN_KEYS) || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE) || e.getValue().isNull()) {
                continue;
            }
            PatchSchema.Field f = schema.field(k);
            if (e.getValue() instanceof ObjectNode o) {
                out.set(k, strip(o, f.child()));
            } else if (e.getValue() instanceof ArrayNode a) {
                out.set(k, stripList(a, f));
            } else {
                out.set(k, e.getValue().deepCopy());
            }
        }
        return out;
    }

    private static ArrayNode stripList(ArrayNode list, PatchSchema.Field field) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode item : list) {
            if (item instanceof ObjectNode o) {
                String d = o.path(PATCH).asString(null);
                if ("delete".equals(d) || ("replace".equals(d) && o.size() == 1)) {
                    continue;
                }
                out.add(strip(o, field.child()));
            } else {
                out.add(item.deepCopy());
            }
        }
        return out;
    }
}
