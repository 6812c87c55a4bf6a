package io.clustermesh.samples.spring;

import io.clustermesh.report.MeshStatus;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spring.MeshBuilderCustomizer;
import io.clustermesh.spring.MeshReconciler;
import io.clustermesh.spring.MeshStatusCache;
import io.clustermesh.testing.MeshLab;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Spring Boot application that keeps a cluster mesh converged with clustermesh-spring-boot-starter: the mesh comes
 * from {@code clustermesh.*} properties (or {@code clustermesh.spec-file}), it is reconciled once at startup and then
 * every {@code clustermesh.reconcile.interval}, and the actuator shows {@code /actuator/health} (the
 * {@code clustermesh} component, per cluster and peer) and {@code /actuator/metrics/clustermesh.*}.
 *
 * <p>Run it against the embedded lab (three fake AKS clusters with a simulated Cilium, no Azure account needed):
 * <pre>
 * mvn -B -q -pl samples/spring-boot -am package -DskipTests
 * java -cp "samples/spring-boot/target/classes:$(cat samples/spring-boot/target/app.classpath)" \
 *      io.clustermesh.samples.spring.MeshApplication lab
 * curl -s http://127.0.0.1:8080/actuator/health/clustermesh
 * </pre>
 * Without {@code lab}, it reads the mesh from its configuration like any Boot application (see docs/spring-boot.md).
 */
@SpringBootApplication
public class MeshApplication {
    private static final Logger LOG = LoggerFactory.getLogger(MeshApplication.class);

    /** Reconciles once before the application reports itself started; the schedule takes over from there. */
    @Bean
    ApplicationRunner reconcileAtStartup(ObjectProvider<MeshReconciler> reconciler, ObjectProvider<MeshStatusCache> statuses) {
        return args -> reconciler.ifAvailable(r -> {
            MeshReconciler.Result result = r.reconcile();
            LOG.info("startup reconcile of mesh '{}': {} write steps planned, {}", result.plan().mesh(), result.plan().writeSteps(),
                    result.succeeded() ? "succeeded" : "FAILED (see the log above; health shows the clusters)");
            MeshStatusCache cache = statuses.getIfAvailable();
            if (cache != null) {
                MeshStatus status = cache.get();
                LOG.info("mesh status:\n{}", status.toText());
            }
        });
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("lab")) {
            MeshLab lab = MeshLab.builder().clusters(3).start();
            runOnLab(lab, true, Arrays.copyOfRange(args, 1, args.length));
        } else {
            SpringApplication.run(MeshApplication.class, args);
        }
    }

    /**
     * Starts the application on a lab: its clusters as {@code clustermesh.*} properties, reached through the contexts
     * of the lab's kubeconfig file, with the lab's chart packages and deadlines.
     *
     * @param lab  a started lab
     * @param args Spring Boot arguments ({@code --server.port=0}, ...)
     * @return the running application
     */
    public static ConfigurableApplicationContext runOnLab(MeshLab lab, String... args) {
        return runOnLab(lab, false, args);
    }

    private static ConfigurableApplicationContext runOnLab(MeshLab lab, boolean closeLab, String... args) {
        SpringApplication app = new SpringApplication(MeshApplication.class);
        app.setDefaultProperties(labProperties(lab));
        app.addInitializers(ctx -> {
            ctx.getBeanFactory().registerSingleton("labTimeouts", (MeshBuilderCustomizer) b -> b.timeouts(MeshLab.timeouts()));
            if (closeLab) {
                // registered first, destroyed last: the lab closes after the Mesh and the reconcile stopped
                ((org.springframework.context.support.GenericApplicationContext) ctx).registerBean("meshLab", MeshLab.class, () -> lab);
            }
        });
        return app.run(args);
    }

    /** The properties a user would write for the lab's clusters. */
    static Map<String, Object> labProperties(MeshLab lab) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("clustermesh.name", "spring-sample");
        p.put("clustermesh.kubeconfig", lab.kubeconfigFile().toString());
        p.put("clustermesh.chart.packages", lab.chartsDir().toString());
        List<MeshCluster> clusters = lab.spec().clusters();
        for (int i = 0; i < clusters.size(); i++) {
            MeshCluster c = clusters.get(i);
            String k = "clustermesh.clusters[" + i + "].";
            p.put(k + "name", c.name());
            p.put(k + "id", c.id());
            p.put(k + "pod-cidr", c.podCidr());
            p.put(k + "service-cidr", c.serviceCidr());
            p.put(k + "api-server", c.apiServer());
            p.put(k + "mesh-ip", c.meshIp());
            p.put(k + "kube-context", c.name());
        }
        return p;
    }
}
