package io.clustermesh.apisignature;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker on real compiled classes: version 1 of a small API is the signature file; version 2 removes a method,
 * changes one and adds one. The check must fail and name each of them, and agree with an unchanged API.
 */
class ApiSignatureTest {

    private static final String V1 = """
            package demo;
            public class Greeter implements java.io.Serializable {
                public static final String DEFAULT = "hi";
                protected int count;
                int packagePrivateIsNotApi;
                public Greeter() { }
                public String greet(String name) { return DEFAULT + name; }
                public int farewell(int times) { return times; }
                public <T extends Comparable<T>> java.util.List<T> sorted(java.util.Collection<? extends T> in) { return null; }
                public void log(String... lines) throws java.io.IOException { }
                private void helper() { }
                public enum Mood { HAPPY, SAD }
                public record Pair(String left, int right) { }
                static class Hidden { public void notApi() { } }
            }
            """;
    private static final String V2 = V1
            .replace("public int farewell(int times) { return times; }\n", "")              // removed
            .replace("public String greet(String name)", "public String greet(CharSequence name)") // changed
            .replace("private void helper() { }", "private void helper() { }\n    public void wave() { }"); // added

    private static List<String> api(Path dir, String source) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/demo")).resolve("Greeter.java");
        Files.writeString(src, source);
        Path out = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", out.toString(), src.toString());
        assertThat(rc).as("javac").isZero();
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[]{out.toUri().toURL()}, ApiSignatureTest.class.getClassLoader())) {
            return ApiSignature.ofDirectory(out, loader);
        }
    }

    @Test
    void describesPublicAndProtectedMembersOnly(@TempDir Path dir) throws IOException {
        List<String> v1 = api(dir, V1);
        assertThat(v1).contains(
                "demo.Greeter: public class implements java.io.Serializable",
                "demo.Greeter: constructor public ()",
                "demo.Greeter: method public java.lang.String greet(java.lang.String)",
                "demo.Greeter: method public int farewell(int)",
                "demo.Greeter: method public <T extends java.lang.Comparable<T>> java.util.List<T> sorted(java.util.Collection<? extends T>)",
                "demo.Greeter: method public void log(java.lang.String...) throws java.io.IOException",
                "demo.Greeter: field public static final java.lang.String DEFAULT",
                "demo.Greeter: field protected int count",
                "demo.Greeter$Mood: public enum",
                "demo.Greeter$Mood: enum-constant HAPPY",
                "demo.Greeter$Pair: method public java.lang.String left()");
        assertThat(String.join("\n", v1)).doesNotContain("helper").doesNotContain("packagePrivateIsNotApi")
                .doesNotContain("Hidden").doesNotContain("notApi");
        assertThat(v1).isSorted();
    }

    @Test
    void aRemovedOrChangedMethodFailsNamingIt(@TempDir Path dir) throws IOException {
        List<String> v1 = api(dir.resolve("v1"), V1);
        List<String> v2 = api(dir.resolve("v2"), V2);
        Path file = dir.resolve("api/demo.txt");
        ApiSignature.write(file, "demo", v1);
        assertThat(ApiSignature.read(file)).isEqualTo(v1);

        Optional<String> failure = ApiSignature.compare(file.toString(), ApiSignature.read(file), v2);
        assertThat(failure).isPresent();
        String message = failure.orElseThrow();
        System.out.println(message);
        assertThat(message)
                .contains(file.toString())
                .contains("- removed or changed: demo.Greeter: method public int farewell(int)")
                .contains("- removed or changed: demo.Greeter: method public java.lang.String greet(java.lang.String)")
                .contains("+ added or changed:   demo.Greeter: method public java.lang.String greet(java.lang.CharSequence)")
                .contains("+ added or changed:   demo.Greeter: method public void wave()")
                .contains("-Dapi.update=true");

        assertThat(ApiSignature.compare(file.toString(), ApiSignature.read(file), api(dir.resolve("v1again"), V1))).isEmpty();
    }
}
