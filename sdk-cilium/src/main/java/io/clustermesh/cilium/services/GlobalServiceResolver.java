package io.clustermesh.cilium.services;

import io.clustermesh.Affinity;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which backends a cluster's Cilium selects for a global service: a pure function of every cluster's Service setting
 * and backends (Cilium docs, "Load-balancing & Service Discovery", network/clustermesh/services). Used by {@link CiliumMeshServices#routes} and by the embedded lab's simulated agents.
 *
 * <p>The rules, as read in Cilium's sources:
 * <ol>
 *   <li><b>What is exported.</b> A cluster publishes its Service under
 *       {@code cilium/state/services/v1/<cluster>/<namespace>/<name>} with {@code includeExternal} and {@code shared}
 *       flags ({@code pkg/clustermesh/store} {@code ClusterService}); the importing side ignores services whose
 *       {@code shared} is false ({@code pkg/clustermesh/common/services.go}, {@code remoteServiceObserver.OnUpdate}:
 *       "Ignoring remote service update: service is not shared"). {@code shared} is false unless the Service is
 *       global ({@code pkg/annotation/clustermesh.go}, {@code GetAnnotationShared}). Remote backends are merged into the
 *       local Service of the same namespace and name ({@code pkg/clustermesh/loadbalancer/service_merger.go}); with no
 *       local Service there is no frontend to merge into.</li>
 *   <li><b>What is selected.</b> {@code pkg/clustermesh/loadbalancer/selectbackends.go}
 *       ({@code ClusterMeshSelectBackends.SelectBackends}): not global locally ({@code GetAnnotationIncludeExternal}
 *       false) ⇒ local backends only; affinity none ⇒ local and remote; otherwise count <em>healthy</em> backends
 *       (state active or terminating and not marked unhealthy), local ones also counted as <em>active</em>:
 *       affinity local ⇒ local always (even unhealthy), remote only when no local backend is active and at least
 *       one remote is healthy; affinity remote ⇒ remote always, local only when no remote backend is healthy and at
 *       least one local is. Cilium ≤ 1.16 reaches the same result through "preferred" backends
 *       ({@code pkg/k8s/service_cache.go} {@code correlateEndpoints}, {@code pkg/service/service.go}
 *       {@code segregateBackends}).</li>
 *   <li><b>Unrecognised affinity values</b> count as none ({@code GetAnnotationServiceAffinity} returns
 *       {@code ServiceAffinityNone} with an "unrecognized service affinity value" error). One intermediate
 *       implementation (the string-returning {@code GetAnnotationServiceAffinity} with the statedb selector) selected
 *       local backends only for any value other than {@code ""}, {@code local} and {@code remote}, {@code "none"}
 *       included; that is why the SDK never writes {@code affinity: none} (it removes the annotation) and reports
 *       unrecognised values.</li>
 * </ol>
 * Which of the selected backends take new connections is {@link ServiceRoute#serving()}: active ones, else
 * terminating ones.
 */
public final class GlobalServiceResolver {

    /**
     * One cluster's view of the Service: its setting and its own (local) backends.
     *
     * @param setting  the Service's setting in that cluster (a missing Service has no backends)
     * @param backends the cluster's own backends, each naming that cluster
     */
    public record ClusterState(ServiceSetting setting, List<ServiceBackend> backends) {
        public ClusterState {
            Objects.requireNonNull(setting, "setting");
            backends = List.copyOf(backends == null ? List.of() : backends);
            for (ServiceBackend b : backends) {
                if (!b.cluster().equals(setting.cluster())) {
                    throw new IllegalArgumentException("backend " + b + " is listed under cluster " + setting.cluster());
                }
            }
            if (!setting.exists() && !backends.isEmpty()) {
                throw new IllegalArgumentException(setting.cluster() + ": a missing Service has no backends");
            }
        }

        public String cluster() {
            return setting.cluster();
        }

        /** Whether this cluster publishes its backends to the others (global and shared). */
        public boolean exports() {
            return setting.exists() && setting.global() && setting.shared();
        }
    }

    private GlobalServiceResolver() {
    }

    /** The route from every cluster, in the order given. */
    public static List<ServiceRoute> resolveAll(List<ClusterState> clusters) {
        check(clusters);
        return clusters.stream().map(c -> resolve(c.cluster(), clusters)).toList();
    }

    /**
     * The backends {@code fromCluster} selects for the Service.
     *
     * @param clusters every cluster of the mesh (the Service's setting and backends in each)
     * @throws IllegalArgumentException if {@code fromCluster} is not among {@code clusters}, or the states disagree
     *                                  on the Service or name a cluster twice
     */
    public static ServiceRoute resolve(String fromCluster, List<ClusterState> clusters) {
        check(clusters);
        ClusterState local = clusters.stream().filter(c -> c.cluster().equals(fromCluster)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(fromCluster + " is not among the clusters given"));
        ServiceSetting s = local.setting();
        if (!s.exists()) {
            return new ServiceRoute(fromCluster, s.namespace(), s.name(), false, false, false, List.of(),
                    "no Service " + s.service() + " in " + fromCluster + ": nothing to send requests to (remote backends are merged only into an existing local Service)");
        }
        if (!s.global()) {
            return new ServiceRoute(fromCluster, s.namespace(), s.name(), true, true, false, local.backends(),
                    "not global in " + fromCluster + ": local backends only");
        }
        List<ServiceBackend> remote = new ArrayList<>();
        List<String> exporters = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (ClusterState c : clusters) {
            if (c == local) {
                continue;
            }
            if (c.exports()) {
                exporters.add(c.cluster());
                remote.addAll(c.backends());
            } else {
                silent.add(c.cluster() + (!c.setting().exists() ? " has no such Service" : !c.setting().global() ? " is not global" : " does not share"));
            }
        }
        boolean useLocal = true;
        boolean useRemote;
        Affinity affinity = s.affinity();
        switch (affinity) {
            case NONE -> useRemote = true;
            case LOCAL -> {
                long localActive = local.backends().stream().filter(b -> b.state() == ServiceBackend.State.ACTIVE).count();
                long remoteHealthy = remote.stream().filter(ServiceBackend::healthy).count();
                useRemote = localActive == 0 && remoteHealthy > 0;
            }
            case REMOTE -> {
                long remoteHealthy = remote.stream().filter(ServiceBackend::healthy).count();
                long localHealthy = local.backends().stream().filter(ServiceBackend::healthy).count();
                useRemote = true;
                useLocal = remoteHealthy == 0 && localHealthy > 0;
            }
            default -> throw new IllegalStateException(affinity.name());
        }
        List<ServiceBackend> selected = new ArrayList<>();
        if (useLocal) selected.addAll(local.backends());
        if (useRemote) selected.addAll(remote);
        String uses = useLocal && useRemote ? "local and remote backends" : useLocal ? "local backends only" : "remote backends only";
        String why = switch (affinity) {
            case NONE -> "";
            case LOCAL -> useRemote ? " (no local backend is active)" : "";
            case REMOTE -> useLocal ? " (no remote backend is healthy)" : "";
        };
        String from = exporters.isEmpty() ? "no other cluster exports it" : "exported by " + String.join(", ", exporters);
        String rest = silent.isEmpty() ? "" : "; " + String.join(", ", silent);
        return new ServiceRoute(fromCluster, s.namespace(), s.name(), true, useLocal, useRemote, selected,
                "global in " + fromCluster + ", affinity " + affinity.value() + ": " + uses + why + "; " + from + rest);
    }

    private static void check(List<ClusterState> clusters) {
        Objects.requireNonNull(clusters, "clusters");
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("no clusters given");
        }
        ServiceSetting first = clusters.get(0).setting();
        Set<String> names = new HashSet<>();
        for (ClusterState c : clusters) {
            if (!c.setting().namespace().equals(first.namespace()) || !c.setting().name().equals(first.name())) {
                throw new IllegalArgumentException("the states describe different Services: " + first.service() + " and " + c.setting().service());
            }
            if (!names.add(c.cluster())) {
                throw new IllegalArgumentException("cluster " + c.cluster() + " is given twice");
            }
        }
    }
}
