package io.clustermesh.samples.meshctl;

import io.clustermesh.MeshServices;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Global services per cluster and where their requests go: the table of {@code meshctl services} (and the demo). */
final class ServicesView {
    private ServicesView() {
    }

    /** Every service that is global in at least one cluster, as namespace/name. */
    static Set<String> globalServices(MeshServices services) {
        Set<String> out = new LinkedHashSet<>();
        for (ServiceSetting s : services.list()) {
            if (s.global()) {
                out.add(s.namespace() + "/" + s.name());
            }
        }
        return out;
    }

    static Map<String, Object> describe(MeshServices services, String namespace, String name) {
        Map<String, ServiceSetting> settings = new LinkedHashMap<>();
        services.settings(namespace, name).forEach(s -> settings.put(s.cluster(), s));
        List<Map<String, Object>> clusters = new ArrayList<>();
        for (ServiceRoute r : services.routes(namespace, name)) {
            ServiceSetting s = settings.get(r.cluster());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cluster", r.cluster());
            m.put("exists", s != null && s.exists());
            m.put("global", s != null && s.global());
            m.put("shared", s != null && s.shared());
            m.put("affinity", s == null || s.affinity() == null ? null : s.affinity().value());
            m.put("answeredBy", r.servingClusters());
            m.put("backends", r.serving().size());
            m.put("explanation", r.explanation());
            clusters.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("namespace", namespace);
        doc.put("name", name);
        doc.put("clusters", clusters);
        doc.put("findings", services.check(namespace, name).stream().map(MeshCommands::findingMap).toList());
        return doc;
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> doc) {
        StringBuilder sb = new StringBuilder();
        sb.append(doc.get("namespace")).append('/').append(doc.get("name")).append('\n');
        sb.append(String.format("  %-12s %-7s %-7s %-9s %s%n", "CLUSTER", "GLOBAL", "SHARED", "AFFINITY", "REQUESTS GO TO"));
        for (Map<String, Object> c : (List<Map<String, Object>>) doc.get("clusters")) {
            sb.append(String.format("  %-12s %-7s %-7s %-9s %s%n", c.get("cluster"),
                    Boolean.TRUE.equals(c.get("exists")) ? c.get("global") : "(none)", c.get("shared"),
                    c.get("affinity") == null ? "-" : c.get("affinity"),
                    ((List<String>) c.get("answeredBy")).isEmpty() ? "nowhere" : String.join(", ", (List<String>) c.get("answeredBy"))));
        }
        for (Map<String, Object> f : (List<Map<String, Object>>) doc.get("findings")) {
            sb.append("  ! ").append(f.get("cluster") == null ? "" : f.get("cluster") + ": ").append(f.get("message"))
                    .append(" (fix: ").append(f.get("remediation")).append(")\n");
        }
        return sb.toString();
    }
}
