package io.clustermesh.spring;

import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.event.MeshListener;
import io.clustermesh.model.MeshSpec;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import java.time.Clock;

/**
 * Auto-configuration of a {@link Mesh} from the {@code clustermesh.*} properties ({@link ClusterMeshProperties}):
 * <ul>
 *   <li>{@link MeshSpecSource} from {@code clustermesh.spec-file} or the properties; every SDK finding is checked
 *       before anything is built, and errors stop the start ({@link MeshConfigurationFailure}, explained by
 *       {@link MeshConfigurationFailureAnalyzer});</li>
 *   <li>the {@link Mesh} with the transports on the class path (found by {@code ServiceLoader}: clustermesh-cilium's
 *       fabric8 client, helm-java and Bouncy Castle CA; clustermesh-azure's when present), a chart directory from
 *       {@code clustermesh.chart.packages}, every {@link MeshListener} bean and every {@link MeshBuilderCustomizer};</li>
 *   <li>a {@link MeshStatusCache} ({@code clustermesh.status.cache-for}, 30 s), read by the {@code clustermesh}
 *       {@link MeshHealthIndicator} ({@link ClusterMeshHealthAutoConfiguration}) and the meters
 *       ({@link ClusterMeshMetricsAutoConfiguration});</li>
 *   <li>with {@code clustermesh.reconcile.enabled=true}, the scheduled {@link MeshReconciler}.</li>
 * </ul>
 * Every bean backs off when the application defines its own; {@code clustermesh.enabled=false} turns it all off.
 */
@AutoConfiguration
@ConditionalOnClass(Mesh.class)
@ConditionalOnProperty(prefix = "clustermesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ClusterMeshProperties.class)
public class ClusterMeshAutoConfiguration {

    /** The spec and its findings; fails the start when there is any error. */
    @Bean
    @ConditionalOnMissingBean({MeshSpecSource.class, Mesh.class})
    public MeshSpecSource meshSpecSource(ClusterMeshProperties properties) {
        MeshSpecSource source = MeshSpecSource.of(properties);
        source.orThrow();
        return source;
    }

    /** The mesh; closed with the context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Mesh mesh(MeshSpecSource source, ClusterMeshProperties properties, ObjectProvider<MeshListener> listeners,
                     ObjectProvider<MeshBuilderCustomizer> customizers) {
        MeshSpec spec = source.orThrow();
        Mesh.Builder b = Mesh.builder().spec(spec);
        if (source.fromFile()) {
            b.allowExecFromSpecFiles(properties.isAllowExec());
        }
        if (properties.getChart().getPackages() != null) {
            b.driver(new CiliumMeshDriver(ChartSource.packages(properties.getChart().getPackages()), true));
        }
        listeners.orderedStream().forEach(b::listener);
        customizers.orderedStream().forEach(c -> c.customize(b));
        try {
            return b.build();
        } catch (MeshConfigurationException e) {
            throw new MeshConfigurationFailure(new MeshSpecSource(spec, e.findings(), source.origin(), source.fromFile()));
        }
    }

    /** One status read shared by health and gauges, at most once per {@code clustermesh.status.cache-for}. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(Mesh.class)
    public MeshStatusCache meshStatusCache(ObjectProvider<Mesh> mesh, ClusterMeshProperties properties) {
        // the mesh is looked up on first use: the meters (a listener of the mesh) read their gauges from this cache
        return new MeshStatusCache(() -> mesh.getObject().status(), properties.getStatus().getCacheFor(), Clock.systemUTC());
    }

    /** The scheduled reconcile, off by default. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(Mesh.class)
    @ConditionalOnProperty(prefix = "clustermesh.reconcile", name = "enabled", havingValue = "true")
    public MeshReconciler meshReconciler(Mesh mesh, ObjectProvider<MeshReconciler.Planner> planner,
                                         ObjectProvider<MeshStatusCache> statuses, ClusterMeshProperties properties) {
        ClusterMeshProperties.Reconcile r = properties.getReconcile();
        return new MeshReconciler(mesh, planner.getIfAvailable(() -> java.util.function.Supplier::get), statuses.getIfAvailable(),
                r.getInitialDelay(), r.getInterval());
    }
}
