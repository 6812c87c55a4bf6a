package io.clustermesh.spring;

import io.clustermesh.Mesh;

/**
 * Changes the {@code Mesh.Builder} after the starter set it up from the properties and before {@code build()}:
 * transports, timeouts, retry policy, a listener. Every bean of this type is applied, in {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * MeshBuilderCustomizer slowApi() {
 *     return b -> b.timeouts(myTimeouts).retryPolicy(myRetries);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface MeshBuilderCustomizer {
    /** @param builder the builder with the spec, the chart source and the listeners already set */
    void customize(Mesh.Builder builder);
}
