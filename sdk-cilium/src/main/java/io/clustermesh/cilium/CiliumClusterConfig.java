package io.clustermesh.cilium;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a clustermesh-apiserver publishes under {@code cilium/cluster-config/<cluster>} and agents read before
 * syncing (the agent's cluster-mesh status, Cilium {@code api/v1/models/remote_cluster.go}): {@code {"id": <cluster id>, "capabilities": {...}}}. Known capabilities (Cilium
 * {@code types.CiliumClusterConfigCapabilities}): {@code syncedCanaries}, {@code cached} (served by KVStoreMesh),
 * {@code maxConnectedClusters}, {@code serviceExportsEnabled}; others are kept as they come.
 *
 * @param id           the cluster ID
 * @param capabilities capability name to value (Boolean, Integer/Long, String, or nested Map/List), in JSON order
 */
public record CiliumClusterConfig(int id, Map<String, Object> capabilities) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public CiliumClusterConfig {
        if (id < 0) {
            throw new IllegalArgumentException("cluster id must not be negative, got " + id);
        }
        capabilities = Collections.unmodifiableMap(new LinkedHashMap<>(capabilities == null ? Map.of() : capabilities));
    }

    /** A config with {@code syncedCanaries} and {@code maxConnectedClusters}, as current clustermesh-apiservers write it. */
    public static CiliumClusterConfig of(int id, int maxConnectedClusters) {
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("syncedCanaries", true);
        caps.put("maxConnectedClusters", maxConnectedClusters);
        return new CiliumClusterConfig(id, caps);
    }

    /**
     * Parses the JSON stored in etcd.
     *
     * @throws IllegalArgumentException if it is not a cluster config
     */
    public static CiliumClusterConfig parse(String json) {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cluster config is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.path("id").isIntegralNumber()) {
            throw new IllegalArgumentException("cluster config must be an object with a numeric \"id\"");
        }
        JsonNode caps = root.path("capabilities");
        Map<String, Object> capabilities = new LinkedHashMap<>();
        if (caps.isObject()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = JSON.treeToValue(caps, Map.class);
            capabilities.putAll(read);
        } else if (!caps.isMissingNode() && !caps.isNull()) {
            throw new IllegalArgumentException("cluster config \"capabilities\" must be an object");
        }
        return new CiliumClusterConfig(root.path("id").asInt(), capabilities);
    }

    /** The JSON form, as a clustermesh-apiserver writes it. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.set("capabilities", JSON.valueToTree(capabilities));
        return JSON.writeValueAsString(root);
    }

    /** Whether the cluster writes sync canaries (agents then wait for them before declaring a resource synced). */
    public boolean syncedCanaries() {
        return Boolean.TRUE.equals(capabilities.get("syncedCanaries"));
    }

    /** Whether the data is served from a KVStoreMesh cache. */
    public boolean cached() {
        return Boolean.TRUE.equals(capabilities.get("cached"));
    }

    /** {@code maxConnectedClusters} when published (must equal the local cluster's: 255 or 511). */
    public OptionalInt maxConnectedClusters() {
        return capabilities.get("maxConnectedClusters") instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** One capability as published. */
    public Optional<Object> capability(String name) {
        return Optional.ofNullable(capabilities.get(name));
    }
}
