package io.clustermesh.spi;

/**
 * A source of the current bearer token for one cluster's Kubernetes API, for clusters whose API server accepts tokens
 * the SDK obtains in-process instead of a credential plugin (e.g. Microsoft Entra ID tokens for AKS clusters with
 * Entra ID integration, which {@code clustermesh-azure} gets from its Azure credential). The Kubernetes client asks
 * for {@link #current()} on every request and Helm on every call, so an implementation caches the token and refreshes
 * it before it expires.
 *
 * <p>Tokens are secrets: {@link #current()} is for transports only, and {@link #describe()} and {@code toString()}
 * never show one.
 */
public interface BearerTokens {
    /**
     * The token to send now ({@code Authorization: Bearer <token>}), refreshed when it is close to expiring. Safe to
     * call from several threads.
     *
     * @throws io.clustermesh.MeshAccessException when no token can be obtained (the message names the cluster and the fix,
     *                                            never a token)
     */
    String current();

    /** Where the tokens come from, for plans and logs (e.g. the credential and scope); never a token. */
    String describe();
}
