package io.clustermesh.testing.arm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed ARM request path. Knows items, collections, actions, resource groups, subscriptions, providers and the
 * lab's operation-status endpoints. Keys are lower-case with the hub-connection alias resolved, so the same
 * resource is found whatever casing or alias the client sends.
 */
final class ArmPath {

    enum Kind { SUBSCRIPTION, PROVIDER, RESOURCE_GROUP_COLLECTION, RESOURCE_GROUP, COLLECTION, ITEM, OPERATION_STATUS, OPERATION_RESULT, UNKNOWN }

    /** The GET example names hub connections this way; the PUT example and the Java client use the canonical name. */
    static final String HUB_CONNECTION_ALIAS = "virtualhubvnetconnections";
    static final String HUB_CONNECTIONS = "hubvirtualnetworkconnections";

    final Kind kind;
    final String subscription;
    final String resourceGroup;
    final String namespace;
    /** Type segments as sent, e.g. [virtualHubs, hubVirtualNetworkConnections]. */
    final List<String> types;
    /** Name segments, one per complete type/name pair. */
    final List<String> names;
    /** For an odd trailing segment on an item: the action (POST) or the child collection (GET). */
    final String trailing;
    final String operationId;

    private ArmPath(Kind kind, String subscription, String resourceGroup, String namespace, List<String> types,
                    List<String> names, String trailing, String operationId) {
        this.kind = kind;
        this.subscription = subscription;
        this.resourceGroup = resourceGroup;
        this.namespace = namespace;
        this.types = types;
        this.names = names;
        this.trailing = trailing;
        this.operationId = operationId;
    }

    static ArmPath parse(String path) {
        List<String> s = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                s.add(p);
            }
        }
        int n = s.size();
        if (n < 2 || !s.get(0).equalsIgnoreCase("subscriptions")) {
            return unknown();
        }
        String sub = s.get(1);
        int i = 2;
        String rg = null;
        if (i < n && s.get(i).equalsIgnoreCase("resourceGroups")) {
            if (i + 1 == n) {
                return new ArmPath(Kind.RESOURCE_GROUP_COLLECTION, sub, null, null, List.of(), List.of(), null, null);
            }
            rg = s.get(i + 1);
            i += 2;
            if (i == n) {
                return new ArmPath(Kind.RESOURCE_GROUP, sub, rg, null, List.of(), List.of(), null, null);
            }
        }
        if (i == n) {
            return new ArmPath(Kind.SUBSCRIPTION, sub, null, null, List.of(), List.of(), null, null);
        }
        if (!s.get(i).equalsIgnoreCase("providers") || i + 1 >= n) {
            return unknown();
        }
        String ns = s.get(i + 1);
        List<String> rest = s.subList(i + 2, n);
        if (rest.isEmpty()) {
            return rg == null ? new ArmPath(Kind.PROVIDER, sub, null, ns, List.of(), List.of(), null, null) : unknown();
        }
        if (rg == null && rest.size() == 4 && rest.get(0).equalsIgnoreCase("locations")) {
            String what = rest.get(2).toLowerCase(Locale.ROOT);
            if (what.equals("operationstatuses") || what.equals("operations")) {
                return new ArmPath(Kind.OPERATION_STATUS, sub, null, ns, List.of(), List.of(), null, rest.get(3));
            }
            if (what.equals("operationresults")) {
                return new ArmPath(Kind.OPERATION_RESULT, sub, null, ns, List.of(), List.of(), null, rest.get(3));
            }
        }
        List<String> types = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k + 1 < rest.size(); k += 2) {
            types.add(rest.get(k));
            names.add(rest.get(k + 1));
        }
        if (rest.size() % 2 == 0) {
            return new ArmPath(Kind.ITEM, sub, rg, ns, List.copyOf(types), List.copyOf(names), null, null);
        }
        String last = rest.get(rest.size() - 1);
        return new ArmPath(Kind.COLLECTION, sub, rg, ns, List.copyOf(types), List.copyOf(names), last, null);
    }

    private static ArmPath unknown() {
        return new ArmPath(Kind.UNKNOWN, null, null, null, List.of(), List.of(), null, null);
    }

    static String canonicalType(String typeSegment) {
        String t = typeSegment.toLowerCase(Locale.ROOT);
        return t.equals(HUB_CONNECTION_ALIAS) ? HUB_CONNECTIONS : t;
    }

    String subscriptionKey() {
        return "/subscriptions/" + subscription.toLowerCase(Locale.ROOT);
    }

    String resourceGroupKey() {
        return subscriptionKey() + "/resourcegroups/" + resourceGroup.toLowerCase(Locale.ROOT);
    }

    /** Key of the item named by the first {@code pairs} type/name pairs. */
    String itemKey(int pairs) {
        StringBuilder b = new StringBuilder(resourceGroupKey()).append("/providers/").append(namespace.toLowerCase(Locale.ROOT));
        for (int k = 0; k < pairs; k++) {
            b.append('/').append(canonicalType(types.get(k))).append('/').append(names.get(k).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    /** The item's key (for ITEM; for COLLECTION the parent item's key, or null at top level). */
    String key() {
        if (kind == Kind.RESOURCE_GROUP) {
            return resourceGroupKey();
        }
        return names.isEmpty() ? null : itemKey(names.size());
    }

    /** For ITEM: the key of the collection the item lives in. For COLLECTION: the collection's own key. */
    String collectionKey() {
        if (kind == Kind.RESOURCE_GROUP || kind == Kind.RESOURCE_GROUP_COLLECTION) {
            return subscriptionKey() + "/resourcegroups";
        }
        if (kind == Kind.COLLECTION) {
            String parent = names.isEmpty() ? resourceGroup == null ? subscriptionKey() + "/providers/" + namespace.toLowerCase(Locale.ROOT)
                    : resourceGroupKey() + "/providers/" + namespace.toLowerCase(Locale.ROOT) : itemKey(names.size());
            return parent + "/" + canonicalType(trailing);
        }
        String parent = names.size() == 1 ? resourceGroupKey() + "/providers/" + namespace.toLowerCase(Locale.ROOT) : itemKey(names.size() - 1);
        return parent + "/" + canonicalType(types.get(types.size() - 1));
    }

    /** For a subscription-wide collection ({@code /subscriptions/s/providers/ns/type}): true. */
    boolean subscriptionWide() {
        return kind == Kind.COLLECTION && resourceGroup == null && names.isEmpty();
    }

    /** The resource type, e.g. {@code Microsoft.Network/virtualHubs/hubVirtualNetworkConnections}. */
    String type() {
        if (kind == Kind.RESOURCE_GROUP || kind == Kind.RESOURCE_GROUP_COLLECTION) {
            return "Microsoft.Resources/resourceGroups";
        }
        List<String> t = new ArrayList<>(types);
        if (kind == Kind.COLLECTION) {
            t.add(trailing);
        }
        return namespace + "/" + String.join("/", t);
    }

    /** The resource id with ARM's fixed segments in canonical case and the other segments as sent. */
    String id() {
        if (kind == Kind.RESOURCE_GROUP) {
            return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup;
        }
        StringBuilder b = new StringBuilder("/subscriptions/").append(subscription).append("/resourceGroups/")
                .append(resourceGroup).append("/providers/").append(namespace);
        for (int k = 0; k < names.size(); k++) {
            b.append('/').append(types.get(k)).append('/').append(names.get(k));
        }
        return b.toString();
    }

    String name() {
        return kind == Kind.RESOURCE_GROUP ? resourceGroup : names.get(names.size() - 1);
    }

    /** The canonical (alias-resolved, lower-case) type for comparisons. */
    static String canonicalTypeName(String type) {
        String[] parts = type.split("/");
        StringBuilder b = new StringBuilder(parts[0].toLowerCase(Locale.ROOT));
        for (int i = 1; i < parts.length; i++) {
            b.append('/').append(canonicalType(parts[i]));
        }
        return b.toString();
    }
}
