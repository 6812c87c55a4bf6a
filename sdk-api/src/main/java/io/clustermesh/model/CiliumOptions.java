package io.clustermesh.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How Cilium is installed on every cluster of the mesh. Immutable; each {@code with}-style method returns a
 * copy. Start from {@link #version(String)} or {@link #defaults()}.
 *
 * @param version               Cilium chart version, e.g. {@code 1.16.19}; its line decides value shapes
 * @param kubeProxyReplacement  {@code kubeProxyReplacement="true"} (AKS clusters run without kube-proxy)
 * @param hubble                Hubble relay and UI
 * @param routingMode           must be the same everywhere; AKS BYOCNI requires tunnel
 * @param tunnelProtocol        must be the same everywhere
 * @param kvstoremesh           {@code clustermesh.apiserver.kvstoremesh.enabled} (chart default on from 1.16)
 * @param encryption            transparent encryption, the same everywhere
 * @param maxConnectedClusters  255 or 511; fixed at install and the same on every cluster
 * @param certificateMethod     who issues the clustermesh-apiserver certificates
 * @param certificateValidity   validity of the clustermesh-apiserver leaf certificates (SDK-issued, and chart-issued
 *                              through {@code clustermesh.apiserver.tls.auto.certValidityDuration}); {@code null}
 *                              keeps the chart line's default (see {@link #effectiveCertificateValidity()})
 * @param renewBefore           SDK-issued leaf certificates are re-issued when less than this is left
 * @param policyDefaultLocalCluster {@code clustermesh.policyDefaultLocalCluster} (chart 1.18 and later): whether a
 *                              policy selector without {@code io.cilium.k8s.policy.cluster} matches only the local
 *                              cluster; {@code null} keeps the chart line's default (off up to 1.18, on from 1.19, see
 *                              {@link #effectivePolicyDefaultLocalCluster()})
 * @param rolloutBatch          how many clusters a rolling upgrade upgrades at a time (default 1); the next batch
 *                              starts once every cluster of the previous one passed its gate
 * @param mcsApi                Multi-Cluster Services API support (off by default; {@code null} reads as off)
 * @param defaultGlobalNamespace {@code clustermesh.defaultGlobalNamespace} (chart 1.20 and later): whether a namespace
 *                              without {@code clustermesh.cilium.io/global} is global; {@code null} keeps the line's
 *                              default (true)
 */
public record CiliumOptions(String version, boolean kubeProxyReplacement, boolean hubble, RoutingMode routingMode,
                            TunnelProtocol tunnelProtocol, boolean kvstoremesh, Encryption encryption,
                            int maxConnectedClusters, CertificateMethod certificateMethod,
                            Duration certificateValidity, Duration renewBefore, Boolean policyDefaultLocalCluster,
                            int rolloutBatch, McsApi mcsApi, Boolean defaultGlobalNamespace) {

    public static final String DEFAULT_VERSION = "1.16.19";

    /** The options without MCS-API and with the line's global-namespace default. */
    public CiliumOptions(String version, boolean kubeProxyReplacement, boolean hubble, RoutingMode routingMode,
                         TunnelProtocol tunnelProtocol, boolean kvstoremesh, Encryption encryption,
                         int maxConnectedClusters, CertificateMethod certificateMethod,
                         Duration certificateValidity, Duration renewBefore, Boolean policyDefaultLocalCluster, int rolloutBatch) {
        this(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch,
                McsApi.OFF, null);
    }

    /** The options with rolling upgrades one cluster at a time ({@link #rolloutBatch()} 1). */
    public CiliumOptions(String version, boolean kubeProxyReplacement, boolean hubble, RoutingMode routingMode,
                         TunnelProtocol tunnelProtocol, boolean kvstoremesh, Encryption encryption,
                         int maxConnectedClusters, CertificateMethod certificateMethod,
                         Duration certificateValidity, Duration renewBefore, Boolean policyDefaultLocalCluster) {
        this(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, 1);
    }

    /** The options with the chart line's default for {@code clustermesh.policyDefaultLocalCluster}. */
    public CiliumOptions(String version, boolean kubeProxyReplacement, boolean hubble, RoutingMode routingMode,
                         TunnelProtocol tunnelProtocol, boolean kvstoremesh, Encryption encryption,
                         int maxConnectedClusters, CertificateMethod certificateMethod,
                         Duration certificateValidity, Duration renewBefore) {
        this(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, null, 1);
    }

    public CiliumOptions {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(routingMode, "routingMode");
        Objects.requireNonNull(tunnelProtocol, "tunnelProtocol");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(certificateMethod, "certificateMethod");
        Objects.requireNonNull(renewBefore, "renewBefore");
        mcsApi = mcsApi == null ? McsApi.OFF : mcsApi;
        if (certificateValidity != null && (certificateValidity.isNegative() || certificateValidity.isZero())) {
            throw new IllegalArgumentException("certificateValidity must be positive");
        }
        if (renewBefore.isNegative()) {
            throw new IllegalArgumentException("renewBefore must not be negative");
        }
        if (rolloutBatch < 1) {
            throw new IllegalArgumentException("rolloutBatch must be at least 1 (clusters upgraded at a time), got " + rolloutBatch);
        }
    }

    /** The article's settings: chart 1.16.19, kube-proxy replacement, Hubble, VXLAN tunnel, KVStoreMesh. */
    public static CiliumOptions defaults() {
        return new CiliumOptions(DEFAULT_VERSION, true, true, RoutingMode.TUNNEL, TunnelProtocol.VXLAN, true,
                Encryption.NONE, 255, CertificateMethod.SDK, null, Duration.ofDays(30));
    }

    /** The defaults with the given chart version. */
    public static CiliumOptions version(String version) {
        return defaults().withVersion(version);
    }

    public CiliumOptions withVersion(String v) {
        return new CiliumOptions(v, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions kubeProxyReplacement(boolean on) {
        return new CiliumOptions(version, on, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions hubble(boolean on) {
        return new CiliumOptions(version, kubeProxyReplacement, on, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions routingMode(RoutingMode mode) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, mode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions tunnelProtocol(TunnelProtocol protocol) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, protocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions kvstoremesh(boolean on) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, on, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions encryption(Encryption mode) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, mode,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions maxConnectedClusters(int max) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                max, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions certificateMethod(CertificateMethod method) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, method, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    public CiliumOptions certificateValidity(Duration validity, Duration renewBefore) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, validity, renewBefore, policyDefaultLocalCluster, rolloutBatch, mcsApi,
                defaultGlobalNamespace);
    }

    /**
     * The validity of the clustermesh-apiserver leaf certificates on this chart: {@link #certificateValidity()} when
     * set, else the line's default — 1 year from 1.20 (Cilium 1.20 upgrade notes: Cluster Mesh leaf certificates
     * default to one year), the chart's {@code clustermesh.apiserver.tls.auto.certValidityDuration} default of 1095
     * days before.
     *
     * @throws IllegalArgumentException if {@link #version()} is not a version
     */
    public Duration effectiveCertificateValidity() {
        if (certificateValidity != null) {
            return certificateValidity;
        }
        return chartVersion().atLeast(1, 20) ? Duration.ofDays(365) : Duration.ofDays(1095);
    }

    /**
     * How many clusters a rolling upgrade (a chart version change) upgrades at a time: the clusters are taken in spec
     * order in batches of {@code clusters}, and a batch starts once every cluster of the previous batch passed its
     * gate (its agents and its peers' agents see each other connected again). Default 1.
     *
     * @throws IllegalArgumentException if {@code clusters} is less than 1
     */
    public CiliumOptions rolloutBatch(int clusters) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, clusters, mcsApi,
                defaultGlobalNamespace);
    }

    /**
     * Sets {@code clustermesh.policyDefaultLocalCluster} (chart 1.18 and later); {@code null} keeps the line's default.
     * From Cilium 1.19 the default is {@code true}: a policy selector without {@code io.cilium.k8s.policy.cluster}
     * then matches endpoints of the local cluster only (Cilium 1.19 upgrade notes, "Cluster Mesh").
     */
    public CiliumOptions policyDefaultLocalCluster(Boolean localOnly) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, localOnly, rolloutBatch, mcsApi, defaultGlobalNamespace);
    }

    /**
     * Whether a policy selector without the cluster label matches only the local cluster on this chart: the explicit
     * {@link #policyDefaultLocalCluster()} where the line has the option (1.18 and later), else the line's behaviour
     * ({@code false} up to 1.18, {@code true} from 1.19).
     *
     * @throws IllegalArgumentException if {@link #version()} is not a version
     */
    public boolean effectivePolicyDefaultLocalCluster() {
        ChartVersion v = chartVersion();
        if (policyDefaultLocalCluster != null && v.atLeast(1, 18)) {
            return policyDefaultLocalCluster;
        }
        return v.atLeast(1, 19);
    }

    /** Sets Multi-Cluster Services API support ({@link McsApi}); off by default. */
    public CiliumOptions mcsApi(McsApi mode) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch,
                mode, defaultGlobalNamespace);
    }

    /**
     * Sets {@code clustermesh.defaultGlobalNamespace} (chart 1.20 and later); {@code null} keeps the line's default
     * ({@code true}). With {@code false} a namespace is global only with the annotation
     * {@code clustermesh.cilium.io/global: "true"}, and a global service is exported only from a global namespace.
     */
    public CiliumOptions defaultGlobalNamespace(Boolean global) {
        return new CiliumOptions(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch,
                mcsApi, global);
    }

    /** Whether a namespace without {@code clustermesh.cilium.io/global} is global on this chart (always before 1.20). */
    public boolean effectiveDefaultGlobalNamespace() {
        return defaultGlobalNamespace == null || !chartVersion().atLeast(1, 20) || defaultGlobalNamespace;
    }

    /** The parsed chart version. @throws IllegalArgumentException if {@link #version()} is not a version */
    public ChartVersion chartVersion() {
        return ChartVersion.parse(version);
    }
}
