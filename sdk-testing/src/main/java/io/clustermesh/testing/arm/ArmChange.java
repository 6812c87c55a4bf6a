package io.clustermesh.testing.arm;

import java.util.Map;
import java.util.Objects;

/**
 * A change the fake ARM made to its state, reported to {@link FakeArm#onChange} listeners (e.g. the lab reacting to
 * a managed cluster's {@code kubeProxyConfig}).
 *
 * @param method     the HTTP method that caused it ({@code PUT}, {@code PATCH}, {@code DELETE}); {@code SEED} for the
 *                   seeding API
 * @param id         the resource id
 * @param type       the resource type, e.g. {@code Microsoft.ContainerService/managedClusters}
 * @param resource   the stored resource as a JSON map after the change; {@code null} when it was deleted
 * @param apiVersion the request's api-version ({@code null} for seeding)
 */
public record ArmChange(String method, String id, String type, Map<String, Object> resource, String apiVersion) {
    public ArmChange {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
    }

    public boolean deleted() {
        return resource == null;
    }
}
