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
    /** Keys differ per level because a store lookup also searches the parent contexts' stores. */
    private static final String METHOD_KEY = "method-lab";

    @Override
    public void beforeAll(ExtensionContext context) {
        List<Field> statics = fields(context.getRequiredTestClass(), true);
        if (statics.isEmpty()) {
            return;
        }
        MeshLab lab = start(annotation(context));
        context.getStore(NS).put(classKey(context), lab);
        for (Field f : statics) {
            set(f, null, lab);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        MeshLab lab = context.getStore(NS).remove(classKey(context), MeshLab.class);
        if (lab != null) {
            lab.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        List<Object> instances = context.getRequiredTestInstances().getAllInstances();
        if (instances.stream().allMatch(i -> fields(i.getClass(), false).isEmpty())) {
            return;
        }
        MeshLab lab = methodLab(context);
        for (Object instance : instances) {
            for (Field f : fields(instance.getClass(), false)) {
                set(f, instance, lab);
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        MeshLab lab = context.getStore(NS).remove(METHOD_KEY, MeshLab.class);
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
        return context.getStore(NS).getOrComputeIfAbsent(METHOD_KEY, k -> start(annotation(context)), MeshLab.class);
    }

    private static String classKey(ExtensionContext context) {
        return "class-lab:" + context.getRequiredTestClass().getName();
    }

    private static MeshLabTest annotation(ExtensionContext context) {
        Optional<Method> m = context.getTestMethod();
        Optional<MeshLabTest> a = m.flatMap(x -> AnnotationSupport.findAnnotation(x, MeshLabTest.class));
        if (a.isPresent()) {
            return a.get();
        }
        // the class, else an enclosing class (for @Nested tests)
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            Optional<MeshLabTest> onClass = AnnotationSupport.findAnnotation(c, MeshLabTest.class);
            if (onClass.isPresent()) {
                return onClass.get();
            }
        }
        throw new ExtensionConfigurationException("MeshLabExtension needs @MeshLabTest on the test method, its class or an enclosing class");
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
