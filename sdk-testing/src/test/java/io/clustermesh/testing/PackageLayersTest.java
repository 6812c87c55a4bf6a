package io.clustermesh.testing;

import io.clustermesh.testing.etcd.EtcdServer;
import io.clustermesh.testing.sim.SimulatedCilium;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab's packages are layered: the simulated Cilium ({@code sim}) and the etcd server ({@code etcd}) run inside a
 * {@link MeshLab} but know nothing of it, so the root package may use them and never the other way round (no package
 * cycle). Read from the compiled classes: every class a class file names sits in its constant pool as
 * {@code io/clustermesh/testing/Name}, whether it came from an import, a fully qualified name or a lambda.
 */
class PackageLayersTest {
    /** A class of the root package, as class files name it (sub-packages start lower case). */
    private static final Pattern ROOT_CLASS = Pattern.compile("io/clustermesh/testing/([A-Z][A-Za-z0-9_$]*)");

    @Test
    void theSimulatedCiliumDependsOnNothingInTheLabPackage() {
        assertThat(rootClassesNamedBy(packageDir(SimulatedCilium.class))).isEmpty();
    }

    @Test
    void theEtcdServerDependsOnNothingInTheLabPackage() {
        assertThat(rootClassesNamedBy(packageDir(EtcdServer.class))).isEmpty();
    }

    @Test
    void noSubPackageDependsOnTheLabPackage() {
        // arm, etcd, internal, instant, requests, sim, ...: the root package sits on top of them all, so none names it
        Path root = packageDir(MeshLab.class);
        Map<String, Map<String, Set<String>>> back = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Map<String, Set<String>> named = rootClassesNamedBy(dir);
                if (!named.isEmpty()) {
                    back.put(dir.getFileName().toString(), named);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(back).as("sub-package -> its class files that name root-package classes").isEmpty();
    }

    @Test
    void theScanFindsWhatAClassFileNames() {
        // the lab package uses sim (allowed): the same scan sees it, so an empty answer above is not a blind scanner
        Map<String, Set<String>> named = referencesIn(packageDir(MeshLab.class), Pattern.compile("io/clustermesh/testing/sim/([A-Z][A-Za-z0-9_$]*)"));
        assertThat(named.get("MeshLab.class")).contains("SimulatedCilium", "LabHelmTransport");
        assertThat(named.get("SimulatedCiliumAddon.class")).contains("LabMcsApi");
    }

    /** Class file of the package to the root-package classes it names. */
    private static Map<String, Set<String>> rootClassesNamedBy(Path dir) {
        return referencesIn(dir, ROOT_CLASS);
    }

    private static Map<String, Set<String>> referencesIn(Path dir, Pattern pattern) {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                // constant pool strings are (modified) UTF-8; class names are ASCII, so a Latin-1 view finds them verbatim
                Matcher m = pattern.matcher(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                Set<String> names = new TreeSet<>();
                while (m.find()) {
                    names.add(m.group(1));
                }
                if (!names.isEmpty()) {
                    out.put(f.getFileName().toString(), names);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Path packageDir(Class<?> c) {
        try {
            Path root = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = root.resolve(c.getPackageName().replace('.', '/'));
            assertThat(dir).isDirectory();
            return dir;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
