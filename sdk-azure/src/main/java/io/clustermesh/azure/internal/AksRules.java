package io.clustermesh.azure.internal;

import io.clustermesh.model.IpCidr;

import java.util.List;
import java.util.regex.Pattern;

/** AKS and Cilium facts the Azure checks need (the reserved ranges, the BYOCNI rules), kept here so sdk-azure uses only sdk-api's public API. */
public final class AksRules {
    private AksRules() {
    }

    /** Ranges AKS reserves: none of the cluster, VNet or hub ranges may overlap them. */
    public static final List<IpCidr> RESERVED = List.of(IpCidr.parse("169.254.0.0/16"), IpCidr.parse("172.30.0.0/16"),
            IpCidr.parse("172.31.0.0/16"), IpCidr.parse("192.0.2.0/24"));

    /** A Cilium cluster name: lower-case DNS label. */
    public static final Pattern CLUSTER_NAME = Pattern.compile("^([a-z0-9][-a-z0-9]*)?[a-z0-9]$");

    /** Longest Cilium cluster name (charts from 1.16). */
    public static final int MAX_CLUSTER_NAME = 32;
}
