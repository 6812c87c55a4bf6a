/**
 * Spring Boot starter for clustermesh: auto-configuration of a {@link io.clustermesh.Mesh} from {@code clustermesh.*}
 * properties or a spec file ({@link io.clustermesh.spring.ClusterMeshAutoConfiguration}), the SDK's findings as a
 * startup failure ({@link io.clustermesh.spring.MeshConfigurationFailureAnalyzer}), a cached health indicator
 * ({@link io.clustermesh.spring.MeshHealthIndicator}), Micrometer meters
 * ({@link io.clustermesh.spring.ClusterMeshMetricsAutoConfiguration}) and an optional scheduled reconcile
 * ({@link io.clustermesh.spring.MeshReconciler}). Guide: docs/spring-boot.md.
 *
 * <p>Built for Spring Boot 4.0 (4.0.7): Boot 4 runs on Java 17, the SDK's baseline, and uses Jackson 3
 * ({@code tools.jackson}), the Jackson line fabric8 Kubernetes client 8 brings, so an application carries one Jackson
 * for Spring MVC and for the Kubernetes client. Boot 3.x needs Jackson 2 for its own JSON and would put two Jackson
 * lines on the class path. Boot 4 split the old actuator jar: health contributions come from spring-boot-health
 * (optional here, brought by spring-boot-starter-actuator).
 */
package io.clustermesh.spring;
