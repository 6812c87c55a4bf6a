package io.clustermesh.azure.internal;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshClock;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The in-process Entra ID token source: the AKS scope, caching, refresh before expiry, errors without secrets. */
class EntraTokensTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<TokenRequestContext> requests = new ArrayList<>();

    private final MeshClock clock = new MeshClock() {
        @Override
        public Instant now() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            now = now.plus(d);
        }
    };

    private void advance(Duration d) {
        now = now.plus(d);
    }

    /** A credential issuing token-N that lives {@code lifetime} from the fake clock's now. */
    private Supplier<TokenCredential> issuing(Duration lifetime) {
        TokenCredential c = new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.fromSupplier(() -> getTokenSync(request));
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                requests.add(request);
                return new AccessToken("token-" + requests.size(), now.plus(lifetime).atOffset(ZoneOffset.UTC));
            }
        };
        return new Supplier<>() {
            @Override
            public TokenCredential get() {
                return c;
            }

            @Override
            public String toString() {
                return "TestCredential";
            }
        };
    }

    @Test
    void anHourLongTokenIsCachedAndRefreshedFiveMinutesBeforeItExpires() {
        EntraTokens tokens = new EntraTokens("cluster1", issuing(Duration.ofMinutes(60)), "tenant-1", clock);

        assertThat(tokens.current()).isEqualTo("token-1");
        advance(Duration.ofMinutes(54));
        assertThat(tokens.current()).as("6 minutes left: still the cached token").isEqualTo("token-1");
        advance(Duration.ofMinutes(1));
        assertThat(tokens.current()).as("5 minutes left: refreshed").isEqualTo("token-2");
        assertThat(tokens.fetched()).isEqualTo(2);
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.getScopes()).containsExactly("6dae42f8-4368-4678-94ff-3960e28e3630/.default");
            assertThat(r.getTenantId()).isEqualTo("tenant-1");
        });
    }

    @Test
    void aShortLivedTokenIsRefreshedAtHalfItsLifetime() {
        EntraTokens tokens = new EntraTokens("cluster1", issuing(Duration.ofMinutes(4)), null, clock);

        assertThat(tokens.current()).isEqualTo("token-1");
        advance(Duration.ofSeconds(119));
        assertThat(tokens.current()).isEqualTo("token-1");
        advance(Duration.ofSeconds(1));
        assertThat(tokens.current()).isEqualTo("token-2");
    }

    @Test
    void aFailingCredentialIsAnAccessErrorNamingTheClusterScopeAndFixWithoutAToken() {
        TokenCredential failing = new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.error(new IllegalStateException("x"));
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                throw new IllegalStateException("DefaultAzureCredential failed to retrieve a token from the included credentials.\nline two");
            }
        };
        EntraTokens tokens = new EntraTokens("cluster2", () -> failing, null, clock);

        MeshAccessException e = catchThrowableOfType(MeshAccessException.class, tokens::current);

        assertThat(e.getMessage()).contains("cluster2").contains("Microsoft Entra ID token")
                .contains("6dae42f8-4368-4678-94ff-3960e28e3630/.default").contains("failed to retrieve a token").doesNotContain("line two");
        assertThat(e.remediation()).contains("Azure Kubernetes Service RBAC Cluster Admin");
        assertThat(e.getCause()).isNull();
    }

    @Test
    void describeAndToStringNameTheSourceNeverTheToken() {
        EntraTokens tokens = new EntraTokens("cluster1", issuing(Duration.ofMinutes(60)), null, clock);
        String token = tokens.current();

        assertThat(tokens.describe()).isEqualTo("Microsoft Entra ID (TestCredential, scope 6dae42f8-4368-4678-94ff-3960e28e3630/.default)");
        assertThat(tokens.toString()).contains("cluster1").doesNotContain(token);
    }
}
