package io.clustermesh.testing.arm;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.common.Notifier;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.clustermesh.testing.internal.FaultInjector;
import io.clustermesh.testing.internal.RequestCounter;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.clustermesh.testing.requests.RequestCounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A stateful fake of Azure Resource Manager on WireMock, bound to 127.0.0.1 on a free port, plain HTTP.
 *
 * <p>Semantics: PUT stores (201 the first time, 200 after) and fills in {@code id}, {@code name}, {@code type},
 * {@code location}, {@code etag} and {@code properties.provisioningState}; GET returns the resource or 404 with
 * ARM's error body ({@code ResourceNotFound}, {@code ResourceGroupNotFound}); DELETE removes it with its children
 * (200, or 204 when absent); PATCH merges (RFC 7386); GET on a collection path lists ({@code {"value": [...]}}),
 * in a resource group or subscription-wide; {@code POST .../managedClusters/{n}/listClusterUserCredential} returns
 * the kubeconfig registered with {@link #registerKubeconfig}. A PUT needs its resource group (and parent) to
 * exist. Every request needs {@code api-version}; the versions seen are recorded. A VNet's
 * {@code properties.subnets} are stored as child subnets and composed back on read. Hub connections answer on
 * both {@code /hubVirtualNetworkConnections/} and {@code /virtualHubVnetConnections/}. A managed cluster's
 * {@code networkProfile.kubeProxyConfig} is only written and shown with a {@code -preview} api-version, as in
 * AKS. A managed cluster with a system-assigned identity gets its {@code identity.principalId}.
 *
 * <p>Authorization ({@code <scope>/providers/Microsoft.Authorization/...}, api-version 2022-04-01): role assignments
 * at any scope (PUT, GET, DELETE; list with {@code $filter=atScope()}, {@code principalId eq '<id>'} or
 * {@code assignedTo('<id>')}, an assignment applying to every scope below its own), the built-in role definitions
 * Network Contributor, Reader, Contributor, Owner and User Access Administrator, and custom ones
 * ({@link #roleDefinition}). {@link #forbidRoleAssignmentWrites()} makes the caller one who may not grant roles.
 *
 * <p>Long-running operations, per resource type ({@link #longRunning(String, int)}): PUT answers 201/200 with
 * {@code provisioningState} Creating/Updating, {@code Azure-AsyncOperation} and {@code Retry-After}; the operation
 * reports {@code InProgress} for the configured number of polls, then {@code Succeeded} and the resource becomes
 * {@code Succeeded}. DELETE answers 202 with {@code Azure-AsyncOperation} and {@code Location}.
 *
 * <p>Knobs: latency per request, fault rules ({@link FaultRule}; 429 with {@code Retry-After}, 500, 409
 * {@code RetryableErrorDueToAnotherOperation} (Microsoft.Network) or {@code AnotherOperationInProgress},
 * connection reset), and {@link #forbidden(String, String...)} rules answering 403 {@code AuthorizationFailed}.
 * Counters: {@link #counts()}. Thread-safe.
 */
public final class FakeArm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FakeArm.class);
    /** The default subscription of the lab. */
    public static final String DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
    /** The tenant of the lab's subscription and of the identities it fills in. */
    public static final String TENANT = ArmEngine.TENANT;
    /** Built-in role definition ids (the GUIDs are the same in every Azure tenant). */
    public static final String NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
    public static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    public static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    public static final String OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    public static final String USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

    private final WireMockServer server;
    private final ArmEngine engine;
    private final RequestCounter counter = new RequestCounter();
    private final FaultInjector injector;
    private final String subscription;
    private final String location;
    private volatile boolean closed;

    private FakeArm(Builder b) {
        this.subscription = b.subscription;
        this.location = b.location;
        this.injector = new FaultInjector(b.seed);
        this.injector.latency(b.latency);
        this.engine = new ArmEngine(b.seed, b.location, this::baseUrl, b.lroRetryAfter);
        String name = "clustermesh-fake-arm-" + Integer.toHexString(System.identityHashCode(this));
        this.server = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .disableRequestJournal()
                .gzipDisabled(true)
                .stubRequestLoggingDisabled(true)
                .jettyStopTimeout(1000L)
                .notifier(new LogNotifier())
                .extensions(new Transformer(name)));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of a {@link FakeArm}; {@link #start()} starts it. */
    public static final class Builder {
        private long seed = 1;
        private Duration latency = Duration.ZERO;
        private String subscription = DEFAULT_SUBSCRIPTION;
        private String location = "eastus";
        private Duration lroRetryAfter = Duration.ofSeconds(1);

        private Builder() {
        }

        /** Seed of fault decisions and generated names. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Latency added to every response. */
        public Builder latency(Duration latency) {
            this.latency = Objects.requireNonNull(latency, "latency");
            return this;
        }

        public Builder subscription(String subscription) {
            this.subscription = ArmEngine.requireText(subscription, "subscription");
            return this;
        }

        /** Default region of resources created without one. */
        public Builder location(String location) {
            this.location = ArmEngine.requireText(location, "location");
            return this;
        }

        /** {@code Retry-After} of long-running operations (default 1 s; zero makes clients poll at once). */
        public Builder lroRetryAfter(Duration d) {
            Objects.requireNonNull(d, "lroRetryAfter");
            if (d.isNegative()) {
                throw new IllegalArgumentException("lroRetryAfter must not be negative");
            }
            this.lroRetryAfter = d;
            return this;
        }

        public FakeArm start() {
            FakeArm arm = new FakeArm(this);
            arm.server.start();
            arm.server.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.aResponse().withStatus(500)));
            LOG.debug("fake ARM listening on {}", arm.baseUrl());
            return arm;
        }
    }

    // --- endpoint --------------------------------------------------------------------------------------------------

    /** The endpoint, e.g. {@code http://127.0.0.1:43123} (the {@code resourceManagerEndpointUrl} of a custom cloud). */
    public URI url() {
        return URI.create(baseUrl());
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    public int port() {
        return server.port();
    }

    public String subscription() {
        return subscription;
    }

    /** The default region. */
    public String location() {
        return location;
    }

    // --- knobs and counters ---------------------------------------------------------------------------------------

    public RequestCounts counts() {
        return counter.snapshot();
    }

    public void resetCounts() {
        counter.reset();
    }

    public void latency(Duration latency) {
        injector.latency(latency);
    }

    /** Adds a fault rule ({@link Fault.Kind#HANG} is not supported here: use latency). */
    public void addFault(FaultRule rule) {
        if (rule.fault().kind() == Fault.Kind.HANG) {
            throw new IllegalArgumentException("FakeArm does not inject hangs; use latency(..) for slow answers");
        }
        injector.add(rule, counter.sequence());
    }

    public void clearFaults() {
        injector.clear();
    }

    /**
     * Requests whose path (without query) matches {@code pathRegex} entirely, and whose method is one of
     * {@code methods} (all when none given), get 403 {@code AuthorizationFailed}.
     */
    public void forbidden(String pathRegex, String... methods) {
        Set<String> m = Arrays.stream(methods).map(s -> s.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        engine.forbid(Objects.requireNonNull(pathRegex, "pathRegex"), m);
    }

    public void clearForbidden() {
        engine.clearForbidden();
    }

    /**
     * Role assignment PUTs (at any scope) get 403 {@code AuthorizationFailed} for
     * {@code Microsoft.Authorization/roleAssignments/write}: the caller may read but not grant roles, as a
     * Contributor. Undone by {@link #clearForbidden()}.
     */
    public void forbidRoleAssignmentWrites() {
        forbidden("(?i).*/providers/Microsoft\\.Authorization/roleAssignments/[^/]+", "PUT");
    }

    /**
     * Makes PUT and DELETE of a resource type long-running: the operation reports {@code InProgress} for
     * {@code pollsInProgress} polls, then {@code Succeeded}. Type as in ARM, e.g. {@code Microsoft.Network/virtualHubs};
     * {@code "*"} for every type.
     */
    public void longRunning(String resourceType, int pollsInProgress) {
        if (pollsInProgress < 0) {
            throw new IllegalArgumentException("pollsInProgress must not be negative");
        }
        engine.longRunning(ArmEngine.requireText(resourceType, "resourceType"), pollsInProgress);
    }

    public void lroRetryAfter(Duration d) {
        engine.lroRetryAfter(Objects.requireNonNull(d, "lroRetryAfter"));
    }

    /** Every api-version requests carried. */
    public Set<String> apiVersions() {
        return engine.apiVersions();
    }

    /** The api-versions requests on that resource type carried. */
    public Set<String> apiVersions(String resourceType) {
        return engine.apiVersions(resourceType);
    }

    /** Called after each change of state (requests, seeding, completed operations). Listeners must be fast. */
    public void onChange(Consumer<ArmChange> listener) {
        engine.listener(Objects.requireNonNull(listener, "listener"));
    }

    /** The kubeconfig {@code listClusterUserCredential} returns for that cluster (a secret: never logged). */
    public void registerKubeconfig(String resourceGroup, String clusterName, String kubeconfig) {
        engine.kubeconfig(ArmEngine.requireText(resourceGroup, "resourceGroup"), ArmEngine.requireText(clusterName, "clusterName"),
                ArmEngine.requireText(kubeconfig, "kubeconfig"));
    }

    // --- state -------------------------------------------------------------------------------------------------------

    /** A stored resource as a JSON map (as a preview api-version shows it), by id. */
    public Optional<Map<String, Object>> resource(String id) {
        return engine.resource(id, "preview").map(engine::toMap);
    }

    /** A stored resource as JSON text, by id. */
    public Optional<String> resourceJson(String id) {
        return engine.resource(id, "preview").map(n -> engine.json.writeValueAsString(n));
    }

    /** Stores a resource from JSON as a PUT would (no LRO, not counted); returns its id. */
    public String put(String id, String json) {
        if (!(engine.json.readTree(Objects.requireNonNull(json, "json")) instanceof ObjectNode body)) {
            throw new IllegalArgumentException("a resource must be a JSON object");
        }
        return engine.seed(id, body);
    }

    /**
     * A role assignment of {@code roleDefinition} (a GUID such as {@link #NETWORK_CONTRIBUTOR}, or a role definition
     * id) to {@code principalId} at {@code scope} (a subscription, resource group or resource id), as
     * {@code az role assignment create} makes it. Not counted; the scope need not exist yet. Returns its id.
     */
    public String roleAssignment(String scope, String principalId, String roleDefinition) {
        return engine.seedRoleAssignment(ArmEngine.requireText(scope, "scope"), ArmEngine.requireText(principalId, "principalId"),
                ArmEngine.requireText(roleDefinition, "roleDefinition"));
    }

    /** A custom role definition (one permission block), assignable like the built-in ones. */
    public void roleDefinition(String guid, String roleName, List<String> actions, List<String> notActions) {
        engine.seedRoleDefinition(ArmEngine.requireText(guid, "guid"), ArmEngine.requireText(roleName, "roleName"),
                List.copyOf(actions), List.copyOf(notActions));
    }

    /** Every role assignment, as ARM renders it ({@code id}, {@code name}, {@code properties.scope}, ...). */
    public List<Map<String, Object>> roleAssignments() {
        return engine.roleAssignments();
    }

    /** Removes a resource and its children, or a role assignment by its id (not counted). */
    public boolean delete(String id) {
        return engine.remove(id);
    }

    /** The ids of every stored resource, sorted. */
    public List<String> ids() {
        return engine.ids();
    }

    // --- seeding: the lab topology in the shapes of Azure's REST API examples -----------------------------------------

    public String resourceGroupId(String rg) {
        return "/subscriptions/" + subscription + "/resourceGroups/" + rg;
    }

    private String networkId(String rg, String type, String name) {
        return resourceGroupId(rg) + "/providers/Microsoft.Network/" + type + "/" + name;
    }

    /** A resource group in the default region. */
    public String resourceGroup(String name) {
        return resourceGroup(name, location);
    }

    public String resourceGroup(String name, String region) {
        ObjectNode b = engine.json.createObjectNode();
        b.put("location", region);
        return engine.seed(resourceGroupId(name), b);
    }

    /** A VNet with one address prefix and one subnet. Returns the VNet id; the subnet id is {@code <id>/subnets/<name>}. */
    public String virtualNetwork(String rg, String name, String addressPrefix, String subnetName, String subnetPrefix) {
        ObjectNode b = engine.json.createObjectNode();
        ObjectNode p = b.putObject("properties");
        p.putObject("addressSpace").putArray("addressPrefixes").add(addressPrefix);
        ObjectNode sn = p.putArray("subnets").addObject();
        sn.put("name", subnetName);
        sn.putObject("properties").put("addressPrefix", subnetPrefix);
        p.putArray("virtualNetworkPeerings");
        return engine.seed(networkId(rg, "virtualNetworks", name), b);
    }

    /** A Virtual WAN of that type ({@code Standard} or {@code Basic}). */
    public String virtualWan(String rg, String name, String type) {
        ObjectNode b = engine.json.createObjectNode();
        ObjectNode p = b.putObject("properties");
        p.put("type", ArmEngine.requireText(type, "type"));
        p.put("disableVpnEncryption", false);
        p.put("allowBranchToBranchTraffic", true);
        return engine.seed(networkId(rg, "virtualWans", name), b);
    }

    /** A Virtual Hub of a Virtual WAN, {@code routingState: Provisioned}. */
    public String virtualHub(String rg, String name, String virtualWanId, String addressPrefix) {
        ObjectNode b = engine.json.createObjectNode();
        ObjectNode p = b.putObject("properties");
        p.putObject("virtualWan").put("id", virtualWanId);
        p.put("addressPrefix", addressPrefix);
        p.put("sku", "Standard");
        p.put("routingState", "Provisioned");
        p.putArray("virtualHubRouteTableV2s");
        return engine.seed(networkId(rg, "virtualHubs", name), b);
    }

    /** A hub virtual network connection from a hub to a spoke VNet. */
    public String hubConnection(String rg, String hub, String name, String remoteVnetId) {
        ObjectNode b = engine.json.createObjectNode();
        ObjectNode p = b.putObject("properties");
        p.putObject("remoteVirtualNetwork").put("id", remoteVnetId);
        p.put("enableInternetSecurity", false);
        return engine.seed(networkId(rg, "virtualHubs", hub) + "/hubVirtualNetworkConnections/" + name, b);
    }

    /**
     * An AKS managed cluster (BYOCNI) with a system-assigned identity. With a {@code vnetSubnetId} and
     * {@link ManagedClusterSeed#subnetRoleAssignment()} (the default), its identity also gets Network Contributor on
     * the subnet, as {@code az aks create --vnet-subnet-id} grants it when the caller may.
     */
    public String managedCluster(ManagedClusterSeed s) {
        ObjectNode b = engine.json.createObjectNode();
        if (s.location() != null) {
            b.put("location", s.location());
        }
        b.putObject("identity").put("type", "SystemAssigned"); // principalId filled in as ARM does
        b.putObject("sku").put("name", "Base").put("tier", "Free");
        ObjectNode p = b.putObject("properties");
        p.put("kubernetesVersion", s.kubernetesVersion());
        p.put("currentKubernetesVersion", s.kubernetesVersion());
        p.put("dnsPrefix", s.name());
        if (s.fqdn() != null) {
            p.put("fqdn", s.fqdn());
        }
        if (s.nodeResourceGroup() != null) {
            p.put("nodeResourceGroup", s.nodeResourceGroup());
        }
        p.put("enableRBAC", true);
        if (s.authentication() != ManagedClusterSeed.Authentication.LOCAL_ACCOUNTS) {
            // ManagedClusterAADProfile of an AKS-managed Entra ID cluster with Azure RBAC for Kubernetes authorization
            p.putObject("aadProfile").put("managed", true).put("enableAzureRBAC", true).put("tenantID", TENANT);
        }
        if (s.authentication() == ManagedClusterSeed.Authentication.ENTRA_ID_ONLY) {
            p.put("disableLocalAccounts", true);
        }
        ArrayNode pools = p.putArray("agentPoolProfiles");
        ObjectNode pool = pools.addObject();
        pool.put("name", "nodepool1");
        pool.put("count", s.nodeCount());
        pool.put("vmSize", "Standard_D4s_v5");
        pool.put("osType", "Linux");
        pool.put("mode", "System");
        pool.put("type", "VirtualMachineScaleSets");
        pool.put("orchestratorVersion", s.kubernetesVersion());
        if (s.vnetSubnetId() != null) {
            pool.put("vnetSubnetID", s.vnetSubnetId());
        }
        ObjectNode np = p.putObject("networkProfile");
        np.put("networkPlugin", "none");
        np.put("podCidr", s.podCidr());
        np.put("serviceCidr", s.serviceCidr());
        np.put("dnsServiceIP", s.dnsServiceIp());
        np.put("outboundType", "loadBalancer");
        np.put("loadBalancerSku", "standard");
        if (s.kubeProxyEnabled() != null) {
            np.putObject("kubeProxyConfig").put("enabled", s.kubeProxyEnabled());
        }
        String id = resourceGroupId(s.resourceGroup()) + "/providers/Microsoft.ContainerService/managedClusters/" + s.name();
        String seeded = engine.seed(id, b);
        if (s.vnetSubnetId() != null && s.subnetRoleAssignment()) {
            String principal = engine.resource(seeded, "preview").map(n -> n.path("identity").path("principalId").asString("")).orElse("");
            roleAssignment(s.vnetSubnetId(), principal, NETWORK_CONTRIBUTOR);
        }
        return seeded;
    }

    /**
     * Adds (or replaces) a frontend IP of the AKS internal load balancer {@code kubernetes-internal} in the node
     * resource group, as Azure does when a Service of type LoadBalancer gets an internal IP. Returns the LB id.
     */
    public String internalLoadBalancerFrontend(String nodeResourceGroup, String frontendName, String privateIp, String subnetId) {
        String id = networkId(nodeResourceGroup, "loadBalancers", "kubernetes-internal");
        ObjectNode b = engine.resource(id, "preview").orElseGet(() -> {
            ObjectNode n = engine.json.createObjectNode();
            n.putObject("sku").put("name", "Standard");
            n.putObject("properties").putArray("frontendIPConfigurations");
            return n;
        });
        ObjectNode props = (ObjectNode) b.get("properties");
        ArrayNode fes = props.has("frontendIPConfigurations") ? (ArrayNode) props.get("frontendIPConfigurations") : props.putArray("frontendIPConfigurations");
        for (int i = fes.size() - 1; i >= 0; i--) {
            if (frontendName.equals(fes.get(i).path("name").asString(""))) {
                fes.remove(i);
            }
        }
        ObjectNode fe = fes.addObject();
        fe.put("name", frontendName);
        fe.put("id", id + "/frontendIPConfigurations/" + frontendName);
        fe.put("type", "Microsoft.Network/loadBalancers/frontendIPConfigurations");
        ObjectNode fp = fe.putObject("properties");
        fp.put("provisioningState", "Succeeded");
        fp.put("privateIPAddress", privateIp);
        fp.put("privateIPAllocationMethod", "Static");
        fp.put("privateIPAddressVersion", "IPv4");
        fp.putObject("subnet").put("id", subnetId);
        return engine.seed(id, b);
    }

    // --- lifecycle -------------------------------------------------------------------------------------------------------

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.debug("fake ARM on port {} stopping", server.port());
        server.stop();
    }

    @Override
    public String toString() {
        return "FakeArm[" + (closed ? "closed" : baseUrl()) + "]";
    }

    // --- the WireMock side ---------------------------------------------------------------------------------------------

    private final class Transformer implements ResponseDefinitionTransformerV2 {
        private final String name;

        Transformer(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request req = event.getRequest();
            String method = req.getMethod().getName().toUpperCase(Locale.ROOT);
            String path = path(req.getUrl());
            QueryParameter q = req.queryParameter("api-version");
            String apiVersion = q != null && q.isPresent() ? q.firstValue() : null;
            QueryParameter f = req.queryParameter("$filter");
            String filter = f != null && f.isPresent() ? f.firstValue() : null;
            boolean write = method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE");
            long n = counter.record(method, path, write);
            ArmResponse r = engine.checkForbidden(method, path);
            if (r == null) {
                Optional<Fault> fault = injector.decide(n, method, path);
                if (fault.isPresent()) {
                    r = engine.fault(fault.get(), path);
                }
            }
            if (r != null) {
                counter.fault();
            } else {
                r = engine.handle(method, path, apiVersion, filter, req.getBodyAsString());
            }
            LOG.debug("ARM {} {} -> {}", method, path, r.wireFault() != null ? r.wireFault() : r.status());
            return render(r);
        }

        private ResponseDefinition render(ArmResponse r) {
            ResponseDefinitionBuilder b = ResponseDefinitionBuilder.responseDefinition();
            long delay = injector.latency().toMillis();
            if (delay > 0) {
                b.withFixedDelay((int) Math.min(Integer.MAX_VALUE, delay));
            }
            if (r.wireFault() != null) {
                return b.withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER).build();
            }
            b.withStatus(r.status());
            r.headers().forEach((k, v) -> b.withHeader(k, v));
            b.withHeader("x-ms-request-id", java.util.UUID.randomUUID().toString());
            if (r.body() != null) {
                b.withHeader("Content-Type", "application/json; charset=utf-8");
                b.withBody(r.body());
            }
            return b.build();
        }
    }

    private static String path(String url) {
        int q = url.indexOf('?');
        String raw = q < 0 ? url : url.substring(0, q);
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URI.create(raw).getPath();
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    /** WireMock's own messages go to our log at DEBUG (errors at WARN). */
    private static final class LogNotifier implements Notifier {
        @Override
        public void info(String message) {
            LOG.debug("wiremock: {}", message);
        }

        @Override
        public void error(String message) {
            LOG.warn("wiremock: {}", message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.warn("wiremock: {}", message, t);
        }
    }
}
