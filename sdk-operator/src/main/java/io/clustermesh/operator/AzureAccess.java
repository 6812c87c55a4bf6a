package io.clustermesh.operator;

import com.azure.core.credential.TokenCredential;
import com.azure.core.management.AzureEnvironment;
import com.azure.identity.AzureAuthorityHosts;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.clustermesh.Finding;
import io.clustermesh.azure.AzureCloudProvider;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.CloudProvider;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How the operator reaches clusters given as AKS resources ({@code azure: {resourceGroup, name}}): the SDK's
 * {@link AzureCloudProvider} (credentials from ARM's {@code listClusterUserCredential}, Microsoft Entra ID clusters
 * with in-process tokens) with the operator's {@link TokenCredential} — by default a {@code WorkloadIdentityCredential}
 * made from the environment the AKS workload identity webhook injects into a pod labelled
 * {@code azure.workload.identity/use: "true"}. Without that environment (and without a credential given to the
 * builder) a resource that needs Azure gets the finding {@link #CODE}, naming what the pod lacks.
 *
 * <p>Nothing here holds a secret: the federated token is a file azure-identity reads on each token request, and the
 * access tokens stay inside azure-identity and the SDK. {@link #toString()} names the credential's kind only.
 */
final class AzureAccess {
    /** The finding of a resource that needs Azure while the operator has no workload identity. */
    static final String CODE = "AZURE_WORKLOAD_IDENTITY_MISSING";
    /** Azure's documentation of workload identity on AKS. */
    static final String DOCS = "https://learn.microsoft.com/azure/aks/workload-identity-overview";
    /** The variables the workload identity webhook injects, without which there is no workload identity. */
    static final List<String> REQUIRED = List.of("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE");
    /** Optional: the Microsoft Entra ID host (the webhook sets it to the cluster's cloud). */
    static final String AUTHORITY_HOST = "AZURE_AUTHORITY_HOST";
    private static final Set<String> KNOWN_AUTHORITIES = Set.of(AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
            AzureAuthorityHosts.AZURE_CHINA, AzureAuthorityHosts.AZURE_GOVERNMENT);

    private final TokenCredential credential;
    private final String kind;
    private final List<String> missing;
    private final URI armEndpoint;
    private final AzureEnvironment cloud;
    private volatile AzureCloudProvider provider;

    private AzureAccess(TokenCredential credential, String kind, List<String> missing, URI armEndpoint, AzureEnvironment cloud) {
        this.credential = credential;
        this.kind = kind;
        this.missing = List.copyOf(missing);
        this.armEndpoint = armEndpoint;
        this.cloud = cloud;
    }

    /**
     * The Azure cloud of the authority host the webhook injected ({@code AZURE_AUTHORITY_HOST}): its ARM endpoint and
     * token audience (China, US Government); public Azure otherwise.
     */
    static AzureEnvironment cloud(Map<String, String> env) {
        String host = env.get(AUTHORITY_HOST);
        String h = host == null ? "" : withSlash(host.trim().toLowerCase(Locale.ROOT));
        if (h.equals(AzureAuthorityHosts.AZURE_CHINA)) {
            return AzureEnvironment.AZURE_CHINA;
        }
        if (h.equals(AzureAuthorityHosts.AZURE_GOVERNMENT)) {
            return AzureEnvironment.AZURE_US_GOVERNMENT;
        }
        return AzureEnvironment.AZURE;
    }

    /**
     * The operator's Azure access: {@code given} when not null, else workload identity from {@code env} when its
     * variables are all set, else none (resources that need Azure get the finding {@link #CODE}).
     */
    static AzureAccess of(TokenCredential given, URI armEndpoint, Map<String, String> env) {
        if (given != null) {
            return new AzureAccess(given, "the given TokenCredential", List.of(), armEndpoint, cloud(env));
        }
        List<String> missing = missing(env);
        if (!missing.isEmpty()) {
            return new AzureAccess(null, "none", missing, armEndpoint, cloud(env));
        }
        return new AzureAccess(workloadIdentity(env), "WorkloadIdentityCredential", List.of(), armEndpoint, cloud(env));
    }

    private static List<String> missing(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String v : REQUIRED) {
            String x = env.get(v);
            if (x == null || x.isBlank()) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * A {@code WorkloadIdentityCredential} from the variables the workload identity webhook injects:
     * {@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID}, {@code AZURE_FEDERATED_TOKEN_FILE} (the projected service
     * account token, read again on every token request, so its rotation is picked up) and, when set,
     * {@code AZURE_AUTHORITY_HOST}. Instance discovery is turned off for an authority host that is not one of Azure's
     * public, China or US Government clouds (Azure Stack, a private cloud, a local fake).
     *
     * <p>(azure-identity exchanges the federated token with {@code HttpURLConnection}, i.e. the JVM's default TLS
     * settings and proxy, not an Azure {@code HttpClient}.)
     *
     * @throws IllegalArgumentException naming the variables that are not set
     */
    static TokenCredential workloadIdentity(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        List<String> missing = missing(env);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("workload identity not configured: " + String.join(", ", missing) + " not set");
        }
        WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder().clientId(env.get("AZURE_CLIENT_ID"))
                .tenantId(env.get("AZURE_TENANT_ID")).tokenFilePath(env.get("AZURE_FEDERATED_TOKEN_FILE"));
        String authority = env.get(AUTHORITY_HOST);
        if (authority != null && !authority.isBlank()) {
            b.authorityHost(authority);
            if (!KNOWN_AUTHORITIES.contains(withSlash(authority.toLowerCase(Locale.ROOT)))) {
                b.disableInstanceDiscovery();
            }
        }
        return b.build();
    }

    private static String withSlash(String s) {
        return s.endsWith("/") ? s : s + "/";
    }

    /** True when the operator has a credential for Azure. */
    boolean configured() {
        return credential != null;
    }

    /** Whether the spec needs Azure: a cluster given as an AKS resource, or the {@code azure} section (network preflight). */
    static boolean needed(MeshSpec spec) {
        return spec.azure() != null || spec.clusters().stream().anyMatch(AzureAccess::isAzure);
    }

    static boolean isAzure(MeshCluster c) {
        return c.access() != null && c.access().kind() == ClusterAccess.Kind.AZURE;
    }

    /**
     * The findings of a resource's {@code spec} (as the Kubernetes client gives it) that needs Azure while the operator
     * has no credential: one per cluster given as {@code azure:}, or one for the {@code azure} section alone; none when
     * the operator has a credential or the spec needs no Azure.
     */
    @SuppressWarnings("unchecked")
    List<Finding> check(Object spec) {
        List<Finding> out = new ArrayList<>();
        if (configured() || !(spec instanceof Map<?, ?> m)) {
            return out;
        }
        String what = "workload identity not configured (" + String.join(", ", missing) + " not set in the operator's environment)";
        String fix = "the operator's pod needs the azure.workload.identity/use: \"true\" label and a service account annotated with"
                + " azure.workload.identity/client-id: <client id of a managed identity federated with that service account>"
                + " (Helm: --set azure.workloadIdentity.enabled=true --set azure.workloadIdentity.clientId=<id>); see " + DOCS;
        if (m.get("clusters") instanceof List<?> clusters) {
            for (int i = 0; i < clusters.size(); i++) {
                if (clusters.get(i) instanceof Map<?, ?> c && c.get("azure") != null) {
                    String name = c.get("name") instanceof String n ? n : "spec.clusters[" + i + "]";
                    String ref = c.get("azure") instanceof Map<?, ?> a ? a.get("resourceGroup") + "/" + a.get("name") : "?";
                    out.add(Finding.error(CODE, name, "spec.clusters[" + i + "].azure", name + ": the cluster is given as the AKS cluster "
                            + ref + ", but " + what, fix));
                }
            }
        }
        if (out.isEmpty() && m.get("azure") != null) {
            out.add(Finding.error(CODE, null, "spec.azure", "the spec has an azure section, but " + what, fix));
        }
        return out;
    }

    /** The SDK's Azure provider on this access (made once; thread-safe). */
    CloudProvider provider() {
        AzureCloudProvider p = provider;
        if (p == null) {
            synchronized (this) {
                if (provider == null) {
                    AzureCloudProvider.Builder b = AzureCloudProvider.builder().credential(Objects.requireNonNull(credential, "credential"))
                            .environment(cloud);
                    if (armEndpoint != null) {
                        b.armEndpoint(armEndpoint);
                    }
                    provider = b.build();
                }
                p = provider;
            }
        }
        return p;
    }

    /** For the start-up log: the credential's kind, or what is missing. */
    String describe() {
        return configured() ? kind + ", ARM " + (armEndpoint != null ? armEndpoint : cloud.getResourceManagerEndpoint())
                : "workload identity not configured (" + String.join(", ", missing) + " not set); ClusterMesh resources with azure: clusters"
                + " will be Degraded";
    }

    @Override
    public String toString() {
        return "AzureAccess[" + kind + ", ARM " + (armEndpoint != null ? armEndpoint : cloud.getResourceManagerEndpoint()) + "]";
    }
}
