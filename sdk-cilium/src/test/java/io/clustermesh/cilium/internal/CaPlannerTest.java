package io.clustermesh.cilium.internal;

import io.clustermesh.Finding;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.Severity;
import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CaPlannerTest {
    static final BouncyCastleCertificateAuthority BC = new BouncyCastleCertificateAuthority();
    static final PemCredential CA1 = BC.createCa("ca one", Duration.ofDays(100));
    static final PemCredential CA2 = BC.createCa("ca two", Duration.ofDays(100));

    static ClusterSnapshot snap(String name, PemCredential ca, boolean meshed) {
        HelmRelease release = null;
        if (meshed) {
            release = new HelmRelease("cilium", "kube-system", 3, "deployed", "cilium", "1.16.19",
                    Map.of("clustermesh", Map.of("useAPIServer", true, "config",
                            Map.of("clusters", List.of(Map.of("name", "other", "port", 2379, "ips", List.of("10.9.0.250")))))));
        }
        return new ClusterSnapshot(MeshCluster.named(name).withId(1), null, null, release, ca, null, 2, false);
    }

    static Map<String, ClusterSnapshot> of(ClusterSnapshot... s) {
        Map<String, ClusterSnapshot> m = new LinkedHashMap<>();
        for (ClusterSnapshot x : s) m.put(x.name(), x);
        return m;
    }

    @Test
    void noCaAnywhereGeneratesOne() {
        CaPlanner.Decision d = CaPlanner.decide(CaStrategy.generate(), of(snap("c1", null, false), snap("c2", null, false)), BC, "m");
        assertThat(d.generated()).isTrue();
        assertThat(d.ca().hasKey()).isTrue();
        assertThat(BC.inspect(d.ca().certificatePem()).ca()).isTrue();
        assertThat(d.findings()).isEmpty();
    }

    @Test
    void aCaSharedBySomeClustersIsReusedNeverRegenerated() {
        CaPlanner.Decision d = CaPlanner.decide(CaStrategy.generate(), of(snap("c1", CA1, true), snap("c2", null, false), snap("c3", CA1, true)), BC, "m");
        assertThat(d.generated()).isFalse();
        assertThat(d.ca()).isEqualTo(CA1);
        assertThat(d.source()).contains("c1").contains("c3");
        assertThat(d.replaced()).isEmpty();
    }

    @Test
    void differentCasAreAFindingBeforeAnyWrite() {
        CaPlanner.Decision d = CaPlanner.decide(CaStrategy.generate(), of(snap("c1", CA1, false), snap("c2", CA2, false)), BC, "m");
        assertThat(d.ca()).isNull();
        assertThat(d.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("CA_MISMATCH");
            assertThat(f.remediation()).contains("strategy: adopt");
        });
    }

    @Test
    void adoptingReplacesAnUnmeshedClustersCaWithAWarning() {
        CaPlanner.Decision d = CaPlanner.decide(CaStrategy.adoptFrom("c1"), of(snap("c1", CA1, false), snap("c2", CA2, false)), BC, "m");
        assertThat(d.ca()).isEqualTo(CA1);
        assertThat(d.replaced()).containsExactly("c2");
        assertThat(d.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("CA_REPLACED");
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
        });
    }

    @Test
    void replacingTheCaOfAMeshedClusterNeedsTheExplicitOptionAndSaysWhatBreaks() {
        Map<String, ClusterSnapshot> s = of(snap("c1", CA1, false), snap("c2", CA2, true));
        CaPlanner.Decision refused = CaPlanner.decide(CaStrategy.adoptFrom("c1"), s, BC, "m");
        Finding f = refused.findings().stream().filter(Finding::isError).findFirst().orElseThrow();
        assertThat(f.code()).isEqualTo("CA_REPLACE_CONNECTED");
        assertThat(f.cluster()).isEqualTo("c2");
        assertThat(f.message()).contains("breaks every existing connection");
        assertThat(f.remediation()).contains("replaceExisting: true").contains("mesh.rotateCa()").contains("meshctl rotate-ca");
        CaPlanner.Decision allowed = CaPlanner.decide(CaStrategy.adoptFrom("c1").allowReplacingExisting(), s, BC, "m");
        assertThat(allowed.findings()).noneMatch(Finding::isError);
        assertThat(allowed.ca()).isEqualTo(CA1);
    }

    @Test
    void adoptNeedsTheSourcesCaAndKey() {
        assertThat(CaPlanner.decide(CaStrategy.adoptFrom("c1"), of(snap("c1", null, false), snap("c2", CA2, false)), BC, "m").findings())
                .extracting(Finding::code).containsExactly("CA_ADOPT_SOURCE_MISSING");
        PemCredential noKey = new PemCredential(CA1.certificatePem(), null);
        assertThat(CaPlanner.decide(CaStrategy.adoptFrom("c1"), of(snap("c1", noKey, false), snap("c2", null, false)), BC, "m").findings())
                .extracting(Finding::code).containsExactly("CA_KEY_MISSING");
        ClusterSnapshot dead = new ClusterSnapshot(MeshCluster.named("c1").withId(1),
                new MeshUnreachableException("c1: connection refused",
                        Details.inCluster("c1").fix("check the network")), null, null, null, null, 0, false);
        assertThat(CaPlanner.decide(CaStrategy.adoptFrom("c1"), of(dead, snap("c2", null, false)), BC, "m").findings())
                .extracting(Finding::code).containsExactly("CA_ADOPT_SOURCE_UNREACHABLE");
    }

    @Test
    void theCaInReleaseValuesCountsWhenTheSecretIsMissing() {
        String b64cert = java.util.Base64.getEncoder().encodeToString(CA1.certificatePem().getBytes());
        String b64key = java.util.Base64.getEncoder().encodeToString(CA1.privateKeyPem().getBytes());
        HelmRelease r = new HelmRelease("cilium", "kube-system", 1, "deployed", "cilium", "1.16.19",
                Map.of("tls", Map.of("ca", Map.of("cert", b64cert, "key", b64key))));
        ClusterSnapshot s = new ClusterSnapshot(MeshCluster.named("c1").withId(1), null, null, r, null, null, 1, false);
        CaPlanner.Decision d = CaPlanner.decide(CaStrategy.generate(), of(s, snap("c2", null, false)), BC, "m");
        assertThat(d.ca()).isEqualTo(CA1);
        assertThat(d.generated()).isFalse();
    }

    /** CA requests the SDK does not carry out on a running mesh are said, never ignored silently. */
    @Test
    void caRequestsNotCarriedOutOnASharedCaAreFindings() {
        var shared = of(snap("c1", CA1, true), snap("c2", CA1, true), snap("c3", CA1, true));

        CaPlanner.Decision thirtyDays = CaPlanner.decide(CaStrategy.generate(Duration.ofDays(30)), shared, BC, "m");
        CaPlanner.Decision replace = CaPlanner.decide(CaStrategy.generate().allowReplacingExisting(), shared, BC, "m");
        CaPlanner.Decision adopt = CaPlanner.decide(CaStrategy.adoptFrom("c2"), shared, BC, "m");
        CaPlanner.Decision plain = CaPlanner.decide(CaStrategy.generate(), shared, BC, "m");

        assertThat(thirtyDays.ca()).isEqualTo(CA1);
        assertThat(thirtyDays.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("CA_VALIDITY_NOT_APPLIED");
            assertThat(f.message()).contains("30 days").contains("c1, c2, c3");
            assertThat(f.remediation()).as("names the rotation API").contains("mesh.rotateCa()").contains("meshctl rotate-ca");
        });
        assertThat(replace.ca()).isEqualTo(CA1);
        assertThat(replace.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("CA_NOT_REPLACED");
            assertThat(f.remediation()).contains("mesh.rotateCa()").contains("meshctl rotate-ca");
        });
        assertThat(adopt.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("CA_ALREADY_SHARED");
            assertThat(f.severity()).isEqualTo(io.clustermesh.Severity.INFO);
        });
        assertThat(plain.findings()).isEmpty();
    }
}
