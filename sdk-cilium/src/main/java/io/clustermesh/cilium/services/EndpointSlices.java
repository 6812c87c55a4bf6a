package io.clustermesh.cilium.services;

import io.clustermesh.ServiceBackend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Service's backends from its {@code discovery.k8s.io/v1} EndpointSlices, the way the Cilium agent reads them
 * ({@code pkg/k8s/endpoints.go} {@code ParseEndpointSliceV1}/{@code ParseEndpointConditionsV1}): only IPv4/IPv6
 * slices; {@code ready} absent counts as ready (active); a not-ready endpoint that is terminating and still serving
 * is kept as terminating; any other not-ready endpoint is not a backend at all.
 */
public final class EndpointSlices {
    /** The label tying a slice to its Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    public static final String API_VERSION = "discovery.k8s.io/v1";
    public static final String KIND = "EndpointSlice";

    private EndpointSlices() {
    }

    /**
     * The backends of Service {@code serviceName} in {@code cluster}, from the slices of its namespace (slices of
     * other Services are skipped), ordered by slice name then position; each address once.
     */
    public static List<ServiceBackend> backends(String cluster, String serviceName, List<Map<String, Object>> slices) {
        List<Map<String, Object>> mine = new ArrayList<>();
        for (Map<String, Object> s : slices) {
            Map<String, Object> meta = map(s.get("metadata"));
            if (serviceName.equals(map(meta.get("labels")).get(SERVICE_NAME_LABEL))) {
                mine.add(s);
            }
        }
        mine.sort(Comparator.comparing(s -> String.valueOf(map(s.get("metadata")).get("name"))));
        Map<String, ServiceBackend> out = new LinkedHashMap<>();
        for (Map<String, Object> s : mine) {
            Object type = s.get("addressType");
            if (!"IPv4".equals(type) && !"IPv6".equals(type)) {
                continue;
            }
            for (Object e : list(s.get("endpoints"))) {
                Map<String, Object> ep = map(e);
                Map<String, Object> cond = map(ep.get("conditions"));
                boolean ready = !Boolean.FALSE.equals(cond.get("ready"));
                boolean serving = !Boolean.FALSE.equals(cond.get("serving"));
                boolean terminating = Boolean.TRUE.equals(cond.get("terminating"));
                ServiceBackend.State state;
                if (ready && !terminating) {
                    state = ServiceBackend.State.ACTIVE;
                } else if (terminating && serving) {
                    state = ServiceBackend.State.TERMINATING;
                } else {
                    continue;
                }
                Object pod = map(ep.get("targetRef")).get("name");
                for (Object a : list(ep.get("addresses"))) {
                    out.putIfAbsent(String.valueOf(a), new ServiceBackend(cluster, String.valueOf(a), pod == null ? null : String.valueOf(pod), state));
                }
            }
        }
        return List.copyOf(out.values());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }
}
