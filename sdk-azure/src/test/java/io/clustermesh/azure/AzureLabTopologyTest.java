package io.clustermesh.azure;

import io.clustermesh.Finding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The topology record: the article's lab is valid; every inconsistency is reported at once, without I/O. */
class AzureLabTopologyTest {
    private final AzureLabTopology lab = AzureLabTopology.article("sub", "eastus");

    @Test
    void theArticleLabIsValid() {
        assertThat(lab.validate()).isEmpty();
        assertThat(lab.spokes()).extracting(s -> s.addressPrefix()).containsExactly("10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16");
        assertThat(lab.spokes()).extracting(s -> s.subnetPrefix()).containsExactly("10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24");
        assertThat(lab.spokes()).extracting(s -> s.cluster().podCidr()).containsExactly("10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16");
        assertThat(lab.spokes()).extracting(s -> s.cluster().serviceCidr()).doesNotHaveDuplicates();
        assertThat(lab.hub().addressPrefix()).isEqualTo("10.100.0.0/23");
        assertThat(lab.azureSpec().hub().toString()).isEqualTo("rg-hub/hub1");
    }

    private AzureLabTopology withSpoke(int i, AzureLabTopology.Spoke spoke) {
        List<AzureLabTopology.Spoke> spokes = new java.util.ArrayList<>(lab.spokes());
        spokes.set(i, spoke);
        return new AzureLabTopology(lab.subscription(), lab.location(), lab.hub(), spokes);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        AzureLabTopology.Spoke s = lab.spokes().get(1);
        AzureLabTopology.Cluster c = s.cluster();
        AzureLabTopology bad = withSpoke(1, new AzureLabTopology.Spoke(s.resourceGroup(), s.virtualNetwork(), "10.1.0.0/16",
                s.subnet(), "10.9.0.0/24", new AzureLabTopology.Cluster("cluster1", 1, c.name(), "172.31.0.0/16", c.serviceCidr(),
                "10.99.0.10", c.vmSize(), 1, null, "10.9.0.1")));
        List<Finding> f = bad.validate();
        assertThat(f).extracting(Finding::code).contains(AzureFindingCodes.TOPOLOGY_INVALID, AzureFindingCodes.CIDR_OVERLAP,
                AzureFindingCodes.CIDR_RESERVED, AzureFindingCodes.MESH_IP_RESERVED);
        assertThat(f).extracting(Finding::message).anyMatch(m -> m.contains("mesh name cluster1 is used twice"))
                .anyMatch(m -> m.contains("is outside 1..511 or used twice"))
                .anyMatch(m -> m.contains("subnet 10.9.0.0/24 is not inside its VNet 10.1.0.0/16"))
                .anyMatch(m -> m.contains("dnsServiceIp 10.99.0.10 is outside"));
        assertThat(f).allSatisfy(x -> assertThat(x.isError()).isTrue());
    }

    @Test
    void malformedPrefixesAreFindingsNotExceptions() {
        AzureLabTopology.Spoke s = lab.spokes().get(0);
        AzureLabTopology bad = withSpoke(0, new AzureLabTopology.Spoke(s.resourceGroup(), s.virtualNetwork(), "10.1.0.1/16",
                s.subnet(), "not-a-cidr", s.cluster()));
        assertThat(bad.validate()).extracting(Finding::message).anyMatch(m -> m.contains("host bits"))
                .anyMatch(m -> m.contains("not-a-cidr"));
    }

    @Test
    void requiredFieldsAreCheckedInTheConstructors() {
        assertThatThrownBy(() -> new AzureLabTopology.Hub("rg", "wan", " ", "10.0.0.0/23")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hub.name");
        assertThat(lab.spokes().get(0).cluster().meshIp("10.1.0.9").meshIp()).isEqualTo("10.1.0.9");
        assertThatThrownBy(() -> new AzureLabTopology.Cluster("c", 1, "aks", "10.10.0.0/16", "10.0.0.0/16", "10.0.0.10", "vm", 0, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeCount");
    }
}
