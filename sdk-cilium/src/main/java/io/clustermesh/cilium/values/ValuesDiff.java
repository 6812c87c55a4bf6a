package io.clustermesh.cilium.values;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The differences between the values of a release and the intended values, for plans: an empty diff means no Helm
 * upgrade is needed. Safe to print: no private key appears in a path or a display string.
 *
 * <p>Maps are compared key by key; lists that hold maps (the list form of {@code clustermesh.config.clusters}) item
 * by item; other lists as one value. Numbers compare by value ({@code 2379} equals {@code 2379.0}, as Helm stores
 * numbers), but a string never equals a number or a boolean ({@code "true"} and {@code true} are different values).
 * A missing key and an explicit {@code null} are the same.
 */
public final class ValuesDiff {

    private final List<ValuesChange> changes;

    private ValuesDiff(List<ValuesChange> changes) {
        this.changes = List.copyOf(changes);
    }

    /**
     * What an upgrade from {@code current} to {@code intended} changes.
     *
     * @param current  the release's values; {@code null} when there is no release yet
     * @param intended the values to upgrade with
     */
    public static ValuesDiff of(Map<String, ?> current, Map<String, ?> intended) {
        Objects.requireNonNull(intended, "intended");
        List<ValuesChange> out = new ArrayList<>();
        compare(List.of(), current == null ? Map.of() : current, intended, out);
        return new ValuesDiff(out);
    }

    /** The changes in document order. */
    public List<ValuesChange> changes() {
        return changes;
    }

    /** Whether the values are the same (no upgrade needed). */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The changed paths. */
    public List<String> paths() {
        return changes.stream().map(ValuesChange::path).toList();
    }

    /** One change per line, or {@code no changes}. */
    @Override
    public String toString() {
        return changes.isEmpty() ? "no changes"
                : changes.stream().map(ValuesChange::toString).collect(Collectors.joining("\n"));
    }

    private static void compare(List<String> path, Object a, Object b, List<ValuesChange> out) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            Set<Object> keys = new LinkedHashSet<>(ma.keySet());
            keys.addAll(mb.keySet());
            // intended order first, so the diff reads like the intended document
            Set<Object> ordered = new LinkedHashSet<>(mb.keySet());
            ordered.addAll(keys);
            for (Object k : ordered) {
                compare(Redaction.append(path, String.valueOf(k)), ma.get(k), mb.get(k), out);
            }
            return;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (holdsMaps(la) || holdsMaps(lb))) {
            for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
                compare(Redaction.append(path, "[" + i + "]"), i < la.size() ? la.get(i) : null,
                        i < lb.size() ? lb.get(i) : null, out);
            }
            return;
        }
        if (same(a, b)) {
            return;
        }
        String where = dotted(path);
        if (a == null) {
            out.add(new ValuesChange(where, ValuesChange.Kind.ADDED, null, Redaction.display(path, b)));
        } else if (b == null) {
            out.add(new ValuesChange(where, ValuesChange.Kind.REMOVED, Redaction.display(path, a), null));
        } else {
            out.add(new ValuesChange(where, ValuesChange.Kind.CHANGED, Redaction.display(path, a), Redaction.display(path, b)));
        }
    }

    private static boolean finite(Number n) {
        return !(n instanceof Double || n instanceof Float) || Double.isFinite(n.doubleValue());
    }

    private static boolean holdsMaps(List<?> list) {
        return list.stream().anyMatch(e -> e instanceof Map);
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number na && b instanceof Number nb) {
            return finite(na) && finite(nb) ? new BigDecimal(na.toString()).compareTo(new BigDecimal(nb.toString())) == 0
                    : na.doubleValue() == nb.doubleValue() || (Double.isNaN(na.doubleValue()) && Double.isNaN(nb.doubleValue()));
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!same(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (!ma.keySet().equals(mb.keySet())) {
                return false;
            }
            for (Object k : ma.keySet()) {
                if (!same(ma.get(k), mb.get(k))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    private static String dotted(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path) {
            if (segment.startsWith("[") && segment.endsWith("]")) {
                sb.append(segment);
            } else if (segment.contains(".") || segment.contains("[") || segment.contains("\"")) {
                sb.append("[\"").append(segment.replace("\"", "\\\"")).append("\"]");
            } else {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(segment);
            }
        }
        return sb.isEmpty() ? "(root)" : sb.toString();
    }
}
