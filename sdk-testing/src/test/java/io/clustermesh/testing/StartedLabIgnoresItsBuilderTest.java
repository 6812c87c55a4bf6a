package io.clustermesh.testing;

import io.clustermesh.model.CiliumOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A started lab keeps what its builder said at {@code start()}: changing or reusing the builder does not reach it. */
class StartedLabIgnoresItsBuilderTest {

    @Test
    void changingTheBuilderAfterStartChangesNothingInTheRunningLab() {
        CiliumOptions kvstoremesh = CiliumOptions.defaults().withKvstoremesh(true);
        MeshLab.Builder builder = MeshLab.builder().name("first").clusters(1).nodesPerCluster(1).seed(7).simulatedCilium(false)
                .lbDelay(Duration.ofMillis(100)).rolloutDelay(Duration.ofMillis(200));
        try (MeshLab lab = builder.start()) {
            builder.name("second").seed(99).lbDelay(Duration.ofSeconds(5)).rolloutDelay(Duration.ofSeconds(6)).cilium(kvstoremesh)
                    .helm(MeshLab.Helm.TEMPLATE);

            assertThat(lab.seed()).isEqualTo(7);
            assertThat(lab.lbDelay()).isEqualTo(Duration.ofMillis(100));
            assertThat(lab.rolloutDelay()).isEqualTo(Duration.ofMillis(200));
            assertThat(lab.spec().name()).isEqualTo("first");
            assertThat(lab.spec().cilium()).isEqualTo(CiliumOptions.defaults());
        }
    }
}
