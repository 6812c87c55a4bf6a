package io.clustermesh.spi;

import java.time.Instant;
import java.util.List;

/**
 * What the mesh needs to know about a certificate.
 *
 * @param subject          subject DN
 * @param issuer           issuer DN
 * @param commonName       subject CN
 * @param notBefore        start of validity
 * @param notAfter         end of validity
 * @param sha256           SHA-256 fingerprint of the DER encoding, hex, colon-free lower case
 * @param subjectKeyId     subject key identifier, hex, or {@code null}
 * @param authorityKeyId   authority key identifier, hex, or {@code null}
 * @param ca               basic constraints CA
 * @param dnsNames         DNS SANs
 * @param ipAddresses      IP SANs
 */
public record CertificateInfo(String subject, String issuer, String commonName, Instant notBefore, Instant notAfter,
                              String sha256, String subjectKeyId, String authorityKeyId, boolean ca,
                              List<String> dnsNames, List<String> ipAddresses) {
    public CertificateInfo {
        dnsNames = List.copyOf(dnsNames == null ? List.of() : dnsNames);
        ipAddresses = List.copyOf(ipAddresses == null ? List.of() : ipAddresses);
    }
}
