package io.clustermesh.testing.arm;

import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import io.clustermesh.testing.requests.RequestCounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeArmTest {
    static final String API = "2024-07-01";
    static final String AKS_API = "2024-09-01";
    static final JsonMapper JSON = JsonMapper.builder().build();

    FakeArm arm;
    HttpClient http;
    String sub;

    @BeforeEach
    void start() {
        arm = FakeArm.builder().seed(7).lroRetryAfter(Duration.ZERO).start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        sub = "/subscriptions/" + arm.subscription();
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {
        String errorCode() {
            return body.path("error").path("code").asString();
        }
    }

    Answer call(String method, String path, String apiVersion, String body) throws Exception {
        String url = path.startsWith("http") ? path : arm.url() + path + (apiVersion == null ? "" : (path.contains("?") ? "&" : "?") + "api-version=" + apiVersion);
        HttpRequest.BodyPublisher pub = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").method(method, pub).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        return new Answer(r.statusCode(), n, r.headers());
    }

    Answer get(String path) throws Exception {
        return call("GET", path, API, null);
    }

    @Test
    void putGetListDeleteWithArmErrorBodies() throws Exception {
        Answer rg = call("PUT", sub + "/resourcegroups/rg-hub", API, "{\"location\":\"westeurope\"}");
        assertThat(rg.status()).isEqualTo(201);
        assertThat(rg.body().path("id").asString()).isEqualTo(sub + "/resourceGroups/rg-hub");
        assertThat(call("PUT", sub + "/resourceGroups/rg-hub", API, "{\"location\":\"westeurope\"}").status()).isEqualTo(200);

        String vnet = sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet1";
        Answer put = call("PUT", vnet, API, "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"172.16.1.0/24\"]},"
                + "\"subnets\":[{\"name\":\"snet-aks\",\"properties\":{\"addressPrefix\":\"172.16.1.0/24\"}}]}}");
        assertThat(put.status()).isEqualTo(201);
        assertThat(put.body().path("properties").path("provisioningState").asString()).isEqualTo("Succeeded");
        assertThat(put.body().path("type").asString()).isEqualTo("Microsoft.Network/virtualNetworks");
        assertThat(put.body().path("name").asString()).isEqualTo("vnet1");
        assertThat(put.body().path("location").asString()).isEqualTo("westeurope");
        assertThat(put.body().path("properties").path("subnets").get(0).path("id").asString()).isEqualTo(vnet + "/subnets/snet-aks");

        Answer subnet = get(vnet + "/subnets/snet-aks");
        assertThat(subnet.status()).isEqualTo(200);
        assertThat(subnet.body().path("properties").path("addressPrefix").asString()).isEqualTo("172.16.1.0/24");
        // a subnet PUT shows up in the VNet
        assertThat(call("PUT", vnet + "/subnets/snet-two", API, "{\"properties\":{\"addressPrefix\":\"172.16.2.0/24\"}}").status()).isEqualTo(201);
        assertThat(get(vnet).body().path("properties").path("subnets")).hasSize(2);

        assertThat(get(sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks").body().path("value")).hasSize(1);
        assertThat(get(sub + "/providers/Microsoft.Network/virtualNetworks").body().path("value")).hasSize(1);
        assertThat(get(sub + "/resourcegroups").body().path("value").get(0).path("name").asString()).isEqualTo("rg-hub");
        assertThat(get(vnet + "/subnets").body().path("value")).hasSize(2);

        assertThat(call("DELETE", vnet, API, null).status()).isEqualTo(200);
        Answer gone = get(vnet);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("ResourceNotFound");
        assertThat(gone.body().path("error").path("message").asString()).contains("vnet1").contains("rg-hub");
        assertThat(get(vnet + "/subnets/snet-aks").status()).isEqualTo(404);
        assertThat(call("DELETE", vnet, API, null).status()).isEqualTo(204);

        Answer noRg = call("PUT", sub + "/resourceGroups/nope/providers/Microsoft.Network/virtualNetworks/v", API, "{}");
        assertThat(noRg.status()).isEqualTo(404);
        assertThat(noRg.errorCode()).isEqualTo("ResourceGroupNotFound");
        assertThat(get(sub + "/resourceGroups/nope/providers/Microsoft.Network/virtualNetworks/v").errorCode()).isEqualTo("ResourceGroupNotFound");
        Answer noParent = call("PUT", sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/h/hubVirtualNetworkConnections/c", API, "{}");
        assertThat(noParent.errorCode()).isEqualTo("ParentResourceNotFound");
        assertThat(call("PUT", vnet, API, "not json").errorCode()).isEqualTo("InvalidRequestContent");
    }

    @Test
    void everyRequestNeedsAnApiVersionAndVersionsAreRecorded() throws Exception {
        Answer a = call("GET", sub + "/resourcegroups", null, null);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.errorCode()).isEqualTo("MissingApiVersionParameter");
        arm.resourceGroup("rg1");
        call("GET", sub + "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1", "2024-02-02-preview", null);
        assertThat(arm.apiVersions()).contains("2024-02-02-preview");
        assertThat(arm.apiVersions("Microsoft.ContainerService/managedClusters")).containsExactly("2024-02-02-preview");
    }

    @Test
    void hubConnectionsAnswerOnBothPaths() throws Exception {
        arm.resourceGroup("rg-hub");
        String wan = arm.virtualWan("rg-hub", "vwan1", "Standard");
        arm.virtualHub("rg-hub", "hub1", wan, "172.20.0.0/23");
        String spoke = arm.virtualNetwork("rg-hub", "spoke1", "172.16.1.0/24", "snet", "172.16.1.0/24");
        String hub = sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1";
        Answer put = call("PUT", hub + "/hubVirtualNetworkConnections/conn1", API,
                "{\"properties\":{\"remoteVirtualNetwork\":{\"id\":\"" + spoke + "\"}}}");
        assertThat(put.status()).isEqualTo(201);
        Answer viaAlias = get(hub + "/virtualHubVnetConnections/conn1");
        assertThat(viaAlias.status()).isEqualTo(200);
        assertThat(viaAlias.body().path("properties").path("remoteVirtualNetwork").path("id").asString()).isEqualTo(spoke);
        assertThat(get(hub + "/virtualHubVnetConnections").body().path("value")).hasSize(1);
        assertThat(get(hub + "/hubVirtualNetworkConnections").body().path("value")).hasSize(1);
        assertThat(call("PUT", hub + "/virtualHubVnetConnections/conn1", API, "{\"properties\":{}}").status()).isEqualTo(200);
    }

    @Test
    void longRunningPutAndDeleteReportProgressThenSucceed() throws Exception {
        arm.longRunning("Microsoft.Network/virtualHubs", 2);
        arm.resourceGroup("rg-hub");
        String wan = arm.virtualWan("rg-hub", "vwan1", "Standard");
        String hub = sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1";
        Answer put = call("PUT", hub, API, "{\"location\":\"eastus\",\"properties\":{\"virtualWan\":{\"id\":\"" + wan + "\"},\"addressPrefix\":\"172.20.0.0/23\"}}");
        assertThat(put.status()).isEqualTo(201);
        assertThat(put.body().path("properties").path("provisioningState").asString()).isEqualTo("Creating");
        String op = put.headers().firstValue("Azure-AsyncOperation").orElseThrow();
        assertThat(op).startsWith(arm.url() + sub + "/providers/Microsoft.Network/locations/eastus/operationStatuses/").contains("api-version=" + API);
        assertThat(put.headers().firstValue("Retry-After")).hasValue("0");
        assertThat(get(hub).body().path("properties").path("routingState").asString()).isEqualTo("Provisioning");

        List<String> states = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            states.add(call("GET", op, null, null).body().path("status").asString());
        }
        assertThat(states).containsExactly("InProgress", "InProgress", "Succeeded", "Succeeded");
        JsonNode done = get(hub).body();
        assertThat(done.path("properties").path("provisioningState").asString()).isEqualTo("Succeeded");
        assertThat(done.path("properties").path("routingState").asString()).isEqualTo("Provisioned");

        Answer del = call("DELETE", hub, API, null);
        assertThat(del.status()).isEqualTo(202);
        String location = del.headers().firstValue("Location").orElseThrow();
        assertThat(get(hub).body().path("properties").path("provisioningState").asString()).isEqualTo("Deleting");
        assertThat(call("GET", location, null, null).status()).isEqualTo(202);
        assertThat(call("GET", location, null, null).status()).isEqualTo(202);
        assertThat(call("GET", location, null, null).status()).isEqualTo(204);
        assertThat(get(hub).status()).isEqualTo(404);
    }

    @Test
    void credentialsOfAManagedClusterAreTheRegisteredKubeconfig() throws Exception {
        arm.resourceGroup("rg-c1");
        String kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n";
        arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "cluster1").podCidr("10.1.0.0/16"));
        String mc = sub + "/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/cluster1";
        Answer none = call("POST", mc + "/listClusterUserCredential", AKS_API, null);
        assertThat(none.status()).isEqualTo(404);
        arm.registerKubeconfig("rg-c1", "cluster1", kubeconfig);
        Answer creds = call("POST", mc + "/listClusterUserCredential", AKS_API, null);
        assertThat(creds.status()).isEqualTo(200);
        JsonNode kc = creds.body().path("kubeconfigs").get(0);
        assertThat(kc.path("name").asString()).isEqualTo("clusterUser");
        assertThat(new String(Base64.getDecoder().decode(kc.path("value").asString()), StandardCharsets.UTF_8)).isEqualTo(kubeconfig);
        assertThat(arm.counts().method("POST")).isEqualTo(2);
        assertThat(arm.counts().writes()).isZero();
        assertThat(call("POST", sub + "/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/other/listClusterUserCredential", AKS_API, null).status()).isEqualTo(404);
    }

    @Test
    void anEntraIdOnlyClusterHasAnAadProfileAndNoAdminCredential() throws Exception {
        arm.resourceGroup("rg-c1");
        arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "aad").authentication(ManagedClusterSeed.Authentication.ENTRA_ID_ONLY));
        arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "local"));
        arm.registerKubeconfig("rg-c1", "aad", "apiVersion: v1\nkind: Config\n");
        arm.registerKubeconfig("rg-c1", "local", "apiVersion: v1\nkind: Config\n");
        String mcs = sub + "/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/";

        JsonNode aad = get(mcs + "aad").body().path("properties");
        assertThat(aad.path("aadProfile").path("managed").asBoolean()).isTrue();
        assertThat(aad.path("aadProfile").path("enableAzureRBAC").asBoolean()).isTrue();
        assertThat(aad.path("disableLocalAccounts").asBoolean()).isTrue();
        assertThat(get(mcs + "local").body().path("properties").has("aadProfile")).isFalse();
        Answer admin = call("POST", mcs + "aad/listClusterAdminCredential", AKS_API, null);
        assertThat(admin.status()).isEqualTo(400);
        assertThat(admin.body().path("error").path("message").asString()).contains("disable local accounts");
        assertThat(call("POST", mcs + "aad/listClusterUserCredential", AKS_API, null).status()).isEqualTo(200);
        assertThat(call("POST", mcs + "local/listClusterAdminCredential", AKS_API, null).status()).isEqualTo(200);
    }

    @Test
    void managedClusterHasTheByocniShapeAndKubeProxyConfigOnlyInPreview() throws Exception {
        arm.resourceGroup("rg-c1", "eastus");
        String vnet = arm.virtualNetwork("rg-c1", "vnet-c1", "172.16.1.0/24", "snet-aks", "172.16.1.0/24");
        arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "cluster1").podCidr("10.1.0.0/16").vnetSubnetId(vnet + "/subnets/snet-aks"));
        String mc = sub + "/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/cluster1";
        JsonNode c = call("GET", mc, AKS_API, null).body();
        JsonNode props = c.path("properties");
        assertThat(props.path("networkProfile").path("networkPlugin").asString()).isEqualTo("none");
        assertThat(props.path("networkProfile").path("podCidr").asString()).isEqualTo("10.1.0.0/16");
        assertThat(props.path("fqdn").asString()).matches("cluster1-[0-9a-f]{8}\\.hcp\\.eastus\\.azmk8s\\.io");
        assertThat(props.path("nodeResourceGroup").asString()).isEqualTo("MC_rg-c1_cluster1_eastus");
        assertThat(props.path("agentPoolProfiles").get(0).path("vnetSubnetID").asString()).isEqualTo(vnet + "/subnets/snet-aks");
        assertThat(props.path("networkProfile").has("kubeProxyConfig")).isFalse();

        // kube-proxy off is written with a preview api-version, as the Java SDK's stable model has no field for it
        ((tools.jackson.databind.node.ObjectNode) props.path("networkProfile")).putObject("kubeProxyConfig").put("enabled", false);
        List<ArmChange> changes = new CopyOnWriteArrayList<>();
        arm.onChange(changes::add);
        assertThat(call("PUT", mc, "2024-02-02-preview", JSON.writeValueAsString(c)).status()).isEqualTo(200);
        assertThat(changes).singleElement().satisfies(ch -> {
            assertThat(ch.method()).isEqualTo("PUT");
            assertThat(ch.apiVersion()).isEqualTo("2024-02-02-preview");
            assertThat(ch.resource()).extractingByKey("properties").asString().contains("kubeProxyConfig={enabled=false}");
        });
        assertThat(call("GET", mc, AKS_API, null).body().path("properties").path("networkProfile").has("kubeProxyConfig")).isFalse();
        assertThat(call("GET", mc, "2024-02-02-preview", null).body().path("properties").path("networkProfile").path("kubeProxyConfig").path("enabled").asBoolean(true)).isFalse();
        // a later stable write does not lose it
        JsonNode stable = call("GET", mc, AKS_API, null).body();
        assertThat(call("PUT", mc, AKS_API, JSON.writeValueAsString(stable)).status()).isEqualTo(200);
        assertThat(call("GET", mc, "2024-02-02-preview", null).body().path("properties").path("networkProfile").path("kubeProxyConfig").path("enabled").asBoolean(true)).isFalse();
    }

    @Test
    void roleAssignmentsApplyBelowTheirScopeAndAreListedWithFilters() throws Exception {
        String auth = "2022-04-01";
        arm.resourceGroup("rg-c1", "eastus");
        String vnet = arm.virtualNetwork("rg-c1", "vnet-c1", "172.16.1.0/24", "snet-aks", "172.16.1.0/24");
        String subnet = vnet + "/subnets/snet-aks";
        arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "cluster1").vnetSubnetId(subnet).subnetRoleAssignment(false));
        String mc = sub + "/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/cluster1";
        String principal = call("GET", mc, AKS_API, null).body().path("identity").path("principalId").asString();
        assertThat(principal).matches("[0-9a-f-]{36}");
        assertThat(call("GET", mc, AKS_API, null).body().path("identity").path("tenantId").asString()).isEqualTo(FakeArm.TENANT);

        // built-in role definitions at any scope, with their actions
        Answer nc = call("GET", subnet + "/providers/Microsoft.Authorization/roleDefinitions/" + FakeArm.NETWORK_CONTRIBUTOR, auth, null);
        assertThat(nc.status()).isEqualTo(200);
        assertThat(nc.body().path("id").asString()).isEqualTo(sub + "/providers/Microsoft.Authorization/roleDefinitions/" + FakeArm.NETWORK_CONTRIBUTOR);
        assertThat(nc.body().path("properties").path("roleName").asString()).isEqualTo("Network Contributor");
        assertThat(nc.body().path("properties").path("permissions").get(0).path("actions").toString()).contains("Microsoft.Network/*");
        assertThat(call("GET", sub + "/providers/Microsoft.Authorization/roleDefinitions/" + FakeArm.READER, auth, null)
                .body().path("properties").path("permissions").get(0).path("actions").get(0).asString()).isEqualTo("*/read");
        assertThat(call("GET", sub + "/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-0000000000ff", auth, null)
                .errorCode()).isEqualTo("RoleDefinitionDoesNotExist");

        // one assignment on the resource group: inherited by the subnet
        String name = "11111111-2222-3333-4444-555555555555";
        String body = "{\"properties\":{\"roleDefinitionId\":\"" + sub + "/providers/Microsoft.Authorization/roleDefinitions/"
                + FakeArm.NETWORK_CONTRIBUTOR + "\",\"principalId\":\"" + principal + "\",\"principalType\":\"ServicePrincipal\"}}";
        String rgScope = sub + "/resourceGroups/rg-c1";
        Answer put = call("PUT", rgScope + "/providers/Microsoft.Authorization/roleAssignments/" + name, auth, body);
        assertThat(put.status()).isEqualTo(201);
        assertThat(put.body().path("properties").path("scope").asString()).isEqualTo(rgScope);
        assertThat(call("PUT", rgScope + "/providers/Microsoft.Authorization/roleAssignments/" + name, auth, body).status()).isEqualTo(200);
        assertThat(call("PUT", rgScope + "/providers/Microsoft.Authorization/roleAssignments/99999999-2222-3333-4444-555555555555", auth, body)
                .errorCode()).isEqualTo("RoleAssignmentExists");
        assertThat(call("PUT", rgScope + "/providers/Microsoft.Authorization/roleAssignments/not-a-guid", auth, body).errorCode())
                .isEqualTo("InvalidRoleAssignmentId");
        assertThat(call("PUT", sub + "/resourceGroups/nope/providers/Microsoft.Authorization/roleAssignments/" + name, auth, body).status())
                .isEqualTo(404);
        arm.roleAssignment(sub, "77777777-0000-0000-0000-000000000000", FakeArm.READER);

        String list = subnet + "/providers/Microsoft.Authorization/roleAssignments";
        assertThat(call("GET", list + "?%24filter=" + enc("atScope()"), auth, null).body().path("value")).hasSize(2);
        JsonNode mine = call("GET", list + "?%24filter=" + enc("principalId eq '" + principal + "'"), auth, null).body().path("value");
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).path("properties").path("scope").asString()).isEqualTo(rgScope);
        assertThat(call("GET", list + "?%24filter=" + enc("atScope() and assignedTo('" + principal + "')"), auth, null).body().path("value")).hasSize(1);
        // below: listing at the subscription without atScope() shows the resource group's assignment too
        assertThat(call("GET", sub + "/providers/Microsoft.Authorization/roleAssignments", auth, null).body().path("value")).hasSize(2);
        assertThat(call("GET", sub + "/providers/Microsoft.Authorization/roleAssignments?%24filter=" + enc("atScope()"), auth, null)
                .body().path("value")).hasSize(1);
        assertThat(call("GET", list + "?%24filter=" + enc("roleName eq 'x'"), auth, null).errorCode()).isEqualTo("UnsupportedQuery");
        assertThat(arm.roleAssignments()).hasSize(2);

        // a caller who may not grant roles
        arm.forbidRoleAssignmentWrites();
        Answer denied = call("PUT", subnet + "/providers/Microsoft.Authorization/roleAssignments/" + name, auth, body);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.errorCode()).isEqualTo("AuthorizationFailed");
        assertThat(denied.body().path("error").path("message").asString())
                .contains("'Microsoft.Authorization/roleAssignments/write'").contains(subnet + "/providers/Microsoft.Authorization/roleAssignments/" + name);
        assertThat(call("GET", list, auth, null).status()).isEqualTo(200);
        assertThat(call("DELETE", rgScope + "/providers/Microsoft.Authorization/roleAssignments/" + name, auth, null).status()).isEqualTo(200);
        assertThat(call("GET", rgScope + "/providers/Microsoft.Authorization/roleAssignments/" + name, auth, null).errorCode())
                .isEqualTo("RoleAssignmentNotFound");
    }

    @Test
    void aSeededClusterInASubnetHoldsNetworkContributorOnItAsAzAksCreateGrantsIt() {
        arm.resourceGroup("rg-c1", "eastus");
        String vnet = arm.virtualNetwork("rg-c1", "vnet-c1", "172.16.1.0/24", "snet-aks", "172.16.1.0/24");
        String id = arm.managedCluster(ManagedClusterSeed.byocni("rg-c1", "cluster1").vnetSubnetId(vnet + "/subnets/snet-aks"));
        String principal = String.valueOf(((java.util.Map<?, ?>) arm.resource(id).orElseThrow().get("identity")).get("principalId"));
        assertThat(arm.roleAssignments()).singleElement().satisfies(a -> {
            assertThat(a.get("properties").toString()).contains("principalId=" + principal).contains(FakeArm.NETWORK_CONTRIBUTOR)
                    .contains("scope=" + vnet + "/subnets/snet-aks");
        });
        assertThat(arm.delete(String.valueOf(arm.roleAssignments().get(0).get("id")))).isTrue();
        assertThat(arm.roleAssignments()).isEmpty();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void faultsOnTheKthRequestAndCounters() throws Exception {
        arm.resourceGroup("rg1");
        String vnet = sub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1";
        String mc = sub + "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1";
        arm.addFault(FaultRule.onRequest(2, Fault.serverError()));
        arm.addFault(FaultRule.onRequest(3, Fault.throttle(Duration.ofMillis(1500))));
        arm.addFault(FaultRule.onRequest(4, Fault.conflict()));
        arm.addFault(FaultRule.onRequest(5, Fault.conflict()));
        arm.addFault(FaultRule.onRequest(6, Fault.connectionReset()));
        assertThat(call("PUT", vnet, API, "{}").status()).isEqualTo(201);
        Answer e500 = get(vnet);
        assertThat(e500.status()).isEqualTo(500);
        assertThat(e500.errorCode()).isEqualTo("InternalServerError");
        Answer e429 = get(vnet);
        assertThat(e429.status()).isEqualTo(429);
        assertThat(e429.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(call("PUT", vnet, API, "{}").errorCode()).isEqualTo("RetryableErrorDueToAnotherOperation");
        assertThat(call("PUT", mc, AKS_API, "{}").errorCode()).isEqualTo("AnotherOperationInProgress");
        assertThatThrownBy(() -> call("PUT", vnet, API, "{}")).isInstanceOf(IOException.class);
        assertThat(get(vnet).status()).isEqualTo(200);

        RequestCounts c = arm.counts();
        assertThat(c.total()).isEqualTo(7);
        assertThat(c.faults()).isEqualTo(5);
        assertThat(c.method("PUT")).isEqualTo(4);
        assertThat(c.putsAndPatches()).isEqualTo(4);
        assertThat(c.writes()).isEqualTo(4);
        assertThat(c.reads()).isEqualTo(3);
        assertThat(c.path(vnet)).isEqualTo(6);
        arm.resetCounts();
        assertThat(arm.counts().total()).isZero();
    }

    @Test
    void rateFaultsAreDeterministicFromTheSeed() throws Exception {
        List<Integer> first = statuses(7);
        List<Integer> again = statuses(7);
        List<Integer> other = statuses(8);
        assertThat(first).isEqualTo(again);
        assertThat(first).contains(200, 500);
        assertThat(other).isNotEqualTo(first);
    }

    private List<Integer> statuses(long seed) throws Exception {
        try (FakeArm a = FakeArm.builder().seed(seed).start()) {
            a.resourceGroup("rg1");
            a.addFault(FaultRule.atRate(0.5, Fault.serverError()).forMethods("GET"));
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(a.url() + "/subscriptions/" + a.subscription()
                        + "/resourceGroups/rg1?api-version=" + API)).build(), HttpResponse.BodyHandlers.discarding());
                out.add(r.statusCode());
            }
            return out;
        }
    }

    @Test
    void forbiddenRulesAnswer403AuthorizationFailed() throws Exception {
        arm.resourceGroup("rg-hub");
        arm.forbidden(".*/virtualHubs/.*", "PUT");
        Answer a = call("PUT", sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1", API, "{}");
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.errorCode()).isEqualTo("AuthorizationFailed");
        assertThat(a.body().path("error").path("message").asString())
                .contains("'Microsoft.Network/virtualHubs/write'").contains("/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1");
        assertThat(get(sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1").status()).isEqualTo(404);
        arm.clearForbidden();
        assertThat(call("PUT", sub + "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualHubs/hub1", API, "{}").status()).isEqualTo(201);
    }

    @Test
    void latencyDelaysEveryAnswer() throws Exception {
        // no stopwatch (timing belongs in meshctl bench): a client that waits far less than the latency gets no
        // answer, one that waits far longer (10 s) gets it, and without latency the impatient one is answered too
        arm.latency(Duration.ofSeconds(4));
        HttpRequest impatient = HttpRequest.newBuilder(URI.create(arm.url() + sub + "/resourcegroups?api-version=" + API))
                .timeout(Duration.ofSeconds(1)).GET().build();
        assertThatThrownBy(() -> http.send(impatient, HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
        assertThat(get(sub + "/resourcegroups").status()).isEqualTo(200);
        arm.latency(Duration.ZERO);
        assertThat(http.send(impatient, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void seededTopologyHasTheShapesOfTheFixtures() throws Exception {
        arm.resourceGroup("rg-hub");
        String wan = arm.virtualWan("rg-hub", "vwan1", "Standard");
        String hub = arm.virtualHub("rg-hub", "hub1", wan, "172.20.0.0/23");
        String vnet = arm.virtualNetwork("rg-hub", "spoke1", "172.16.1.0/24", "snet-aks", "172.16.1.0/24");
        String conn = arm.hubConnection("rg-hub", "hub1", "spoke1", vnet);
        assertShape("VirtualHubGet.json", get(hub).body());
        assertShape("VirtualNetworkGet.json", get(vnet).body());
        assertShape("SubnetGet.json", get(vnet + "/subnets/snet-aks").body());
        assertShape("HubVirtualNetworkConnectionGet.json", get(conn).body());
        assertThat(get(hub).body().path("properties").path("virtualWan").path("id").asString()).isEqualTo(wan);
        assertThat(get(wan).body().path("properties").path("type").asString()).isEqualTo("Standard");
        arm.resourceGroup("MC_rg-c1_cluster1_eastus");
        String lb = arm.internalLoadBalancerFrontend("MC_rg-c1_cluster1_eastus", "fe-mesh", "172.16.1.250", vnet + "/subnets/snet-aks");
        JsonNode lbBody = get(lb).body();
        assertShape("LoadBalancerGet.json", lbBody);
        assertThat(lbBody.path("properties").path("frontendIPConfigurations").get(0).path("properties").path("privateIPAddress").asString()).isEqualTo("172.16.1.250");
        assertThat(arm.ids()).contains(hub, vnet, conn, lb);
    }

    /**
     * Every property our seeding fills must exist in the official example, at the same place and of the same JSON type;
     * except {@code etag} and {@code type}, which real ARM returns (and the 2024-07-01 models carry) though some examples omit them.
     */
    private static void assertShape(String fixture, JsonNode actual) throws IOException {
        Path file = Path.of(System.getProperty("clustermesh.shared", "../../shared"), "fixtures", "arm", fixture);
        JsonNode example = JSON.readTree(Files.readString(file)).path("responses").path("200").path("body");
        assertThat(example.isMissingNode()).as(fixture).isFalse();
        List<String> mismatches = new ArrayList<>();
        compare("", example, actual, mismatches);
        assertThat(mismatches).as("properties absent from %s or of another type", fixture).isEmpty();
    }

    private static void compare(String at, JsonNode example, JsonNode actual, List<String> out) {
        if (actual.isObject()) {
            for (var e : actual.properties()) {
                if (e.getKey().equals("etag") || e.getKey().equals("type")) {
                    continue;
                }
                JsonNode ex = example.get(e.getKey());
                if (ex == null) {
                    out.add(at + "/" + e.getKey());
                } else if (ex.getNodeType() != e.getValue().getNodeType()) {
                    out.add(at + "/" + e.getKey() + " (" + e.getValue().getNodeType() + " vs " + ex.getNodeType() + ")");
                } else {
                    compare(at + "/" + e.getKey(), ex, e.getValue(), out);
                }
            }
        } else if (actual.isArray() && example.isArray() && !example.isEmpty()) {
            for (JsonNode item : actual) {
                compare(at + "[]", example.get(0), item, out);
            }
        }
    }
}
