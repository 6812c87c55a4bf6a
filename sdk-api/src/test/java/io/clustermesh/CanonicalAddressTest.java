package io.clustermesh;

import io.clustermesh.model.IpCidr;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.clustermesh.Fixtures.articleSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What was validated is what is written: an address or range is accepted only in its canonical text (ASCII decimal,
 * no leading zeros, no spaces), anything else readable is a finding whose fix is the canonical form; and mesh IPs and
 * pod CIDRs must be addresses a mesh can use. Every case goes through {@code Mesh.validate} and the builder.
 */
class CanonicalAddressTest {

    // ---- the rule, on IpCidr itself

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "１０.２０.０.０/１６        | 10.20.0.0/16",
            "١٠.٢٠.٠.٠/١٦               | 10.20.0.0/16",
            "010.020.000.000/16          | 10.20.0.0/16",
            "10.20.0.0/016               | 10.20.0.0/16",
            "'\u00a010.20.0.0/16'        | 10.20.0.0/16",
            "'10.20.0.0/16\t'            | 10.20.0.0/16",
            "１０．２０．０．０／１６    | 10.20.0.0/16"})
    void readableButNonCanonicalCidrsAreRefusedNamingTheCanonicalForm(String text, String canonical) {
        assertThat(IpCidr.canonicalForm(text)).contains(canonical);
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse(text))
                .withMessageContaining("is not written canonically").withMessageEndingWith("write " + canonical);
        // Java itself would have taken the Arabic-Indic and full-width digits without a word
        assertThat(Integer.parseInt("١٠")).isEqualTo(10);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "١٠.٢.٠.٢٥٠    | 10.2.0.250",
            "010.2.0.250   | 10.2.0.250",
            "10.2.0.025    | 10.2.0.25",
            "' 10.2.0.250' | 10.2.0.250"})
    void readableButNonCanonicalAddressesAreRefused(String text, String canonical) {
        assertThat(IpCidr.canonicalForm(text)).contains(canonical);
        assertThat(IpCidr.isAddress(text)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.host(text)).withMessageEndingWith("write " + canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.20.0.0/16", "0.0.0.0/0", "10.2.0.250", "fd00:10:20::/48", "not an address", "10.20.0.0/33", "10.2.0.2\u200b50"})
    void canonicalOrUnreadableTextHasNoCanonicalForm(String text) {
        assertThat(IpCidr.canonicalForm(text)).isEmpty();
    }

    // ---- findings: cluster, path, and the canonical form as the fix

    @Test
    void nonCanonicalRangesAndAddressesAreFindingsNamingClusterPathAndFix() {
        MeshSpec spec = article(1, c -> c.withPodCidr("１０.２０.０.０/１６").withServiceCidr("010.000.000.000/16").withMeshIp("١٠.٢.٠.٢٥٠"));
        List<Finding> findings = Mesh.validate(spec);
        assertThat(findings).extracting(Finding::code, Finding::cluster, Finding::path, Finding::remediation).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("CIDR_NOT_CANONICAL", "cluster2", "spec.clusters[1].podCidr",
                        "write spec.clusters[1].podCidr: 10.20.0.0/16"),
                org.assertj.core.groups.Tuple.tuple("CIDR_NOT_CANONICAL", "cluster2", "spec.clusters[1].serviceCidr",
                        "write spec.clusters[1].serviceCidr: 10.0.0.0/16"),
                org.assertj.core.groups.Tuple.tuple("MESH_IP_NOT_CANONICAL", "cluster2", "spec.clusters[1].meshIp",
                        "write spec.clusters[1].meshIp: 10.2.0.250"));
        assertThat(findings).allSatisfy(f -> assertThat(f.message()).startsWith("cluster2: "));
        assertThatThrownBy(() -> Mesh.builder().spec(spec).build()).isInstanceOfSatisfying(MeshConfigurationException.class,
                e -> assertThat(e.findings()).containsExactlyElementsOf(findings));
    }

    @Test
    void theSameAddressWrittenTwoWaysIsNotAcceptedAsTwoAddresses() {
        List<Finding> f = Mesh.validate(article(0, c -> c.withMeshIp("10.1.0.250"), 1, c -> c.withMeshIp("010.001.000.250")));
        assertThat(f).extracting(Finding::code).containsExactly("MESH_IP_NOT_CANONICAL");
        assertThat(f.get(0).message()).contains("octal");
    }

    // ---- mesh IP sanity

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "8.8.8.8           | a public address",
            "20.50.2.1         | a public address",
            "127.0.0.1         | 127.0.0.0/8 (loopback)",
            "0.0.0.0           | 0.0.0.0/8",
            "224.0.0.5         | 224.0.0.0/4 (multicast)",
            "255.255.255.255   | 255.255.255.255/32 (broadcast)",
            "168.63.129.16     | 168.63.129.16/32 (Azure platform",
            "100.64.0.10       | 100.64.0.0/10 (shared address space"})
    void meshIpsMustBePrivateUnicast(String ip, String why) {
        List<Finding> f = Mesh.validate(article(1, c -> c.withMeshIp(ip)));
        assertThat(f).extracting(Finding::code).containsExactly("MESH_IP_NOT_PRIVATE");
        assertThat(f.get(0).path()).isEqualTo("spec.clusters[1].meshIp");
        assertThat(f.get(0).message()).startsWith("cluster2: meshIp " + ip + " is ").contains(why);
        assertThat(f.get(0).remediation()).contains("RFC 1918");
    }

    @Test
    void azureMetadataAndLinkLocalAddressesAreReservedOnce() {
        List<Finding> f = Mesh.validate(article(1, c -> c.withMeshIp("169.254.169.254")));
        assertThat(f).extracting(Finding::code).containsExactly("MESH_IP_RESERVED");
        assertThat(f.get(0).message()).contains("instance metadata");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.2.0.250", "172.16.0.4", "192.168.10.250"})
    void rfc1918MeshIpsAreAccepted(String ip) {
        assertThat(Mesh.validate(article(1, c -> c.withMeshIp(ip)))).isEmpty();
    }

    // ---- pod CIDR sanity

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "10.20.0.1/32     | POD_CIDR_TOO_SMALL   | smaller than one node's block",
            "10.20.0.0/25     | POD_CIDR_TOO_SMALL   | /24",
            "224.0.0.0/16     | CIDR_SPECIAL_PURPOSE | 224.0.0.0/4 (multicast)",
            "127.0.0.0/16     | CIDR_SPECIAL_PURPOSE | 127.0.0.0/8 (loopback)",
            "168.63.0.0/16    | CIDR_SPECIAL_PURPOSE | 168.63.129.16/32 (Azure platform",
            "169.254.0.0/16   | CIDR_RESERVED        | 169.254.0.0/16"})
    void podCidrsMustBeUsableRanges(String cidr, String code, String messageHas) {
        List<Finding> f = Mesh.validate(article(1, c -> c.withPodCidr(cidr)));
        assertThat(f).extracting(Finding::code).containsExactly(code);
        assertThat(f.get(0).path()).isEqualTo("spec.clusters[1].podCidr");
        assertThat(f.get(0).message()).startsWith("cluster2: ").contains(messageHas);
    }

    @Test
    void aHostRouteAsPodCidrIsBothTooSmallAndReportedWithEveryOtherFinding() {
        List<Finding> f = Mesh.validate(article(1, c -> c.withPodCidr("224.0.0.1/32").withMeshIp("8.8.8.8")));
        assertThat(f).extracting(Finding::code).containsExactlyInAnyOrder("CIDR_SPECIAL_PURPOSE", "POD_CIDR_TOO_SMALL", "MESH_IP_NOT_PRIVATE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.20.0.0/24", "10.20.0.0/16", "100.64.0.0/16", "192.168.0.0/16"})
    void usablePodCidrsAreAccepted(String cidr) {
        assertThat(Mesh.validate(article(1, c -> c.withPodCidr(cidr)))).isEmpty();
    }

    // ---- helpers

    private static MeshSpec article(int index, UnaryOperator<MeshCluster> change) {
        List<MeshCluster> cs = new ArrayList<>(articleSpec().clusters());
        cs.set(index, change.apply(cs.get(index)));
        return articleSpec().withClusters(cs);
    }

    private static MeshSpec article(int i, UnaryOperator<MeshCluster> a, int j, UnaryOperator<MeshCluster> b) {
        MeshSpec s = article(i, a);
        List<MeshCluster> cs = new ArrayList<>(s.clusters());
        cs.set(j, b.apply(cs.get(j)));
        return s.withClusters(cs);
    }
}
