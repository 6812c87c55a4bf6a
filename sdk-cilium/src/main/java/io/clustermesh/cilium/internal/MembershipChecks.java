package io.clustermesh.cilium.internal;

import io.clustermesh.Finding;
import io.clustermesh.model.MeshCluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Membership changes, read from what the mesh itself records: each cluster's Helm release lists its peers
 * ({@code clustermesh.config.clusters}). Compared with the spec that tells a member dropped from the spec (its peers
 * still list it), a peer configured that the spec does not know, and a disconnected cluster an apply would connect again.
 */
final class MembershipChecks {
    private MembershipChecks() {
    }

    /** Findings for an apply of {@code spec} over the clusters as read. */
    static List<Finding> check(List<MeshCluster> spec, Map<String, ClusterSnapshot> snapshots) {
        Set<String> members = new TreeSet<>();
        spec.forEach(c -> members.add(c.name()));
        Map<String, Set<String>> peersOf = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            if (s.reachable() && s.release() != null && "deployed".equals(s.release().status())) {
                peersOf.put(s.name(), DriftChecks.peers(s.release().values()));
            }
        }
        List<Finding> out = new ArrayList<>();
        Map<String, Set<String>> unknownListedBy = new TreeMap<>();
        peersOf.forEach((c, peers) -> peers.stream().filter(p -> !members.contains(p))
                .forEach(p -> unknownListedBy.computeIfAbsent(p, k -> new TreeSet<>()).add(c)));
        unknownListedBy.forEach((gone, by) -> out.add(Finding.warning("MESH_MEMBER_NOT_IN_SPEC", null, "spec.clusters",
                gone + " is configured as a peer of " + String.join(", ", by) + " but is not a cluster of the spec (dropped from it?):"
                        + " apply removes it from their peers, and " + gone + " itself keeps its peer configs to them until it is disconnected",
                "if " + gone + " should stay, add it back to spec.clusters; to leave it cleanly, disconnect it with the spec that still lists it"
                        + " (meshctl disconnect " + gone + ", or mesh.planDisconnect(\"" + gone + "\")) before removing it")));
        // a spec cluster that the other meshed clusters no longer list: it was disconnected; apply connects it again
        boolean meshedWithoutSomeone = peersOf.values().stream().anyMatch(p -> !p.isEmpty());
        if (meshedWithoutSomeone) {
            for (MeshCluster c : spec) {
                List<String> others = peersOf.keySet().stream().filter(o -> !o.equals(c.name()) && !peersOf.get(o).isEmpty()).toList();
                ClusterSnapshot own = snapshots.get(c.name());
                boolean disconnected = own != null && peersOf.containsKey(c.name()) && peersOf.get(c.name()).isEmpty()
                        && Boolean.TRUE.equals(Values.get(own.release().values(), "clustermesh.useAPIServer"));
                if (disconnected && !others.isEmpty() && others.stream().noneMatch(o -> peersOf.get(o).contains(c.name()))) {
                    out.add(Finding.warning("MESH_MEMBER_RECONNECT", c.name(), "spec.clusters",
                            c.name() + " runs Cilium but none of its meshed peers (" + String.join(", ", others) + ") lists it: it was disconnected;"
                                    + " apply connects it again",
                            "if it should stay disconnected, remove " + c.name() + " from spec.clusters"));
                }
            }
        }
        return out;
    }
}
