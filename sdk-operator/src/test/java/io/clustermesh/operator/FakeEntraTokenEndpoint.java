package io.clustermesh.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.clustermesh.testing.LabEntraId;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Microsoft Entra ID's token endpoint on loopback, for the workload identity path: an https server (a self-signed
 * certificate for 127.0.0.1, trusted while {@link #trustedByDefault()} is open) answering {@code POST /<tenant>/oauth2/v2.0/token}
 * with a token of the lab's Entra ID ({@link LabEntraId#issue(String)}) for the requested scope, the way Entra ID
 * answers a client-credentials request with a federated client assertion. It records every form it received (the
 * client assertion included) and every path, so a test can check what azure-identity sent.
 */
final class FakeEntraTokenEndpoint implements AutoCloseable {
    /** One token request as received. */
    record Request(String path, Map<String, String> form) {
        @Override
        public String toString() {
            return "Request[" + path + ", " + form.keySet() + "]"; // the assertion is a secret
        }
    }

    private final HttpsServer server;
    private final X509TrustManager own;
    private final LabEntraId entra;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> paths = Collections.synchronizedList(new ArrayList<>());

    FakeEntraTokenEndpoint(LabEntraId entra) throws Exception {
        this.entra = entra;
        KeyPair kp = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate cert = selfSigned(kp);
        char[] pw = "changeit".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("entra", kp.getPrivate(), pw, new java.security.cert.Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext serverSsl = SSLContext.getInstance("TLS");
        serverSsl.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("entra", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        own = (X509TrustManager) tmf.getTrustManagers()[0];

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverSsl));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The authority host to give azure-identity ({@code AZURE_AUTHORITY_HOST}). */
    String authorityHost() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /**
     * Makes the JVM's default https connections trust this endpoint's certificate too, until closed: azure-identity's
     * workload identity exchanges the federated token with {@code HttpURLConnection} and the JVM's default TLS
     * settings (not an Azure {@code HttpClient} one could give it), as it would with a corporate CA in production.
     */
    AutoCloseable trustedByDefault() throws Exception {
        javax.net.ssl.SSLSocketFactory before = HttpsURLConnection.getDefaultSSLSocketFactory();
        TrustManagerFactory dflt = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        dflt.init((KeyStore) null);
        X509TrustManager system = (X509TrustManager) dflt.getTrustManagers()[0];
        X509TrustManager both = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                system.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    own.checkServerTrusted(chain, authType);
                } catch (CertificateException e) {
                    system.checkServerTrusted(chain, authType);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return system.getAcceptedIssuers();
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {both}, null);
        HttpsURLConnection.setDefaultSSLSocketFactory(ctx.getSocketFactory());
        return () -> HttpsURLConnection.setDefaultSSLSocketFactory(before);
    }

    /** The token requests received. */
    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Every path requested, in order (token requests and anything else azure-identity or MSAL asked for). */
    List<String> paths() {
        synchronized (paths) {
            return List.copyOf(paths);
        }
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        paths.add(x.getRequestMethod() + " " + path);
        byte[] body = x.getRequestBody().readAllBytes();
        if ("POST".equals(x.getRequestMethod()) && path.endsWith("/oauth2/v2.0/token")) {
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            requests.add(new Request(path, form));
            String scope = form.getOrDefault("scope", "");
            // MSAL asks for the scope plus OpenID scopes; the resource's scope is the one that is not
            String resource = List.of(scope.split(" ")).stream().filter(s -> s.endsWith("/.default")).findFirst().orElse(scope);
            if (!"client_credentials".equals(form.get("grant_type")) || form.get("client_assertion") == null) {
                answer(x, 400, "{\"error\":\"invalid_request\",\"error_description\":\"no client assertion\"}");
                return;
            }
            LabEntraId.Token t = entra.issue(resource);
            long expiresIn = Math.max(1, Duration.between(entra.now(), t.expiresAt()).toSeconds());
            answer(x, 200, "{\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + ",\"ext_expires_in\":" + expiresIn
                    + ",\"access_token\":\"" + t.value() + "\"}");
            return;
        }
        answer(x, 404, "{\"error\":\"not_found\"}");
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : body.split("&")) {
            int i = kv.indexOf('=');
            if (i > 0) {
                out.put(URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void answer(HttpExchange x, int code, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        x.sendResponseHeaders(code, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    private static X509Certificate selfSigned(KeyPair kp) throws Exception {
        X500Name name = new X500Name("CN=localhost");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date to = new Date(System.currentTimeMillis() + 86_400_000L);
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()), from, to, name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return "FakeEntraTokenEndpoint[" + authorityHost() + "]";
    }
}
