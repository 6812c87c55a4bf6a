package io.clustermesh.spring;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

import java.util.List;

/**
 * Spring Boot's startup report for a mesh configuration with errors ({@link MeshConfigurationFailure}, or a
 * {@link MeshConfigurationException} from {@code Mesh.Builder.build()}): the description lists every error with its
 * code, cluster and property (or spec file path), the action every fix. Registered in {@code META-INF/spring.factories}.
 */
public class MeshConfigurationFailureAnalyzer implements FailureAnalyzer {

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
                    .append(where.isEmpty() ? "" : " " + where).append(": ").append(f.message());
            action.append("\n    ").append(where.isEmpty() ? f.code() : where).append(": ").append(f.remediation());
        }
        return new FailureAnalysis(description.toString(), action.toString(), cause);
    }

    private static String where(Finding f, boolean properties) {
        if (f.path().isEmpty()) {
            return "";
        }
        return properties ? MeshSpecSource.propertyName(f.path()) : f.path();
    }
}
