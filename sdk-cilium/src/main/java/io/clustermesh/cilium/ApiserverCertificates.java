package io.clustermesh.cilium;

import io.clustermesh.spi.PemCredential;

import java.util.Objects;

/**
 * The clustermesh-apiserver certificates of one cluster, issued by the SDK from the shared CA and given to the
 * chart as values ({@code clustermesh.apiserver.tls.auto.enabled=false}).
 *
 * @param server {@code clustermesh.apiserver.tls.server}: the etcd server certificate peers connect to
 * @param admin  {@code clustermesh.apiserver.tls.admin}: the apiserver's own client certificate for its etcd
 * @param remote {@code clustermesh.apiserver.tls.remote}: the client certificate remote agents use
 * @param client {@code clustermesh.apiserver.tls.client} (charts up to 1.18; {@code null} from 1.19)
 */
public record ApiserverCertificates(PemCredential server, PemCredential admin, PemCredential remote, PemCredential client) {
    public ApiserverCertificates {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(remote, "remote");
    }

    @Override
    public String toString() {
        return "ApiserverCertificates[server, admin, remote" + (client == null ? "" : ", client") + "; keys <redacted>]";
    }
}
