package io.clustermesh.testing;

import io.clustermesh.MeshClock;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The lab's Microsoft Entra ID: issues opaque random bearer tokens for a scope with a chosen lifetime, remembers them,
 * and decides — by its own records and its own clock, never by asking the SDK — whether a token a lab API server
 * receives is valid: known, issued for the AKS server application's scope {@value #AKS_SCOPE}, and not expired.
 * A lab cluster that {@linkplain LabCluster#acceptOnly(LabEntraId) accepts only these tokens} answers 401 to every
 * request (Kubernetes client and Helm alike) without a valid one, like an AKS cluster with Entra ID integration and
 * local accounts disabled.
 *
 * <p>A test adapts {@link #issue(String)} to the credential type of its SDK (e.g. an Azure {@code TokenCredential}
 * in sdk-azure's tests). Time is the system clock plus an offset the test moves with {@link #advance(Duration)}, so
 * that a token expires exactly when a test says; {@link #clock()} is that time as a {@link MeshClock}.
 *
 * <p>Tokens are secrets: {@link #toString()} and {@link Token#toString()} never show one. {@link #issuedTokens()} is
 * for tests that scan outputs for them.
 */
public final class LabEntraId {
    /** The AKS Microsoft Entra server application's default scope (the audience AKS clusters accept). */
    public static final String AKS_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

    /** One issued token. */
    public record Token(String value, String scope, Instant expiresAt) {
        @Override
        public String toString() {
            return "Token[<redacted>, " + scope + ", expires " + expiresAt + "]";
        }
    }

    private final Duration lifetime;
    private final SecureRandom random = new SecureRandom();
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
    private final Map<String, Token> issued = new ConcurrentHashMap<>();
    private final List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger rejected = new AtomicInteger();

    private LabEntraId(Duration lifetime) {
        this.lifetime = lifetime;
    }

    /** An issuer whose tokens live {@code lifetime} (Entra ID access tokens live 60 to 90 minutes). */
    public static LabEntraId withLifetime(Duration lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
        }
        return new LabEntraId(lifetime);
    }

    /** The issuer's time: the system clock moved by {@link #advance(Duration)}. */
    public Instant now() {
        return Instant.now().plus(offset.get());
    }

    /** Moves the issuer's time forward (tokens issued before may expire). */
    public void advance(Duration d) {
        Objects.requireNonNull(d, "d");
        offset.updateAndGet(o -> o.plus(d));
    }

    /** The issuer's time as a {@link MeshClock}; its {@code sleep} advances the time instead of waiting. */
    public MeshClock clock() {
        return new MeshClock() {
            @Override
            public Instant now() {
                return LabEntraId.this.now();
            }

            @Override
            public void sleep(Duration d) {
                advance(d);
            }

            @Override
            public String toString() {
                return "LabEntraId clock";
            }
        };
    }

    /** Issues a new token for {@code scope}, valid for the lifetime from {@link #now()}. */
    public Token issue(String scope) {
        Objects.requireNonNull(scope, "scope");
        byte[] b = new byte[24];
        random.nextBytes(b);
        Token t = new Token("lab-entra-" + HexFormat.of().formatHex(b), scope, now().plus(lifetime));
        issued.put(t.value(), t);
        order.add(t.value());
        return t;
    }

    /**
     * Whether a lab API server accepts this bearer token now: issued here, for {@value #AKS_SCOPE}, not expired.
     * Counts accepted tokens and rejections.
     */
    public boolean accepts(String bearer) {
        Token t = bearer == null ? null : issued.get(bearer);
        boolean ok = t != null && AKS_SCOPE.equals(t.scope()) && now().isBefore(t.expiresAt());
        if (ok) {
            accepted.add(bearer);
        } else {
            rejected.incrementAndGet();
        }
        return ok;
    }

    /** How many distinct tokens lab API servers accepted. */
    public int acceptedTokens() {
        return accepted.size();
    }

    /** How many requests lab API servers refused (missing, unknown, wrong-scope or expired token). */
    public int rejections() {
        return rejected.get();
    }

    /** How many tokens were issued (any scope). */
    public int issuedCount() {
        return order.size();
    }

    /** Every token value issued so far, in order: secrets, for tests that scan outputs for them. */
    public List<String> issuedTokens() {
        synchronized (order) {
            return List.copyOf(order);
        }
    }

    /**
     * A token source for {@code ClusterAccess.kubeconfig(content, tokens)} straight from this issuer (no Azure SDK):
     * a token for {@value #AKS_SCOPE}, replaced once less than half its lifetime is left.
     */
    public io.clustermesh.spi.BearerTokens bearerTokens() {
        return new io.clustermesh.spi.BearerTokens() {
            private Token current;

            @Override
            public synchronized String current() {
                if (current == null || !now().isBefore(current.expiresAt().minus(lifetime.dividedBy(2)))) {
                    current = issue(AKS_SCOPE);
                }
                return current.value();
            }

            @Override
            public String describe() {
                return "the lab's Entra ID (scope " + AKS_SCOPE + ")";
            }

            @Override
            public String toString() {
                return "LabEntraId tokens";
            }
        };
    }

    @Override
    public String toString() {
        return "LabEntraId[lifetime " + lifetime + ", " + order.size() + " issued, " + accepted.size() + " accepted, "
                + rejected.get() + " rejected]";
    }
}
