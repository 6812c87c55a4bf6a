package io.clustermesh.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How Cilium is installed on every cluster of the mesh. Immutable; each {@code with*} method returns a copy
 * with one property changed. Start from {@link #version(String)} or {@link #defaults()}.
 *
 * <p>The properties:
 * <ul>
 * <li>{@link #version()}: Cilium chart version, e.g. {@code 1.16.19}; its line decides value shapes</li>
 * <li>{@link #kubeProxyReplacement()}: {@code kubeProxyReplacement="true"} (AKS clusters run without kube-proxy)</li>
 * <li>{@link #hubble()}: Hubble relay and UI</li>
 * <li>{@link #routingMode()}: must be the same everywhere; AKS BYOCNI requires tunnel</li>
 * <li>{@link #tunnelProtocol()}: must be the same everywhere</li>
 * <li>{@link #kvstoremesh()}: {@code clustermesh.apiserver.kvstoremesh.enabled} (chart default on from 1.16)</li>
 * <li>{@link #encryption()}: transparent encryption, the same everywhere</li>
 * <li>{@link #maxConnectedClusters()}: 255 or 511; fixed at install and the same on every cluster</li>
 * <li>{@link #certificateMethod()}: who issues the clustermesh-apiserver certificates</li>
 * <li>{@link #certificateValidity()}: validity of the clustermesh-apiserver leaf certificates (SDK-issued, and
 *     chart-issued through {@code clustermesh.apiserver.tls.auto.certValidityDuration}); {@code null} keeps the chart
 *     line's default (see {@link #effectiveCertificateValidity()})</li>
 * <li>{@link #renewBefore()}: SDK-issued leaf certificates are re-issued when less than this is left</li>
 * <li>{@link #policyDefaultLocalCluster()}: {@code clustermesh.policyDefaultLocalCluster} (chart 1.18 and later):
 *     whether a policy selector without {@code io.cilium.k8s.policy.cluster} matches only the local cluster; {@code
 *     null} keeps the chart line's default (off up to 1.18, on from 1.19, see {@link
 *     #effectivePolicyDefaultLocalCluster()})</li>
 * <li>{@link #rolloutBatch()}: how many clusters a rolling upgrade upgrades at a time (default 1); the next batch
 *     starts once every cluster of the previous one passed its gate</li>
 * <li>{@link #mcsApi()}: Multi-Cluster Services API support (off by default; {@code null} reads as off)</li>
 * <li>{@link #defaultGlobalNamespace()}: {@code clustermesh.defaultGlobalNamespace} (chart 1.20 and later): whether a
 *     namespace without {@code clustermesh.cilium.io/global} is global; {@code null} keeps the line's default
 *     (true)</li>
 * </ul>
 */
public final class CiliumOptions {

    public static final String DEFAULT_VERSION = "1.16.19";

    private final String version;
    private final boolean kubeProxyReplacement;
    private final boolean hubble;
    private final RoutingMode routingMode;
    private final TunnelProtocol tunnelProtocol;
    private final boolean kvstoremesh;
    private final Encryption encryption;
    private final int maxConnectedClusters;
    private final CertificateMethod certificateMethod;
    private final Duration certificateValidity;
    private final Duration renewBefore;
    private final Boolean policyDefaultLocalCluster;
    private final int rolloutBatch;
    private final McsApi mcsApi;
    private final Boolean defaultGlobalNamespace;

    /** Checks and takes the components of {@code c}; reached through {@link #defaults()} and the private {@code with}. */
    private CiliumOptions(Copy c) {
        version = Objects.requireNonNull(c.version, "version");
        kubeProxyReplacement = c.kubeProxyReplacement;
        hubble = c.hubble;
        routingMode = Objects.requireNonNull(c.routingMode, "routingMode");
        tunnelProtocol = Objects.requireNonNull(c.tunnelProtocol, "tunnelProtocol");
        kvstoremesh = c.kvstoremesh;
        encryption = Objects.requireNonNull(c.encryption, "encryption");
        maxConnectedClusters = c.maxConnectedClusters;
        certificateMethod = Objects.requireNonNull(c.certificateMethod, "certificateMethod");
        certificateValidity = c.certificateValidity;
        renewBefore = Objects.requireNonNull(c.renewBefore, "renewBefore");
        policyDefaultLocalCluster = c.policyDefaultLocalCluster;
        rolloutBatch = c.rolloutBatch;
        mcsApi = c.mcsApi == null ? McsApi.OFF : c.mcsApi;
        defaultGlobalNamespace = c.defaultGlobalNamespace;
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
        Copy c = new Copy();
        c.version = DEFAULT_VERSION;
        c.kubeProxyReplacement = true;
        c.hubble = true;
        c.routingMode = RoutingMode.TUNNEL;
        c.tunnelProtocol = TunnelProtocol.VXLAN;
        c.kvstoremesh = true;
        c.encryption = Encryption.NONE;
        c.maxConnectedClusters = 255;
        c.certificateMethod = CertificateMethod.SDK;
        c.renewBefore = Duration.ofDays(30);
        c.rolloutBatch = 1;
        c.mcsApi = McsApi.OFF;
        return new CiliumOptions(c);
    }

    /** The defaults with the given chart version. */
    public static CiliumOptions version(String version) {
        return defaults().withVersion(version);
    }

    public CiliumOptions withVersion(String v) {
        return with(c -> c.version = v);
    }

    public CiliumOptions withKubeProxyReplacement(boolean on) {
        return with(c -> c.kubeProxyReplacement = on);
    }

    public CiliumOptions withHubble(boolean on) {
        return with(c -> c.hubble = on);
    }

    public CiliumOptions withRoutingMode(RoutingMode mode) {
        return with(c -> c.routingMode = mode);
    }

    public CiliumOptions withTunnelProtocol(TunnelProtocol protocol) {
        return with(c -> c.tunnelProtocol = protocol);
    }

    public CiliumOptions withKvstoremesh(boolean on) {
        return with(c -> c.kvstoremesh = on);
    }

    public CiliumOptions withEncryption(Encryption mode) {
        return with(c -> c.encryption = mode);
    }

    public CiliumOptions withMaxConnectedClusters(int max) {
        return with(c -> c.maxConnectedClusters = max);
    }

    public CiliumOptions withCertificateMethod(CertificateMethod method) {
        return with(c -> c.certificateMethod = method);
    }

    public CiliumOptions withCertificateValidity(Duration validity, Duration renewBefore) {
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
    public CiliumOptions withRolloutBatch(int clusters) {
        return with(c -> c.rolloutBatch = clusters);
    }

    /**
     * Sets {@code clustermesh.policyDefaultLocalCluster} (chart 1.18 and later); {@code null} keeps the line's default.
     * From Cilium 1.19 the default is {@code true}: a policy selector without {@code io.cilium.k8s.policy.cluster}
     * then matches endpoints of the local cluster only (Cilium 1.19 upgrade notes, "Cluster Mesh").
     */
    public CiliumOptions withPolicyDefaultLocalCluster(Boolean localOnly) {
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
    public CiliumOptions withMcsApi(McsApi mode) {
        return with(c -> c.mcsApi = mode);
    }

    /**
     * Sets {@code clustermesh.defaultGlobalNamespace} (chart 1.20 and later); {@code null} keeps the line's default
     * ({@code true}). With {@code false} a namespace is global only with the annotation
     * {@code clustermesh.cilium.io/global: "true"}, and a global service is exported only from a global namespace.
     */
    public CiliumOptions withDefaultGlobalNamespace(Boolean global) {
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

    public String version() {
        return version;
    }

    public boolean kubeProxyReplacement() {
        return kubeProxyReplacement;
    }

    public boolean hubble() {
        return hubble;
    }

    public RoutingMode routingMode() {
        return routingMode;
    }

    public TunnelProtocol tunnelProtocol() {
        return tunnelProtocol;
    }

    public boolean kvstoremesh() {
        return kvstoremesh;
    }

    public Encryption encryption() {
        return encryption;
    }

    public int maxConnectedClusters() {
        return maxConnectedClusters;
    }

    public CertificateMethod certificateMethod() {
        return certificateMethod;
    }

    public Duration certificateValidity() {
        return certificateValidity;
    }

    public Duration renewBefore() {
        return renewBefore;
    }

    public Boolean policyDefaultLocalCluster() {
        return policyDefaultLocalCluster;
    }

    public int rolloutBatch() {
        return rolloutBatch;
    }

    public McsApi mcsApi() {
        return mcsApi;
    }

    public Boolean defaultGlobalNamespace() {
        return defaultGlobalNamespace;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CiliumOptions x && x.version.equals(version) && x.kubeProxyReplacement == kubeProxyReplacement
                && x.hubble == hubble && x.routingMode == routingMode && x.tunnelProtocol == tunnelProtocol
                && x.kvstoremesh == kvstoremesh && x.encryption == encryption && x.maxConnectedClusters == maxConnectedClusters
                && x.certificateMethod == certificateMethod && Objects.equals(x.certificateValidity, certificateValidity)
                && x.renewBefore.equals(renewBefore) && Objects.equals(x.policyDefaultLocalCluster, policyDefaultLocalCluster)
                && x.rolloutBatch == rolloutBatch && x.mcsApi == mcsApi && Objects.equals(x.defaultGlobalNamespace, defaultGlobalNamespace);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, kubeProxyReplacement, hubble, routingMode, tunnelProtocol, kvstoremesh, encryption,
                maxConnectedClusters, certificateMethod, certificateValidity, renewBefore, policyDefaultLocalCluster, rolloutBatch,
                mcsApi, defaultGlobalNamespace);
    }

    @Override
    public String toString() {
        return "CiliumOptions[version=" + version + ", kubeProxyReplacement=" + kubeProxyReplacement + ", hubble=" + hubble
                + ", routingMode=" + routingMode + ", tunnelProtocol=" + tunnelProtocol + ", kvstoremesh=" + kvstoremesh
                + ", encryption=" + encryption + ", maxConnectedClusters=" + maxConnectedClusters + ", certificateMethod="
                + certificateMethod + ", certificateValidity=" + certificateValidity + ", renewBefore=" + renewBefore
                + ", policyDefaultLocalCluster=" + policyDefaultLocalCluster + ", rolloutBatch=" + rolloutBatch + ", mcsApi="
                + mcsApi + ", defaultGlobalNamespace=" + defaultGlobalNamespace + "]";
    }

    /** A copy of these options with {@code change} applied (one place that lists every component). */
    private CiliumOptions with(java.util.function.Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new CiliumOptions(c);
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

        Copy() {
        }

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
