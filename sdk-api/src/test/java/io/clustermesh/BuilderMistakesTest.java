package io.clustermesh;

import io.clustermesh.model.MeshCluster;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Mistakes made with the builder are told in the terms of the call the user wrote. */
class BuilderMistakesTest {

    @Test
    void a_null_names_the_builder_call_and_what_to_pass() {
        assertThatThrownBy(() -> Mesh.builder().cluster(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("Mesh.builder().cluster(MeshCluster) was given null: pass a MeshCluster, e.g. "
                        + "MeshCluster.named(\"cluster1\").withId(1).withPodCidr(\"10.1.0.0/16\")");
        assertThatThrownBy(() -> Mesh.builder().ca(null)).hasMessageContaining("ca(CaStrategy)")
                .hasMessageContaining("CaStrategy.generate()");
        assertThatThrownBy(() -> Mesh.builder().timeouts(null)).hasMessageContaining("timeouts(MeshTimeouts)")
                .hasMessageContaining("MeshTimeouts.defaults()");
    }

    @Test
    void disconnecting_a_cluster_the_mesh_does_not_have_is_a_finding_naming_the_call_and_the_clusters() {
        try (Mesh mesh = Fixtures.mesh().build()) {
            MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class, () -> mesh.planDisconnect("zzz"));

            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.code()).isEqualTo("CLUSTER_UNKNOWN");
                assertThat(f.path()).isEqualTo("planDisconnect(cluster)");
                assertThat(f.message()).contains("'zzz' is not a cluster of mesh");
                assertThat(f.remediation()).contains(Fixtures.articleClusters().stream().map(MeshCluster::name).toList().get(0));
            });
        }
    }

    /** The mesh name ends up in the CA's subject (RFC 5280: a CN of at most 64 characters) and a Lease name. */
    @org.junit.jupiter.api.Test
    void aMeshNameThatCannotNameTheCaOrTheLeaseIsAFindingBeforeAnyCertificateIsMade() {
        MeshConfigurationException tooLong = catchThrowableOfType(MeshConfigurationException.class,
                () -> Fixtures.mesh().name("a".repeat(70)).build());
        MeshConfigurationException upper = catchThrowableOfType(MeshConfigurationException.class,
                () -> Fixtures.mesh().name("My Mesh").build());

        assertThat(tooLong.findings()).filteredOn(f -> f.code().equals("MESH_NAME_INVALID")).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("metadata.name");
            assertThat(f.message()).contains("70 characters").contains("RFC 5280").doesNotContain("IllegalArgumentException");
            assertThat(f.remediation()).contains("54 characters");
        });
        assertThat(upper.findings()).filteredOn(f -> f.code().equals("MESH_NAME_INVALID")).singleElement()
                .satisfies(f -> assertThat(f.remediation()).contains("my-mesh"));
        try (Mesh ok = Fixtures.mesh().name("a".repeat(54)).build()) {
            assertThat(ok).isNotNull();
        }
    }

    /** A {@code MeshDriver} is chosen (the Cilium driver), not written: one that is not the SDK's is refused at the call. */
    @Test
    void aMeshDriverThatIsNotTheSdksIsRefusedNamingTheDriverToUse() {
        io.clustermesh.spi.MeshDriver homeMade = new io.clustermesh.spi.MeshDriver() {
            @Override
            public String name() {
                return "home-made";
            }
        };

        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class, () -> Mesh.builder().driver(homeMade));

        assertThat(e.getMessage()).contains("home-made").contains("is not one of the SDK's drivers");
        assertThat(e.remediation()).contains("io.clustermesh.cilium.CiliumMeshDriver").contains("clustermesh-cilium");
    }
}
