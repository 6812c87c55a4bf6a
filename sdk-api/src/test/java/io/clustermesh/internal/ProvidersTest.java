package io.clustermesh.internal;

import io.clustermesh.ErrorCode;
import io.clustermesh.Mesh;
import io.clustermesh.MeshException;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CloudProvider;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.spi.MeshDriver;
import io.clustermesh.spi.MeshProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Provider selection. ServiceLoader registrations are served by a class loader made for each test from a generated
 * services file, so nothing is registered on the shared test class path.
 */
public class ProvidersTest {
    private static final String SERVICES = "META-INF/services/";

    @TempDir
    Path dir;

    /** A class loader that sees exactly {@code impls} as providers of {@code service}, and no other provider at all. */
    private ClassLoader serving(Class<?> service, Class<?>... impls) throws IOException {
        Path file = Files.createTempDirectory(dir, "loader").resolve(SERVICES + service.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, Arrays.stream(impls).map(Class::getName).collect(Collectors.joining("\n", "# generated\n", "\n")));
        URL url = file.toUri().toURL();
        return new ClassLoader(ProvidersTest.class.getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                if (name.equals(SERVICES + service.getName())) {
                    return Collections.enumeration(List.of(url));
                }
                if (name.startsWith(SERVICES)) {
                    return Collections.emptyEnumeration();
                }
                return super.getResources(name);
            }
        };
    }

    @Test
    void theOnlyProviderOnTheClassPathIsFound() throws IOException {
        ClusterTransport t = Providers.select(ClusterTransport.class, null, "clustermesh-cilium", serving(ClusterTransport.class, Low.class));
        assertThat(t).isInstanceOf(Low.class);
    }

    @Test
    void theHighestPriorityWins() throws IOException {
        ClassLoader loader = serving(ClusterTransport.class, Low.class, High.class, LowToo.class);
        assertThat(Providers.find(ClusterTransport.class, null, loader)).get().isInstanceOf(High.class);
    }

    @Test
    void anExplicitInstanceWinsOverTheClassPath() throws IOException {
        ClusterTransport mine = new Low();
        ClassLoader loader = serving(ClusterTransport.class, High.class, Low.class, LowToo.class);
        assertThat(Providers.select(ClusterTransport.class, mine, "clustermesh-cilium", loader)).isSameAs(mine);
    }

    @Test
    void anExplicitInstanceAvoidsATieOnTheClassPath() throws IOException {
        ClusterTransport mine = new High();
        ClassLoader loader = serving(ClusterTransport.class, Low.class, LowToo.class);
        assertThat(Providers.find(ClusterTransport.class, mine, loader)).containsSame(mine);
    }

    @Test
    void noProviderIsAnErrorNamingTheArtifactToAdd() throws IOException {
        ClassLoader loader = serving(ClusterTransport.class);
        assertThat(Providers.find(ClusterTransport.class, null, loader)).isEmpty();
        MeshException e = catchThrowableOfType(MeshException.class,
                () -> Providers.select(ClusterTransport.class, null, "clustermesh-cilium", loader));
        assertThat(e.getMessage()).isEqualTo("no ClusterTransport implementation found on the class path");
        assertThat(e.remediation()).contains("add the dependency io.clustermesh:clustermesh-cilium")
                .contains("Mesh.builder().clusterTransport(...)");
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void twoProvidersOfEqualPriorityAreAnErrorNamingBoth() throws IOException {
        ClassLoader loader = serving(ClusterTransport.class, Low.class, High.class, LowToo.class, Lower.class);
        ClassLoader tie = serving(ClusterTransport.class, Low.class, LowToo.class, Lower.class);
        assertThat(Providers.find(ClusterTransport.class, null, loader)).get().isInstanceOf(High.class);

        MeshException e = catchThrowableOfType(MeshException.class, () -> Providers.find(ClusterTransport.class, null, tie));
        assertThat(e.getMessage()).contains("same priority 0").contains("low-one").contains("low-two").doesNotContain("lower");
        assertThat(e.remediation()).contains("pass the one you want to Mesh.builder()");
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
    }

    /** The error names a builder method that exists and takes the provider type, so the user can follow it. */
    @ParameterizedTest
    @ValueSource(classes = {MeshDriver.class, ClusterTransport.class, HelmTransport.class, CertificateAuthority.class,
            CloudProvider.class})
    void theRemediationNamesABuilderMethodThatTakesTheProvider(Class<? extends MeshProvider> type) throws IOException {
        ClassLoader loader = serving(type);
        @SuppressWarnings({"unchecked", "rawtypes"})
        MeshException e = catchThrowableOfType(MeshException.class,
                () -> Providers.select((Class) type, null, "clustermesh-x", loader));
        Matcher m = Pattern.compile("Mesh\\.builder\\(\\)\\.(\\w+)\\(\\.\\.\\.\\)").matcher(e.remediation());
        assertThat(m.find()).as(e.remediation()).isTrue();
        Method setter = Arrays.stream(Mesh.Builder.class.getMethods()).filter(x -> x.getName().equals(m.group(1)))
                .filter(x -> x.getParameterCount() == 1 && x.getParameterTypes()[0] == type).findFirst().orElse(null);
        assertThat(setter).as("Mesh.Builder.%s(%s) named by: %s", m.group(1), type.getSimpleName(), e.remediation()).isNotNull();
    }

    @Test
    void aMeshWithoutADriverSaysWhichArtifactToAdd() {
        try (Mesh mesh = Mesh.builder()
                .cluster(MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withAccess(ClusterAccess.kubeContext("a")))
                .cluster(MeshCluster.named("cluster2").withId(2).withPodCidr("10.20.0.0/16").withAccess(ClusterAccess.kubeContext("b")))
                .build()) {
            MeshException e = catchThrowableOfType(MeshException.class, mesh::plan);
            assertThat(e.getMessage()).contains("no MeshDriver implementation");
            assertThat(e.remediation()).contains("io.clustermesh:clustermesh-cilium");
        }
    }

    // ---- providers served by the generated services files (public, with public no-arg constructors) ----

    public abstract static class Base implements ClusterTransport {
        @Override
        public ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts) {
            throw new UnsupportedOperationException();
        }
    }

    public static class Low extends Base {
        @Override
        public String name() {
            return "low-one";
        }
    }

    public static class LowToo extends Base {
        @Override
        public String name() {
            return "low-two";
        }
    }

    public static class Lower extends Base {
        @Override
        public String name() {
            return "lower";
        }

        @Override
        public int priority() {
            return -5;
        }
    }

    public static class High extends Base {
        @Override
        public int priority() {
            return 10;
        }
    }
}
