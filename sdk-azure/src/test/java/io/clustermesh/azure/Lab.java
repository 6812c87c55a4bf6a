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
 * A healthy BYOCNI lab seeded into a {@link TestArm} from the official example payloads in
 * {@code ../shared/fixtures/arm} (ids, names and prefixes rewritten), plus helpers the tests share.
 */
final class Lab {
    static final String SUB = TestArm.SUB;
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

    /** Seeds hub, WAN, n spokes (VNet + subnet + hub connection) and n BYOCNI clusters. */
    static void seed(TestArm arm, int n) {
        seedWan(arm, "Standard");
        seedHub(arm);
        for (int i = 1; i <= n; i++) {
            seedVnet(arm, i);
            seedConnection(arm, i, "Succeeded");
            seedCluster(arm, i);
        }
    }

    static void seedWan(TestArm arm, String type) {
        arm.put(wanId(), Map.of("location", "eastus", "type", "Microsoft.Network/virtualWans",
                "properties", Map.of("type", type, "provisioningState", "Succeeded", "allowBranchToBranchTraffic", true)));
    }

    static void seedHub(TestArm arm) {
        Map<String, Object> hub = fixture("VirtualHubGet.json");
        hub.put("id", hubId());
        hub.put("name", HUB);
        hub.put("location", "eastus");
        Map<String, Object> props = ArmJson.object(hub, "properties");
        props.put("virtualWan", Map.of("id", wanId()));
        props.put("addressPrefix", "10.100.0.0/23");
        props.put("sku", "Standard");
        arm.put(hubId(), hub);
    }

    /** VNet 10.i.0.0/16 with subnet aks 10.i.0.0/24, in the shape of VirtualNetworkGet.json / SubnetGet.json. */
    static void seedVnet(TestArm arm, int i) {
        Map<String, Object> vnet = fixture("VirtualNetworkGet.json");
        vnet.put("id", vnetId(i));
        vnet.put("name", "vnet-ciliumlab" + i);
        vnet.put("location", "eastus");
        Map<String, Object> props = ArmJson.object(vnet, "properties");
        props.put("addressSpace", Map.of("addressPrefixes", List.of("10." + i + ".0.0/16")));
        props.remove("subnets");
        arm.put(vnetId(i), vnet);
        Map<String, Object> subnet = fixture("SubnetGet.json");
        subnet.put("id", subnetId(i));
        subnet.put("name", "aks");
        ArmJson.object(subnet, "properties").put("addressPrefix", "10." + i + ".0.0/24");
        arm.put(subnetId(i), subnet);
    }

    /** A hub connection in the shape of HubVirtualNetworkConnectionGet.json. */
    static void seedConnection(TestArm arm, int i, String state) {
        Map<String, Object> c = fixture("HubVirtualNetworkConnectionGet.json");
        c.put("id", connectionId(i));
        c.put("name", "conn-vnet-ciliumlab" + i);
        Map<String, Object> props = ArmJson.object(c, "properties");
        props.put("provisioningState", state);
        props.put("remoteVirtualNetwork", Map.of("id", vnetId(i)));
        props.remove("routingConfiguration");
        arm.put(connectionId(i), c);
    }

    /** A BYOCNI cluster: pod CIDR 10.(10 i).0.0/16, service CIDR 10.20i.0.0/16, nodes in subnet aks of spoke i. */
    static void seedCluster(TestArm arm, int i) {
        String json = resource("ManagedClusterByocni.json")
                .replace("/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/NAME", aksId(i))
                .replace("MC_RG_NAME", "MC_" + rg(i) + "_" + aks(i))
                .replace("NAME", aks(i)).replace("SUBNET", subnetId(i))
                .replace("PODCIDR", "10." + (10 * i) + ".0.0/16").replace("SERVICECIDR", "10.20" + i + ".0.0/16")
                .replace("DNSIP", "10.20" + i + ".0.10");
        arm.put(aksId(i), ArmJson.parse(json));
    }

    static String fqdn(int i) {
        return aks(i) + "-dns-1a2b3c4d.hcp.eastus.azmk8s.io";
    }

    // ---------------------------------------------------------------------------------------------------- specs

    /** A mesh spec whose n clusters are given only as Azure resources. */
    static MeshSpec spec(int n) {
        List<MeshCluster> clusters = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            clusters.add(MeshCluster.named("cluster" + i).id(i).access(ClusterAccess.azure(rg(i), aks(i))));
        }
        return new MeshSpec("lab", CiliumOptions.defaults(), CaStrategy.generate(), Exposure.azureInternalLoadBalancer(),
                new AzureSpec(SUB, new AzureRef(HUB_RG, HUB)), clusters);
    }

    static AzureCloudProvider provider(TestArm arm, FakeClock clock) {
        return provider(arm, clock, RetryPolicy.defaults());
    }

    static AzureCloudProvider provider(TestArm arm, FakeClock clock, RetryPolicy retry) {
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
