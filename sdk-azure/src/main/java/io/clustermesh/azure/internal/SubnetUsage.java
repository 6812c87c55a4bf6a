package io.clustermesh.azure.internal;

import com.azure.resourcemanager.network.fluent.models.FrontendIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.LoadBalancerInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which addresses of a subnet are taken, and by whom: addresses ARM lists inline, plus the frontends of load
 * balancers and the NICs whose IP configurations sit in the subnet (read one by one, at most a few dozen). Node NICs
 * of scale sets are not resolved (nodes take addresses from the bottom of the subnet). Read failures leave the
 * address unknown; they are counted, not thrown.
 */
public final class SubnetUsage {
    private static final Logger LOG = LoggerFactory.getLogger(SubnetUsage.class);
    private static final int MAX_LOOKUPS = 40;

    /**
     * @param owners     address → id of the IP configuration holding it
     * @param unresolved IP configurations whose address could not be learned
     */
    public record Usage(Map<String, String> owners, int unresolved) {
        public Usage {
            owners = Map.copyOf(owners);
        }

        /**
         * Addresses taken by something other than the cluster's own internal load balancer ({@code kubernetes-internal}
         * in its node resource group): the address the clustermesh-apiserver already holds stays the cluster's choice.
         */
        public java.util.Set<String> takenByOthers(String nodeResourceGroup) {
            java.util.Set<String> out = new java.util.HashSet<>();
            owners.forEach((ip, owner) -> {
                if (!ownInternalLb(owner, nodeResourceGroup)) {
                    out.add(ip);
                }
            });
            return out;
        }
    }

    /** Whether an IP configuration id is a frontend of the AKS internal load balancer of that node resource group. */
    public static boolean ownInternalLb(String ownerId, String nodeResourceGroup) {
        if (ownerId == null || nodeResourceGroup == null) {
            return false;
        }
        String rg = ArmPaths.segment(ownerId, "resourceGroups");
        String lb = ArmPaths.segment(ownerId, "loadBalancers");
        return lb != null && lb.equalsIgnoreCase(AzurePreflight.AKS_INTERNAL_LB) && nodeResourceGroup.equalsIgnoreCase(rg);
    }

    private SubnetUsage() {
    }

    public static Usage read(ArmSession session, VnetFacts.SubnetFacts subnet) {
        Map<String, String> owners = new LinkedHashMap<>();
        Map<String, Map<String, String>> lbFrontends = new LinkedHashMap<>();
        Map<String, Map<String, String>> nicConfigs = new LinkedHashMap<>();
        int unresolved = 0;
        int lookups = 0;
        for (VnetFacts.IpConfig c : subnet.ipConfigurations()) {
            if (c.id() == null) {
                continue;
            }
            if (c.privateIpAddress() != null) {
                owners.put(c.privateIpAddress(), c.id());
                continue;
            }
            String lower = c.id().toLowerCase(Locale.ROOT);
            String rg = ArmPaths.segment(c.id(), "resourceGroups");
            try {
                if (lower.contains("/providers/microsoft.network/loadbalancers/")) {
                    String lb = ArmPaths.segment(c.id(), "loadBalancers");
                    String key = (rg + "/" + lb).toLowerCase(Locale.ROOT);
                    if (!lbFrontends.containsKey(key)) {
                        if (lookups++ >= MAX_LOOKUPS) {
                            unresolved++;
                            continue;
                        }
                        Map<String, String> m = new LinkedHashMap<>();
                        LoadBalancerInner in = session.network().serviceClient().getLoadBalancers().getByResourceGroup(rg, lb);
                        if (in != null && in.frontendIpConfigurations() != null) {
                            for (FrontendIpConfigurationInner f : in.frontendIpConfigurations()) {
                                if (f.id() != null && f.privateIpAddress() != null) {
                                    m.put(ArmPaths.normalize(f.id()), f.privateIpAddress());
                                }
                            }
                        }
                        lbFrontends.put(key, m);
                    }
                    String ip = lbFrontends.get(key).get(ArmPaths.normalize(c.id()));
                    if (ip != null) {
                        owners.put(ip, c.id());
                    } else {
                        unresolved++;
                    }
                } else if (lower.contains("/providers/microsoft.network/networkinterfaces/")) {
                    String nic = ArmPaths.segment(c.id(), "networkInterfaces");
                    String key = (rg + "/" + nic).toLowerCase(Locale.ROOT);
                    if (!nicConfigs.containsKey(key)) {
                        if (lookups++ >= MAX_LOOKUPS) {
                            unresolved++;
                            continue;
                        }
                        Map<String, String> m = new LinkedHashMap<>();
                        NetworkInterfaceInner in = session.network().serviceClient().getNetworkInterfaces().getByResourceGroup(rg, nic);
                        if (in != null && in.ipConfigurations() != null) {
                            for (NetworkInterfaceIpConfigurationInner ic : in.ipConfigurations()) {
                                if (ic.id() != null && ic.privateIpAddress() != null) {
                                    m.put(ArmPaths.normalize(ic.id()), ic.privateIpAddress());
                                }
                            }
                        }
                        nicConfigs.put(key, m);
                    }
                    String ip = nicConfigs.get(key).get(ArmPaths.normalize(c.id()));
                    if (ip != null) {
                        owners.put(ip, c.id());
                    } else {
                        unresolved++;
                    }
                } else {
                    unresolved++;
                }
            } catch (RuntimeException e) {
                LOG.debug("could not read the owner of IP configuration {}: {}", c.id(), ArmFailure.of(e).summary());
                unresolved++;
            }
        }
        return new Usage(owners, unresolved);
    }
}
