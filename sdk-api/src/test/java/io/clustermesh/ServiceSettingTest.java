package io.clustermesh;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.clustermesh.ServiceSetting.AFFINITY;
import static io.clustermesh.ServiceSetting.GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_AFFINITY;
import static io.clustermesh.ServiceSetting.LEGACY_GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_SHARED;
import static io.clustermesh.ServiceSetting.SHARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Annotations are read the way the Cilium agent reads them (pkg/annotation). */
class ServiceSettingTest {

    static ServiceSetting read(Map<String, String> annotations) {
        return ServiceSetting.of("meshtest", "web", "cluster1", "ClusterIP", annotations);
    }

    @Test
    void canonicalAnnotations() {
        ServiceSetting s = read(Map.of(GLOBAL, "true", SHARED, "false", AFFINITY, "remote"));
        assertThat(s.exists()).isTrue();
        assertThat(s.global()).isTrue();
        assertThat(s.shared()).isFalse();
        assertThat(s.affinity()).isEqualTo(Affinity.REMOTE);
        assertThat(s.usesLegacyAnnotations()).isFalse();
    }

    @Test
    void legacyAnnotationsAreUnderstood() {
        ServiceSetting s = read(Map.of(LEGACY_GLOBAL, "true", LEGACY_SHARED, "false", LEGACY_AFFINITY, "local"));
        assertThat(s.global()).isTrue();
        assertThat(s.shared()).isFalse();
        assertThat(s.affinity()).isEqualTo(Affinity.LOCAL);
        assertThat(s.usesLegacyAnnotations()).isTrue();
    }

    @Test
    void theCanonicalKeyWinsOverItsLegacyAlias() {
        ServiceSetting s = read(Map.of(GLOBAL, "false", LEGACY_GLOBAL, "true"));
        assertThat(s.global()).isFalse();
        s = read(Map.of(GLOBAL, "true", SHARED, "true", LEGACY_SHARED, "false", AFFINITY, "local", LEGACY_AFFINITY, "remote"));
        assertThat(s.shared()).isTrue();
        assertThat(s.affinity()).isEqualTo(Affinity.LOCAL);
        assertThat(s.value(SHARED)).contains("true");
    }

    @Test
    void valuesAreCaseInsensitiveButOnlyTrueIsTrue() {
        assertThat(read(Map.of(GLOBAL, "True")).global()).isTrue();
        assertThat(read(Map.of(GLOBAL, "yes")).global()).isFalse();
        assertThat(read(Map.of(GLOBAL, "true", SHARED, "yes")).shared()).as("anything but true is not shared").isFalse();
        assertThat(read(Map.of(GLOBAL, "true", AFFINITY, "REMOTE")).affinity()).isEqualTo(Affinity.REMOTE);
    }

    @Test
    void aGlobalServiceIsSharedByDefault() {
        ServiceSetting s = read(Map.of(GLOBAL, "true"));
        assertThat(s.shared()).isTrue();
        assertThat(s.affinity()).isEqualTo(Affinity.NONE);
        assertThat(s.sharedDeclared()).isFalse();
    }

    @Test
    void sharedAndAffinityAreIgnoredOnANonGlobalService() {
        ServiceSetting s = read(Map.of(SHARED, "true", AFFINITY, "remote"));
        assertThat(s.global()).isFalse();
        assertThat(s.shared()).isFalse();
        assertThat(s.affinity()).isEqualTo(Affinity.NONE);
        assertThat(s.sharedDeclared()).isTrue();
        assertThat(s.affinityDeclared()).isTrue();
        assertThat(s.annotated()).isTrue();
    }

    @Test
    void anUnrecognisedAffinityCountsAsNoneAndIsFlagged() {
        ServiceSetting s = read(Map.of(GLOBAL, "true", AFFINITY, "nearest"));
        assertThat(s.affinity()).isEqualTo(Affinity.NONE);
        assertThat(s.affinityRecognised()).isFalse();
        assertThat(read(Map.of(GLOBAL, "true", AFFINITY, "")).affinityRecognised()).isTrue();
        assertThat(read(Map.of(GLOBAL, "true")).affinityRecognised()).isTrue();
    }

    @Test
    void otherAnnotationsAreLeftOut() {
        ServiceSetting s = read(Map.of(GLOBAL, "true", "kubectl.kubernetes.io/last-applied-configuration", "{...}"));
        assertThat(s.annotations()).containsOnlyKeys(GLOBAL);
    }

    @Test
    void aMissingServiceIsNeverGlobal() {
        ServiceSetting m = ServiceSetting.missing("meshtest", "web", "cluster2");
        assertThat(m.exists()).isFalse();
        assertThat(m.global()).isFalse();
        assertThat(m.type()).isNull();
        ServiceSetting forced = new ServiceSetting("meshtest", "web", "cluster2", false, "ClusterIP", true, true, Affinity.REMOTE, Map.of());
        assertThat(forced.global()).isFalse();
        assertThat(forced.shared()).isFalse();
        assertThat(forced.affinity()).isEqualTo(Affinity.NONE);
    }

    @Test
    void valueOnlyAcceptsCanonicalKeys() {
        assertThatThrownBy(() -> read(Map.of()).value(LEGACY_GLOBAL)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void affinityParsing() {
        assertThat(Affinity.parse("Local")).contains(Affinity.LOCAL);
        assertThat(Affinity.parse("none")).contains(Affinity.NONE);
        assertThat(Affinity.parse("")).contains(Affinity.NONE);
        assertThat(Affinity.parse(" local")).as("Cilium does not trim").isEmpty();
        assertThat(Affinity.parse("closest")).isEmpty();
    }
}
