package io.clustermesh.report;

import io.clustermesh.Mesh;
import io.clustermesh.report.CertificateExpiry;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When one of a cluster's Cluster Mesh certificates expires.
 *
 * @param secret   the secret holding it, e.g. {@code cilium-ca}, {@code clustermesh-apiserver-server-cert}
 * @param subject  its common name
 * @param notAfter end of its validity
 * @param left     time left when the status was read (negative once expired)
 * @param expiring whether less than the warning threshold is left ({@code CiliumOptions.renewBefore()}; apply renews
 *                 SDK-issued leaf certificates inside it)
 */
public record CertificateExpiry(String secret, String subject, Instant notAfter, Duration left, boolean expiring) {
    public CertificateExpiry {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(left, "left");
    }
}
