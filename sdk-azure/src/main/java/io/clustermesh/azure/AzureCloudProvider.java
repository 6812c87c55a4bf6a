package io.clustermesh.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshClock;
import io.clustermesh.RetryPolicy;
import io.clustermesh.azure.internal.ArmSession;
import io.clustermesh.azure.internal.ArmSettings;
import io.clustermesh.azure.internal.AzureDiscovery;
import io.clustermesh.azure.internal.AzurePreflight;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.CloudProvider;
import io.clustermesh.spi.Discovery;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The Azure {@link CloudProvider}: discovers AKS clusters (pod and service CIDRs, API FQDN, user kubeconfig held in
 * memory), preflights the hub-and-spoke network and the clusters, and gives access to provisioning through
 * {@link #topology()}. Found by {@link java.util.ServiceLoader} when {@code clustermesh-azure} is on the class
 * path; the public no-arg constructor uses {@code DefaultAzureCredential} on the public Azure cloud.
 *
 * <pre>{@code
 * CloudProvider azure = AzureCloudProvider.builder()
 *         .credential(new AzureCliCredentialBuilder().build())   // any TokenCredential
 *         .retryPolicy(RetryPolicy.defaults())
 *         .build();
 * // a local fake or Azure Stack: .armEndpoint(URI.create("http://127.0.0.1:8089"))  (plain http: no bearer token)
 * }</pre>
 *
 * Over HTTP the provider is one pipeline per subscription on the JDK HTTP client, with one retry layer (ours,
 * configured by {@link RetryPolicy}; Azure's own retry policy is not installed). Thread-safe. Tokens and kubeconfig
 * content never reach a log, a finding, a note or an exception message.
 */
public final class AzureCloudProvider implements CloudProvider {
    /** Poll interval of long-running operations when the server gives no {@code Retry-After}. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);
    /** Deadline of one long-running operation (an AKS cluster takes 5 to 15 minutes). */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofMinutes(45);

    private final ArmSettings settings;
    private final boolean adminCredentials;
    private final Map<String, ArmSession> sessions = new ConcurrentHashMap<>();
    /** {@code <mesh>/<cluster>} → its managed cluster, for clusters whose access discovery replaced by kubeconfig content. */
    private final Map<String, AzureRef> discovered = new ConcurrentHashMap<>();

    /** Public Azure with {@code DefaultAzureCredential} (workload identity, managed identity, Azure CLI, ...), made on first use. */
    public AzureCloudProvider() {
        this(new Builder().settings(), false);
    }

    private AzureCloudProvider(ArmSettings settings, boolean adminCredentials) {
        this.settings = settings;
        this.adminCredentials = adminCredentials;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public boolean supports(MeshSpec spec) {
        return spec.azure() != null || spec.clusters().stream()
                .anyMatch(c -> c.access() != null && c.access().kind() == ClusterAccess.Kind.AZURE);
    }

    @Override
    public Discovery discover(MeshSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.azure() == null) {
            return new Discovery(spec, List.of(), Map.of()); // the spec validation reports AZURE_SECTION_MISSING
        }
        ArmSession arm = session(spec.azure().subscription());
        Map<String, Finding> unreadable = new HashMap<>();
        Discovery d = AzureDiscovery.run(arm, spec, (cluster, ref) -> discovered.put(key(spec, cluster), ref), unreadable::put,
                adminCredentials);
        boolean discoveryErrors = d.findings().stream().anyMatch(Finding::isError);
        boolean specErrors = Mesh.validate(d.spec()).stream().anyMatch(Finding::isError);
        if (!discoveryErrors && !specErrors) {
            return d; // the mesh runs preflight(..) next
        }
        // A mesh runs preflight(..) only when discovery and the spec validation found no error. So that one run names
        // every problem, the Azure checks run here: each needs ARM only, not the credential or the ranges that failed.
        List<Finding> all = new ArrayList<>(d.findings());
        for (Finding f : AzurePreflight.run(arm, d.spec(), cluster -> discovered.get(key(spec, cluster)), unreadable)) {
            // discovery and preflight read the managed cluster alike: one failure is reported once
            boolean duplicate = all.stream().anyMatch(g -> g.code().equals(f.code()) && Objects.equals(g.cluster(), f.cluster())
                    && g.path().equals(f.path()) && (!f.code().equals(AzureFindingCodes.CHECKS_SKIPPED) || g.message().equals(f.message())));
            if (!duplicate) {
                all.add(f);
            }
        }
        List<String> reachable = d.spec().clusters().stream()
                .filter(c -> c.access() != null && c.access().kind() != ClusterAccess.Kind.AZURE).map(MeshCluster::name).toList();
        if (!reachable.isEmpty()) {
            all.add(AzurePreflight.skippedFinding(null, "spec.clusters", AzureDiscovery.IN_CLUSTER_CHECKS + " of " + String.join(", ", reachable),
                    "a plan reads the clusters only once discovery, the spec and the Azure preflight report no error", null));
        }
        return new Discovery(d.spec(), all, d.notes());
    }

    /**
     * {@inheritDoc} Every check whose input could be read runs; an {@code AZURE_CHECKS_SKIPPED} finding names the
     * checks a failed read kept from running. When {@link #discover} already found errors, these checks ran there
     * (a mesh does not call this method then), so that one run reports everything.
     */
    @Override
    public List<Finding> preflight(MeshSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.azure() == null) {
            return List.of();
        }
        ArmSession arm = session(spec.azure().subscription());
        return AzurePreflight.run(arm, spec, cluster -> discovered.get(key(spec, cluster)));
    }

    /** Provisioning of hub-and-spoke topologies ({@link AzureLabTopology}) on this provider's connection settings. */
    public AzureTopology topology() {
        return new AzureTopology(this::session);
    }

    /** Retries the one retry layer has scheduled so far in a subscription (diagnostics, benchmarks). */
    public long retries(String subscription) {
        ArmSession s = sessions.get(subscription);
        return s == null ? 0 : s.retries();
    }

    private ArmSession session(String subscription) {
        return sessions.computeIfAbsent(subscription, s -> new ArmSession(settings, s));
    }

    private static String key(MeshSpec spec, String cluster) {
        return spec.name() + "/" + cluster;
    }

    @Override
    public String toString() {
        return "AzureCloudProvider[" + settings.endpoint() + "]";
    }

    /** Builder of an {@link AzureCloudProvider}; every setting is optional. */
    public static final class Builder {
        private TokenCredential credential;
        private AzureEnvironment environment = AzureEnvironment.AZURE;
        private String tenantId;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private MeshClock clock = MeshClock.system();
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
        private HttpClient httpClient;
        private boolean adminCredentials;

        private Builder() {
        }

        /**
         * Use each cluster's <em>admin</em> kubeconfig ({@code listClusterAdminCredential}: the local admin account's
         * client certificate) instead of the user kubeconfig (default false). Only when asked: the caller's identity needs
         * the Azure Kubernetes Service Cluster Admin Role, and AKS refuses it for clusters with local accounts disabled
         * (a finding, before anything is written). Without it, Microsoft Entra ID clusters are reached with in-process
         * Entra ID tokens from the {@linkplain #credential credential}.
         */
        public Builder adminCredentials(boolean admin) {
            this.adminCredentials = admin;
            return this;
        }

        /** Any Azure Identity credential; default {@code DefaultAzureCredential}. Not used over plain http. */
        public Builder credential(TokenCredential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /** A sovereign cloud ({@code AzureEnvironment.AZURE_CHINA}, ...) or a custom environment (Azure Stack). */
        public Builder environment(AzureEnvironment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * A plain ARM endpoint ({@code --arm-endpoint}): a local fake ({@code http://127.0.0.1:8089}, where no bearer
         * token is sent) or an ARM-compatible https endpoint. The other endpoints (token audience) stay those of the
         * environment set so far.
         */
        public Builder armEndpoint(URI endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            String scheme = endpoint.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("armEndpoint must be an http(s) URL such as https://management.azure.com, got " + endpoint);
            }
            Map<String, String> endpoints = new HashMap<>(environment.getEndpoints());
            String url = endpoint.toString();
            endpoints.put("resourceManagerEndpointUrl", url.endsWith("/") ? url : url + "/");
            this.environment = new AzureEnvironment(endpoints);
            return this;
        }

        /** Same as {@link #armEndpoint(URI)}. */
        public Builder armEndpoint(String endpoint) {
            return armEndpoint(URI.create(Objects.requireNonNull(endpoint, "endpoint")));
        }

        /** The tenant for token requests; default: the credential's. */
        public Builder tenantId(String tenantId) {
            this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
            return this;
        }

        /** The one retry layer's policy (429 with Retry-After, 5xx, connection resets, busy-resource 409s). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** Time and sleeping for retries and operation polling; tests inject one that does not wait. */
        public Builder clock(MeshClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Poll interval of long-running operations when the server sends no {@code Retry-After}. */
        public Builder pollInterval(Duration pollInterval) {
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (pollInterval.isNegative()) {
                throw new IllegalArgumentException("pollInterval must not be negative");
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /** Deadline of one long-running operation. */
        public Builder operationTimeout(Duration operationTimeout) {
            Objects.requireNonNull(operationTimeout, "operationTimeout");
            if (operationTimeout.isNegative() || operationTimeout.isZero()) {
                throw new IllegalArgumentException("operationTimeout must be positive");
            }
            this.operationTimeout = operationTimeout;
            return this;
        }

        /** An Azure {@code HttpClient} (proxies, TLS); default: the JDK HTTP client. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        ArmSettings settings() {
            TokenCredential given = credential;
            Supplier<TokenCredential> cred = given != null ? new GivenCredential(given) : new LazyDefaultCredential(tenantId);
            return new ArmSettings(environment, tenantId, cred, retryPolicy, clock, pollInterval, operationTimeout, httpClient);
        }

        public AzureCloudProvider build() {
            return new AzureCloudProvider(settings(), adminCredentials);
        }
    }

    /** The credential the caller gave, named by its class (for findings and logs; never a secret). */
    private record GivenCredential(TokenCredential credential) implements Supplier<TokenCredential> {
        @Override
        public TokenCredential get() {
            return credential;
        }

        @Override
        public String toString() {
            String n = credential.getClass().getSimpleName();
            return n.isEmpty() || n.contains("$$Lambda") || n.contains("/") ? "the given TokenCredential" : n;
        }
    }

    /** {@code DefaultAzureCredential}, built on first use (constructing the provider does no I/O). */
    private static final class LazyDefaultCredential implements Supplier<TokenCredential> {
        private final String tenantId;
        private volatile TokenCredential credential;

        LazyDefaultCredential(String tenantId) {
            this.tenantId = tenantId;
        }

        @Override
        public TokenCredential get() {
            TokenCredential c = credential;
            if (c == null) {
                synchronized (this) {
                    if (credential == null) {
                        DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder();
                        if (tenantId != null) {
                            b.tenantId(tenantId);
                        }
                        credential = b.build();
                    }
                    c = credential;
                }
            }
            return c;
        }

        @Override
        public String toString() {
            return "DefaultAzureCredential";
        }
    }
}
