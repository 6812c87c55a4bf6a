package io.clustermesh.operator;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.clustermesh.Finding;
import io.clustermesh.testing.LabEntraId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The operator's default Azure credential, workload identity, against a loopback Microsoft Entra ID token endpoint
 * (https, {@link FakeEntraTokenEndpoint}): azure-identity's {@code WorkloadIdentityCredential}, made by the operator's
 * own code from the variables the AKS webhook injects, reads the federated token file the test wrote and sends it as
 * the client assertion; and what the operator reports when those variables are absent.
 */
class OperatorWorkloadIdentityTest {

    static Map<String, String> env(FakeEntraTokenEndpoint entra, Path tokenFile) {
        return Map.of("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c1", "AZURE_TENANT_ID", "00000000-0000-0000-0000-0000000000a1",
                "AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString(), "AZURE_AUTHORITY_HOST", entra.authorityHost());
    }

    @Test
    void workloadIdentitySendsTheFederatedTokenFileAsClientAssertionAndGetsTheAksToken(@TempDir Path dir) throws Exception {
        LabEntraId issuer = LabEntraId.withLifetime(Duration.ofMinutes(60));
        Path tokenFile = dir.resolve("azure-identity-token");
        String federated = "eyJhbGciOiJSUzI1NiJ9.sa-token-" + System.nanoTime() + ".sig";
        Files.writeString(tokenFile, federated);
        try (FakeEntraTokenEndpoint entra = new FakeEntraTokenEndpoint(issuer); AutoCloseable trusted = entra.trustedByDefault()) {
            TokenCredential credential = AzureAccess.workloadIdentity(env(entra, tokenFile));
            AccessToken token = credential.getTokenSync(new TokenRequestContext().addScopes(LabEntraId.AKS_SCOPE));

            assertThat(issuer.issuedTokens()).as("paths: " + entra.paths()).containsExactly(token.getToken());
            assertThat(entra.requests()).singleElement().satisfies(r -> {
                assertThat(r.path()).isEqualTo("/00000000-0000-0000-0000-0000000000a1/oauth2/v2.0/token");
                assertThat(r.form()).containsEntry("client_assertion", federated)
                        .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                        .containsEntry("client_id", "00000000-0000-0000-0000-0000000000c1")
                        .containsEntry("grant_type", "client_credentials");
                assertThat(r.form().get("scope")).contains(LabEntraId.AKS_SCOPE);
            });
            assertThat(issuer.accepts(token.getToken())).as("a token the lab's Entra-ID-only clusters accept").isTrue();
            assertThat(AzureAccess.of(null, null, env(entra, tokenFile)).toString()).contains("WorkloadIdentityCredential")
                    .doesNotContain(federated);
        }
    }

    @Test
    void withoutTheWebhooksVariablesAnAzureClusterGetsAFindingNamingTheLabelTheAnnotationAndTheDocs() {
        AzureAccess none = AzureAccess.of(null, null, Map.of("AZURE_CLIENT_ID", "c1"));
        assertThat(none.configured()).isFalse();
        assertThatThrownBy(() -> AzureAccess.workloadIdentity(Map.of())).hasMessageContaining("AZURE_FEDERATED_TOKEN_FILE");

        Map<String, Object> spec = Map.of("azure", Map.of("subscription", "s"), "clusters", List.of(
                Map.of("name", "cluster1", "azure", Map.of("resourceGroup", "rg1", "name", "aks-1")),
                Map.of("name", "cluster2", "kubeconfigSecretRef", Map.of("name", "kc"))));
        List<Finding> findings = none.check(spec);
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(AzureAccess.CODE);
            assertThat(f.cluster()).isEqualTo("cluster1");
            assertThat(f.path()).isEqualTo("spec.clusters[0].azure");
            assertThat(f.message()).contains("workload identity not configured").contains("AZURE_TENANT_ID").contains("rg1/aks-1")
                    .doesNotContain("AZURE_CLIENT_ID");
            assertThat(f.remediation()).contains("azure.workload.identity/use").contains("azure.workload.identity/client-id")
                    .contains(AzureAccess.DOCS);
        });
        assertThat(none.check(Map.of("clusters", List.of(Map.of("name", "c", "kubeconfigSecretRef", Map.of("name", "kc"))))))
                .as("a spec without Azure needs no workload identity").isEmpty();
        TokenCredential given = request -> reactor.core.publisher.Mono.empty();
        // the cloud follows the authority host the webhook injects: its ARM endpoint (and token audience)
        assertThat(AzureAccess.of(given, null, Map.of("AZURE_AUTHORITY_HOST", "https://login.chinacloudapi.cn/")).provider().toString())
                .contains("management.chinacloudapi.cn");
        assertThat(AzureAccess.of(given, null, Map.of("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us")).provider().toString())
                .contains("management.usgovcloudapi.net");
        assertThat(AzureAccess.of(given, null, Map.of()).provider().toString()).contains("management.azure.com");
        assertThat(AzureAccess.of(given, java.net.URI.create("http://127.0.0.1:8089"), Map.of()).provider().toString())
                .contains("127.0.0.1:8089");
        assertThat(AzureAccess.of(given, null, Map.of()).check(spec)).as("a credential given to the builder").isEmpty();
    }
}
