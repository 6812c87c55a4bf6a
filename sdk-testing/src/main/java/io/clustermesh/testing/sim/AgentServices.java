package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services as the simulated agents of one cluster load-balance them: the cluster's Services and EndpointSlices
 * (read with the lab's own client) merged with what the agents synced from the peers' clustermesh-apiservers, selected
 * by {@link AgentBackendSelection}. Answers the lab's traffic probe and {@code cilium-dbg service list -o json}.
 */
final class AgentServices {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private AgentServices() {
    }

    /** What the agents of {@code cluster} do with a request to {@code namespace/name}, from the cluster's live objects. */
    static AgentBackendSelection.Outcome outcome(String cluster, KubernetesClient kube, Map<String, Map<String, String>> remoteServices,
                                                 String namespace, String name) {
        Service svc = kube.services().inNamespace(namespace).withName(name).get();
        List<EndpointSlice> slices = svc == null ? List.of()
                : kube.discovery().v1().endpointSlices().inNamespace(namespace).withLabel("kubernetes.io/service-name", name).list().getItems();
        return outcome(cluster, svc, slices, remoteServices, namespace, name);
    }

    private static AgentBackendSelection.Outcome outcome(String cluster, Service svc, List<EndpointSlice> allSlices,
                                                         Map<String, Map<String, String>> remoteServices, String namespace, String name) {
        Map<String, String> annotations = svc == null ? null
                : svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations();
        List<AgentBackendSelection.Backend> local = new ArrayList<>();
        if (svc != null) {
            for (EndpointSlice slice : allSlices) {
                Map<String, String> labels = slice.getMetadata().getLabels() == null ? Map.of() : slice.getMetadata().getLabels();
                if (!namespace.equals(slice.getMetadata().getNamespace()) || !name.equals(labels.get("kubernetes.io/service-name"))) {
                    continue;
                }
                for (Endpoint ep : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                    EndpointConditions c = ep.getConditions();
                    boolean ready = c == null || c.getReady() == null || c.getReady();
                    boolean serving = c == null || c.getServing() == null || c.getServing();
                    boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                    AgentBackendSelection.State state = ready && !terminating ? AgentBackendSelection.State.ACTIVE
                            : terminating && serving ? AgentBackendSelection.State.TERMINATING : null;
                    if (state != null && ep.getAddresses() != null) {
                        ep.getAddresses().forEach(a -> local.add(new AgentBackendSelection.Backend(cluster, a, state)));
                    }
                }
            }
        }
        List<AgentBackendSelection.Published> published = new ArrayList<>();
        remoteServices.forEach((peer, keys) -> {
            String json = keys.get(SimulatedCilium.SERVICES_PREFIX + peer + "/" + namespace + "/" + name);
            if (peer.equals(cluster) || json == null) {
                return;
            }
            JsonNode n = JSON.readTree(json);
            List<AgentBackendSelection.Backend> backends = new ArrayList<>();
            for (String ip : n.path("backends").propertyNames()) {
                backends.add(new AgentBackendSelection.Backend(peer, ip, AgentBackendSelection.State.ACTIVE));
            }
            published.add(new AgentBackendSelection.Published(peer, n.path("shared").asBoolean(false), backends));
        });
        return AgentBackendSelection.select(cluster, annotations, local, published);
    }

    /**
     * {@code cilium-dbg service list -o json}, in the shape of Cilium's API model {@code Service} ({@code api/v1}):
     * per ClusterIP Service and port, {@code spec.frontend-address}, {@code spec.backend-addresses} (with
     * {@code state}) and {@code spec.flags} (type, namespace, name).
     */
    static String serviceListJson(String cluster, List<Service> services, List<EndpointSlice> slices, Map<String, Map<String, String>> remoteServices) {
        List<Map<String, Object>> out = new ArrayList<>();
        int id = 1;
        for (Service s : services) {
            String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
            if (ip == null || ip.isEmpty() || "None".equals(ip)) {
                continue;
            }
            AgentBackendSelection.Outcome o = outcome(cluster, s, slices, remoteServices, s.getMetadata().getNamespace(), s.getMetadata().getName());
            for (ServicePort p : s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts()) {
                int target = p.getTargetPort() != null && p.getTargetPort().getIntVal() != null ? p.getTargetPort().getIntVal() : p.getPort();
                Map<String, Object> frontend = new LinkedHashMap<>();
                frontend.put("ip", ip);
                frontend.put("port", p.getPort());
                frontend.put("protocol", p.getProtocol() == null ? "TCP" : p.getProtocol());
                List<Map<String, Object>> backends = new ArrayList<>();
                for (AgentBackendSelection.Backend b : o.selected()) {
                    Map<String, Object> be = new LinkedHashMap<>();
                    be.put("ip", b.ip());
                    be.put("port", target);
                    be.put("protocol", frontend.get("protocol"));
                    be.put("state", b.state().name().toLowerCase(java.util.Locale.ROOT));
                    be.put("preferred", true);
                    backends.add(be);
                }
                Map<String, Object> flags = new LinkedHashMap<>();
                flags.put("type", "ClusterIP");
                flags.put("namespace", s.getMetadata().getNamespace());
                flags.put("name", s.getMetadata().getName());
                Map<String, Object> spec = new LinkedHashMap<>();
                spec.put("id", id);
                spec.put("frontend-address", frontend);
                spec.put("backend-addresses", backends);
                spec.put("flags", flags);
                Map<String, Object> svc = new LinkedHashMap<>();
                svc.put("spec", spec);
                svc.put("status", Map.of("realized", spec));
                out.add(svc);
                id++;
            }
        }
        return JSON.writeValueAsString(out);
    }
}
