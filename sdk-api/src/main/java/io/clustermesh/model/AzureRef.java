package io.clustermesh.model;

import java.util.Objects;

/** An Azure resource named by resource group and name (subscription from the mesh's {@link AzureSpec}). */
public record AzureRef(String resourceGroup, String name) {
    public AzureRef {
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return resourceGroup + "/" + name;
    }
}
