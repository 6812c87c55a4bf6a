package io.clustermesh.cilium.services;

import io.clustermesh.Affinity;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static io.clustermesh.ServiceSetting.AFFINITY;
import static io.clustermesh.ServiceSetting.GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_AFFINITY;
import static io.clustermesh.ServiceSetting.LEGACY_GLOBAL;
import static io.clustermesh.ServiceSetting.LEGACY_SHARED;
import static io.clustermesh.ServiceSetting.SHARED;
import static org.assertj.core.api.Assertions.assertThat;

class AnnotationEditTest {

    @Test
    void nothingToDoWhenAlreadySet() {
        assertThat(AnnotationEdit.apply(Map.of(GLOBAL, "true"), Optional.empty(), Optional.empty()).isEmpty()).isTrue();
        assertThat(AnnotationEdit.apply(Map.of(GLOBAL, "true", SHARED, "false"), Optional.of(false), Optional.empty()).isEmpty()).isTrue();
        assertThat(AnnotationEdit.apply(Map.of(GLOBAL, "true"), Optional.empty(), Optional.of(Affinity.NONE)).isEmpty()).isTrue();
    }

    @Test
    void writesCanonicalKeysOnly() {
        AnnotationEdit e = AnnotationEdit.apply(Map.of("team", "web"), Optional.of(true), Optional.of(Affinity.LOCAL));
        assertThat(e.set()).isEqualTo(Map.of(GLOBAL, "true", SHARED, "true", AFFINITY, "local"));
        assertThat(e.remove()).isEmpty();
    }

    @Test
    void legacyValuesMoveToCanonicalKeysUnlessOverridden() {
        AnnotationEdit e = AnnotationEdit.apply(Map.of(LEGACY_GLOBAL, "true", LEGACY_SHARED, "false", LEGACY_AFFINITY, "remote"),
                Optional.empty(), Optional.of(Affinity.LOCAL));
        assertThat(e.set()).isEqualTo(Map.of(GLOBAL, "true", SHARED, "false", AFFINITY, "local"));
        assertThat(e.remove()).containsExactlyInAnyOrder(LEGACY_AFFINITY, LEGACY_GLOBAL, LEGACY_SHARED);
    }

    @Test
    void theCanonicalValueWinsOverAConflictingLegacyOne() {
        AnnotationEdit e = AnnotationEdit.apply(Map.of(GLOBAL, "true", SHARED, "true", LEGACY_SHARED, "false"), Optional.empty(), Optional.empty());
        assertThat(e.set()).isEmpty();
        assertThat(e.remove()).containsExactly(LEGACY_SHARED);
    }

    @Test
    void affinityNoneIsAnAbsentAnnotation() {
        AnnotationEdit e = AnnotationEdit.apply(Map.of(GLOBAL, "true", AFFINITY, "remote", LEGACY_AFFINITY, "local"), Optional.empty(), Optional.of(Affinity.NONE));
        assertThat(e.set()).isEmpty();
        assertThat(e.remove()).containsExactlyInAnyOrder(AFFINITY, LEGACY_AFFINITY);
    }

    @Test
    void removeTakesEveryGlobalServiceKeyAndNothingElse() {
        AnnotationEdit e = AnnotationEdit.remove(Map.of(GLOBAL, "true", LEGACY_SHARED, "false", "team", "web"));
        assertThat(e.set()).isEmpty();
        assertThat(e.remove()).containsExactlyInAnyOrder(GLOBAL, LEGACY_SHARED);
        assertThat(AnnotationEdit.remove(Map.of("team", "web")).isEmpty()).isTrue();
    }
}
