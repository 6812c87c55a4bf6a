package io.clustermesh.testing;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@MeshLabTest(clusters = 2, nodes = 1, seed = 3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshLabExtensionTest {
    /** Not a MeshLab field: a static MeshLab field would get a class-wide lab. */
    static final AtomicReference<MeshLab> FIRST = new AtomicReference<>();

    MeshLab lab;

    @Test
    @Order(1)
    void injectsOneStartedLabIntoFieldsAndParameters(MeshLab param) {
        assertThat(lab).isNotNull().isSameAs(param);
        assertThat(lab.isClosed()).isFalse();
        assertThat(lab.clusters()).extracting(LabCluster::name).containsExactly("cluster1", "cluster2");
        assertThat(lab.seed()).isEqualTo(3);
        assertThat(lab.arm()).isEmpty();
        FIRST.set(lab);
    }

    @Test
    @Order(2)
    @MeshLabTest(clusters = 3, nodes = 1, arm = true, apiLatencyMillis = 2, lbDelayMillis = 50, rolloutDelayMillis = 70)
    void aMethodAnnotationOverridesTheClassAndEachTestGetsAFreshLab() {
        MeshLab first = FIRST.get();
        assertThat(first).isNotNull();
        assertThat(first.isClosed()).isTrue();
        assertThat(first.clusters()).allMatch(LabCluster::isClosed);
        assertThat(lab).isNotSameAs(first);
        assertThat(lab.clusters()).hasSize(3);
        assertThat(lab.arm()).isPresent();
        assertThat(lab.lbDelay().toMillis()).isEqualTo(50);
        assertThat(lab.rolloutDelay().toMillis()).isEqualTo(70);
        assertThat(lab.cluster("cluster3").latency().toMillis()).isEqualTo(2);
    }

    @Nested
    class InANestedClass {
        @Test
        void theOuterFieldIsInjectedToo(MeshLab param) {
            assertThat(lab).isSameAs(param);
            assertThat(param.clusters()).hasSize(2);
        }
    }
}
