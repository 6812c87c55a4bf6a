package io.clustermesh.cilium;

import io.clustermesh.cilium.internal.Pem;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.CertificateInfo;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;

import java.security.cert.CertificateParsingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Issues and reviews the clustermesh-apiserver certificates of one cluster from the mesh CA, for the chart's
 * {@code clustermesh.apiserver.tls.auto.enabled=false} mode (values {@code clustermesh.apiserver.tls.server},
 * {@code .admin}, {@code .remote}, {@code .client}).
 *
 * <p>Names follow the Cilium chart (templates {@code clustermesh-apiserver/tls-helm/*-secret.yaml}, the
 * {@code clustermesh-apiserver-generate-certs.*-common-name} helpers used by them and by
 * {@code tls-cronjob/_job-spec.tpl}) and the users the clustermesh-apiserver creates in its etcd
 * ({@code clustermesh-apiserver/etcdinit}), since etcd maps a client certificate's CN to its user:
 * <table>
 *   <caption>certificates per cluster</caption>
 *   <tr><th>value</th><th>CN</th><th>use</th></tr>
 *   <tr><td>server</td><td>{@value #SERVER_COMMON_NAME}</td><td>etcd server certificate; DNS SANs
 *   {@link #SERVER_DNS_NAMES}, IP SANs {@link #SERVER_IP_ADDRESSES} and the profile's extra ones, the mesh IP ({@link Profile#serverIpAddresses()}; Cilium chart, install/kubernetes/cilium/templates/clustermesh-apiserver); serverAuth and clientAuth, as the
 *   chart's {@code genSignedCert} issues it (etcd's JSON gateway calls etcd with this certificate as a client: without
 *   clientAuth, {@code /v3/kv/*} fails with "incompatible key usage")</td></tr>
 *   <tr><td>admin</td><td>{@code admin-<cluster>}</td><td>the clustermesh-apiserver's own client (etcd user
 *   {@code admin-<cluster>}, role root)</td></tr>
 *   <tr><td>remote</td><td>{@code remote}, or {@code remote-<cluster>} with {@code tls.authMode=cluster}</td><td>the
 *   client certificate remote agents (or KVStoreMesh) present; read-only role {@code remote}</td></tr>
 *   <tr><td>client</td><td>{@value #CLIENT_COMMON_NAME}</td><td>external workloads (charts up to 1.18; only rendered
 *   with {@code externalWorkloads.enabled})</td></tr>
 * </table>
 * Time comes from the injected {@link Clock}; nothing here reads the system clock directly.
 */
public final class MeshCertificates {
    /** CN of the server certificate. */
    public static final String SERVER_COMMON_NAME = "clustermesh-apiserver.cilium.io";
    /** DNS SANs of the server certificate, exactly. */
    public static final List<String> SERVER_DNS_NAMES =
            List.of(SERVER_COMMON_NAME, "*.mesh.cilium.io", "clustermesh-apiserver.kube-system.svc");
    /** IP SANs of the server certificate, exactly. */
    public static final List<String> SERVER_IP_ADDRESSES = List.of("127.0.0.1", "::1");
    /** CN of the external-workload client certificate ({@code clustermesh.apiserver.tls.client}). */
    public static final String CLIENT_COMMON_NAME = "externalworkload";
    /** The chart's default {@code clustermesh.apiserver.tls.auto.certValidityDuration}: 1095 days. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(1095);
    /** Re-issue when less than this is left. */
    public static final Duration DEFAULT_RENEW_BEFORE = Duration.ofDays(90);

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final Pattern CLUSTER_NAME = Pattern.compile("^([a-z0-9][-a-z0-9]*)?[a-z0-9]$");

    /** {@code clustermesh.apiserver.tls.authMode}: decides the remote certificate's CN. */
    public enum AuthMode {
        /** Chart default: remote CN {@code remote}. */
        LEGACY("legacy"),
        /** Users for both forms exist; remote CN still {@code remote}. */
        MIGRATION("migration"),
        /** Per-cluster users: remote CN {@code remote-<cluster>}. */
        CLUSTER("cluster");

        private final String value;

        AuthMode(String value) {
            this.value = value;
        }

        /** The chart value. */
        public String value() {
            return value;
        }

        /** @throws IllegalArgumentException if {@code value} is not legacy, migration or cluster */
        public static AuthMode fromValue(String value) {
            for (AuthMode m : values()) {
                if (m.value.equalsIgnoreCase(String.valueOf(value).trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("clustermesh.apiserver.tls.authMode must be one of legacy, migration, "
                    + "cluster; got '" + value + "'");
        }
    }

    /**
     * What to issue for one cluster, and when to renew it.
     *
     * @param cluster     the cluster's name ({@code cluster.name}), part of the admin (and cluster-mode remote) CN
     * @param authMode    {@code clustermesh.apiserver.tls.authMode}
     * @param validity    validity of each certificate (capped at the CA's end of validity)
     * @param renewBefore re-issue when less validity than this is left; shorter than {@code validity}
     * @param client      also issue the external-workload client certificate (charts up to 1.18)
     * @param extraServerIps IP addresses the server certificate carries besides {@link #SERVER_IP_ADDRESSES}: the
     *                    cluster's mesh IP (the load balancer address peers may dial), like the chart's
     *                    {@code tls.server.extraIpAddresses}; empty for none
     */
    public record Profile(String cluster, AuthMode authMode, Duration validity, Duration renewBefore, boolean client,
                          List<String> extraServerIps) {
        /** A profile whose server certificate has only the default names. */
        public Profile(String cluster, AuthMode authMode, Duration validity, Duration renewBefore, boolean client) {
            this(cluster, authMode, validity, renewBefore, client, List.of());
        }

        public Profile {
            extraServerIps = extraServerIps == null ? List.of() : List.copyOf(extraServerIps);
            Objects.requireNonNull(cluster, "cluster");
            if (cluster.length() > 32 || !CLUSTER_NAME.matcher(cluster).matches()) {
                throw new IllegalArgumentException("cluster name '" + cluster + "' must be at most 32 characters of "
                        + "a-z, 0-9 and '-', starting and ending with a letter or digit");
            }
            Objects.requireNonNull(authMode, "authMode");
            Objects.requireNonNull(validity, "validity");
            Objects.requireNonNull(renewBefore, "renewBefore");
            if (validity.isNegative() || validity.isZero()) {
                throw new IllegalArgumentException("validity must be positive, got " + validity);
            }
            if (renewBefore.isNegative() || renewBefore.compareTo(validity) >= 0) {
                throw new IllegalArgumentException("renewBefore (" + renewBefore + ") must be between zero and the "
                        + "validity (" + validity + "), or every new certificate would need renewing at once");
            }
        }

        /**
         * The profile the SDK issues for a cluster of the mesh on its chart line: the leaf lifetime and renewal of
         * {@code options} ({@link io.clustermesh.model.CiliumOptions#effectiveCertificateValidity()}, explicit or the
         * line's default), the external-workload client certificate up to chart 1.18 ({@code tls.client} is gone from
         * 1.19), and the cluster's mesh IP on the server certificate when the spec fixes one.
         */
        public static Profile forCluster(io.clustermesh.model.MeshCluster cluster, io.clustermesh.model.CiliumOptions options) {
            return of(cluster.name()).withValidity(options.effectiveCertificateValidity(), options.renewBefore())
                    .withClient(!options.chartVersion().atLeast(1, 19))
                    .withExtraServerIps(cluster.meshIp() == null ? List.of() : List.of(cluster.meshIp()));
        }

        /** Legacy auth mode, {@link #DEFAULT_VALIDITY}, {@link #DEFAULT_RENEW_BEFORE}, with the client certificate. */
        public static Profile of(String cluster) {
            return new Profile(cluster, AuthMode.LEGACY, DEFAULT_VALIDITY, DEFAULT_RENEW_BEFORE, true);
        }

        public Profile withAuthMode(AuthMode mode) {
            return new Profile(cluster, mode, validity, renewBefore, client, extraServerIps);
        }

        public Profile withValidity(Duration newValidity, Duration newRenewBefore) {
            return new Profile(cluster, authMode, newValidity, newRenewBefore, client, extraServerIps);
        }

        /** The server certificate also carries these IP addresses (e.g. the cluster's mesh IP). */
        public Profile withExtraServerIps(List<String> ips) {
            return new Profile(cluster, authMode, validity, renewBefore, client, ips);
        }

        /** Every IP address the server certificate carries: {@link #SERVER_IP_ADDRESSES}, then the extra ones. */
        public List<String> serverIpAddresses() {
            List<String> all = new ArrayList<>(SERVER_IP_ADDRESSES);
            extraServerIps.stream().filter(ip -> !all.contains(ip)).forEach(all::add);
            return List.copyOf(all);
        }

        public Profile withClient(boolean withClient) {
            return new Profile(cluster, authMode, validity, renewBefore, withClient, extraServerIps);
        }

        /** {@code admin-<cluster>}. */
        public String adminCommonName() {
            return "admin-" + cluster;
        }

        /** {@code remote}, or {@code remote-<cluster>} in {@link AuthMode#CLUSTER}. */
        public String remoteCommonName() {
            return authMode == AuthMode.CLUSTER ? "remote-" + cluster : "remote";
        }
    }

    /**
     * Whether the certificates must be issued again, and why.
     *
     * @param required whether to re-issue
     * @param reasons  one sentence per problem, e.g. {@code "remote certificate: not signed by the mesh CA ..."};
     *                 never key material
     */
    public record Renewal(boolean required, List<String> reasons) {
        public Renewal {
            reasons = List.copyOf(reasons);
            if (required == reasons.isEmpty()) {
                throw new IllegalArgumentException("a renewal is required exactly when there are reasons");
            }
        }

        /** Nothing to do. */
        public static Renewal keep() {
            return new Renewal(false, List.of());
        }
    }

    private final CertificateAuthority ca;
    private final Clock clock;

    /** On the system clock. */
    public MeshCertificates(CertificateAuthority ca) {
        this(ca, Clock.systemUTC());
    }

    /** {@code clock} decides "now" for {@link #review}. Issuing uses the CA's own notion of now. */
    public MeshCertificates(CertificateAuthority ca, Clock clock) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Issues the server, admin, remote (and, if the profile asks, client) certificates from the mesh CA.
     *
     * @param meshCa the mesh CA with its key
     */
    public ApiserverCertificates issue(PemCredential meshCa, Profile profile) {
        Objects.requireNonNull(meshCa, "meshCa");
        Objects.requireNonNull(profile, "profile");
        PemCredential server = ca.issue(meshCa, new CertificateRequest(SERVER_COMMON_NAME, SERVER_DNS_NAMES,
                profile.serverIpAddresses(), true, true, profile.validity()));
        PemCredential admin = ca.issue(meshCa, clientRequest(profile.adminCommonName(), profile));
        PemCredential remote = ca.issue(meshCa, clientRequest(profile.remoteCommonName(), profile));
        PemCredential client = profile.client() ? ca.issue(meshCa, clientRequest(CLIENT_COMMON_NAME, profile)) : null;
        return new ApiserverCertificates(server, admin, remote, client);
    }

    private static CertificateRequest clientRequest(String commonName, Profile profile) {
        return new CertificateRequest(commonName, List.of(), List.of(), false, true, profile.validity());
    }

    /** {@link #review(PemCredential, PemCredential, PemCredential, PemCredential, String, Profile)} of a whole set. */
    public Renewal review(ApiserverCertificates existing, String meshCaCertificatePem, Profile profile) {
        return existing == null
                ? review(null, null, null, null, meshCaCertificatePem, profile)
                : review(existing.server(), existing.admin(), existing.remote(), existing.client(), meshCaCertificatePem,
                profile);
    }

    /**
     * Decides whether the certificates found in a cluster must be issued again: one is missing or unreadable, has no
     * matching private key, is not signed by the current mesh CA, has another CN than {@code profile} gives, a server
     * certificate without exactly {@link #SERVER_DNS_NAMES} and {@link Profile#serverIpAddresses()}, lacks the
     * serverAuth/clientAuth usage it needs, is not yet valid, or has less than {@link Profile#renewBefore()} of
     * validity left (unless it already ends with the mesh CA: re-issuing could not extend it, and renewing it at every
     * run would never converge; an expiring CA is for the CA step to rotate). The client certificate is only looked at when the profile asks for it. Subject alternative names
     * of client certificates are not compared (etcd authenticates clients by CN).
     *
     * @param server               {@code clustermesh-apiserver-server-cert}, or {@code null} when missing
     * @param admin                {@code clustermesh-apiserver-admin-cert}, or {@code null}
     * @param remote               {@code clustermesh-apiserver-remote-cert}, or {@code null}
     * @param client               {@code clustermesh-apiserver-client-cert}, or {@code null}
     * @param meshCaCertificatePem the CA every cluster must trust now
     */
    public Renewal review(PemCredential server, PemCredential admin, PemCredential remote, PemCredential client,
                          String meshCaCertificatePem, Profile profile) {
        Objects.requireNonNull(meshCaCertificatePem, "meshCaCertificatePem");
        Objects.requireNonNull(profile, "profile");
        CertificateInfo caInfo = ca.inspect(meshCaCertificatePem);
        Instant now = clock.instant();
        List<String> reasons = new ArrayList<>();
        check("server", server, SERVER_COMMON_NAME, true, meshCaCertificatePem, caInfo, profile, now, reasons);
        check("admin", admin, profile.adminCommonName(), false, meshCaCertificatePem, caInfo, profile, now, reasons);
        check("remote", remote, profile.remoteCommonName(), false, meshCaCertificatePem, caInfo, profile, now, reasons);
        if (profile.client()) {
            check("client", client, CLIENT_COMMON_NAME, false, meshCaCertificatePem, caInfo, profile, now, reasons);
        }
        return reasons.isEmpty() ? Renewal.keep() : new Renewal(true, reasons);
    }

    private void check(String role, PemCredential credential, String expectedCn, boolean isServer, String caPem,
                       CertificateInfo caInfo, Profile profile, Instant now, List<String> reasons) {
        String what = role + " certificate: ";
        if (credential == null) {
            reasons.add(what + "missing");
            return;
        }
        CertificateInfo info;
        try {
            info = ca.inspect(credential.certificatePem());
        } catch (IllegalArgumentException e) {
            reasons.add(what + "unreadable (" + e.getMessage() + ")");
            return;
        }
        if (!credential.hasKey()) {
            reasons.add(what + "its private key is missing");
        } else {
            try {
                if (!ca.keyMatches(credential)) {
                    reasons.add(what + "its private key does not belong to it");
                }
            } catch (IllegalArgumentException e) {
                reasons.add(what + "its private key is unreadable (" + e.getMessage() + ")");
            }
        }
        if (!ca.signedBy(credential.certificatePem(), caPem)) {
            reasons.add(what + "not signed by the mesh CA '" + caInfo.commonName() + "' (subject key id "
                    + caInfo.subjectKeyId() + "); its issuer is '" + info.issuer() + "'");
        }
        if (!expectedCn.equals(info.commonName())) {
            reasons.add(what + "CN is '" + info.commonName() + "', expected '" + expectedCn + "'");
        }
        if (isServer) {
            compare(what + "DNS SANs", info.dnsNames(), SERVER_DNS_NAMES, reasons);
            compare(what + "IP SANs", info.ipAddresses(), profile.serverIpAddresses(), reasons);
        }
        checkUsage(what, credential, isServer, reasons);
        if (info.notBefore().isAfter(now)) {
            reasons.add(what + "not valid before " + info.notBefore());
        }
        Duration left = Duration.between(now, info.notAfter());
        // a leaf that already ends with its CA cannot be extended by re-issuing it: that is the CA's rotation
        boolean endsWithCa = !info.notAfter().isBefore(caInfo.notAfter()) && !caInfo.notAfter().isBefore(now);
        if (left.compareTo(profile.renewBefore()) < 0 && !endsWithCa) {
            reasons.add(what + (left.isNegative() || left.isZero() ? "expired at " : "expires at ") + info.notAfter()
                    + ", less than " + days(profile.renewBefore()) + " from now");
        }
    }

    private static void compare(String what, List<String> actual, List<String> expected, List<String> reasons) {
        Set<String> a = new TreeSet<>();
        actual.forEach(s -> a.add(s.toLowerCase(Locale.ROOT)));
        Set<String> e = new TreeSet<>();
        expected.forEach(s -> e.add(s.toLowerCase(Locale.ROOT)));
        if (!a.equals(e)) {
            reasons.add(what + " are " + actual + ", expected " + expected);
        }
    }

    private static void checkUsage(String what, PemCredential credential, boolean isServer, List<String> reasons) {
        List<String> eku;
        try {
            eku = Pem.certificate(credential.certificatePem()).getExtendedKeyUsage();
        } catch (CertificateParsingException | IllegalArgumentException e) {
            reasons.add(what + "unreadable extended key usage");
            return;
        }
        if (eku == null || eku.contains(ANY_EKU)) {
            return;
        }
        if (isServer && !eku.contains(SERVER_AUTH)) {
            reasons.add(what + "not usable by a TLS server (no serverAuth extended key usage)");
        }
        if (!isServer && !eku.contains(CLIENT_AUTH)) {
            reasons.add(what + "not usable by a TLS client (no clientAuth extended key usage)");
        }
    }

    private static String days(Duration d) {
        return d.toDays() >= 1 && d.toHours() % 24 == 0 ? d.toDays() + " days" : d.toString();
    }
}
