package io.clustermesh.cilium.values;

import io.clustermesh.cilium.ApiserverCertificates;
import io.clustermesh.model.CertificateMethod;
import io.clustermesh.model.ChartVersion;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.IpCidr;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.PemCredential;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link CiliumValues#values(ValuesInput)} needs for one cluster's values. Validated here, so that an
 * input that exists always renders: a problem is an {@link IllegalArgumentException} that names the cluster and the
 * field, never a secret.
 *
 * @param spec              the mesh (exposure, and the Cilium options via {@link MeshSpec#ciliumFor(MeshCluster)})
 * @param cluster           the cluster the values are for; needs its id, pod CIDR and, with kube-proxy replacement,
 *                          its API server FQDN
 * @param peers             the other clusters; the cluster itself may be among them and is left out. Peers without
 *                          an address yet are left out of the values (see {@link CiliumValues#pendingPeers})
 * @param ca                the CA every cluster shares, with its private key ({@code tls.ca})
 * @param certificates      the clustermesh-apiserver certificates with {@link CertificateMethod#SDK}; required then
 *                          while the mesh is enabled, ignored with the other methods
 * @param meshEnabled       {@code false} renders the {@code disable} shape (the chart's {@code clustermesh.config}, cilium/cilium#35975)
 * @param certManagerIssuer required with {@link CertificateMethod#CERT_MANAGER} while the mesh is enabled
 */
public record ValuesInput(MeshSpec spec, MeshCluster cluster, List<PeerEndpoint> peers, PemCredential ca,
                          ApiserverCertificates certificates, boolean meshEnabled, CertManagerIssuer certManagerIssuer) {

    public ValuesInput {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(cluster, "cluster");
        peers = List.copyOf(Objects.requireNonNull(peers, "peers"));
        Objects.requireNonNull(ca, "ca");
        String who = cluster.name();
        if (!ca.hasKey()) {
            throw new IllegalArgumentException(who + ": the shared CA has no private key; the chart needs tls.ca.key "
                    + "to keep the CA instead of generating its own");
        }
        Set<String> names = new HashSet<>();
        for (PeerEndpoint p : peers) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException(who + ": peer " + p.name() + " is given twice");
            }
        }
        CiliumOptions options = spec.ciliumFor(cluster);
        ChartVersion version = options.chartVersion();
        if (!version.supported()) {
            throw new IllegalArgumentException(who + ": Cilium chart " + version + " (line " + version.line()
                    + ") is not supported; the SDK knows the values of chart lines "
                    + ChartVersion.OLDEST_SUPPORTED.line() + " to " + ChartVersion.NEWEST_SUPPORTED_LINE.line());
        }
        if (cluster.id() <= 0) {
            throw new IllegalArgumentException(who + ": cluster id is not set (cluster.id); give it a unique id from 1");
        }
        if (cluster.podCidr() == null || cluster.podCidr().isBlank()) {
            throw new IllegalArgumentException(who + ": pod CIDR is unknown (ipam.operator.clusterPoolIPv4PodCIDRList); "
                    + "set it or discover it first: the chart default 10.0.0.0/8 collides across clusters");
        }
        // what is written is what was validated: addresses and ranges only in their canonical text (IpCidr.parse)
        try {
            IpCidr.parse(cluster.podCidr());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": pod CIDR (ipam.operator.clusterPoolIPv4PodCIDRList) " + e.getMessage());
        }
        if (cluster.meshIp() != null && !IpCidr.isAddress(cluster.meshIp())) {
            throw new IllegalArgumentException(who + ": meshIp '" + cluster.meshIp() + "' is not an IP address in canonical form"
                    + IpCidr.canonicalForm(cluster.meshIp()).map(c -> " (write " + c + ")").orElse(""));
        }
        if (cluster.apiServer() != null && IpCidr.canonicalForm(cluster.apiServer()).isPresent()) {
            throw new IllegalArgumentException(who + ": apiServer '" + cluster.apiServer() + "' is an IP address not in canonical form (write "
                    + IpCidr.canonicalForm(cluster.apiServer()).get() + ")");
        }
        for (PeerEndpoint p : peers) {
            for (String ip : p.ips()) {
                if (!IpCidr.isAddress(ip)) {
                    throw new IllegalArgumentException(who + ": peer " + p.name() + " has '" + ip + "', not an IP address in canonical form"
                            + IpCidr.canonicalForm(ip).map(c -> " (write " + c + ")").orElse(""));
                }
            }
        }
        if (options.kubeProxyReplacement() && (cluster.apiServer() == null || cluster.apiServer().isBlank())) {
            throw new IllegalArgumentException(who + ": API server FQDN is unknown (k8sServiceHost), and kube-proxy "
                    + "replacement needs it; set apiServer or discover it first");
        }
        if (meshEnabled && options.certificateMethod() == CertificateMethod.SDK) {
            if (certificates == null) {
                throw new IllegalArgumentException(who + ": certificate method sdk needs the clustermesh-apiserver "
                        + "certificates (server, admin, remote) issued from the shared CA");
            }
            requireKey(who, "server", certificates.server());
            requireKey(who, "admin", certificates.admin());
            requireKey(who, "remote", certificates.remote());
        }
        if (meshEnabled && options.certificateMethod() == CertificateMethod.CERT_MANAGER && certManagerIssuer == null) {
            throw new IllegalArgumentException(who + ": certificate method certmanager needs a cert-manager issuer "
                    + "(clustermesh.apiserver.tls.auto.certManagerIssuerRef) that signs with the shared CA");
        }
    }

    /** An input without cert-manager issuer. */
    public static ValuesInput of(MeshSpec spec, MeshCluster cluster, List<PeerEndpoint> peers, PemCredential ca,
                                 ApiserverCertificates certificates, boolean meshEnabled) {
        return new ValuesInput(spec, cluster, peers, ca, certificates, meshEnabled, null);
    }

    /** A copy with the cert-manager issuer set. */
    public ValuesInput withCertManagerIssuer(CertManagerIssuer issuer) {
        return new ValuesInput(spec, cluster, peers, ca, certificates, meshEnabled, issuer);
    }

    /** A copy with other peers (e.g. once load balancer IPs are known). */
    public ValuesInput withPeers(List<PeerEndpoint> newPeers) {
        return new ValuesInput(spec, cluster, newPeers, ca, certificates, meshEnabled, certManagerIssuer);
    }

    /** The Cilium options in force on the cluster. */
    public CiliumOptions options() {
        return spec.ciliumFor(cluster);
    }

    /** The chart version in force on the cluster; its line decides value shapes. */
    public ChartVersion chartVersion() {
        return options().chartVersion();
    }

    private static void requireKey(String who, String what, PemCredential credential) {
        if (!credential.hasKey()) {
            throw new IllegalArgumentException(who + ": the " + what + " certificate has no private key "
                    + "(clustermesh.apiserver.tls." + what + ".key)");
        }
    }

    @Override
    public String toString() {
        return "ValuesInput[" + cluster.name() + ", chart " + options().version() + ", " + peers.size() + " peers, mesh "
                + (meshEnabled ? "enabled" : "disabled") + ", certificates " + options().certificateMethod().value()
                + ", keys <redacted>]";
    }
}
