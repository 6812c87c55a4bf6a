package io.clustermesh.spi;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A secret's data is copied from the caller once, is read-only, and is not copied again when passed on. */
class SecretDataTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theCallersArraysAreCopied_changingThemLaterChangesNothing() {
        byte[] crt = bytes("certificate");
        Map<String, byte[]> in = new LinkedHashMap<>();
        in.put("tls.crt", crt);
        SecretData s = new SecretData("leaf", null, "kubernetes.io/tls", Map.of(), in);
        crt[0] = 'X';
        in.put("tls.key", bytes("key"));
        assertThat(s.string("tls.crt")).isEqualTo("certificate");
        assertThat(s.data()).containsOnlyKeys("tls.crt");
    }

    @Test
    void theDataIsReadOnly() {
        SecretData s = SecretData.of("a", Map.of(), Map.of("k", bytes("v")));
        assertThatThrownBy(() -> s.data().put("x", bytes("y"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.data().remove("k")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.data().entrySet().iterator().next().setValue(bytes("z"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.data().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anotherSecretsDataIsTakenAsItIs_withItsOrderAndContent() {
        Map<String, byte[]> in = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            in.put("peer-" + (49 - i), bytes("endpoints: [https://peer-" + i + ".mesh.cilium.io:2379]"));
        }
        SecretData read = new SecretData("cilium-clustermesh", "7", "Opaque", Map.of("app", "x"), in);
        SecretData next = new SecretData(read.name(), "8", read.type(), read.labels(), read.data());
        assertThat(next.data()).isSameAs(read.data());
        assertThat(next.data().keySet()).containsExactlyElementsOf(in.keySet());
        assertThat(next.sameContent(read)).isTrue();
        assertThat(next).isNotEqualTo(read); // the resource version differs
        assertThat(new SecretData(read.name(), "7", read.type(), read.labels(), read.data())).isEqualTo(read);
        // a plain map with the same content is still copied: the caller keeps its arrays
        Map<String, byte[]> plain = new LinkedHashMap<>(read.data());
        SecretData copied = new SecretData(read.name(), null, read.type(), read.labels(), plain);
        assertThat(copied.data().get("peer-0")).isNotSameAs(read.data().get("peer-0")).isEqualTo(read.data().get("peer-0"));
        assertThat(copied.sameContent(read)).isTrue();
    }

    @Test
    void anEmptyOrNullDataIsAnEmptyReadOnlyMap() {
        assertThat(new SecretData("a", null, null, null, null).data()).isEmpty();
        assertThat(new SecretData("a", null, null, null, null).type()).isEqualTo("Opaque");
    }
}
