package io.clustermesh.cilium.services;

import io.clustermesh.Finding;
import io.clustermesh.ServiceSetting;
import io.clustermesh.Severity;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.clustermesh.ServiceSetting.AFFINITY;
import static io.clustermesh.ServiceSetting.GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_SHARED;
import static io.clustermesh.ServiceSetting.SHARED;
import static org.assertj.core.api.Assertions.assertThat;

/** Each mistake Cilium accepts silently has a finding, and a well-configured Service has none. */
class GlobalServiceChecksTest {

    static ServiceSetting svc(String cluster, Map<String, String> annotations) {
        return svc(cluster, "ClusterIP", annotations);
    }

    static ServiceSetting svc(String cluster, String type, Map<String, String> annotations) {
        return ServiceSetting.of("meshtest", "web", cluster, type, annotations);
    }

    static ServiceSetting missing(String cluster) {
        return ServiceSetting.missing("meshtest", "web", cluster);
    }

    static List<Finding> check(ServiceSetting... settings) {
        return GlobalServiceChecks.check(List.of(settings), c -> true);
    }

    static List<String> codes(List<Finding> f) {
        return f.stream().map(Finding::code).toList();
    }

    @Test
    void aWellConfiguredServiceHasNoFinding() {
        assertThat(check(svc("cluster1", Map.of(GLOBAL, "true", SHARED, "false")), svc("cluster2", Map.of(GLOBAL, "true", AFFINITY, "remote")),
                svc("cluster3", Map.of(GLOBAL, "true")))).isEmpty();
        assertThat(check(svc("cluster1", Map.of()), svc("cluster2", Map.of()))).as("a plain local Service").isEmpty();
    }

    @Test
    void globalOnOneSideOnly() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true")), svc("cluster2", Map.of()));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.ONE_SIDED);
            assertThat(x.severity()).isEqualTo(Severity.WARNING);
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.path()).isEqualTo("service/meshtest/web");
            assertThat(x.message()).isEqualTo("meshtest/web is global in cluster1 but not in cluster2: cluster2 uses only its own backends"
                    + " and exports none, so the others get nothing from it");
            assertThat(x.remediation()).contains(".in(\"cluster2\").apply()");
        });
    }

    @Test
    void sharedFalseEverywhereMeansNobodyExports() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true", SHARED, "false")), svc("cluster2", Map.of(GLOBAL, "true", SHARED, "false")));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.NOT_EXPORTED);
            assertThat(x.cluster()).isNull();
            assertThat(x.message()).contains("global in cluster1, cluster2").contains("no cluster exports");
        });
    }

    @Test
    void sharedOrAffinityOnANonGlobalServiceIsIgnored() {
        List<Finding> f = check(svc("cluster1", Map.of(SHARED, "false", AFFINITY, "local")), svc("cluster2", Map.of()));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.ANNOTATION_IGNORED);
            assertThat(x.cluster()).isEqualTo("cluster1");
            assertThat(x.message()).isEqualTo("cluster1: shared and affinity are set on meshtest/web, which is not global there; Cilium ignores them");
        });
        assertThat(codes(check(svc("cluster1", Map.of(LEGACY_SHARED, "true")))))
                .containsExactly(GlobalServiceChecks.LEGACY_ANNOTATION, GlobalServiceChecks.ANNOTATION_IGNORED);
    }

    @Test
    void theServiceMissingInAClusterWhereItIsNeeded() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true")), missing("cluster2"), svc("cluster3", Map.of(GLOBAL, "true")));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.MISSING);
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.message()).contains("global in cluster1, cluster3").contains("only into an existing local Service");
        });
        assertThat(codes(check(missing("cluster1"), missing("cluster2")))).containsExactly(GlobalServiceChecks.NOT_FOUND);
        assertThat(check(svc("cluster1", Map.of()), missing("cluster2"))).as("not global anywhere: nothing to say").isEmpty();
    }

    @Test
    void aGlobalNodePortServiceWithoutKubeProxyReplacement() {
        List<ServiceSetting> s = List.of(svc("cluster1", "NodePort", Map.of(GLOBAL, "true")), svc("cluster2", "NodePort", Map.of(GLOBAL, "true")));
        List<Finding> f = GlobalServiceChecks.check(s, Set.of("cluster1")::contains);
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.NODEPORT_WITHOUT_KPR);
            assertThat(x.cluster()).isEqualTo("cluster2");
            assertThat(x.message()).contains("global NodePort Service").contains("local backends only");
        });
        assertThat(GlobalServiceChecks.check(List.of(svc("cluster1", "LoadBalancer", Map.of(GLOBAL, "true")), svc("cluster2", Map.of(GLOBAL, "true"))), c -> false))
                .extracting(Finding::cluster).containsExactly("cluster1");
        assertThat(GlobalServiceChecks.check(List.of(svc("cluster1", "NodePort", Map.of()), svc("cluster2", "NodePort", Map.of())), c -> false))
                .as("not global: kube-proxy serves it as usual").isEmpty();
    }

    @Test
    void anUnrecognisedAffinityValue() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true", AFFINITY, "nearest")), svc("cluster2", Map.of(GLOBAL, "true")));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.AFFINITY_UNRECOGNISED);
            assertThat(x.cluster()).isEqualTo("cluster1");
            assertThat(x.message()).contains("\"nearest\"").contains("unrecognized service affinity value");
        });
    }

    @Test
    void valuesCiliumReadsAsFalse() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true", SHARED, "yes")), svc("cluster2", Map.of(GLOBAL, "true")));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(GlobalServiceChecks.ANNOTATION_VALUE);
            assertThat(x.message()).contains("service.cilium.io/shared is \"yes\"");
        });
    }

    @Test
    void canonicalAndLegacyDisagreeing() {
        List<Finding> f = check(svc("cluster1", Map.of(GLOBAL, "true", LEGACY_GLOBAL, "false")), svc("cluster2", Map.of(GLOBAL, "true")));
        assertThat(codes(f)).containsExactly(GlobalServiceChecks.ANNOTATION_CONFLICT, GlobalServiceChecks.LEGACY_ANNOTATION);
        assertThat(f.get(1).severity()).isEqualTo(Severity.INFO);
    }

    @Test
    void aGlobalServiceInANamespaceThatIsNotGlobalIsWarnedAboutWhereItIsExported() {
        List<ServiceSetting> settings = List.of(svc("cluster1", Map.of(GLOBAL, "true")), svc("cluster2", Map.of(GLOBAL, "true", SHARED, "false")),
                svc("cluster3", Map.of()), missing("cluster4"));
        List<Finding> f = GlobalServiceChecks.namespaceChecks(settings, c -> false);
        assertThat(f).extracting(Finding::cluster).as("only where it would be exported").containsExactly("cluster1");
        assertThat(f.get(0).code()).isEqualTo(GlobalServiceChecks.NAMESPACE_NOT_GLOBAL);
        assertThat(f.get(0).severity()).isEqualTo(Severity.WARNING);
        assertThat(f.get(0).path()).isEqualTo("namespace/meshtest");
        assertThat(f.get(0).remediation()).contains("clustermesh.cilium.io/global: \"true\"");
        assertThat(GlobalServiceChecks.namespaceChecks(settings, c -> true)).isEmpty();

        assertThat(GlobalServiceChecks.namespaceGlobal(Map.of(), true)).isTrue();
        assertThat(GlobalServiceChecks.namespaceGlobal(Map.of(), false)).isFalse();
        assertThat(GlobalServiceChecks.namespaceGlobal(Map.of(GlobalServiceChecks.NAMESPACE_GLOBAL, "true"), false)).isTrue();
        assertThat(GlobalServiceChecks.namespaceGlobal(Map.of(GlobalServiceChecks.NAMESPACE_GLOBAL, "false"), true)).isFalse();
    }
}
