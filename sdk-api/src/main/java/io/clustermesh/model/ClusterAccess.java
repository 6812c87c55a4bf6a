package io.clustermesh.model;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the SDK reaches one cluster's Kubernetes API. Kubeconfig content is a secret: it never appears in
 * {@link #toString()}, logs, plans or reports.
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

    private ClusterAccess(Kind kind, String context, Path kubeconfigFile, String kubeconfig, AzureRef azure) {
        this.kind = kind;
        this.context = context;
        this.kubeconfigFile = kubeconfigFile;
        this.kubeconfig = kubeconfig;
        this.azure = azure;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterAccess a && a.kind == kind && Objects.equals(a.context, context)
                && Objects.equals(a.kubeconfigFile, kubeconfigFile) && Objects.equals(a.kubeconfig, kubeconfig)
                && Objects.equals(a.azure, azure);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, context, kubeconfigFile, kubeconfig, azure);
    }

    @Override
    public String toString() {
        switch (kind) {
            case KUBE_CONTEXT:
                return "kubeContext(" + context + (kubeconfigFile == null ? "" : ", " + kubeconfigFile) + ")";
            case KUBECONFIG:
                return "kubeconfig(<redacted>" + (context == null ? "" : ", context " + context) + ")";
            default:
                return "azure(" + azure + ")";
        }
    }
}
