package io.clustermesh.testing.readme;

import io.clustermesh.Mesh;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.MeshLabTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's "Testing your own code with the lab" example, verbatim, so that it always compiles and passes. */
@MeshLabTest(clusters = 3)
class MyPlatformTest {
    @Test
    void meshesThreeClusters(MeshLab lab) {
        try (Mesh mesh = lab.meshBuilder().build()) {
            assertThat(mesh.connect().succeeded()).isTrue();
            assertThat(mesh.status().healthy()).isTrue();
        }
    }
}
