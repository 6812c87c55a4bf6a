package io.clustermesh.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test with a started {@link MeshLab}, injected into {@code MeshLab} fields and test-method parameters and
 * closed afterwards. Instance fields and parameters get a fresh lab per test method; a {@code static} field gets
 * one lab for the whole class. An annotation on a method overrides the one on the class. Hermetic: nothing is read
 * from {@code ~/.kube}, {@code KUBECONFIG} or Azure settings.
 *
 * <pre>{@code
 * @MeshLabTest(clusters = 3)
 * class ConnectTest {
 *     @Test
 *     void connects(MeshLab lab) {
 *         try (Mesh mesh = Mesh.builder().spec(lab.spec()).build()) { ... }
 *     }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MeshLabExtension.class)
public @interface MeshLabTest {

    /** Number of clusters (cluster1..N). */
    int clusters() default 2;

    /** Seed of names and fault decisions. */
    long seed() default 1;

    /** Start the fake ARM with the lab topology. */
    boolean arm() default false;

    /** Nodes per cluster. */
    int nodes() default 3;

    /** HTTPS API servers (default) or plain HTTP. */
    boolean tls() default true;

    /** Whether clusters start with the kube-proxy DaemonSet. */
    boolean kubeProxy() default true;

    /** Latency of every Kubernetes API answer, in milliseconds. */
    long apiLatencyMillis() default 0;

    /** Simulated load-balancer delay, in milliseconds. */
    long lbDelayMillis() default 0;

    /** Simulated rollout delay, in milliseconds. */
    long rolloutDelayMillis() default 0;
}
