package io.clustermesh.model;

import java.util.Locale;

/**
 * Kubernetes Multi-Cluster Services API support in Cilium (services exported with a {@code ServiceExport} of
 * {@code multicluster.x-k8s.io}, seen from the other clusters as a {@code ServiceImport}). Chart values:
 * {@code clustermesh.enableMCSAPISupport} on 1.16 to 1.18, {@code clustermesh.mcsapi.*} from 1.19
 * (docs.cilium.io/en/stable/network/clustermesh/mcsapi/).
 */
public enum McsApi {
    /** No MCS-API (the chart default). */
    OFF("off"),
    /** MCS-API controllers and CRDs; CoreDNS is configured by the user for {@code clusterset.local}. */
    ON("on"),
    /**
     * MCS-API with the chart's CoreDNS auto-configuration job ({@code clustermesh.mcsapi.corednsAutoConfigure.enabled},
     * chart 1.19 and later); needs CoreDNS 1.12.2 or later on the cluster.
     */
    ON_COREDNS("on-coredns");

    private final String value;

    McsApi(String value) {
        this.value = value;
    }

    /** The spec YAML spelling ({@code cilium.mcsApi}). */
    public String value() {
        return value;
    }

    /** Whether Cilium's MCS-API support is on. */
    public boolean enabled() {
        return this != OFF;
    }

    /** The mode for a spec YAML value, or {@code null} if it is none of {@code off, on, on-coredns}. */
    public static McsApi fromValue(String s) {
        for (McsApi m : values()) {
            if (m.value.equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }
}
