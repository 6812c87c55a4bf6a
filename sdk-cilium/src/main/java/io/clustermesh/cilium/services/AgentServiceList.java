package io.clustermesh.cilium.services;

import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PodInfo;
import io.clustermesh.spi.ServiceInfo;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which backends a cluster's Cilium agents actually load-balance a Service over: {@code cilium-dbg service list -o json}
 * in one ready agent pod, the entries whose {@code spec.frontend-address.ip} is the Service's ClusterIP (Cilium's API
 * model {@code Service}, {@code api/v1/models/service.go}).
 */
final class AgentServiceList {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    static final String[] COMMAND = {"cilium-dbg", "service", "list", "-o", "json"};

    private AgentServiceList() {
    }

    /** The backend addresses of the Service in the agents' service table; empty when the agents have no entry for it. */
    static Optional<Set<String>> backends(MeshContext ctx, String cluster, String namespace, String name) {
        ClusterConnection conn = ctx.connection(cluster);
        Optional<ServiceInfo> svc = conn.service(namespace, name);
        if (svc.isEmpty() || svc.get().clusterIp() == null || svc.get().clusterIp().isEmpty() || "None".equals(svc.get().clusterIp())) {
            return Optional.empty();
        }
        List<PodInfo> agents = conn.pods("kube-system", "k8s-app=cilium").stream().filter(PodInfo::ready).toList();
        if (agents.isEmpty()) {
            throw MeshException.failed(cluster + ": no ready Cilium agent to ask",
                    Details.inCluster(cluster).fix("check the cilium DaemonSet").retryable(true));
        }
        ExecResult r = conn.exec("kube-system", agents.get(0).name(), "cilium-agent", ctx.timeouts().request(), COMMAND);
        if (r.exitCode() != 0) {
            throw MeshException.failed(cluster + ": cilium-dbg service list failed (exit " + r.exitCode() + "): "
                    + r.stderr().lines().findFirst().orElse(""),
                    Details.inCluster(cluster).fix("check the agent pod " + agents.get(0).name()).retryable(true));
        }
        return parse(r.stdout(), svc.get().clusterIp());
    }

    static Optional<Set<String>> parse(String json, String clusterIp) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw MeshException.failed("unreadable cilium-dbg service list output",
                    Details.meshWide().fix("run it by hand in an agent pod").retryable(true).cause(e));
        }
        Set<String> out = new TreeSet<>();
        boolean found = false;
        for (JsonNode s : root) {
            JsonNode spec = s.path("spec");
            if (!clusterIp.equals(spec.path("frontend-address").path("ip").asString(""))) {
                continue;
            }
            found = true;
            for (JsonNode b : spec.path("backend-addresses")) {
                out.add(b.path("ip").asString());
            }
        }
        return found ? Optional.of(out) : Optional.empty();
    }
}
