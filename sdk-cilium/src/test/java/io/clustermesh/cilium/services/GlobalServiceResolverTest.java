package io.clustermesh.cilium.services;

import io.clustermesh.Affinity;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;
import io.clustermesh.cilium.services.GlobalServiceResolver.ClusterState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.clustermesh.ServiceSetting.AFFINITY;
import static io.clustermesh.ServiceSetting.GLOBAL;
import static io.clustermesh.ServiceSetting.SHARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cilium's global-service selection (Cilium docs, "Load-balancing & Service Discovery", network/clustermesh/services), over every combination and the article's scenarios. */
class GlobalServiceResolverTest {
    static final String NS = "meshtest";
    static final String SVC = "aks-helloworld-one";

    static ServiceSetting setting(String cluster, Map<String, String> annotations) {
        return ServiceSetting.of(NS, SVC, cluster, "ClusterIP", annotations);
    }

    static ServiceBackend backend(String cluster, String ip, ServiceBackend.State state) {
        return new ServiceBackend(cluster, ip, null, state);
    }

    static ClusterState state(String cluster, Map<String, String> annotations, ServiceBackend... backends) {
        return new ClusterState(setting(cluster, annotations), List.of(backends));
    }

    /** Every combination of global(local) x global(remote) x shared(remote) x affinity x local healthy x remote healthy. */
    static Stream<Arguments> everyCombination() {
        List<Arguments> all = new ArrayList<>();
        for (boolean globalLocal : new boolean[]{true, false}) {
            for (boolean globalRemote : new boolean[]{true, false}) {
                for (boolean sharedRemote : new boolean[]{true, false}) {
                    for (Affinity affinity : Affinity.values()) {
                        for (boolean localHealthy : new boolean[]{true, false}) {
                            for (boolean remoteHealthy : new boolean[]{true, false}) {
                                all.add(Arguments.of(globalLocal, globalRemote, sharedRemote, affinity, localHealthy, remoteHealthy));
                            }
                        }
                    }
                }
            }
        }
        assertThat(all).hasSize(96);
        return all.stream();
    }

    @ParameterizedTest(name = "global local={0} remote={1}, shared remote={2}, affinity {3}, healthy local={4} remote={5}")
    @MethodSource("everyCombination")
    void selectionFollowsCiliumsRules(boolean globalLocal, boolean globalRemote, boolean sharedRemote, Affinity affinity,
                                      boolean localHealthy, boolean remoteHealthy) {
        // Annotations as users write them: shared/affinity are written even where Cilium ignores them.
        Map<String, String> localAnnotations = new LinkedHashMap<>();
        if (globalLocal) localAnnotations.put(GLOBAL, "true");
        if (affinity != Affinity.NONE) localAnnotations.put(AFFINITY, affinity.value());
        Map<String, String> remoteAnnotations = new LinkedHashMap<>();
        if (globalRemote) remoteAnnotations.put(GLOBAL, "true");
        remoteAnnotations.put(SHARED, String.valueOf(sharedRemote));
        ServiceBackend.State l = localHealthy ? ServiceBackend.State.ACTIVE : ServiceBackend.State.UNHEALTHY;
        ServiceBackend.State r = remoteHealthy ? ServiceBackend.State.ACTIVE : ServiceBackend.State.UNHEALTHY;
        List<ClusterState> mesh = List.of(state("local", localAnnotations, backend("local", "10.10.0.5", l)),
                state("remote", remoteAnnotations, backend("remote", "10.20.0.5", r)));

        ServiceRoute route = GlobalServiceResolver.resolve("local", mesh);

        // Cilium's global-service rule, stated directly: remote backends reach "local" only if global on both sides and shared remotely.
        boolean remoteMerged = globalLocal && globalRemote && sharedRemote;
        Affinity effective = globalLocal ? affinity : Affinity.NONE;
        boolean expectLocal = switch (effective) {
            case NONE, LOCAL -> true;                                          // local always
            case REMOTE -> !(remoteMerged && remoteHealthy) && localHealthy;   // only when no remote is healthy and a local one is
        };
        boolean expectRemote = remoteMerged && switch (effective) {
            case NONE, REMOTE -> true;                                         // remote always
            case LOCAL -> !localHealthy && remoteHealthy;                      // only when no local is active and a remote is healthy
        };
        Set<String> selected = new LinkedHashSet<>();
        if (expectLocal) selected.add("local");
        if (expectRemote) selected.add("remote");
        assertThat(route.backends()).extracting(ServiceBackend::cluster).containsExactlyElementsOf(selected);
        assertThat(route.usesLocal()).isEqualTo(expectLocal);
        // the decision to take remote backends, whether or not any are exported to "local"
        boolean remoteDecision = globalLocal && switch (effective) {
            case NONE, REMOTE -> true;
            case LOCAL -> !localHealthy && remoteMerged && remoteHealthy;
        };
        assertThat(route.usesRemote()).isEqualTo(remoteDecision);

        Set<String> serving = new LinkedHashSet<>();
        if (expectLocal && localHealthy) serving.add("local");
        if (expectRemote && remoteHealthy) serving.add("remote");
        assertThat(route.servingClusters()).containsExactlyElementsOf(serving);
    }

    /** The article, act one: three clusters, the Service global everywhere: each cluster answers from all three. */
    @Test
    void articleScenarioOneEveryClusterUsesEveryCluster() {
        List<ClusterState> mesh = List.of(
                state("cluster1", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster1", "10.10.0.5"), ServiceBackend.active("cluster1", "10.10.0.6")),
                state("cluster2", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster2", "10.20.0.5")),
                state("cluster3", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster3", "10.30.0.5")));
        for (ServiceRoute r : GlobalServiceResolver.resolveAll(mesh)) {
            assertThat(r.servingClusters()).as(r.cluster()).containsExactly(r.cluster().equals("cluster1") ? "cluster1" : r.cluster(),
                    r.cluster().equals("cluster1") ? "cluster2" : "cluster1", r.cluster().equals("cluster3") ? "cluster2" : "cluster3");
            assertThat(r.serving()).hasSize(4);
        }
        assertThat(GlobalServiceResolver.resolve("cluster2", mesh).toString())
                .isEqualTo("cluster2 -> meshtest/aks-helloworld-one: cluster2 (1), cluster1 (2), cluster3 (1)");
    }

    /** Act two: cluster1 shared "false", cluster2 affinity "remote": from cluster2 only cluster3 answers. */
    @Test
    void articleScenarioTwoCluster2AnswersFromCluster3Only() {
        List<ClusterState> mesh = List.of(
                state("cluster1", Map.of(GLOBAL, "true", SHARED, "false"), ServiceBackend.active("cluster1", "10.10.0.5")),
                state("cluster2", Map.of(GLOBAL, "true", AFFINITY, "remote"), ServiceBackend.active("cluster2", "10.20.0.5")),
                state("cluster3", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster3", "10.30.0.5")));
        ServiceRoute from2 = GlobalServiceResolver.resolve("cluster2", mesh);
        assertThat(from2.servingClusters()).containsExactly("cluster3");
        assertThat(from2.backends()).extracting(ServiceBackend::address).containsExactly("10.30.0.5");
        assertThat(from2.explanation()).contains("remote backends only").contains("exported by cluster3").contains("cluster1 does not share");
        // cluster1 still uses the others (shared=false only stops exporting), cluster3 no longer sees cluster1.
        assertThat(GlobalServiceResolver.resolve("cluster1", mesh).servingClusters()).containsExactly("cluster1", "cluster2", "cluster3");
        assertThat(GlobalServiceResolver.resolve("cluster3", mesh).servingClusters()).containsExactly("cluster3", "cluster2");
    }

    @Test
    void affinityRemoteFallsBackToLocalWhenNoRemoteIsHealthy() {
        List<ClusterState> mesh = List.of(
                state("cluster1", Map.of(GLOBAL, "true", SHARED, "false"), ServiceBackend.active("cluster1", "10.10.0.5")),
                state("cluster2", Map.of(GLOBAL, "true", AFFINITY, "remote"), ServiceBackend.active("cluster2", "10.20.0.5")),
                state("cluster3", Map.of(GLOBAL, "true"), backend("cluster3", "10.30.0.5", ServiceBackend.State.UNHEALTHY)));
        ServiceRoute r = GlobalServiceResolver.resolve("cluster2", mesh);
        assertThat(r.servingClusters()).containsExactly("cluster2");
        assertThat(r.explanation()).contains("no remote backend is healthy");
    }

    @Test
    void terminatingBackendsCountAsHealthyButNotActive() {
        // affinity local: a terminating local backend is not active, so healthy remote backends are added and preferred.
        List<ClusterState> mesh = List.of(
                state("cluster1", Map.of(GLOBAL, "true", AFFINITY, "local"), backend("cluster1", "10.10.0.5", ServiceBackend.State.TERMINATING)),
                state("cluster2", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster2", "10.20.0.5")));
        ServiceRoute r = GlobalServiceResolver.resolve("cluster1", mesh);
        assertThat(r.backends()).extracting(ServiceBackend::cluster).containsExactly("cluster1", "cluster2");
        assertThat(r.servingClusters()).containsExactly("cluster2");
        // affinity remote: a terminating local backend is healthy, so it is used when no remote one is.
        mesh = List.of(
                state("cluster1", Map.of(GLOBAL, "true", AFFINITY, "remote"), backend("cluster1", "10.10.0.5", ServiceBackend.State.TERMINATING)),
                state("cluster2", Map.of(GLOBAL, "true"), backend("cluster2", "10.20.0.5", ServiceBackend.State.UNHEALTHY)));
        r = GlobalServiceResolver.resolve("cluster1", mesh);
        assertThat(r.usesLocal()).isTrue();
        assertThat(r.serving()).extracting(ServiceBackend::address).containsExactly("10.10.0.5");
    }

    @Test
    void legacyAnnotationsResolveLikeCanonicalOnes() {
        List<ClusterState> mesh = List.of(
                state("cluster1", Map.of(ServiceSetting.LEGACY_GLOBAL, "true", ServiceSetting.LEGACY_AFFINITY, "remote"), ServiceBackend.active("cluster1", "10.10.0.5")),
                state("cluster2", Map.of(ServiceSetting.LEGACY_GLOBAL, "true"), ServiceBackend.active("cluster2", "10.20.0.5")));
        assertThat(GlobalServiceResolver.resolve("cluster1", mesh).servingClusters()).containsExactly("cluster2");
    }

    @Test
    void withoutALocalServiceThereIsNothingToSendTo() {
        List<ClusterState> mesh = List.of(
                new ClusterState(ServiceSetting.missing(NS, SVC, "cluster1"), List.of()),
                state("cluster2", Map.of(GLOBAL, "true"), ServiceBackend.active("cluster2", "10.20.0.5")));
        ServiceRoute r = GlobalServiceResolver.resolve("cluster1", mesh);
        assertThat(r.serviceExists()).isFalse();
        assertThat(r.backends()).isEmpty();
        assertThat(r.toString()).contains("no backend").contains("existing local Service");
        // and cluster2 gets nothing from cluster1, but keeps its own backends
        assertThat(GlobalServiceResolver.resolve("cluster2", mesh).servingClusters()).containsExactly("cluster2");
    }

    @Test
    void inconsistentInputIsRejected() {
        ClusterState a = state("cluster1", Map.of(GLOBAL, "true"));
        assertThatThrownBy(() -> GlobalServiceResolver.resolve("cluster9", List.of(a))).hasMessageContaining("cluster9");
        assertThatThrownBy(() -> GlobalServiceResolver.resolve("cluster1", List.of(a, a))).hasMessageContaining("twice");
        ClusterState other = new ClusterState(ServiceSetting.of(NS, "other", "cluster2", "ClusterIP", Map.of()), List.of());
        assertThatThrownBy(() -> GlobalServiceResolver.resolve("cluster1", List.of(a, other))).hasMessageContaining("different Services");
        assertThatThrownBy(() -> state("cluster1", Map.of(), ServiceBackend.active("cluster2", "10.20.0.5")))
                .hasMessageContaining("listed under cluster cluster1");
    }
}
