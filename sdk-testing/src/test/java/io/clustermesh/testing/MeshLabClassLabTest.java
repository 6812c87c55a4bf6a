package io.clustermesh.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A static field shares one lab across the class; it is closed after the class. */
@MeshLabTest(clusters = 2, nodes = 1, tls = false, kubeProxy = false)
class MeshLabClassLabTest {
    static MeshLab shared;
    static final List<MeshLab> seen = new ArrayList<>();

    @AfterAll
    static void stillOpenInAfterAll() {
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).isSameAs(seen.get(1));
        assertThat(shared.isClosed()).isFalse();
    }

    @Test
    void first() {
        record(shared);
    }

    @Test
    void second() {
        record(shared);
    }

    private static void record(MeshLab lab) {
        assertThat(lab).isNotNull();
        assertThat(lab.cluster("cluster1").apiServerUrl().getScheme()).isEqualTo("http");
        assertThat(lab.cluster("cluster2").client().apps().daemonSets().inNamespace("kube-system").withName("kube-proxy").get()).isNull();
        seen.add(lab);
    }
}
