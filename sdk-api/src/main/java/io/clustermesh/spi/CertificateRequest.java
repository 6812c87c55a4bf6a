package io.clustermesh.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A leaf certificate to issue from the mesh CA.
 *
 * @param commonName  subject CN
 * @param dnsNames    DNS subject alternative names
 * @param ipAddresses IP subject alternative names
 * @param server      usable for TLS servers (serverAuth)
 * @param client      usable for TLS clients (clientAuth)
 * @param validity    validity from now
 */
public record CertificateRequest(String commonName, List<String> dnsNames, List<String> ipAddresses, boolean server,
                                 boolean client, Duration validity) {
    public CertificateRequest {
        Objects.requireNonNull(commonName, "commonName");
        Objects.requireNonNull(validity, "validity");
        dnsNames = List.copyOf(dnsNames == null ? List.of() : dnsNames);
        ipAddresses = List.copyOf(ipAddresses == null ? List.of() : ipAddresses);
        if (!server && !client) {
            throw new IllegalArgumentException("a certificate must be for a server, a client or both");
        }
    }
}
