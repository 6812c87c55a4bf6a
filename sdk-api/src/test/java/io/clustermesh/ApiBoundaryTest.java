package io.clustermesh;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.clustermesh.internal.Engine;
import io.clustermesh.model.IpCidr;
import io.clustermesh.spi.ClusterTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * sdk-api is the SLF4J of the project: no implementation library may show in its public signatures, and the model
 * is made of values.
 */
public class ApiBoundaryTest {
    static final List<String> FORBIDDEN = List.of("io.fabric8.", "com.azure.", "io.github.resilience4j.", "org.bouncycastle.",
            "com.fasterxml.jackson.", "tools.jackson.");

    private static JavaClasses sdkApi;

    @BeforeAll
    static void importSdkApi() {
        // the build's API signature checker (io.clustermesh.apisignature) is on the test class path, not part of sdk-api
        sdkApi = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.clustermesh")
                .that(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage("io.clustermesh.apisignature.."));
    }

    @Test
    void theImportSeesSdkApiAndNotItsTests() {
        assertThat(sdkApi.contain(Mesh.class)).isTrue();
        assertThat(sdkApi.contain(IpCidr.class)).isTrue();
        assertThat(sdkApi.contain(Engine.class)).isTrue();
        assertThat(sdkApi.contain(ClusterTransport.class)).isTrue();
        assertThat(sdkApi.contain(ApiBoundaryTest.class)).isFalse();
    }

    @Test
    void noImplementationLibraryTypeInAnyPublicSignature() {
        List<Class<?>> all = sdkApi.stream().map(JavaClass::reflect).<Class<?>>map(c -> c).toList();
        assertThat(PublicSignatures.leaks(all, FORBIDDEN)).isEmpty();
    }

    @Test
    void sdkApiDependsOnlyOnTheJdkAndSlf4j() {
        classes().that().resideInAPackage("io.clustermesh..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.clustermesh..", "java..", "org.slf4j")
                .check(sdkApi);
        noClasses().that().resideInAPackage("io.clustermesh..")
                .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "com.azure..", "io.github.resilience4j..",
                        "org.bouncycastle..", "com.fasterxml.jackson..", "tools.jackson..")
                .check(sdkApi);
    }

    @Test
    void everyPublicModelTypeIsARecordAnEnumOrAFinalClass() {
        classes().that().resideInAPackage("io.clustermesh.model").and().arePublic()
                .should(new ArchCondition<JavaClass>("be a record, an enum or a final class") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        boolean ok = c.isRecord() || c.isEnum() || c.getModifiers().contains(JavaModifier.FINAL);
                        events.add(new SimpleConditionEvent(c, ok, c.getName() + (ok ? " is" : " is not")
                                + " a record, an enum or a final class"));
                    }
                })
                .check(sdkApi);
    }

    // ---- the scanner finds a forbidden type wherever a public signature can carry it ----

    /** Stand-ins for a library's types (the real libraries are not on sdk-api's class path). */
    static class Hidden {
    }

    static class HiddenBase {
    }

    static class HiddenException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static final List<String> HIDDEN = List.of(ApiBoundaryTest.class.getName() + "$Hidden");

    public static class InField {
        public Hidden field;
    }

    public static class InWildcardParameter {
        public void take(List<? extends Hidden> list) {
        }
    }

    public static class InArrayReturn {
        public Hidden[] give() {
            return new Hidden[0];
        }
    }

    public static class InClassTypeBound<T extends Comparable<Hidden>> {
    }

    public static class InMethodTypeBound {
        public <T extends Hidden> void take(T t) {
        }
    }

    public static class InSuperclass extends HiddenBase {
    }

    public static class InInterfaceArgument implements Supplier<Hidden> {
        @Override
        public Hidden get() {
            return null;
        }
    }

    public static class InProtectedMethod {
        protected Map<String, List<Hidden>> nested() {
            return Map.of();
        }
    }

    public static class InConstructor {
        public InConstructor(Hidden h) {
        }
    }

    public static class InThrows {
        public void run() throws HiddenException {
        }
    }

    public record InRecordComponent(Hidden h) {
    }

    public static class Clean {
        private Hidden privateField;
        Hidden packagePrivateField;

        private void privateMethod(Hidden h) {
        }

        Hidden packagePrivateMethod() {
            return privateField;
        }

        public String fine() throws IOException {
            privateMethod(packagePrivateField);
            return "";
        }
    }

    static class NotApi {
        public Hidden field;
    }

    @Test
    void theScannerFindsEveryKindOfLeak() {
        List<Class<?>> leaky = List.of(InField.class, InWildcardParameter.class, InArrayReturn.class, InClassTypeBound.class,
                InMethodTypeBound.class, InSuperclass.class, InInterfaceArgument.class, InProtectedMethod.class,
                InConstructor.class, InThrows.class, InRecordComponent.class);
        for (Class<?> c : leaky) {
            assertThat(PublicSignatures.leaks(List.of(c), HIDDEN)).as(c.getSimpleName()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).startsWith(c.getName()));
        }
        assertThat(PublicSignatures.leaks(List.of(Clean.class, NotApi.class), HIDDEN)).isEmpty();
    }
}
