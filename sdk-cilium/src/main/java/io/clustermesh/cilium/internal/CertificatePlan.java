package io.clustermesh.cilium.internal;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.cilium.values.CiliumValues;
import io.clustermesh.cilium.values.ValuesDiff;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.internal.MeshContext;
import io.clustermesh.spi.PemCredential;
import io.clustermesh.spi.SecretData;
import io.clustermesh.internal.StepResult;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The certificate decisions of one plan with {@link CertificateMethod#SDK}: which clusters keep their
 * clustermesh-apiserver certificates (signed by the mesh CA and not due for renewal), which get new ones (issued once
 * per plan, at apply), how the plan shows a certificate it has not issued yet, and the KVStoreMesh client certificate
 * ({@code clustermesh-apiserver-local-cert}) the SDK writes itself.
 */
final class CertificatePlan {
    /** How a plan shows a certificate that its upgrade step issues. */
    static final String NEW_CERTIFICATE = "<new certificate, issued at apply>";

    private final MeshContext ctx;
    private final MeshSpec spec;
    private final PemCredential meshCa;

    CertificatePlan(MeshContext ctx, PemCredential meshCa) {
        this.ctx = ctx;
        this.spec = ctx.spec();
        this.meshCa = meshCa;
    }

    /** Per cluster: its current SDK-issued certificates when still good (reviewed once per plan). */
    private final Map<String, Optional<ApiserverCertificates>> kept = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per cluster: the certificates issued for it by this plan, once, so that a retried step and a second pass reuse them. */
    private final Map<String, ApiserverCertificates> issued = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile ApiserverCertificates placeholder;

    static MeshCertificates.Profile profile(MeshCluster c, CiliumOptions o) {
        return MeshCertificates.Profile.forCluster(c, o);
    }

    /**
     * Whether the SDK writes the cluster's server, admin and remote certificates as Secrets itself, before the Helm
     * upgrade: with {@link CertificateMethod#SDK} on charts that take them no longer as values
     * ({@link CiliumValues#certificatesAsSecrets}, 1.20).
     */
    boolean writesLeafSecrets(MeshCluster c) {
        CiliumOptions o = spec.ciliumFor(c);
        return o.certificateMethod() == CertificateMethod.SDK && CiliumValues.certificatesAsSecrets(o.chartVersion());
    }

    /**
     * Writes {@link CiliumValues#LEAF_SECRETS} with the cluster's certificates (kept, or issued once by this plan), each
     * as the chart's {@code tls-provided} templates would render it: type {@code kubernetes.io/tls}, {@code ca.crt}
     * the mesh CA, {@code tls.crt}, {@code tls.key}. Secrets that already hold exactly that are left alone.
     */
    StepResult writeLeafSecrets(ClusterSnapshot s, MeshCluster c) {
        CiliumOptions o = spec.ciliumFor(c);
        ApiserverCertificates certs = certificates(s, c, o);
        ClusterConnection conn = ctx.connection(c.name());
        PemCredential[] leaves = {certs.server(), certs.admin(), certs.remote()};
        List<String> written = new java.util.ArrayList<>();
        for (int i = 0; i < leaves.length; i++) {
            String name = CiliumValues.LEAF_SECRETS.get(i);
            Map<String, byte[]> data = new LinkedHashMap<>();
            data.put("ca.crt", meshCa.certificatePem().getBytes(StandardCharsets.UTF_8));
            data.put("tls.crt", leaves[i].certificatePem().getBytes(StandardCharsets.UTF_8));
            data.put("tls.key", leaves[i].privateKeyPem().getBytes(StandardCharsets.UTF_8));
            if (conn.putSecret(Names.NAMESPACE, new SecretData(name, null, "kubernetes.io/tls",
                    Map.of("app.kubernetes.io/managed-by", "clustermesh"), data))) {
                written.add(name);
            }
        }
        return written.isEmpty() ? StepResult.unchanged("certificate secrets up to date")
                : StepResult.changed("wrote " + String.join(", ", written));
    }

    /**
     * The plan's note on the cluster's leaf certificates: who issues them, where they go on this line, and their
     * lifetime ({@link CiliumOptions#effectiveCertificateValidity()}, explicit or the line's default).
     */
    String leafNote(MeshCluster c) {
        CiliumOptions o = spec.ciliumFor(c);
        java.time.Duration validity = o.effectiveCertificateValidity();
        String lifetime = days(validity) + (o.certificateValidity() == null ? " (chart " + o.chartVersion().line() + "'s default)" : " (as set)");
        if (o.certificateMethod() != CertificateMethod.SDK) {
            return "the chart issues the clustermesh-apiserver certificates (" + o.certificateMethod().value()
                    + "), valid " + lifetime + " (clustermesh.apiserver.tls.auto.certValidityDuration)";
        }
        String where = CiliumValues.certificatesAsSecrets(o.chartVersion())
                ? "as Secrets " + String.join(", ", CiliumValues.LEAF_SECRETS) + " written before the upgrade (chart "
                + o.chartVersion().line() + " takes no certificates as values)"
                : "as Helm values clustermesh.apiserver.tls.{server,admin,remote" + (o.chartVersion().atLeast(1, 19) ? "" : ",client") + "}";
        return "the SDK issues the clustermesh-apiserver certificates from the mesh CA, valid " + lifetime + ", renewed "
                + days(o.renewBefore()) + " before they expire, " + where + "; the server certificate names "
                + String.join(", ", MeshCertificates.SERVER_DNS_NAMES) + " and " + String.join(", ", profile(c, o).serverIpAddresses());
    }

    private static String days(java.time.Duration d) {
        return d.toDays() >= 1 && d.toHours() % 24 == 0 ? d.toDays() + " days" : d.toString();
    }

    /** The cluster's current SDK-issued certificates when signed by the mesh CA and still good (reviewed once per plan). */
    Optional<ApiserverCertificates> kept(ClusterSnapshot s, MeshCluster c, CiliumOptions o) {
        return kept.computeIfAbsent(c.name(), n -> {
            MeshCertificates.Profile profile = profile(c, o);
            ApiserverCertificates existing = CiliumValues.certificatesAsSecrets(o.chartVersion())
                    ? secretCertificates(c.name()) : existingCertificates(s, profile.client());
            boolean good = existing != null
                    && !new MeshCertificates(ctx.certificateAuthority(), meshClock()).review(existing, meshCa.certificatePem(), profile).required();
            return good ? Optional.of(existing) : Optional.empty();
        });
    }

    /** The mesh's clock as a {@link java.time.Clock}: certificates are reviewed at the mesh's "now". */
    private java.time.Clock meshClock() {
        return new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return java.time.Clock.fixed(instant(), zone);
            }

            @Override
            public java.time.Instant instant() {
                return ctx.clock().now();
            }
        };
    }

    /** The cluster's current SDK-issued certificates when still good, else new ones (issued once per plan). */
    ApiserverCertificates certificates(ClusterSnapshot s, MeshCluster c, CiliumOptions o) {
        return kept(s, c, o).orElseGet(() -> issued.computeIfAbsent(c.name(),
                n -> new MeshCertificates(ctx.certificateAuthority()).issue(meshCa, profile(c, o))));
    }

    /**
     * Planning does not issue certificates: three key pairs and signatures per cluster would be most of the time a
     * plan of hundreds of clusters takes, and a plan that is never applied would have minted keys for nothing. The
     * plan's values use this one set in place of every cluster's new certificates (its remote certificate has the CN
     * {@code remote} of the profile the planner issues, so the values have the same shape) and the plan shows
     * {@link #NEW_CERTIFICATE} where it stands; the cluster's upgrade step issues the real ones.
     */
    ApiserverCertificates placeholder() {
        ApiserverCertificates p = placeholder;
        if (p != null) {
            return p; // read by every cluster's values: no lock once issued
        }
        synchronized (this) {
            if (placeholder == null) {
                placeholder = new MeshCertificates(ctx.certificateAuthority()).issue(meshCa,
                        MeshCertificates.Profile.of("plan-placeholder").withClient(true));
            }
            return placeholder;
        }
    }

    /** A change's display with the placeholder's fingerprints replaced by {@link #NEW_CERTIFICATE}. */
    String display(String shown) {
        ApiserverCertificates p = placeholder;
        if (shown == null || p == null || shown.indexOf('<') < 0) {
            return shown; // every fingerprint display starts with '<': most values (names, addresses) cannot hold one
        }
        return replaceTokens(shown, placeholderDisplays(p), NEW_CERTIFICATE);
    }

    /**
     * {@code text} with every {@code <...>} token that is one of {@code tokens} replaced by {@code with}, in one pass
     * (a peer list of hundreds of clusters is long; a {@code String.replace} per token scanned it once each).
     */
    static String replaceTokens(String text, Set<String> tokens, String with) {
        StringBuilder out = null;
        int copied = 0;
        int open = text.indexOf('<');
        while (open >= 0) {
            int close = text.indexOf('>', open);
            if (close < 0) {
                break;
            }
            if (tokens.contains(text.substring(open, close + 1))) {
                out = out == null ? new StringBuilder(text.length()) : out;
                out.append(text, copied, open).append(with);
                copied = close + 1;
                open = text.indexOf('<', close + 1);
            } else {
                open = text.indexOf('<', open + 1);
            }
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private volatile Set<String> placeholderDisplays;

    private Set<String> placeholderDisplays(ApiserverCertificates p) {
        Set<String> d = placeholderDisplays;
        if (d == null) {
            Set<String> made = new java.util.HashSet<>();
            for (PemCredential c : new PemCredential[]{p.server(), p.admin(), p.remote(), p.client()}) {
                if (c != null) {
                    made.add(fingerprintDisplay(c));
                }
            }
            d = Set.copyOf(made);
            placeholderDisplays = d;
        }
        return d;
    }

    private final Map<String, String> fingerprints = new java.util.concurrent.ConcurrentHashMap<>();

    /** The plan's display of a certificate value: what {@link ValuesDiff} shows for it. */
    private String fingerprintDisplay(PemCredential p) {
        return fingerprints.computeIfAbsent(p.certificatePem(), pem -> ValuesDiff.of(Map.of(), Map.of("cert",
                Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8)))).changes().get(0).after());
    }

    private static ApiserverCertificates existingCertificates(ClusterSnapshot s, boolean withClient) {
        if (s.release() == null) {
            return null;
        }
        Map<String, Object> v = s.release().values();
        PemCredential server = pem(v, "clustermesh.apiserver.tls.server");
        PemCredential admin = pem(v, "clustermesh.apiserver.tls.admin");
        PemCredential remote = pem(v, "clustermesh.apiserver.tls.remote");
        PemCredential client = withClient ? pem(v, "clustermesh.apiserver.tls.client") : null;
        if (server == null || admin == null || remote == null || (withClient && client == null)) {
            return null;
        }
        return new ApiserverCertificates(server, admin, remote, client);
    }

    /** The certificates in the cluster's {@link CiliumValues#LEAF_SECRETS}, or null when one is missing or incomplete. */
    private ApiserverCertificates secretCertificates(String cluster) {
        PemCredential[] found = new PemCredential[CiliumValues.LEAF_SECRETS.size()];
        for (int i = 0; i < found.length; i++) {
            String name = CiliumValues.LEAF_SECRETS.get(i);
            Optional<SecretData> secret = SnapshotReader.retrying(ctx, () -> ctx.connection(cluster).secret(Names.NAMESPACE, name));
            String crt = secret.map(x -> x.string("tls.crt")).orElse(null);
            String key = secret.map(x -> x.string("tls.key")).orElse(null);
            if (crt == null || crt.isBlank() || key == null || key.isBlank()) {
                return null;
            }
            found[i] = new PemCredential(crt, key);
        }
        return new ApiserverCertificates(found[0], found[1], found[2], null);
    }

    private static PemCredential pem(Map<String, Object> values, String path) {
        Object cert = Values.get(values, path + ".cert");
        Object key = Values.get(values, path + ".key");
        if (!(cert instanceof String c) || c.isBlank() || !(key instanceof String k) || k.isBlank()) {
            return null;
        }
        try {
            return new PemCredential(new String(Base64.getMimeDecoder().decode(c), StandardCharsets.UTF_8),
                    new String(Base64.getMimeDecoder().decode(k), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * With SDK-issued certificates and KVStoreMesh on, nothing in the chart issues the KVStoreMesh client certificate
     * ({@code clustermesh-apiserver-local-cert}, CN {@code local-<cluster>}): the chart's user-provided certificate
     * templates have no slot for it, so the SDK writes the secret itself.
     */
    boolean needsLocalCert(MeshCluster c) {
        CiliumOptions o = spec.ciliumFor(c);
        return o.certificateMethod() == CertificateMethod.SDK && o.kvstoremesh();
    }

    boolean localCertValid(SecretData secret, String cluster) {
        String crt = secret.string("tls.crt");
        String key = secret.string("tls.key");
        String ca = secret.string("ca.crt");
        if (crt == null || key == null || ca == null || !ca.equals(meshCa.certificatePem())) {
            return false;
        }
        try {
            var authority = ctx.certificateAuthority();
            var info = authority.inspect(crt);
            CiliumOptions o = spec.ciliumFor(spec.cluster(cluster).orElseThrow());
            return authority.signedBy(crt, meshCa.certificatePem()) && authority.keyMatches(new PemCredential(crt, key))
                    && ("local-" + cluster).equals(info.commonName())
                    && info.notAfter().isAfter(ctx.clock().now().plus(o.renewBefore()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    StepResult writeLocalCert(String cluster) {
        ClusterConnection conn = ctx.connection(cluster);
        Optional<SecretData> now = conn.secret(Names.NAMESPACE, Names.LOCAL_CERT_SECRET);
        if (now.isPresent() && localCertValid(now.get(), cluster)) {
            return StepResult.unchanged("certificate still valid");
        }
        CiliumOptions o = spec.ciliumFor(spec.cluster(cluster).orElseThrow());
        PemCredential cert = ctx.certificateAuthority().issue(meshCa,
                new CertificateRequest("local-" + cluster, List.of(), List.of(), false, true, o.effectiveCertificateValidity()));
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("ca.crt", meshCa.certificatePem().getBytes(StandardCharsets.UTF_8));
        data.put("tls.crt", cert.certificatePem().getBytes(StandardCharsets.UTF_8));
        data.put("tls.key", cert.privateKeyPem().getBytes(StandardCharsets.UTF_8));
        conn.putSecret(Names.NAMESPACE, new SecretData(Names.LOCAL_CERT_SECRET, now.map(SecretData::resourceVersion).orElse(null),
                "kubernetes.io/tls", Map.of("app.kubernetes.io/managed-by", "clustermesh"), data));
        return StepResult.changed("issued CN local-" + cluster);
    }
}
