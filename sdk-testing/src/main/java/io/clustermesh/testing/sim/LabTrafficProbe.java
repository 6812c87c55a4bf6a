package io.clustermesh.testing.sim;

import io.clustermesh.MeshException;
import io.clustermesh.ErrorCode;
import io.clustermesh.ProbeAnswer;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;
import io.clustermesh.cilium.services.EndpointSlices;
import io.clustermesh.cilium.services.GlobalServiceResolver;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.MeshContext;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.TrafficProbe;
import io.clustermesh.testing.MeshLab;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * "curl from cluster X" on the lab, answered the way a Cilium agent in X would pick a backend: the local Service
 * and its EndpointSlices in X, plus what the peers' simulated clustermesh-apiservers publish under
 * {@code cilium/state/services/v1/<peer>/<ns>/<name>} (only global and shared services are published) as X's agents
 * synced it over mTLS, resolved with {@link GlobalServiceResolver} (DOMAIN.md §6). Requests are spread round-robin over
 * the selected backends, so counts are deterministic.
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
        ServiceRoute route = route(ctx, fromCluster, namespace, name);
        List<ServiceBackend> serving = route.serving();
        List<ProbeAnswer> out = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            if (serving.isEmpty()) {
                out.add(ProbeAnswer.failed(fromCluster + ": no backend for " + namespace + "/" + name + " (" + route.explanation() + ")"));
            } else {
                ServiceBackend b = serving.get(i % serving.size());
                out.add(ProbeAnswer.from(b.cluster(), b.address(), b.pod()));
            }
        }
        return out;
    }

    /** Where requests from {@code fromCluster} go, from the local cluster and the peers' published services. */
    public ServiceRoute route(MeshContext ctx, String fromCluster, String namespace, String name) {
        SimulatedCilium sim;
        try {
            sim = lab.cilium(fromCluster);
        } catch (RuntimeException e) {
            throw new MeshException(ErrorCode.CONFIGURATION, fromCluster, null, fromCluster + " is not a cluster of this lab",
                    "probe from one of " + lab.clusters().stream().map(c -> c.name()).toList(), false, null, e);
        }
        ClusterConnection conn = ctx.connection(fromCluster);
        Optional<ServiceInfo> svc = conn.service(namespace, name);
        List<GlobalServiceResolver.ClusterState> states = new ArrayList<>();
        if (svc.isEmpty()) {
            states.add(new GlobalServiceResolver.ClusterState(ServiceSetting.missing(namespace, name, fromCluster), List.of()));
        } else {
            List<Map<String, Object>> slices = conn.list(EndpointSlices.API_VERSION, EndpointSlices.KIND, namespace);
            states.add(new GlobalServiceResolver.ClusterState(
                    ServiceSetting.of(namespace, name, fromCluster, svc.get().type(), svc.get().annotations()),
                    EndpointSlices.backends(fromCluster, name, slices)));
        }
        for (var peer : lab.clusters()) {
            String p = peer.name();
            if (p.equals(fromCluster)) {
                continue;
            }
            String json = sim.remoteServices().getOrDefault(p, Map.of())
                    .get(SimulatedCilium.SERVICES_PREFIX + p + "/" + namespace + "/" + name);
            if (json == null) {
                // not published: not global or not shared there (or absent) - the agent knows nothing about it
                states.add(new GlobalServiceResolver.ClusterState(ServiceSetting.missing(namespace, name, p), List.of()));
                continue;
            }
            JsonNode n = JSON.readTree(json);
            Map<String, String> annotations = Map.of(ServiceSetting.GLOBAL, "true",
                    ServiceSetting.SHARED, String.valueOf(n.path("shared").asBoolean(true)));
            List<ServiceBackend> backends = new ArrayList<>();
            for (String ip : n.path("backends").propertyNames()) {
                backends.add(new ServiceBackend(p, ip, null, ServiceBackend.State.ACTIVE));
            }
            states.add(new GlobalServiceResolver.ClusterState(ServiceSetting.of(namespace, name, p, "ClusterIP", annotations), backends));
        }
        return GlobalServiceResolver.resolve(fromCluster, states);
    }
}
