package io.clustermesh.azure.internal;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshClock;
import io.clustermesh.MeshException.Details;
import io.clustermesh.spi.BearerTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Microsoft Entra ID tokens for the Kubernetes API of an AKS cluster with Entra ID integration ({@code aadProfile}),
 * obtained in-process from the same {@link TokenCredential} the SDK uses for ARM — what {@code kubelogin get-token}
 * would do out of process, without a binary on PATH and without a device-code prompt.
 *
 * <p>The scope is the AKS Microsoft Entra server application, {@value #SCOPE}: the audience every AKS-managed Entra ID
 * cluster accepts (AKS docs, "Use kubelogin to authenticate users in AKS": {@code kubelogin get-token --server-id
 * 6dae42f8-4368-4678-94ff-3960e28e3630}; "AKS-managed Microsoft Entra integration"). The token is cached and fetched again once it is within
 * {@value #MARGIN_MINUTES} minutes of its expiry, or past half its lifetime for tokens that live less than twice that
 * (the credential's own cache then hands out a fresh one). Thread-safe.
 *
 * <p>Tokens are secrets: never logged, never in {@link #toString()} or {@link #describe()}, never in an exception.
 */
public final class EntraTokens implements BearerTokens {
    private static final Logger LOG = LoggerFactory.getLogger(EntraTokens.class);
    /** The application id of the AKS Microsoft Entra server (the same in every tenant of the public cloud). */
    public static final String AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
    /** The scope asked for: the AKS server application's default scope. */
    public static final String SCOPE = AKS_SERVER_APP_ID + "/.default";
    static final long MARGIN_MINUTES = 5;
    private static final Duration MARGIN = Duration.ofMinutes(MARGIN_MINUTES);

    private final String cluster;
    private final Supplier<TokenCredential> credential;
    private final String tenantId;
    private final MeshClock clock;
    private String token;
    private Instant expiresAt;
    private Instant refreshAt;
    private int fetched;

    /**
     * @param cluster    the mesh cluster the tokens are for (named in errors)
     * @param credential the SDK's Azure credential (made on first use)
     * @param tenantId   the tenant to ask, or null for the credential's
     * @param clock      decides when a token is due for refresh
     */
    public EntraTokens(String cluster, Supplier<TokenCredential> credential, String tenantId, MeshClock clock) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.credential = Objects.requireNonNull(credential, "credential");
        this.tenantId = tenantId;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized String current() {
        Instant now = clock.now();
        if (token == null || !now.isBefore(refreshAt)) {
            fetch(now);
        }
        return token;
    }

    private void fetch(Instant now) {
        TokenRequestContext request = new TokenRequestContext().addScopes(SCOPE);
        if (tenantId != null) {
            request.setTenantId(tenantId);
        }
        AccessToken t;
        try {
            TokenCredential c = credential.get();
            if (c == null) {
                throw new IllegalStateException("no Azure credential is configured");
            }
            t = c.getTokenSync(request);
        } catch (RuntimeException e) {
            // the credential's message says which sources it tried; never attach the exception (it may carry request details)
            throw failed("the credential answered: " + firstLine(e));
        }
        if (t == null || t.getToken() == null || t.getToken().isBlank()) {
            throw failed("the credential returned no token");
        }
        token = t.getToken();
        expiresAt = t.getExpiresAt() == null ? now.plus(Duration.ofMinutes(60)) : t.getExpiresAt().toInstant();
        Duration lifetime = Duration.between(now, expiresAt);
        Duration margin = lifetime.isNegative() ? Duration.ZERO : lifetime.dividedBy(2).compareTo(MARGIN) < 0 ? lifetime.dividedBy(2) : MARGIN;
        refreshAt = expiresAt.minus(margin);
        fetched++;
        LOG.debug("{}: Microsoft Entra ID token #{} for {} from {}, expires {} (refresh from {})", cluster, fetched, SCOPE,
                credential, expiresAt, refreshAt);
    }

    private MeshAccessException failed(String why) {
        return new MeshAccessException(cluster + ": could not get a Microsoft Entra ID token for the AKS API server (scope "
                + SCOPE + ") from " + credential + ": " + why,
                Details.inCluster(cluster)
                        .fix("make the SDK's Azure credential able to sign in without a prompt (workload identity, managed identity, a service "
                        + "principal, or az login for DefaultAzureCredential), and give that identity the Azure Kubernetes Service RBAC "
                        + "Cluster Admin role on the cluster (or a cluster-admin binding in its Kubernetes RBAC)"));
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("").strip();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    /** How many tokens were fetched so far (diagnostics, tests). */
    public synchronized int fetched() {
        return fetched;
    }

    @Override
    public String describe() {
        return "Microsoft Entra ID (" + credential + ", scope " + SCOPE + ")";
    }

    @Override
    public String toString() {
        return "EntraTokens[" + cluster + ", " + credential + ", scope " + SCOPE + "]";
    }
}
