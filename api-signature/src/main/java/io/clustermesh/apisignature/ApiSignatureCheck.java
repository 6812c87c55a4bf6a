package io.clustermesh.apisignature;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The check the parent POM runs in the {@code verify} phase of every published module (a module with an {@code api/}
 * directory): its public API ({@code target/classes}) against {@code api/<artifactId>.txt}. A removed or changed
 * public method fails the build, naming it, until the file is updated on purpose with {@code -Dapi.update=true}.
 * Run by surefire from this jar ({@code dependenciesToScan}) with the system properties {@code api.classes},
 * {@code api.file}, {@code api.module} and {@code api.update}.
 */
public class ApiSignatureCheck {

    @Test
    void publicApiMatchesTheSignatureFile() {
        Path classes = Path.of(required("api.classes"));
        Path file = Path.of(required("api.file"));
        String module = System.getProperty("api.module", file.getFileName().toString());
        List<String> actual = ApiSignature.ofDirectory(classes, Thread.currentThread().getContextClassLoader());
        if (Boolean.parseBoolean(System.getProperty("api.update", "false"))) {
            ApiSignature.write(file, module, actual);
            System.out.println("api signature: wrote " + actual.size() + " lines to " + file);
            return;
        }
        if (!Files.exists(file)) {
            fail("the module " + module + " has no API signature file " + file
                    + ": create it with mvn -B verify -Dapi.update=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -pl <module> -am and commit it");
        }
        Optional<String> difference = ApiSignature.compare(file.toString(), ApiSignature.read(file), actual);
        difference.ifPresent(org.junit.jupiter.api.Assertions::fail);
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            fail("system property " + property + " is not set: the API signature check runs from the parent POM's api-signature profile");
        }
        return v;
    }
}
