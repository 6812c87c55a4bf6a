package io.clustermesh.testing.sim;

import io.clustermesh.Affinity;
import io.clustermesh.ServiceBackend;
import io.clustermesh.ServiceRoute;
import io.clustermesh.ServiceSetting;
import io.clustermesh.cilium.services.GlobalServiceResolver;
import io.clustermesh.cilium.services.GlobalServiceResolver.ClusterState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK's prediction ({@code GlobalServiceResolver}, behind {@code mesh.services().routes()}) and the lab's truth
 * ({@link AgentBackendSelection}, behind the lab's traffic probe) are written apart; on every combination of the
 * resolver's table they must agree on which backends are selected and which serve new connections. A mistake in
 * either makes this test fail (and the demo's traffic check disagree with {@code routes()}).
 */
class TrafficCrossCheckTest {
    private static final List<ServiceBackend.State> STATES = List.of(ServiceBackend.State.ACTIVE, ServiceBackend.State.TERMINATING,
            ServiceBackend.State.UNHEALTHY);

    /** global(local) x exists(remote) x global(remote) x shared(remote: unset/true/false) x affinity (incl. an odd value) x local state x remote state. */
    static Stream<Arguments> everyCombination() {
        List<Arguments> all = new ArrayList<>();
        for (boolean globalLocal : new boolean[]{true, false}) {
            for (boolean remoteExists : new boolean[]{true, false}) {
                for (boolean globalRemote : new boolean[]{true, false}) {
                    for (String sharedRemote : new String[]{null, "true", "false"}) {
                        for (String affinity : new String[]{null, "local", "remote", "none", "Remote", "sideways"}) {
                            for (ServiceBackend.State l : STATES) {
                                for (ServiceBackend.State r : STATES) {
                                    all.add(Arguments.of(globalLocal, remoteExists, globalRemote, sharedRemote, affinity, l, r));
                                }
                            }
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "global local={0}, remote exists={1} global={2} shared={3}, affinity {4}, local {5}, remote {6}")
    @MethodSource("everyCombination")
    void theLabAndTheSdkAgreeOnWhoAnswers(boolean globalLocal, boolean remoteExists, boolean globalRemote, String sharedRemote,
                                          String affinity, ServiceBackend.State localState, ServiceBackend.State remoteState) {
        Map<String, String> localAnnotations = new LinkedHashMap<>();
        if (globalLocal) localAnnotations.put(ServiceSetting.GLOBAL, "true");
        if (affinity != null) localAnnotations.put(ServiceSetting.AFFINITY, affinity);
        Map<String, String> remoteAnnotations = new LinkedHashMap<>();
        if (globalRemote) remoteAnnotations.put(ServiceSetting.GLOBAL, "true");
        if (sharedRemote != null) remoteAnnotations.put(ServiceSetting.SHARED, sharedRemote);

        // the SDK's view: every cluster's Service setting and own backends
        List<ClusterState> states = List.of(
                new ClusterState(ServiceSetting.of("ns", "svc", "local", "ClusterIP", localAnnotations),
                        List.of(new ServiceBackend("local", "10.1.0.5", null, localState))),
                remoteExists ? new ClusterState(ServiceSetting.of("ns", "svc", "remote", "ClusterIP", remoteAnnotations),
                        List.of(new ServiceBackend("remote", "10.2.0.5", null, remoteState)))
                        : new ClusterState(ServiceSetting.missing("ns", "svc", "remote"), List.of()));
        ServiceRoute predicted = GlobalServiceResolver.resolve("local", states);

        // the lab's view: the local Service, and what the remote cluster published (if it exports at all)
        List<AgentBackendSelection.Published> published = remoteExists && AgentBackendSelection.exportedBy(remoteAnnotations)
                ? List.of(new AgentBackendSelection.Published("remote", true,
                List.of(new AgentBackendSelection.Backend("remote", "10.2.0.5", labState(remoteState)))))
                : List.of();
        AgentBackendSelection.Outcome actual = AgentBackendSelection.select("local", localAnnotations,
                List.of(new AgentBackendSelection.Backend("local", "10.1.0.5", labState(localState))), published);

        assertThat(actual.selected()).extracting(b -> b.cluster() + "/" + b.ip()).as("selected")
                .containsExactlyInAnyOrderElementsOf(predicted.backends().stream().map(b -> b.cluster() + "/" + b.address()).toList());
        assertThat(actual.serving()).extracting(b -> b.cluster() + "/" + b.ip()).as("serving")
                .containsExactlyInAnyOrderElementsOf(predicted.serving().stream().map(b -> b.cluster() + "/" + b.address()).toList());
    }

    private static AgentBackendSelection.State labState(ServiceBackend.State s) {
        return switch (s) {
            case ACTIVE -> AgentBackendSelection.State.ACTIVE;
            case TERMINATING -> AgentBackendSelection.State.TERMINATING;
            case UNHEALTHY -> AgentBackendSelection.State.QUARANTINED;
        };
    }

    static {
        // the table covers every affinity the SDK knows, plus values Cilium treats as none
        assertThat(Affinity.values()).hasSize(3);
    }
}
