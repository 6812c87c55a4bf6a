package io.clustermesh.model;

import io.clustermesh.spi.BearerTokens;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the SDK reaches one cluster's Kubernetes API. Kubeconfig content is a secret: it never appears in
 * {@link #toString()}, logs, plans or reports.
 *
 * <p>A cluster is reached only through its own named context: a context (or its cluster or user entry) missing from
 * the kubeconfig is an error, never a fallback to the file's {@code current-context}. The Kubernetes client and Helm
 * get the same single-context kubeconfig derived from this access.
 *
 * <p>Credential plugins ({@code users[].user.exec}) run as kubectl would run them for kubeconfigs the caller gives
 * (code or {@code --kubeconfig}); each is announced once per cluster before it first runs
 * ({@code MeshListener.credentialPlugin}). A kubeconfig named inside a spec file is not the caller's own choice: the
 * spec reader marks it {@linkplain #withExecAllowed(boolean) exec not allowed}, and the SDK refuses to run its plugin
 * unless the caller allows it.
 *
 * <p>Kubeconfig content may come with a {@link BearerTokens} source ({@link #kubeconfig(String, BearerTokens)}): the
 * kubeconfig then gives only the server and its CA, and every request (Kubernetes client and Helm alike) carries the
 * source's current token instead of the user entry's credentials; no credential plugin runs.
 */
public final class ClusterAccess {

    public enum Kind {
        /** A context of a kubeconfig file (the file given, else the standard locations, only when asked). */
        KUBE_CONTEXT,
        /** Kubeconfig content held in memory (e.g. fetched from Azure or made by the lab). */
        KUBECONFIG,
        /** A managed cluster in the cloud, whose credentials the {@code CloudProvider} fetches. */
        AZURE
    }

    private final Kind kind;
    private final String context;
    private final Path kubeconfigFile;
    private final String kubeconfig;
    private final AzureRef azure;
    private final boolean execAllowed;
    private final BearerTokens tokens;

    private ClusterAccess(Kind kind, String context, Path kubeconfigFile, String kubeconfig, AzureRef azure) {
        this(kind, context, kubeconfigFile, kubeconfig, azure, true, null);
    }

    private ClusterAccess(Kind kind, String context, Path kubeconfigFile, String kubeconfig, AzureRef azure, boolean execAllowed,
                          BearerTokens tokens) {
        this.kind = kind;
        this.context = context;
        this.kubeconfigFile = kubeconfigFile;
        this.kubeconfig = kubeconfig;
        this.azure = azure;
        this.execAllowed = execAllowed;
        this.tokens = tokens;
    }

    /** A context of the default kubeconfig ({@code KUBECONFIG} or {@code ~/.kube/config}). */
    public static ClusterAccess kubeContext(String context) {
        return new ClusterAccess(Kind.KUBE_CONTEXT, requireText(context, "context"), null, null, null);
    }

    /** A context of the given kubeconfig file. */
    public static ClusterAccess kubeContext(String context, Path kubeconfigFile) {
        return new ClusterAccess(Kind.KUBE_CONTEXT, requireText(context, "context"),
                Objects.requireNonNull(kubeconfigFile, "kubeconfigFile"), null, null);
    }

    /** Kubeconfig content (YAML); its current context is used unless {@code context} is given. */
    public static ClusterAccess kubeconfig(String content) {
        return new ClusterAccess(Kind.KUBECONFIG, null, null, requireText(content, "kubeconfig"), null);
    }

    /** Kubeconfig content with an explicit context. */
    public static ClusterAccess kubeconfig(String content, String context) {
        return new ClusterAccess(Kind.KUBECONFIG, requireText(context, "context"), null, requireText(content, "kubeconfig"), null);
    }

    /**
     * Kubeconfig content (its current context) whose server and CA are used with bearer tokens from {@code tokens}: the
     * user entry's credentials (token, client certificate, {@code exec} plugin) are not used. For clusters that accept
     * tokens the SDK obtains in-process, e.g. AKS clusters with Microsoft Entra ID integration.
     */
    public static ClusterAccess kubeconfig(String content, BearerTokens tokens) {
        return new ClusterAccess(Kind.KUBECONFIG, null, null, requireText(content, "kubeconfig"), null, true,
                Objects.requireNonNull(tokens, "tokens"));
    }

    /** An AKS managed cluster; credentials come from {@code listClusterUserCredential}. */
    public static ClusterAccess azure(String resourceGroup, String name) {
        return new ClusterAccess(Kind.AZURE, null, null, null, new AzureRef(resourceGroup, name));
    }

    private static String requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }

    public Kind kind() {
        return kind;
    }

    public Optional<String> context() {
        return Optional.ofNullable(context);
    }

    public Optional<Path> kubeconfigFile() {
        return Optional.ofNullable(kubeconfigFile);
    }

    /** The kubeconfig content; a secret, for transports only. */
    public Optional<String> kubeconfigContent() {
        return Optional.ofNullable(kubeconfig);
    }

    public Optional<AzureRef> azureRef() {
        return Optional.ofNullable(azure);
    }

    /** The source of the bearer tokens every request carries, when the access has one (instead of the user entry's credentials). */
    public Optional<BearerTokens> bearerTokens() {
        return Optional.ofNullable(tokens);
    }

    /**
     * Whether a credential plugin ({@code exec}) of this access's kubeconfig may run. True for accesses made in code;
     * false for kubeconfig files named inside a spec file until the caller allows them.
     */
    public boolean execAllowed() {
        return execAllowed;
    }

    /** A copy that may (or may not) run the kubeconfig's credential plugin. */
    public ClusterAccess withExecAllowed(boolean allowed) {
        return allowed == execAllowed ? this : new ClusterAccess(kind, context, kubeconfigFile, kubeconfig, azure, allowed, tokens);
    }

    /** Equal when they reach the same cluster the same way; whether a plugin may run is a permission, not part of it. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterAccess a && a.kind == kind && Objects.equals(a.context, context)
                && Objects.equals(a.kubeconfigFile, kubeconfigFile) && Objects.equals(a.kubeconfig, kubeconfig)
                && Objects.equals(a.azure, azure) && Objects.equals(a.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, context, kubeconfigFile, kubeconfig, azure);
    }

    @Override
    public String toString() {
        switch (kind) {
            case KUBE_CONTEXT:
                return "kubeContext(" + context + (kubeconfigFile == null ? "" : ", " + kubeconfigFile) + (execAllowed ? "" : ", exec not allowed") + ")";
            case KUBECONFIG:
                return "kubeconfig(<redacted>" + (context == null ? "" : ", context " + context)
                        + (tokens == null ? "" : ", bearer tokens from " + tokens.describe()) + ")";
            default:
                return "azure(" + azure + ")";
        }
    }
}
