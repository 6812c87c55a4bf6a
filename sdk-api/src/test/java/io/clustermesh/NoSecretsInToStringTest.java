package io.clustermesh;

import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.internal.StepResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Private keys, tokens and kubeconfigs never reach a toString() (the project's rule: no secret in logs, plans, reports, exceptions or toString()). */
class NoSecretsInToStringTest {
    /** Not a key: a marker that must never show up in toString(). */
    private static final String KEY = "not-a-real-key-marker-0123456789abcdef";
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldC10b2tlbiJ9";
    private static final String KUBECONFIG = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: aks-ciliumlab
              cluster: {server: https://aks-ciliumlab-1a2b.hcp.eastus.azmk8s.io:443}
            users:
            - name: clusterUser
              user:
                token: %s
                client-key-data: %s
            contexts:
            - name: aks-ciliumlab
              context: {cluster: aks-ciliumlab, user: clusterUser}
            current-context: aks-ciliumlab
            """.formatted(TOKEN, KEY);

    private static void assertNoSecret(Object o) {
        assertThat(o.toString()).doesNotContain(KEY).doesNotContain(TOKEN).doesNotContain("client-key-data")
                .doesNotContain("BEGIN EC PRIVATE KEY");
    }

    @Test
    void kubeconfigAccessIsRedacted() {
        ClusterAccess a = ClusterAccess.kubeconfig(KUBECONFIG);
        ClusterAccess withContext = ClusterAccess.kubeconfig(KUBECONFIG, "aks-ciliumlab");
        assertNoSecret(a);
        assertNoSecret(withContext);
        assertThat(a).hasToString("kubeconfig(<redacted>)");
        assertThat(withContext).hasToString("kubeconfig(<redacted>, context aks-ciliumlab)");
        assertThat(a.kubeconfigContent()).contains(KUBECONFIG);
    }

    @Test
    void anAccessWithBearerTokensShowsWhereTheyComeFromButNoToken() {
        String live = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.live-entra-token";
        io.clustermesh.spi.BearerTokens tokens = new io.clustermesh.spi.BearerTokens() {
            @Override
            public String current() {
                return live;
            }

            @Override
            public String describe() {
                return "Entra ID (test credential)";
            }
        };
        ClusterAccess a = ClusterAccess.kubeconfig(KUBECONFIG, tokens);
        assertNoSecret(a);
        assertThat(a.toString()).doesNotContain(live).isEqualTo("kubeconfig(<redacted>, bearer tokens from Entra ID (test credential))");
        assertThat(a.bearerTokens()).containsSame(tokens);
        assertThat(a).isNotEqualTo(ClusterAccess.kubeconfig(KUBECONFIG)).isEqualTo(a.withExecAllowed(false));
        assertNoSecret(MeshCluster.named("cluster1").withId(1).withAccess(a));
    }

    @Test
    void clustersAndSpecsHoldingAKubeconfigAreRedacted() {
        MeshCluster c = MeshCluster.named("cluster1").withId(1).withPodCidr("10.10.0.0/16").withAccess(ClusterAccess.kubeconfig(KUBECONFIG));
        MeshSpec spec = MeshSpec.of("article", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(),
                null, List.of(c, Fixtures.articleCluster(2)));
        assertNoSecret(c);
        assertNoSecret(spec);
        assertThat(c.toString()).contains("cluster1", "<redacted>");
    }

    @Test
    void pemCredentialShowsNoKey() {
        String cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
        PemCredential p = new PemCredential(cert, "-----BEGIN EC PRIVATE KEY-----\n" + KEY + "\n-----END EC PRIVATE KEY-----\n");
        assertNoSecret(p);
        assertThat(p.toString()).contains("<redacted>").contains(cert.length() + " chars");
        assertThat(new PemCredential(cert, null).toString()).contains("key none");
    }

    @Test
    void secretDataShowsKeyNamesAndSizesOnly() {
        SecretData s = SecretData.of("cilium-ca", Map.of("app", "cilium"), Map.of(
                "ca.crt", "-----BEGIN CERTIFICATE-----".getBytes(StandardCharsets.UTF_8),
                "ca.key", KEY.getBytes(StandardCharsets.UTF_8)));
        assertNoSecret(s);
        assertThat(s.toString()).contains("cilium-ca", "ca.key", KEY.length() + " bytes", "ca.crt")
                .doesNotContain("BEGIN CERTIFICATE");
    }

    @Test
    void helmReleaseAndRequestHideTheirValues() {
        Map<String, Object> values = Map.of("tls", Map.of("ca", Map.of("cert", "Y2VydA==", "key", KEY)),
                "clustermesh", Map.of("apiserver", Map.of("tls", Map.of("server", Map.of("key", TOKEN)))));
        HelmRelease release = new HelmRelease("cilium", "kube-system", 3, "deployed", "cilium", "1.16.19", values);
        HelmRequest request = new HelmRequest("kube-system", "cilium", "cilium/cilium", "https://helm.cilium.io", "1.16.19",
                values, Duration.ofMinutes(10));
        assertNoSecret(release);
        assertNoSecret(request);
        assertThat(release.toString()).contains("kube-system/cilium", "v3", "deployed", "<redacted>").doesNotContain("Y2VydA==");
        assertThat(request.toString()).contains("kube-system/cilium", "1.16.19", "<redacted>").doesNotContain("Y2VydA==");
    }

    @Test
    void stepResultOutputIsNeverRendered() {
        StepResult r = StepResult.changed("CA generated").withOutput(Map.of("ca.key", KEY));
        assertNoSecret(r);
        assertThat(r).hasToString("StepResult[changed=true, CA generated]");
    }
}
