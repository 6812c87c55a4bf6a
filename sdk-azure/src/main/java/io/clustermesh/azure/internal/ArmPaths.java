package io.clustermesh.azure.internal;

import java.net.URL;
import java.util.Locale;
import java.util.Objects;

/** ARM resource ids: building, comparing (case-insensitively, as ARM does) and taking apart. */
public final class ArmPaths {
    private ArmPaths() {
    }

    public static String resourceGroup(String subscription, String group) {
        return "/subscriptions/" + subscription + "/resourceGroups/" + group;
    }

    public static String managedCluster(String subscription, String group, String name) {
        return resourceGroup(subscription, group) + "/providers/Microsoft.ContainerService/managedClusters/" + name;
    }

    public static String network(String subscription, String group, String type, String name) {
        return resourceGroup(subscription, group) + "/providers/Microsoft.Network/" + type + "/" + name;
    }

    public static String virtualNetwork(String subscription, String group, String name) {
        return network(subscription, group, "virtualNetworks", name);
    }

    public static String subnet(String subscription, String group, String vnet, String subnet) {
        return virtualNetwork(subscription, group, vnet) + "/subnets/" + subnet;
    }

    public static String virtualWan(String subscription, String group, String name) {
        return network(subscription, group, "virtualWans", name);
    }

    public static String virtualHub(String subscription, String group, String name) {
        return network(subscription, group, "virtualHubs", name);
    }

    public static String hubConnection(String subscription, String group, String hub, String name) {
        return virtualHub(subscription, group, hub) + "/hubVirtualNetworkConnections/" + name;
    }

    /** Whether two ids name the same resource (ARM ids are case-insensitive; trailing slashes ignored). */
    public static boolean same(String a, String b) {
        return a != null && b != null && normalize(a).equals(normalize(b));
    }

    public static String normalize(String id) {
        String s = id.trim();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** The value following {@code key} in an id ({@code resourceGroups}, {@code virtualNetworks}, ...), or null. */
    public static String segment(String id, String key) {
        if (id == null) {
            return null;
        }
        String[] parts = id.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equalsIgnoreCase(key)) {
                return parts[i + 1];
            }
        }
        return null;
    }

    /** The VNet id of a subnet id ({@code .../virtualNetworks/v/subnets/s} → {@code .../virtualNetworks/v}). */
    public static String vnetOfSubnet(String subnetId) {
        Objects.requireNonNull(subnetId, "subnetId");
        int i = subnetId.toLowerCase(Locale.ROOT).indexOf("/subnets/");
        return i < 0 ? subnetId : subnetId.substring(0, i);
    }

    /** Path only (no query, which may carry api-version or tokens in other services), for logs. */
    public static String pathOf(URL url) {
        return url == null ? "" : url.getPath();
    }
}
