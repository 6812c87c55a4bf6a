package io.clustermesh.cilium.internal;

import io.clustermesh.ErrorCode;
import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.cilium.helm.HelmStorage;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.internal.MeshContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks {@link ApplyPlanner} runs before it assembles steps: every cluster's snapshot against the spec (versions,
 * identity, Helm ownership, drift, CoreDNS for MCS-API) and the mesh as a whole (exposure, chart packages, a CA rotation
 * under way). Nothing here writes; findings and plan notes are added to the lists the planner hands in, so that every
 * knowable problem is reported in the same run.
 */
final class PlanChecks {
    private final MeshContext ctx;
    private final MeshSpec spec;
    private final ChartSource chart;
    private final boolean waitForConvergence;
    private final List<Finding> findings;
    private final Map<String, String> notes;
    private final Map<String, MeshCluster> clusters;
    /** Drift found per cluster while checking it (see {@link DriftChecks}); the cluster's Helm upgrade repairs it. */
    private final Map<String, List<DriftChecks.Drift>> drifts = new java.util.concurrent.ConcurrentHashMap<>();

    PlanChecks(MeshContext ctx, ChartSource chart, boolean waitForConvergence, List<Finding> findings, Map<String, String> notes,
               Map<String, MeshCluster> clusters) {
        this.ctx = ctx;
        this.spec = ctx.spec();
        this.chart = chart;
        this.waitForConvergence = waitForConvergence;
        this.findings = findings;
        this.notes = notes;
        this.clusters = clusters;
    }

    /** The drift found on {@code cluster} by {@link #checkCluster}; its Helm upgrade repairs it. */
    List<DriftChecks.Drift> drift(String cluster) {
        return drifts.getOrDefault(cluster, List.of());
    }

    /** The checks of the mesh as a whole: exposure, membership, chart packages, a CA rotation under way. */
    void checkMesh(Map<String, ClusterSnapshot> snapshots, ApplyPlanner.Operation op) {
        if (spec.exposure().type() == Exposure.Type.NODE_PORT && op != ApplyPlanner.Operation.DISABLE) {
            findings.add(Finding.error("EXPOSURE_UNSUPPORTED", null, "spec.exposure.type",
                    "exposure node-port is not supported by apply yet (peers would need node IPs and the allocated NodePort)",
                    "use exposure azure-internal-lb (AKS) or load-balancer"));
        }
        if (op == ApplyPlanner.Operation.APPLY) {
            findings.addAll(MembershipChecks.check(spec.clusters(), snapshots));
        }
        if (chart.packages() && op != ApplyPlanner.Operation.DISABLE) {
            java.util.Set<String> versions = new java.util.TreeSet<>();
            for (ClusterSnapshot s : snapshots.values()) {
                versions.add(spec.ciliumFor(s.cluster()).version());
            }
            for (String v : versions) {
                try {
                    chart.chartFor(v);
                } catch (IllegalStateException e) {
                    findings.add(Finding.error("CHART_PACKAGE_MISSING", null, "spec.cilium.version", e.getMessage(),
                            "add the chart package for " + v + " to " + chart.chart() + ", or use a version whose package is there"));
                }
            }
        }
        if (op != ApplyPlanner.Operation.DISABLE) {
            for (ClusterSnapshot s : snapshots.values()) {
                if (s.reachable() && s.release() != null && CaRotation.bundleEnabled(s.release().values())) {
                    findings.add(Finding.error("CA_ROTATION_IN_PROGRESS", s.name(), "helm release kube-system/cilium tls.caBundle",
                            s.name() + " trusts a CA bundle (tls.caBundle): a CA rotation is under way, and "
                                    + op.name().toLowerCase(java.util.Locale.ROOT) + " with the mesh's values would drop the bundle"
                                    + " and disconnect the peers whose certificates come from the other CA",
                            "finish the rotation first: mesh.rotateCa() (meshctl rotate-ca); it resumes where it stopped"));
                }
            }
        }
    }

    private void checkDrift(ClusterSnapshot s, ApplyPlanner.Operation op) {
        // GitOps (the driver does not wait): the SDK only hands out values and Argo CD or Flux own the objects
        if (!waitForConvergence || op != ApplyPlanner.Operation.APPLY || !s.reachable() || s.release() == null || !"deployed".equals(s.release().status())) {
            return;
        }
        Finding reset = DriftChecks.valuesReset(s.name(), s.release().values());
        if (reset != null) {
            findings.add(reset);
            return;  // the values diff already plans the upgrade and lists every value it restores
        }
        List<DriftChecks.Drift> found = DriftChecks.check(s.name(), s.release().values(), s.ca(), s.ciliumConfig(), s.apiserver(), s.live());
        if (!found.isEmpty()) {
            found.forEach(d -> findings.add(d.finding()));
            drifts.put(s.name(), found);
        }
    }

    /** Whether {@code cilium-config} carries Helm's ownership annotations of release kube-system/cilium. */
    private boolean ownedByRelease(ClusterSnapshot s) {
        try {
            Optional<Map<String, Object>> cm = SnapshotReader.retrying(ctx, () -> ctx.connection(s.name()).get("v1", "ConfigMap", Names.NAMESPACE, Names.CILIUM_CONFIG));
            Object meta = cm.map(m -> m.get("metadata")).orElse(null);
            Object ann = meta instanceof Map<?, ?> m ? m.get("annotations") : null;
            return ann instanceof Map<?, ?> a && Names.RELEASE.equals(a.get("meta.helm.sh/release-name"))
                    && Names.NAMESPACE.equals(a.get("meta.helm.sh/release-namespace"));
        } catch (MeshException e) {
            return false;
        }
    }

    /** Checks one cluster against the spec; findings and plan notes go to the planner's lists. */
    void checkCluster(ClusterSnapshot s, ApplyPlanner.Operation op) {
        checkDrift(s, op);
        String c = s.name();
        if (!s.reachable()) {
            MeshException e = s.error();
            String fix = e.remediation().isEmpty() ? "make the cluster reachable and run again" : e.remediation();
            if (e instanceof MeshConfigurationException mce && mce.findings().size() == 1
                    && !"CONFIGURATION".equals(mce.findings().get(0).code())) {
                // a precise finding of the access itself (e.g. KUBE_CONTEXT_MISSING): keep its code, path and fix
                findings.add(mce.findings().get(0));
                return;
            }
            if (e.code() == ErrorCode.ACCESS || e.code() == ErrorCode.CONFIGURATION) {
                // refused credentials or an unusable kubeconfig are input to fix, not an outage to ride out: nothing is
                // written anywhere (the others are not meshed without it) and the finding says what to fix
                findings.add(Finding.error(e.code() == ErrorCode.ACCESS ? "CLUSTER_ACCESS_DENIED" : "CLUSTER_ACCESS_INVALID", c,
                        "cluster " + c, e.getMessage(), fix));
                return;
            }
            findings.add(Finding.warning("CLUSTER_UNREACHABLE", c, "cluster " + c, e.getMessage(), fix));
            return;
        }
        CiliumOptions o = spec.ciliumFor(s.cluster());
        if (s.ciliumConfig() != null && s.release() == null && ownedByRelease(s)) {
            findings.add(Finding.warning("DRIFT_RELEASE_MISSING", c, "helm release kube-system/cilium",
                    c + ": Helm's record of release cilium is gone but the objects it installed remain (labelled as release cilium's)",
                    "apply installs the release again with the complete values; Helm adopts the objects that carry its release annotations"));
        } else if (s.ciliumConfig() != null && s.release() == null) {
            findings.add(Finding.error("CILIUM_NOT_HELM_MANAGED", c, "configmap kube-system/cilium-config",
                    c + ": Cilium is installed but not by a Helm release named 'cilium' in kube-system (a CLI or manifest install)",
                    "reinstall Cilium with Helm (release cilium, namespace kube-system), or adopt it into Helm, then run again"));
            return;
        }
        if (s.release() != null) {
            HelmRelease r = s.release();
            if (r.chartName() != null && !"cilium".equals(r.chartName())) {
                findings.add(Finding.error("HELM_RELEASE_NOT_CILIUM", c, "helm release kube-system/cilium",
                        c + ": the Helm release 'cilium' is of chart '" + r.chartName() + "'",
                        "remove or rename that release; the SDK manages the release 'cilium' of the Cilium chart"));
            }
            if (r.chartVersion() != null) {
                try {
                    ChartVersion installed = ChartVersion.parse(r.chartVersion());
                    ChartVersion wanted = o.chartVersion();
                    if (installed.compareTo(wanted) > 0) {
                        findings.add(Finding.error("CILIUM_DOWNGRADE", c, "spec.cilium.version",
                                c + ": Cilium " + installed + " is installed; the spec asks for the older " + wanted + " (downgrades are not supported)",
                                "set spec.cilium.version to " + installed + " or newer"));
                    } else if (installed.major() == wanted.major() && wanted.minor() - installed.minor() > 1) {
                        StringBuilder path = new StringBuilder(installed.line());
                        for (int m = installed.minor() + 1; m <= wanted.minor(); m++) {
                            path.append(" -> ").append(wanted.major()).append('.').append(m);
                        }
                        findings.add(Finding.error("CILIUM_UPGRADE_SKIPS_MINOR", c, "spec.cilium.version",
                                c + ": Cilium " + installed + " is installed; " + wanted + " skips a minor line, which Cilium does not support"
                                        + " (upgrade notes: one minor version at a time)",
                                "upgrade one line at a time: " + path + " (set spec.cilium.version to the newest " + wanted.major() + "."
                                        + (installed.minor() + 1) + " release, apply, then go on)"));
                    } else if (!installed.line().equals(wanted.line())) {
                        findings.add(Finding.warning("CILIUM_UPGRADE", c, "spec.cilium.version",
                                c + ": apply upgrades Cilium from " + installed + " to " + wanted + " (a minor upgrade restarts agents)",
                                "read the Cilium upgrade notes for " + wanted.line() + " before applying"));
                    }
                } catch (IllegalArgumentException e) {
                    // an unparsable installed version is left to Helm
                }
            }
        }
        if (s.ciliumConfig() != null) {
            Map<String, String> cfg = s.ciliumConfig();
            String id = cfg.get("cluster-id");
            if (id != null && !id.equals("0") && !id.equals(String.valueOf(s.cluster().id()))) {
                findings.add(Finding.error("CLUSTER_ID_CHANGE", c, "spec.clusters[" + index(c) + "].id",
                        c + " runs Cilium with cluster-id " + id + " but the spec says " + s.cluster().id()
                                + "; changing the id of a running cluster breaks identities and connections",
                        "set id: " + id + " for " + c + " in the spec (or reinstall Cilium on it)"));
            }
            String name = cfg.get("cluster-name");
            if (name != null && !name.equals("default") && !name.equals(c)) {
                findings.add(Finding.error("CLUSTER_NAME_CHANGE", c, "spec.clusters[" + index(c) + "].name",
                        "the cluster named " + c + " in the spec runs Cilium as '" + name + "'; peers know it by that name",
                        "name the cluster '" + name + "' in the spec (or reinstall Cilium on it)"));
            }
            String max = cfg.get("max-connected-clusters");
            if (max != null && !max.equals(String.valueOf(o.maxConnectedClusters()))) {
                findings.add(Finding.error("MAX_CONNECTED_CLUSTERS_CHANGE", c, "spec.cilium.maxConnectedClusters",
                        c + " was installed with max-connected-clusters " + max + " but the spec says " + o.maxConnectedClusters()
                                + "; remote and local clusters have different max connected clusters, and it is fixed at install",
                        "set maxConnectedClusters: " + max + " in the spec"));
            }
        }
        if (s.kubeProxy() && o.kubeProxyReplacement()) {
            findings.add(Finding.warning("KUBE_PROXY_PRESENT", c, "daemonset kube-system/kube-proxy",
                    c + " still runs kube-proxy while Cilium replaces it",
                    "disable kube-proxy on the AKS cluster (networkProfile.kubeProxyConfig.enabled=false; meshctl or sdk-azure can do it)"));
        }
        MeshCluster mc = clusters.get(c);
        if (mc.podCidr() == null) {
            findings.add(Finding.error("POD_CIDR_MISSING", c, "spec.clusters[" + index(c) + "].podCidr",
                    c + ": the pod CIDR is neither in the spec nor discovered", "set podCidr for " + c));
        }
        if (s.apiserver() != null && c != null && mc.meshIp() != null && !s.apiserver().ingressIps().isEmpty()
                && !s.apiserver().ingressIps().contains(mc.meshIp())) {
            findings.add(Finding.warning("MESH_IP_CHANGE", c, "spec.clusters[" + index(c) + "].meshIp",
                    c + ": the clustermesh-apiserver has LB IP " + s.apiserver().ingressIps().get(0) + " but the spec asks for " + mc.meshIp(),
                    "apply moves the LB to " + mc.meshIp() + "; peers reconnect once it has moved"));
        }
        if (interrupted(s)) {
            notes.put(c + ".interrupted", "the Helm release cilium revision " + s.release().revision() + " is " + s.release().status()
                    + ": an install or upgrade that did not complete (a run that was stopped); apply marks it failed and completes it with a new revision");
        }
        if (op == ApplyPlanner.Operation.APPLY && s.release() == null && s.ciliumConfig() == null) {
            notes.put(c + ".install", "Cilium " + o.version() + " will be installed");
        }
        if (op == ApplyPlanner.Operation.APPLY && !o.kvstoremesh() && o.chartVersion().atLeast(1, 18)) {
            // chart 1.18+ values.yaml: "deprecated - KVStoreMesh will always be enabled once the option is removed"
            findings.add(Finding.warning("KVSTOREMESH_TOGGLE_DEPRECATED", c, "spec.cilium.kvstoremesh",
                    c + ": chart " + o.version() + " deprecates turning KVStoreMesh off (clustermesh.apiserver.kvstoremesh.enabled);"
                            + " a later line always runs it, and the SDK writes the toggle only to turn it off",
                    "remove kvstoremesh: false from the spec (KVStoreMesh is the line's default) before upgrading past " + o.chartVersion().line()));
        }
        if (op == ApplyPlanner.Operation.APPLY && o.chartVersion().atLeast(1, 18)) {
            notes.put(c + ".policyDefaultLocalCluster", CiliumValues.policyDefaultNote(o, c));
        }
        if (op == ApplyPlanner.Operation.APPLY) {
            SnapshotReader.retrying(ctx, () -> io.clustermesh.cilium.services.McsApiServices.coreDnsCheck(c, ctx.connection(c), o)).ifPresent(findings::add);
        }
        if (op == ApplyPlanner.Operation.APPLY && spec.exposure().isLoadBalancer()) {
            notes.put(c + ".apiserverSources", apiserverSourcesNote(c, o));
        }
    }

    /**
     * Who may reach the cluster's clustermesh-apiserver (etcd on 2379, the whole mesh's state): from chart 1.17 the
     * Service's {@code loadBalancerSourceRanges} hold the peers' node ranges (see {@link CiliumValues#sourceRanges});
     * before, or while a peer's node range is unknown, the plan says how to close it with a network security group.
     */
    private String apiserverSourcesNote(String c, CiliumOptions o) {
        List<MeshCluster> peers = spec.clusters().stream().filter(p -> !p.name().equals(c)).toList();
        List<String> ranges = peers.stream().map(MeshCluster::nodeCidr).filter(java.util.Objects::nonNull).distinct().sorted().toList();
        List<String> unknown = peers.stream().filter(p -> p.nodeCidr() == null).map(MeshCluster::name).toList();
        if (o.chartVersion().atLeast(1, 17) && unknown.isEmpty()) {
            return "the clustermesh-apiserver (port 2379) accepts connections only from the peers' node ranges "
                    + String.join(", ", ranges) + " (clustermesh.apiserver.service.loadBalancerSourceRanges)";
        }
        String why = o.chartVersion().atLeast(1, 17)
                ? "the node range of " + String.join(", ", unknown) + " is unknown (set spec.clusters[].nodeCidr; Azure clusters have it discovered), "
                + "so the clustermesh-apiserver (port 2379) stays open to every address that reaches its load balancer"
                : "chart " + o.version() + " cannot restrict who reaches the clustermesh-apiserver (port 2379; loadBalancerSourceRanges needs chart 1.17+)";
        String sources = ranges.isEmpty() || !unknown.isEmpty() ? "<the peers' node subnets>" : String.join(" ", ranges);
        return why + "; a network security group on " + c + "'s node subnet can: az network nsg rule create -g <rg> --nsg-name <nsg> "
                + "-n clustermesh-peers --priority 300 --direction Inbound --access Allow --protocol Tcp --destination-port-ranges 2379 "
                + "--source-address-prefixes " + sources + ", then the same with -n clustermesh-others --priority 310 --access Deny "
                + "--source-address-prefixes VirtualNetwork";
    }

    /** The newest revision of the release is an install or upgrade that never completed (a run that was killed). */
    static boolean interrupted(ClusterSnapshot s) {
        return s.release() != null && HelmStorage.isPending(s.release().status());
    }

    private int index(String cluster) {
        List<MeshCluster> cs = spec.clusters();
        for (int i = 0; i < cs.size(); i++) {
            if (cs.get(i).name().equals(cluster)) return i;
        }
        return -1;
    }
}
