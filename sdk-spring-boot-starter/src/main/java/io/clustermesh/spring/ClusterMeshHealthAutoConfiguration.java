package io.clustermesh.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code clustermesh} health contribution ({@link MeshHealthIndicator}) when spring-boot-health is on the class
 * path (it comes with spring-boot-starter-actuator) and the application has a {@link MeshStatusCache}; off with
 * {@code management.health.clustermesh.enabled=false}.
 */
@AutoConfiguration(after = ClusterMeshAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("clustermesh")
public class ClusterMeshHealthAutoConfiguration {

    /** The health indicator, named {@code clustermesh} in the health document. */
    @Bean
    @ConditionalOnMissingBean(name = "clustermeshHealthIndicator")
    @ConditionalOnBean(MeshStatusCache.class)
    public MeshHealthIndicator clustermeshHealthIndicator(MeshStatusCache statuses) {
        return new MeshHealthIndicator(statuses);
    }
}
