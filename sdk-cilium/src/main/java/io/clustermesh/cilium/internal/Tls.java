package io.clustermesh.cilium.internal;

import io.clustermesh.spi.PemCredential;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;

/** TLS contexts built from PEM, for mesh clients. */
public final class Tls {
    /** The protocols offered: what Go's crypto/tls (etcd, Cilium) speaks by default. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private Tls() {
    }

    /**
     * A client context that always presents {@code client} (like Go's crypto/tls, whatever CAs the server names) and
     * verifies servers with a {@link PeerTrustManager} for {@code expectedName} against {@code caPem} only.
     */
    public static SSLContext clientContext(PemCredential client, String caPem, String expectedName, Clock clock) {
        return clientContext(client, new PeerTrustManager(Pem.certificates(caPem), expectedName, clock));
    }

    /** A client context that always presents {@code client} and verifies servers with {@code trust}. */
    public static SSLContext clientContext(PemCredential client, X509ExtendedTrustManager trust) {
        if (!client.hasKey()) {
            throw new IllegalArgumentException("the client credential has no private key");
        }
        PrivateKey key = Pem.privateKey(client.privateKeyPem());
        X509Certificate[] chain = Pem.certificates(client.certificatePem()).toArray(new X509Certificate[0]);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[]{new FixedKeyManager(key, chain)}, new TrustManager[]{trust}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot create a TLS context", e);
        }
    }

    /** Parameters offering {@link #PROTOCOLS}. */
    public static SSLParameters clientParameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.clone());
        return parameters;
    }

    /** Presents one key and chain as a client, and nothing as a server. */
    static final class FixedKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        FixedKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain.clone();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[]{ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String toString() {
            return "FixedKeyManager[" + chain[0].getSubjectX500Principal().getName() + ", key <redacted>]";
        }
    }
}
