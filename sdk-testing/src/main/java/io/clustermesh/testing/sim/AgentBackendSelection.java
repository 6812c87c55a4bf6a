package io.clustermesh.testing.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How a simulated Cilium agent picks the backends of a Service for a request: the lab's own truth, written from
 * Cilium's sources and independently of the SDK's {@code GlobalServiceResolver} (which predicts the same thing for
 * {@code mesh.services().routes()}), so that each can catch a mistake in the other.
 *
 * <p>What an agent of cluster X does, step by step:
 * <ol>
 *   <li>The annotations of X's Service, read like {@code pkg/annotation} does: {@code service.cilium.io/global} (legacy
 *       {@code io.cilium/global-service}) is "include external" when its lower-cased value is {@code true};
 *       {@code service.cilium.io/affinity} (legacy {@code io.cilium/service-affinity}) is {@code local},
 *       {@code remote} or {@code none}, anything else counting as none.</li>
 *   <li>Remote backends exist for X only as the peers published them in their clustermesh-apiserver
 *       ({@code cilium/state/services/v1/<peer>/<ns>/<name>}); a peer publishes a Service only when it is global and
 *       shared there ({@link #exportedBy(Map)}), and X's agents skip entries whose {@code shared} flag is false.
 *       They are merged into X's Service only when X's Service exists and includes external backends
 *       ({@code pkg/clustermesh/loadbalancer/service_merger.go}).</li>
 *   <li>Selection ({@code pkg/clustermesh/loadbalancer/selectbackends.go}): affinity none takes all; affinity local
 *       takes the local backends, and the remote ones only when no local backend is active while some remote one is
 *       healthy; affinity remote takes the remote backends, and the local ones only when no remote backend is healthy
 *       while some local one is. Healthy = active or terminating (not quarantined).</li>
 *   <li>New connections go to the active backends of the selection, or to its terminating ones when none is
 *       active.</li>
 * </ol>
 */
public final class AgentBackendSelection {

    /** A backend as an agent knows it. */
    public enum State {
        ACTIVE, TERMINATING, QUARANTINED;

        boolean healthy() {
            return this != QUARANTINED;
        }
    }

    /** One backend: its cluster, address and state. */
    public record Backend(String cluster, String ip, State state) {
        public Backend {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(ip, "ip");
            Objects.requireNonNull(state, "state");
        }
    }

    /** What a peer published for the Service (only published entries exist). */
    public record Published(String cluster, boolean shared, List<Backend> backends) {
        public Published {
            backends = List.copyOf(backends);
        }
    }

    /**
     * The outcome for one request source.
     *
     * @param selected the backends the agent load-balances over
     * @param serving  those that take new connections
     * @param why      what the agent did, for people
     */
    public record Outcome(List<Backend> selected, List<Backend> serving, String why) {
    }

    private AgentBackendSelection() {
    }

    /** Whether a cluster's clustermesh-apiserver publishes a Service with these annotations (global and shared). */
    public static boolean exportedBy(Map<String, String> annotations) {
        boolean global = includesExternal(annotations);
        String shared = first(annotations, "service.cilium.io/shared", "io.cilium/shared-service");
        // pkg/annotation: shared defaults to the global setting; an explicit value counts only as "true"
        return global && (shared == null || shared.toLowerCase(Locale.ROOT).equals("true"));
    }

    /**
     * The backends an agent of {@code cluster} uses for the Service.
     *
     * @param cluster          the requesting cluster
     * @param localAnnotations the annotations of its Service, or {@code null} when it has no such Service
     * @param localBackends    its own backends
     * @param published        what the peers published for the Service
     */
    public static Outcome select(String cluster, Map<String, String> localAnnotations, List<Backend> localBackends, List<Published> published) {
        if (localAnnotations == null) {
            return new Outcome(List.of(), List.of(), "no such Service in " + cluster);
        }
        if (!includesExternal(localAnnotations)) {
            return outcome(localBackends, "not global in " + cluster + ": its own backends");
        }
        List<Backend> remote = new ArrayList<>();
        for (Published p : published) {
            if (!p.cluster().equals(cluster) && p.shared()) {
                remote.addAll(p.backends());
            }
        }
        String affinity = affinity(localAnnotations);
        boolean localActive = localBackends.stream().anyMatch(b -> b.state() == State.ACTIVE);
        boolean localHealthy = localBackends.stream().anyMatch(b -> b.state().healthy());
        boolean remoteHealthy = remote.stream().anyMatch(b -> b.state().healthy());
        List<Backend> chosen = new ArrayList<>();
        String why;
        switch (affinity) {
            case "local" -> {
                chosen.addAll(localBackends);
                boolean spill = !localActive && remoteHealthy;
                if (spill) {
                    chosen.addAll(remote);
                }
                why = spill ? "affinity local, no local backend active: local and remote" : "affinity local: local";
            }
            case "remote" -> {
                chosen.addAll(remote);
                boolean fallBack = !remoteHealthy && localHealthy;
                if (fallBack) {
                    chosen.addAll(0, localBackends);
                }
                why = fallBack ? "affinity remote, no remote backend healthy: local and remote" : "affinity remote: remote";
            }
            default -> {
                chosen.addAll(localBackends);
                chosen.addAll(remote);
                why = "global: local and remote";
            }
        }
        return outcome(chosen, why + " (" + cluster + ")");
    }

    private static Outcome outcome(List<Backend> selected, String why) {
        List<Backend> active = selected.stream().filter(b -> b.state() == State.ACTIVE).toList();
        List<Backend> serving = !active.isEmpty() ? active : selected.stream().filter(b -> b.state() == State.TERMINATING).toList();
        return new Outcome(List.copyOf(selected), serving, why);
    }

    private static boolean includesExternal(Map<String, String> annotations) {
        String v = first(annotations, "service.cilium.io/global", "io.cilium/global-service");
        return v != null && v.toLowerCase(Locale.ROOT).equals("true");
    }

    private static String affinity(Map<String, String> annotations) {
        String v = first(annotations, "service.cilium.io/affinity", "io.cilium/service-affinity");
        if (v == null) {
            return "none";
        }
        String a = v.toLowerCase(Locale.ROOT);
        return a.equals("local") || a.equals("remote") ? a : "none";
    }

    private static String first(Map<String, String> m, String key, String legacy) {
        String v = m.get(key);
        return v != null ? v : m.get(legacy);
    }
}
