package io.clustermesh.spi;

import java.time.Duration;

/**
 * Creates the mesh CA and issues leaf certificates. Default: Bouncy Castle ({@code clustermesh-cilium}), ECDSA
 * P-256. Keys only ever leave as {@link PemCredential}s.
 */
public interface CertificateAuthority extends MeshProvider {

    /** A new self-signed CA (basic constraints CA, keyCertSign and cRLSign, SKI/AKI). */
    PemCredential createCa(String commonName, Duration validity);

    /** A leaf certificate signed by {@code ca} (which must carry its key). */
    PemCredential issue(PemCredential ca, CertificateRequest request);

    /** Parses a PEM certificate. @throws IllegalArgumentException if it is not one */
    CertificateInfo inspect(String certificatePem);

    /** Whether the private key belongs to the certificate. */
    boolean keyMatches(PemCredential credential);

    /** Whether {@code certificatePem} was signed by the CA certificate {@code caCertificatePem}. */
    boolean signedBy(String certificatePem, String caCertificatePem);
}
