package io.clustermesh.spring;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spring Boot's startup report for a mesh configuration with errors ({@link MeshConfigurationFailure}, or a
 * {@link MeshConfigurationException} from {@code Mesh.Builder.build()}): the description lists every error with its
 * code, cluster and property (or spec file path), the action every fix. Registered in {@code META-INF/spring.factories}.
 */
public class MeshConfigurationFailureAnalyzer implements FailureAnalyzer {
    private static final Pattern SPEC_PATH = Pattern.compile("\\bspec\\.[A-Za-z][A-Za-z0-9]*(\\[\\d+])?(\\.[A-Za-z][A-Za-z0-9]*(\\[\\d+])?)*");

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MeshConfigurationFailure f) {
                return analysis(f.errors(), f.source().origin(), !f.source().fromFile(), f);
            }
            if (t instanceof MeshConfigurationException e) {
                return analysis(e.findings().stream().filter(Finding::isError).toList(), "the Mesh builder", false, e);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static FailureAnalysis analysis(List<Finding> errors, String origin, boolean properties, Throwable cause) {
        StringBuilder description = new StringBuilder("The cluster mesh configuration from ").append(origin).append(" has ")
                .append(errors.size()).append(errors.size() == 1 ? " error" : " errors").append(":\n");
        StringBuilder action = new StringBuilder("Fix the mesh configuration");
        action.append(properties ? " (clustermesh.* properties)" : origin.equals("the Mesh builder") ? "" : " in " + origin).append(":\n");
        for (Finding f : errors) {
            String where = where(f, properties);
            description.append("\n    ").append(f.code()).append(f.cluster() == null || f.cluster().isEmpty() ? "" : " [" + f.cluster() + "]")
                    .append(where.isEmpty() ? "" : " " + where).append(": ").append(text(f.message(), properties));
            action.append("\n    ").append(where.isEmpty() ? f.code() : where).append(": ").append(text(f.remediation(), properties));
        }
        return new FailureAnalysis(description.toString(), action.toString(), cause);
    }

    /** With properties, the spec paths the SDK's texts name ({@code spec.clusters[1].podCidr}) as property names. */
    private static String text(String s, boolean properties) {
        return properties ? SPEC_PATH.matcher(s).replaceAll(m -> Matcher.quoteReplacement(MeshSpecSource.propertyName(m.group()))) : s;
    }

    private static String where(Finding f, boolean properties) {
        if (f.path().isEmpty()) {
            return "";
        }
        return properties ? MeshSpecSource.propertyName(f.path()) : f.path();
    }
}
