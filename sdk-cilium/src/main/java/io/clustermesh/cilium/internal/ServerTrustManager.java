package io.clustermesh.cilium.internal;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/** A trust manager for TLS clients: it verifies servers against {@link #anchors()} and refuses to judge clients. */
abstract class ServerTrustManager extends X509ExtendedTrustManager {

    /** The CA certificates trusted, and only those. */
    abstract List<X509Certificate> anchors();

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager only verifies servers");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager only verifies servers");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only verifies servers");
    }

    @Override
    public final X509Certificate[] getAcceptedIssuers() {
        return anchors().toArray(new X509Certificate[0]);
    }
}
