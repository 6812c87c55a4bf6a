package io.clustermesh.testing.sim;

import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.ProbeAnswer;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.TrafficProbe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    private final Map<String, SimulatedCilium> sims;

    /** @param sims the simulated Cilium of every cluster of the lab, by cluster name */
    public LabTrafficProbe(Map<String, SimulatedCilium> sims) {
        this.sims = new LinkedHashMap<>(sims);
    }

    @Override
    public String name() {
        return "lab";
    }

    @Override
    public List<ProbeAnswer> send(ClusterConnection from, String namespace, String name, int requests) {
        String fromCluster = from.cluster();
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
        SimulatedCilium sim = sims.get(fromCluster);
        if (sim == null) {
            throw new MeshConfigurationException(fromCluster + " is not a cluster of this lab",
                    Details.inCluster(fromCluster).fix("probe from one of " + List.copyOf(sims.keySet())));
        }
        return sim.agentOutcome(namespace, name);
    }
}
