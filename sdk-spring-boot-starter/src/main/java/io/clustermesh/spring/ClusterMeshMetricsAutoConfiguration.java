package io.clustermesh.spring;

import io.clustermesh.micrometer.MeshMetrics;
import io.clustermesh.model.MeshSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The mesh's meters when Micrometer and clustermesh-micrometer are on the class path: {@link MeshMetrics}, a
 * {@code MeterBinder} that Spring Boot binds to the application's registries and a {@code MeshListener} that the
 * {@code Mesh} bean reports to. Every meter is tagged {@code mesh=<name>}; the gauges read the shared
 * {@link MeshStatusCache} and are fed by every status it reads; the reconcile's plans are timed. Names and tags: docs/observability.md.
 */
@AutoConfiguration(after = ClusterMeshAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, MeshMetrics.class})
@ConditionalOnProperty(prefix = "clustermesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ClusterMeshProperties.class)
public class ClusterMeshMetricsAutoConfiguration {

    /** The meters of the mesh. */
    @Bean
    @ConditionalOnMissingBean
    public MeshMetrics meshMetrics(ClusterMeshProperties properties, ObjectProvider<MeshSpecSource> source,
                                   ObjectProvider<MeshStatusCache> statuses) {
        MeshSpecSource s = source.getIfAvailable();
        String name = s != null && s.spec() != null ? s.spec().name()
                : properties.getName() != null ? properties.getName() : MeshSpec.DEFAULT_NAME;
        MeshMetrics metrics = MeshMetrics.builder().tags(Tags.of("mesh", name))
                .minStatusInterval(properties.getStatus().getCacheFor()).build();
        MeshStatusCache cache = statuses.getIfAvailable();
        if (cache != null) {
            metrics.readStatusFrom(cache::get); // a scrape reads through the cache
            cache.onRead(metrics::record);      // and every status read (health, reconcile) feeds the gauges
        }
        return metrics;
    }

    /** The scheduled reconcile times its plans as {@code clustermesh.plan}. */
    @Bean
    @ConditionalOnMissingBean
    public MeshReconciler.Planner meshMetricsPlanner(MeshMetrics metrics) {
        return metrics::plan;
    }
}
