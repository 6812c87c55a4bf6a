package io.clustermesh.testing.sim;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshException;
import io.clustermesh.ProbeAnswer;
import io.clustermesh.spi.MeshContext;
import io.clustermesh.spi.TrafficProbe;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "curl from cluster X" on the lab, answered the way a Cilium agent in X picks a backend: X's Service and its
 * EndpointSlices (read with the lab's own client), plus what the peers' simulated clustermesh-apiservers publish under
 * {@code cilium/state/services/v1/<peer>/<ns>/<name>} as X's agents synced it over mTLS, selected by
 * {@link AgentBackendSelection} — the lab's own implementation of Cilium's rules, independent of the SDK's
 * {@code GlobalServiceResolver}, so that the demo's traffic check can disagree with the SDK's prediction. Requests
 * are spread round-robin over the serving backends, so counts are deterministic.
 */
public final class LabTrafficProbe implements TrafficProbe {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final MeshLab lab;

    public LabTrafficProbe(MeshLab lab) {
        this.lab = lab;
    }

    @Override
    public String name() {
        return "lab";
    }

    @Override
    public List<ProbeAnswer> send(MeshContext ctx, String fromCluster, String namespace, String name, int requests) {
        AgentBackendSelection.Outcome outcome = outcome(fromCluster, namespace, name);
        List<AgentBackendSelection.Backend> serving = outcome.serving();
        List<ProbeAnswer> out = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            if (serving.isEmpty()) {
                out.add(ProbeAnswer.failed(fromCluster + ": no backend for " + namespace + "/" + name + " (" + outcome.why() + ")"));
            } else {
                AgentBackendSelection.Backend b = serving.get(i % serving.size());
                out.add(ProbeAnswer.from(b.cluster(), b.ip(), null));
            }
        }
        return out;
    }

    /** What the agents of {@code fromCluster} do with a request to the Service. */
    public AgentBackendSelection.Outcome outcome(String fromCluster, String namespace, String name) {
        SimulatedCilium sim;
        try {
            sim = lab.cilium(fromCluster);
        } catch (RuntimeException e) {
            throw new MeshException(ErrorCode.CONFIGURATION, fromCluster, null, fromCluster + " is not a cluster of this lab",
                    "probe from one of " + lab.clusters().stream().map(c -> c.name()).toList(), false, null, e);
        }
        KubernetesClient k = lab.cluster(fromCluster).client();
        Service svc = k.services().inNamespace(namespace).withName(name).get();
        Map<String, String> annotations = svc == null ? null
                : svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations();
        List<AgentBackendSelection.Backend> local = new ArrayList<>();
        if (svc != null) {
            for (EndpointSlice slice : k.discovery().v1().endpointSlices().inNamespace(namespace)
                    .withLabel("kubernetes.io/service-name", name).list().getItems()) {
                for (Endpoint ep : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                    EndpointConditions c = ep.getConditions();
                    boolean ready = c == null || c.getReady() == null || c.getReady();
                    boolean serving = c == null || c.getServing() == null || c.getServing();
                    boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                    AgentBackendSelection.State state = ready && !terminating ? AgentBackendSelection.State.ACTIVE
                            : terminating && serving ? AgentBackendSelection.State.TERMINATING : null;
                    if (state != null && ep.getAddresses() != null) {
                        ep.getAddresses().forEach(a -> local.add(new AgentBackendSelection.Backend(fromCluster, a, state)));
                    }
                }
            }
        }
        List<AgentBackendSelection.Published> published = new ArrayList<>();
        for (var peer : lab.clusters()) {
            String p = peer.name();
            if (p.equals(fromCluster)) {
                continue;
            }
            String json = sim.remoteServices().getOrDefault(p, Map.of()).get(SimulatedCilium.SERVICES_PREFIX + p + "/" + namespace + "/" + name);
            if (json == null) {
                continue;
            }
            JsonNode n = JSON.readTree(json);
            List<AgentBackendSelection.Backend> backends = new ArrayList<>();
            for (String ip : n.path("backends").propertyNames()) {
                backends.add(new AgentBackendSelection.Backend(p, ip, AgentBackendSelection.State.ACTIVE));
            }
            published.add(new AgentBackendSelection.Published(p, n.path("shared").asBoolean(false), backends));
        }
        return AgentBackendSelection.select(fromCluster, annotations, local, published);
    }
}
