package io.clustermesh.spi;

import java.util.Objects;

/**
 * A certificate and its private key, PEM-encoded. The key is a secret: {@link #toString()} never shows it.
 *
 * @param certificatePem the certificate (PEM)
 * @param privateKeyPem  the private key (PEM), {@code null} when only the certificate is known
 */
public record PemCredential(String certificatePem, String privateKeyPem) {
    public PemCredential {
        Objects.requireNonNull(certificatePem, "certificatePem");
    }

    public boolean hasKey() {
        return privateKeyPem != null && !privateKeyPem.isBlank();
    }

    @Override
    public String toString() {
        return "PemCredential[certificate " + certificatePem.length() + " chars, key " + (hasKey() ? "<redacted>" : "none") + "]";
    }
}
