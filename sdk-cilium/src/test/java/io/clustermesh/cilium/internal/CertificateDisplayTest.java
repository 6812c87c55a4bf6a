package io.clustermesh.cilium.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The plan shows "new certificate" where the placeholder's fingerprints stand, whatever else the value holds. */
class CertificateDisplayTest {
    static final String A = "<cert sha256:0123456789abcdef>";
    static final String B = "<cert sha256:fedcba9876543210>";
    static final String NEW = CertificatePlan.NEW_CERTIFICATE;

    /** What the plan did before: one String.replace per placeholder certificate. */
    static String byReplace(String text) {
        return text.replace(A, NEW).replace(B, NEW);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain text without a token",
            "{server: {cert: <cert sha256:0123456789abcdef>, key: <redacted>}}",
            "<cert sha256:0123456789abcdef><cert sha256:fedcba9876543210>",
            "<<cert sha256:0123456789abcdef>>",
            "a < b and <cert sha256:fedcba9876543210",
            "<redacted> <cert sha256:ffffffffffffffff> <cert sha256:fedcba9876543210> tail",
            "<cert sha256:0123456789abcdef",
            "> < > <cert sha256:0123456789abcdef> <",
    })
    void replacesExactlyTheTokensOfThePlaceholder(String text) {
        assertThat(CertificatePlan.replaceTokens(text, Set.of(A, B), NEW)).isEqualTo(byReplace(text));
    }

    @Test
    void aTextWithoutAPlaceholderTokenIsReturnedAsItIs() {
        String text = "{clusters: [{name: c1, ips: [10.1.0.250]}], key: <redacted>}";
        assertThat(CertificatePlan.replaceTokens(text, Set.of(A, B), NEW)).isSameAs(text);
    }

    @Test
    void randomTextsAgreeWithOneReplacePerToken() {
        Random r = new Random(7);
        List<String> parts = List.of(A, B, "<redacted>", "<cert sha256:0000000000000000>", "<", ">", "x", ", ", "{a: ", "}");
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(30); k > 0; k--) {
                sb.append(parts.get(r.nextInt(parts.size())));
            }
            String text = sb.toString();
            assertThat(CertificatePlan.replaceTokens(text, Set.of(A, B), NEW)).as(text).isEqualTo(byReplace(text));
        }
    }
}
