package io.clustermesh.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The JUnit 5 extension behind {@link MeshLabTest}: starts labs, injects them, closes them. Per-method labs live in
 * the method's store and are closed in {@code afterEach}; a class lab (for {@code static} fields) is closed in
 * {@code afterAll}.
 */
public final class MeshLabExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MeshLabExtension.class);
    private static final String KEY = "lab";

    @Override
    public void beforeAll(ExtensionContext context) {
        List<Field> statics = fields(context.getRequiredTestClass(), true);
        if (statics.isEmpty()) {
            return;
        }
        MeshLab lab = start(annotation(context));
        context.getStore(NS).put(KEY, lab);
        for (Field f : statics) {
            set(f, null, lab);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        MeshLab lab = context.getStore(NS).remove(KEY, MeshLab.class);
        if (lab != null) {
            lab.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        List<Field> fields = fields(context.getRequiredTestClass(), false);
        if (fields.isEmpty()) {
            return;
        }
        MeshLab lab = methodLab(context);
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field f : fields(instance.getClass(), false)) {
                set(f, instance, lab);
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        MeshLab lab = context.getStore(NS).remove(KEY, MeshLab.class);
        if (lab != null) {
            lab.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == MeshLab.class && e.getTestMethod().isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        if (e.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("a MeshLab can only be injected into test methods");
        }
        return methodLab(e);
    }

    private MeshLab methodLab(ExtensionContext context) {
        return context.getStore(NS).getOrComputeIfAbsent(KEY, k -> start(annotation(context)), MeshLab.class);
    }

    private static MeshLabTest annotation(ExtensionContext context) {
        Optional<Method> m = context.getTestMethod();
        Optional<MeshLabTest> a = m.flatMap(x -> AnnotationSupport.findAnnotation(x, MeshLabTest.class));
        if (a.isPresent()) {
            return a.get();
        }
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), MeshLabTest.class)
                .orElseThrow(() -> new ExtensionConfigurationException("MeshLabExtension needs @MeshLabTest on the class or method"));
    }

    static MeshLab start(MeshLabTest a) {
        return MeshLab.builder()
                .clusters(a.clusters())
                .seed(a.seed())
                .arm(a.arm())
                .nodesPerCluster(a.nodes())
                .tls(a.tls())
                .kubeProxy(a.kubeProxy())
                .apiLatency(Duration.ofMillis(a.apiLatencyMillis()))
                .lbDelay(Duration.ofMillis(a.lbDelayMillis()))
                .rolloutDelay(Duration.ofMillis(a.rolloutDelayMillis()))
                .start();
    }

    private static List<Field> fields(Class<?> type, boolean statics) {
        return org.junit.platform.commons.support.ReflectionSupport.findFields(type,
                f -> f.getType() == MeshLab.class && ModifierSupport.isStatic(f) == statics && !ModifierSupport.isFinal(f),
                HierarchyTraversalMode.TOP_DOWN);
    }

    private static void set(Field f, Object target, MeshLab lab) {
        try {
            f.setAccessible(true);
            f.set(target, lab);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExtensionConfigurationException("cannot inject the MeshLab into " + f, e);
        }
    }
}
