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
                Encryption.NONE, 255, CertificateMethod.SDK, null, Duration.ofDays(30), null, 1, McsApi.OFF, null);
    }

    /** The defaults with the given chart version. */
    public static CiliumOptions version(String version) {
        return defaults().withVersion(version);
    }

    public CiliumOptions withVersion(String v) {
        return with(c -> c.version = v);
    }

    public CiliumOptions kubeProxyReplacement(boolean on) {
        return with(c -> c.kubeProxyReplacement = on);
    }

    public CiliumOptions hubble(boolean on) {
        return with(c -> c.hubble = on);
    }

    public CiliumOptions routingMode(RoutingMode mode) {
        return with(c -> c.routingMode = mode);
    }

    public CiliumOptions tunnelProtocol(TunnelProtocol protocol) {
        return with(c -> c.tunnelProtocol = protocol);
    }

    public CiliumOptions kvstoremesh(boolean on) {
        return with(c -> c.kvstoremesh = on);
    }

    public CiliumOptions encryption(Encryption mode) {
        return with(c -> c.encryption = mode);
    }

    public CiliumOptions maxConnectedClusters(int max) {
        return with(c -> c.maxConnectedClusters = max);
    }

    public CiliumOptions certificateMethod(CertificateMethod method) {
        return with(c -> c.certificateMethod = method);
    }

    public CiliumOptions certificateValidity(Duration validity, Duration renewBefore) {
        return with(c -> {
            c.certificateValidity = validity;
            c.renewBefore = renewBefore;
        });
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
        return with(c -> c.rolloutBatch = clusters);
    }

    /**
     * Sets {@code clustermesh.policyDefaultLocalCluster} (chart 1.18 and later); {@code null} keeps the line's default.
     * From Cilium 1.19 the default is {@code true}: a policy selector without {@code io.cilium.k8s.policy.cluster}
     * then matches endpoints of the local cluster only (Cilium 1.19 upgrade notes, "Cluster Mesh").
     */
    public CiliumOptions policyDefaultLocalCluster(Boolean localOnly) {
        return with(c -> c.policyDefaultLocalCluster = localOnly);
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
        return with(c -> c.mcsApi = mode);
    }

    /**
     * Sets {@code clustermesh.defaultGlobalNamespace} (chart 1.20 and later); {@code null} keeps the line's default
     * ({@code true}). With {@code false} a namespace is global only with the annotation
     * {@code clustermesh.cilium.io/global: "true"}, and a global service is exported only from a global namespace.
     */
    public CiliumOptions defaultGlobalNamespace(Boolean global) {
        return with(c -> c.defaultGlobalNamespace = global);
    }

    /** Whether a namespace without {@code clustermesh.cilium.io/global} is global on this chart (always before 1.20). */
    public boolean effectiveDefaultGlobalNamespace() {
        return defaultGlobalNamespace == null || !chartVersion().atLeast(1, 20) || defaultGlobalNamespace;
    }

    /** The parsed chart version. @throws IllegalArgumentException if {@link #version()} is not a version */
    public ChartVersion chartVersion() {
        return ChartVersion.parse(version);
    }

    /** A copy of these options with {@code change} applied (one place that lists every component). */
    private CiliumOptions with(java.util.function.Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new CiliumOptions(c.version, c.kubeProxyReplacement, c.hubble, c.routingMode, c.tunnelProtocol, c.kvstoremesh,
                c.encryption, c.maxConnectedClusters, c.certificateMethod, c.certificateValidity, c.renewBefore,
                c.policyDefaultLocalCluster, c.rolloutBatch, c.mcsApi, c.defaultGlobalNamespace);
    }

    /** The components of a copy being made. */
    private static final class Copy {
        String version;
        boolean kubeProxyReplacement;
        boolean hubble;
        RoutingMode routingMode;
        TunnelProtocol tunnelProtocol;
        boolean kvstoremesh;
        Encryption encryption;
        int maxConnectedClusters;
        CertificateMethod certificateMethod;
        Duration certificateValidity;
        Duration renewBefore;
        Boolean policyDefaultLocalCluster;
        int rolloutBatch;
        McsApi mcsApi;
        Boolean defaultGlobalNamespace;

        Copy(CiliumOptions o) {
            version = o.version;
            kubeProxyReplacement = o.kubeProxyReplacement;
            hubble = o.hubble;
            routingMode = o.routingMode;
            tunnelProtocol = o.tunnelProtocol;
            kvstoremesh = o.kvstoremesh;
            encryption = o.encryption;
            maxConnectedClusters = o.maxConnectedClusters;
            certificateMethod = o.certificateMethod;
            certificateValidity = o.certificateValidity;
            renewBefore = o.renewBefore;
            policyDefaultLocalCluster = o.policyDefaultLocalCluster;
            rolloutBatch = o.rolloutBatch;
            mcsApi = o.mcsApi;
            defaultGlobalNamespace = o.defaultGlobalNamespace;
        }
    }
}
