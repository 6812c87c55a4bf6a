package io.clustermesh.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.clustermesh.Finding;
import io.clustermesh.MeshException;
import io.clustermesh.RetryPolicy;
import io.clustermesh.spi.Discovery;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * No token or kubeconfig content in logs, findings, notes, exception messages or {@code toString()}: everything the
 * SDK prints at DEBUG during discovery, preflight, provisioning, retries and failures is captured and scanned for
 * sentinels. The bearer token is checked over https (the only place a bearer policy runs), where the fake verifiably
 * received it.
 */
class SecretsTest {
    private static final String BEARER = "SENTINEL-bearer-token-91be";
    private final List<String> texts = new ArrayList<>();
    private PrintStream originalErr;
    private PrintStream originalOut;
    private ByteArrayOutputStream captured;

    @BeforeEach
    void capture() {
        originalErr = System.err;
        originalOut = System.out;
        captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(captured, originalErr), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(captured, originalOut), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        System.setOut(originalOut);
    }

    private String log() {
        System.err.flush();
        System.out.flush();
        return captured.toString(StandardCharsets.UTF_8);
    }

    private void keep(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            texts.add(String.valueOf(t.getMessage()));
            texts.add(t.toString());
            if (t instanceof MeshException m) {
                texts.add(m.describe());
                texts.add(m.remediation());
            }
        }
    }

    private void keep(Discovery d) {
        texts.add(d.toString());
        texts.add(d.spec().toString());
        d.findings().forEach(f -> texts.add(f.toString()));
        texts.addAll(d.notes().values());
    }

    private void keep(List<Finding> findings) {
        findings.forEach(f -> texts.add(f.toString()));
    }

    private void assertNoSecrets(String... sentinels) {
        String all = log() + "\n" + String.join("\n", texts);
        for (String s : sentinels) {
            assertThat(all).as("secret %s leaked", s).doesNotContain(s);
        }
        assertThat(all).doesNotContain("current-context:").doesNotContain("certificate-authority-data").doesNotContain("Bearer ");
    }

    @Test
    void kubeconfigsNeverReachLogsFindingsNotesOrMessages() {
        try (FakeArm arm = Lab.fakeArm()) {
            Lab.seed(arm, 2);
            arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), KubeconfigSamples.staticToken(Lab.aks(1)));
            arm.registerKubeconfig(Lab.rg(2), Lab.aks(2), KubeconfigSamples.authProvider(Lab.aks(2)));
            arm.addFault(FaultRule.always(Fault.throttle(Duration.ofSeconds(1))).forPath(".*/listClusterUserCredential").times(1));
            arm.addFault(FaultRule.always(Fault.serverError()).forPath(".*/managedClusters/aks-ciliumlab2").times(1));
            AzureCloudProvider azure = Lab.provider(arm, new Lab.FakeClock());
            texts.add(azure.toString());

            Discovery d = azure.discover(Lab.spec(2));
            keep(d);
            keep(azure.preflight(d.spec()));
            assertThat(d.spec().clusters().get(0).access().kubeconfigContent()).hasValueSatisfying(k -> assertThat(k).contains(KubeconfigSamples.TOKEN));

            // a kubeconfig that is not one, with the sentinel inside: the finding describes it without quoting it
            arm.registerKubeconfig(Lab.rg(1), Lab.aks(1), "token=" + KubeconfigSamples.TOKEN);
            keep(azure.discover(Lab.spec(2)));

            // failures while provisioning over an existing lab
            arm.forbidden(".*/virtualNetworks/vnet-ciliumlab3", "PUT");
            assertThatThrownBy(() -> azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus"))).satisfies(this::keep);

            String log = log();
            assertThat(log).as("the capture works: DEBUG lines of ARM calls and the retries are in it")
                    .contains("ARM GET").contains("retry 1 of 5");
            assertNoSecrets(KubeconfigSamples.TOKEN, KubeconfigSamples.CA);
        }
    }

    @Test
    void theBearerTokenIsSentOverHttpsButNeverLogged(@TempDir Path dir) throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate cert = selfSigned(kp);
        char[] pw = "changeit".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("arm", kp.getPrivate(), pw, new java.security.cert.Certificate[] {cert});
        Path keystore = dir.resolve("arm.p12");
        try (OutputStream out = Files.newOutputStream(keystore)) {
            ks.store(out, pw);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("arm", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        try (TestArm arm = new TestArm(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(keystore.toString()).keystorePassword("changeit").keyManagerPassword("changeit").keystoreType("PKCS12"))) {
            arm.put(ArmPathsForTest.rg(1), java.util.Map.of("location", "eastus"));
            arm.put(Lab.aksId(1), Lab.cluster(1));
            arm.kubeconfig(Lab.aksId(1), KubeconfigSamples.staticToken(Lab.aks(1)));
            arm.always("GET", ".*/virtualHubs/hub1", TestArm.authorizationFailed("Microsoft.Network/virtualHubs/read", Lab.hubId()));
            TokenCredential credential = request -> Mono.just(new AccessToken(BEARER, OffsetDateTime.now().plusHours(1)));
            AzureCloudProvider azure = AzureCloudProvider.builder().armEndpoint("https://localhost:" + arm.wm.httpsPort())
                    .credential(credential).clock(new Lab.FakeClock()).retryPolicy(RetryPolicy.defaults())
                    .httpClient(new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(ssl)).build()).build();

            Discovery d = azure.discover(Lab.spec(1));
            keep(d);
            // a one-cluster spec is invalid, so discovery also runs the Azure checks (hub refused, no VNet here): the cluster itself was read
            assertThat(d.findings()).filteredOn(Finding::isError).isNotEmpty().noneMatch(f -> f.path().equals(Lab.aksId(1)));
            assertThat(d.spec().clusters().get(0).podCidr()).isEqualTo("10.10.0.0/16");
            keep(azure.preflight(d.spec()));
            assertThatThrownBy(() -> azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus"))).satisfies(this::keep);

            // the token did go out, on every request
            List<LoggedRequest> requests = arm.requests();
            assertThat(requests).isNotEmpty().allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + BEARER));
            assertThat(log()).contains("ARM GET");
            assertNoSecrets(BEARER, KubeconfigSamples.TOKEN, KubeconfigSamples.CA);
        }
    }

    @Test
    void overPlainHttpNoAuthorizationHeaderIsSent() {
        try (TestArm arm = new TestArm()) {
            arm.put(ArmPathsForTest.rg(1), java.util.Map.of("location", "eastus"));
            arm.put(Lab.aksId(1), Lab.cluster(1));
            TokenCredential credential = request -> Mono.just(new AccessToken(BEARER, OffsetDateTime.now().plusHours(1)));
            AzureCloudProvider azure = AzureCloudProvider.builder().armEndpoint(arm.url()).credential(credential)
                    .clock(new Lab.FakeClock()).build();
            azure.discover(Lab.spec(1));
            assertThat(arm.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.containsHeader("Authorization")).isFalse());
        }
    }

    private static X509Certificate selfSigned(KeyPair kp) throws Exception {
        X500Name name = new X500Name("CN=localhost");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date to = new Date(System.currentTimeMillis() + 86_400_000L);
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()), from, to, name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509CertificateHolder h = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    /** Copies everything written to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }

    /** Resource group ids for the plain-stub fake. */
    private static final class ArmPathsForTest {
        static String rg(int i) {
            return io.clustermesh.azure.internal.ArmPaths.resourceGroup(Lab.SUB, Lab.rg(i));
        }
    }
}
