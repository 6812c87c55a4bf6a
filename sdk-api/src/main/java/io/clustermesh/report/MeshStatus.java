package io.clustermesh.report;

import io.clustermesh.internal.Json;

import io.clustermesh.report.AgentStatus;
import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.report.PeerStatus;
import io.clustermesh.report.RemoteClusterStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Status of every cluster and every peer connection, with error texts and remediations. */
public final class MeshStatus {
    private final String mesh;
    private final Instant at;
    private final List<ClusterStatus> clusters;

    public MeshStatus(String mesh, Instant at, List<ClusterStatus> clusters) {
        this.mesh = mesh;
        this.at = at;
        this.clusters = List.copyOf(clusters);
    }

    public String mesh() {
        return mesh;
    }

    public Instant at() {
        return at;
    }

    public List<ClusterStatus> clusters() {
        return clusters;
    }

    public ClusterStatus cluster(String name) {
        return clusters.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no cluster " + name + " in mesh " + mesh));
    }

    /** Every agent of every cluster is ready with every peer. */
    public boolean healthy() {
        return !clusters.isEmpty() && clusters.stream().allMatch(ClusterStatus::healthy);
    }

    /** A table like {@code cilium clustermesh status}, one line per cluster, then the problems. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        int width = clusters.stream().mapToInt(c -> c.name().length()).max().orElse(7);
        for (ClusterStatus c : clusters) {
            int total = c.peers().size();
            int connected = c.connectedPeers().size();
            boolean ok = c.healthy();
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %s %d/%d peers connected  [min:%d / avg:%.1f / max:%d]",
                    c.name(), ok ? "\u2705" : "\u274c", connected, total, c.minConnected(), c.avgConnected(), c.maxConnected()));
            if (c.apiserverAddress() != null) {
                sb.append("  apiserver ").append(c.apiserverAddress());
            }
            sb.append('\n');
        }
        for (ClusterStatus c : clusters) {
            for (String e : c.errors()) {
                // the cluster is named once: texts that start with it already (an exception's message) keep theirs
                sb.append("  ").append(e.startsWith(c.name() + ": ") ? "" : c.name() + ": ").append(e).append('\n');
            }
            for (String w : c.warnings()) {
                sb.append("  ").append(c.name()).append(": warning: ").append(w).append('\n');
            }
            for (PeerStatus p : c.peers()) {
                if (!p.fullyConnected()) {
                    sb.append("  ").append(c.name()).append(" -> ").append(p.peer()).append(": ")
                            .append(p.configured()).append('/').append(p.agents()).append(" configured, ")
                            .append(p.connected()).append('/').append(p.agents()).append(" connected\n");
                    for (String e : p.errors()) {
                        sb.append("      ").append(e).append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mesh", mesh);
        m.put("at", at);
        m.put("healthy", healthy());
        List<Object> cs = new ArrayList<>();
        for (ClusterStatus c : clusters) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", c.name());
            x.put("id", c.clusterId());
            x.put("configuredName", c.configuredName());
            x.put("healthy", c.healthy());
            x.put("apiserverAddress", c.apiserverAddress());
            x.put("apiserverReady", c.apiserverReady());
            x.put("kvstoremesh", c.kvstoremesh());
            x.put("caFingerprint", c.caFingerprint());
            x.put("connectedPeers", c.connectedPeers());
            x.put("minConnected", c.minConnected());
            x.put("avgConnected", c.avgConnected());
            x.put("maxConnected", c.maxConnected());
            List<Object> ps = new ArrayList<>();
            for (PeerStatus p : c.peers()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("peer", p.peer());
                pm.put("agents", p.agents());
                pm.put("configured", p.configured());
                pm.put("connected", p.connected());
                pm.put("errors", p.errors());
                ps.add(pm);
            }
            x.put("peers", ps);
            List<Object> as = new ArrayList<>();
            for (AgentStatus a : c.agents()) {
                Map<String, Object> am = new LinkedHashMap<>();
                am.put("pod", a.pod());
                am.put("node", a.node());
                am.put("error", a.error());
                List<Object> rs = new ArrayList<>();
                for (RemoteClusterStatus r : a.remotes()) {
                    Map<String, Object> rm = new LinkedHashMap<>();
                    rm.put("name", r.name());
                    rm.put("connected", r.connected());
                    rm.put("ready", r.ready());
                    rm.put("status", r.status());
                    rm.put("num-failures", r.numFailures());
                    rm.put("last-failure", r.lastFailure());
                    rm.put("num-nodes", r.numNodes());
                    rm.put("num-endpoints", r.numEndpoints());
                    rm.put("num-identities", r.numIdentities());
                    rm.put("num-shared-services", r.numSharedServices());
                    Map<String, Object> cfg = new LinkedHashMap<>();
                    cfg.put("cluster-id", r.clusterId());
                    cfg.put("required", r.configRequired());
                    cfg.put("retrieved", r.configRetrieved());
                    cfg.put("kvstoremesh", r.kvstoremesh());
                    rm.put("config", cfg);
                    rm.put("synced", r.synced());
                    rm.put("remediation", r.remediation());
                    rs.add(rm);
                }
                am.put("remotes", rs);
                as.add(am);
            }
            x.put("agents", as);
            x.put("errors", c.errors());
            x.put("warnings", c.warnings());
            List<Object> certs = new ArrayList<>();
            for (CertificateExpiry e : c.certificates()) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("secret", e.secret());
                em.put("subject", e.subject());
                em.put("notAfter", e.notAfter().toString());
                em.put("daysLeft", e.left().toDays());
                em.put("expiring", e.expiring());
                certs.add(em);
            }
            x.put("certificates", certs);
            cs.add(x);
        }
        m.put("clusters", cs);
        return m;
    }

    public String toJson() {
        return Json.write(toMap());
    }

    @Override
    public String toString() {
        return "MeshStatus[" + mesh + ", " + (healthy() ? "healthy" : "unhealthy") + ", " + clusters.size() + " clusters]";
    }
}
