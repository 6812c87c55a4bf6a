package io.clustermesh.model;

import java.util.Objects;

/**
 * The mesh's Azure section: where clusters are discovered and which Virtual Hub connects their VNets.
 *
 * @param subscription subscription id
 * @param hub          the Virtual Hub (its Virtual WAN is read from it); may be {@code null} when the VNets are
 *                     peered instead
 */
public record AzureSpec(String subscription, AzureRef hub) {
    public AzureSpec {
        Objects.requireNonNull(subscription, "subscription");
    }
}
