package io.clustermesh.azure;

import io.clustermesh.MeshClock;
import io.clustermesh.RetryPolicy;
import io.clustermesh.azure.internal.ArmJson;
import io.clustermesh.azure.internal.ArmPaths;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.AzureSpec;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.FakeArm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A healthy BYOCNI lab seeded into the lab's {@link FakeArm} from the official example payloads in
 * {@code ../shared/fixtures/arm} (ids, names and prefixes rewritten), plus helpers the tests share.
 */
final class Lab {
    static final String SUB = FakeArm.DEFAULT_SUBSCRIPTION;
    static final String HUB_RG = "rg-hub";
    static final String HUB = "hub1";
    static final String WAN = "vwan-ciliumlab";

    private Lab() {
    }

    // ---------------------------------------------------------------------------------------------------- fixtures

    static Path shared() {
        String p = System.getProperty("clustermesh.shared");
        return p != null ? Path.of(p) : Path.of("..", "..", "shared");
    }

    /** {@code responses.<status>.body} of an official example in shared/fixtures/arm. */
    static Map<String, Object> fixture(String file, String status) {
        try {
            String text = Files.readString(shared().resolve("fixtures/arm").resolve(file), StandardCharsets.UTF_8);
            Map<String, Object> body = ArmJson.object(ArmJson.parse(text), "responses." + status + ".body");
            if (body == null) {
                throw new IllegalStateException(file + " has no responses." + status + ".body");
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> fixture(String file) {
        return fixture(file, "200");
    }

    static String resource(String name) {
        try (InputStream in = Lab.class.getResourceAsStream("/arm/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------- ids

    static String rg(int i) {
        return i == 1 ? "rsg-ciliumlab" : "rsg-ciliumlab" + i;
    }

    static String aks(int i) {
        return i == 1 ? "aks-ciliumlab" : "aks-ciliumlab" + i;
    }

    static String aksId(int i) {
        return ArmPaths.managedCluster(SUB, rg(i), aks(i));
    }

    static String vnetId(int i) {
        return ArmPaths.virtualNetwork(SUB, rg(i), "vnet-ciliumlab" + i);
    }

    static String subnetId(int i) {
        return vnetId(i) + "/subnets/aks";
    }

    static String hubId() {
        return ArmPaths.virtualHub(SUB, HUB_RG, HUB);
    }

    static String wanId() {
        return ArmPaths.virtualWan(SUB, HUB_RG, WAN);
    }

    static String connectionId(int i) {
        return hubId() + "/hubVirtualNetworkConnections/conn-vnet-ciliumlab" + i;
    }

    // ---------------------------------------------------------------------------------------------------- seeding

    /** A fake ARM that answers long-running operations after one InProgress poll, with Retry-After 0. */
    static FakeArm fakeArm() {
        FakeArm arm = FakeArm.builder().lroRetryAfter(Duration.ZERO).start();
        arm.longRunning("*", 1);
        return arm;
    }

    static void put(FakeArm arm, String id, Map<String, Object> body) {
        arm.put(id, ArmJson.write(body));
    }

    /** Seeds hub, WAN, n spokes (VNet + subnet + hub connection) and n BYOCNI clusters, all in fixture shapes. */
    static void seed(FakeArm arm, int n) {
        arm.resourceGroup(HUB_RG);
        seedWan(arm, "Standard");
        seedHub(arm);
        for (int i = 1; i <= n; i++) {
            arm.resourceGroup(rg(i));
            seedVnet(arm, i);
            seedConnection(arm, i, "Succeeded");
            seedCluster(arm, i);
        }
    }

    static void seedWan(FakeArm arm, String type) {
        put(arm, wanId(), Map.of("location", "eastus",
                "properties", Map.of("type", type, "disableVpnEncryption", false, "allowBranchToBranchTraffic", true)));
    }

    /** The hub in the shape of VirtualHubGet.json, in our WAN, prefix 10.100.0.0/23. */
    static void seedHub(FakeArm arm) {
        Map<String, Object> hub = fixture("VirtualHubGet.json");
        hub.put("location", "eastus");
        Map<String, Object> props = ArmJson.object(hub, "properties");
        props.put("virtualWan", Map.of("id", wanId()));
        props.put("addressPrefix", "10.100.0.0/23");
        props.put("sku", "Standard");
        put(arm, hubId(), hub);
    }

    /** VNet 10.i.0.0/16 with subnet aks 10.i.0.0/24, in the shape of VirtualNetworkGet.json and SubnetGet.json. */
    static void seedVnet(FakeArm arm, int i) {
        Map<String, Object> vnet = fixture("VirtualNetworkGet.json");
        vnet.put("location", "eastus");
        Map<String, Object> props = ArmJson.object(vnet, "properties");
        props.put("addressSpace", Map.of("addressPrefixes", List.of("10." + i + ".0.0/16")));
        Map<String, Object> subnet = fixture("SubnetGet.json");
        subnet.remove("id");
        subnet.put("name", "aks");
        ArmJson.object(subnet, "properties").put("addressPrefix", "10." + i + ".0.0/24");
        props.put("subnets", List.of(subnet));
        put(arm, vnetId(i), vnet);
    }

    /** A hub connection in the shape of HubVirtualNetworkConnectionGet.json. */
    static void seedConnection(FakeArm arm, int i, String state) {
        Map<String, Object> c = fixture("HubVirtualNetworkConnectionGet.json");
        c.remove("id");
        Map<String, Object> props = ArmJson.object(c, "properties");
        props.put("remoteVirtualNetwork", Map.of("id", vnetId(i)));
        props.remove("routingConfiguration");
        if ("Succeeded".equals(state)) {
            put(arm, connectionId(i), c);
        } else {
            inFlight(arm, "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections", connectionId(i), c);
        }
    }

    /**
     * Leaves a resource in the middle of a long-running PUT (provisioningState Creating/Updating): the type's
     * operations never finish and the PUT goes over HTTP, as a client's would.
     */
    static void inFlight(FakeArm arm, String type, String id, Map<String, Object> body) {
        arm.longRunning(type, 1_000_000);
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create(arm.url() + id + "?api-version=2024-07-01"))
                    .header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(ArmJson.write(body))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException("PUT " + id + " answered " + r.statusCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A BYOCNI cluster: pod CIDR 10.(10 i).0.0/16, service CIDR 10.20i.0.0/16, nodes in subnet aks of spoke i, its
     * system-assigned identity holding Network Contributor on that subnet (as {@code az aks create} grants it).
     */
    static void seedCluster(FakeArm arm, int i) {
        put(arm, aksId(i), cluster(i));
        arm.roleAssignment(subnetId(i), principal(i), FakeArm.NETWORK_CONTRIBUTOR);
    }

    /** The object id of cluster i's system-assigned identity. */
    static String principal(int i) {
        return String.format("22222222-2222-2222-2222-%012d", i);
    }

    /** The managed cluster payload of cluster i (src/test/resources/arm/ManagedClusterByocni.json), to vary. */
    static Map<String, Object> cluster(int i) {
        String json = resource("ManagedClusterByocni.json")
                .replace("/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/NAME", aksId(i))
                .replace("MC_RG_NAME", "MC_" + rg(i) + "_" + aks(i))
                .replace("NAME", aks(i)).replace("SUBNET", subnetId(i))
                .replace("PODCIDR", "10." + (10 * i) + ".0.0/16").replace("SERVICECIDR", "10.20" + i + ".0.0/16")
                .replace("DNSIP", "10.20" + i + ".0.10").replace("22222222-2222-2222-2222-222222222222", principal(i));
        return ArmJson.parse(json);
    }

    static String fqdn(int i) {
        return aks(i) + "-dns-1a2b3c4d.hcp.eastus.azmk8s.io";
    }

    // ---------------------------------------------------------------------------------------------------- specs

    /** A mesh spec whose n clusters are given only as Azure resources. */
    static MeshSpec spec(int n) {
        List<MeshCluster> clusters = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            clusters.add(MeshCluster.named("cluster" + i).withId(i).withAccess(ClusterAccess.azure(rg(i), aks(i))));
        }
        return MeshSpec.of("lab", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(),
                new AzureSpec(SUB, new AzureRef(HUB_RG, HUB)), clusters);
    }

    static AzureCloudProvider provider(FakeArm arm, FakeClock clock) {
        return provider(arm, clock, RetryPolicy.defaults());
    }

    static AzureCloudProvider provider(FakeArm arm, FakeClock clock, RetryPolicy retry) {
        return AzureCloudProvider.builder().armEndpoint(arm.url()).clock(clock).retryPolicy(retry)
                .pollInterval(Duration.ofSeconds(5)).build();
    }

    /** A clock that never waits: sleeping advances it and is recorded. */
    static final class FakeClock implements MeshClock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");
        final List<Duration> sleeps = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public synchronized Instant now() {
            return now;
        }

        @Override
        public synchronized void sleep(Duration d) {
            sleeps.add(d);
            now = now.plus(d);
        }
    }
}
