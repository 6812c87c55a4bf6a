package io.clustermesh.azure.internal;

import com.azure.resourcemanager.network.fluent.models.IpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkPeeringInner;
import com.azure.resourcemanager.network.models.Network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A virtual network as the SDK needs it: address spaces, subnets with their IP configurations, peerings. */
public record VnetFacts(String id, List<String> addressPrefixes, Map<String, SubnetFacts> subnets, List<Peering> peerings) {

    /** One subnet; {@code ipConfigurations} are the ids (and addresses when ARM gives them) using it. */
    public record SubnetFacts(String id, String name, String addressPrefix, List<IpConfig> ipConfigurations) {
        public SubnetFacts {
            ipConfigurations = List.copyOf(ipConfigurations);
        }
    }

    /** An IP configuration in a subnet: a NIC's, a load balancer frontend's, a VMSS NIC's. */
    public record IpConfig(String id, String privateIpAddress) {
    }

    /** A peering to another VNet. */
    public record Peering(String remoteVnetId, String state) {
        public boolean connected() {
            return "Connected".equalsIgnoreCase(state);
        }
    }

    public VnetFacts {
        addressPrefixes = List.copyOf(addressPrefixes);
        subnets = Map.copyOf(subnets);
        peerings = List.copyOf(peerings);
    }

    public static VnetFacts of(Network network) {
        return of(network.innerModel(), network.id());
    }

    public static VnetFacts of(VirtualNetworkInner in, String id) {
        List<String> prefixes = in.addressSpace() == null || in.addressSpace().addressPrefixes() == null ? List.of()
                : in.addressSpace().addressPrefixes();
        Map<String, SubnetFacts> subnets = new LinkedHashMap<>();
        if (in.subnets() != null) {
            for (SubnetInner s : in.subnets()) {
                SubnetFacts f = subnet(s);
                subnets.put(f.name().toLowerCase(java.util.Locale.ROOT), f);
            }
        }
        List<Peering> peerings = new ArrayList<>();
        if (in.virtualNetworkPeerings() != null) {
            for (VirtualNetworkPeeringInner p : in.virtualNetworkPeerings()) {
                peerings.add(new Peering(p.remoteVirtualNetwork() == null ? null : p.remoteVirtualNetwork().id(),
                        p.peeringState() == null ? null : p.peeringState().toString()));
            }
        }
        return new VnetFacts(id != null ? id : in.id(), prefixes, subnets, peerings);
    }

    public static SubnetFacts subnet(SubnetInner s) {
        String prefix = s.addressPrefix() != null ? s.addressPrefix()
                : s.addressPrefixes() == null || s.addressPrefixes().isEmpty() ? null : s.addressPrefixes().get(0);
        List<IpConfig> configs = new ArrayList<>();
        if (s.ipConfigurations() != null) {
            for (IpConfigurationInner c : s.ipConfigurations()) {
                configs.add(new IpConfig(c.id(), c.privateIpAddress()));
            }
        }
        String name = s.name() != null ? s.name() : ArmPaths.segment(s.id(), "subnets");
        return new SubnetFacts(s.id(), name == null ? "" : name, prefix, configs);
    }

    public Optional<SubnetFacts> subnet(String name) {
        return Optional.ofNullable(subnets.get(name.toLowerCase(java.util.Locale.ROOT)));
    }

    /** Whether this VNet has a connected peering to {@code otherVnetId}. */
    public boolean peeredWith(String otherVnetId) {
        return peerings.stream().anyMatch(p -> p.connected() && ArmPaths.same(p.remoteVnetId(), otherVnetId));
    }
}
