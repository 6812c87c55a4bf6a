package io.clustermesh.samples;

import io.clustermesh.Mesh;
import io.clustermesh.cilium.ChartSource;
import io.clustermesh.cilium.CiliumMeshDriver;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The samples run, and the README's Java example is the QuickStart sample. */
class SamplesTest {

    @Test
    void quickStartConvergesOnTheLab() {
        assertThatCode(() -> QuickStart.main(new String[0])).doesNotThrowAnyException();
    }

    @Test
    void aCustomHelmTransportFromOutsideTheSdkReceivesTheCompleteValues() {
        GitOpsExport.CollectingHelmTransport gitops = new GitOpsExport.CollectingHelmTransport();
        try (MeshLab lab = MeshLab.start(2);
             Mesh mesh = lab.meshBuilder().helmTransport(gitops)
                     .driver(new CiliumMeshDriver(ChartSource.ciliumRepository(), false)).build()) {
            assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
            assertThat(gitops.values()).containsOnlyKeys("cluster1", "cluster2");
            assertThat(gitops.values().get("cluster1")).containsKeys("cluster", "clustermesh", "tls", "ipam");
            var again = mesh.plan();
            assertThat(again.writeSteps()).as(again.toText()).isZero();
        }
    }

    @Test
    void theReadmeJavaExampleIsTheQuickStartSample() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        String sample = Files.readString(Path.of("src/main/java/io/clustermesh/samples/QuickStart.java"));
        String example = sample.substring(sample.indexOf("// --- the README example starts here") + "// --- the README example starts here".length(),
                sample.indexOf("            // --- the README example ends here"));
        for (String line : example.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            assertThat(readme).as("README.md shows the QuickStart line").contains(line);
        }
    }
}
