package io.clustermesh.testing.sim;

import io.clustermesh.cilium.BouncyCastleCertificateAuthority;
import io.clustermesh.cilium.MeshCertificates;
import io.clustermesh.spi.CertificateRequest;
import io.clustermesh.spi.PemCredential;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.clustermesh.testing.sim.SimObjects.NAMESPACE;
import static io.clustermesh.testing.sim.SimObjects.b64;
import static io.clustermesh.testing.sim.SimObjects.data;

/**
 * The certificate issuer of one lab cluster. With {@code tls.auto.method} {@code cronJob} or {@code certmanager} the
 * chart renders no certificate secrets: the certgen job or cert-manager issues them from the CA. The simulator plays
 * that part: when the clustermesh-apiserver exists without its server certificate, it issues the server, admin,
 * remote and local (KVStoreMesh) certificates from {@code cilium-ca}. Secrets that exist are never touched.
 * <p>
 * Only while an issuer is there — the certgen Job or CronJob {@code clustermesh-apiserver-generate-certs}
 * (templates/clustermesh-apiserver/tls-cronjob/) or cert-manager's {@code Certificate}
 * (templates/clustermesh-apiserver/tls-certmanager/): with the {@code helm} or {@code sdk} method nobody issues
 * certificates in a real cluster, and a Helm upgrade that deletes the chart's certificate secrets before the
 * Service must not find simulator-made secrets in their place (Helm refuses to adopt them).
 */
final class CertgenJob {
    private static final Logger LOG = LoggerFactory.getLogger(CertgenJob.class);
    private static final String CERTGEN = "clustermesh-apiserver-generate-certs";

    private final String cluster;
    private final KubernetesClient kube;

    CertgenJob(String cluster, KubernetesClient kube) {
        this.cluster = cluster;
        this.kube = kube;
    }

    void issueMissingCertificates(Service svc, Deployment dep) {
        if (svc == null || dep == null || kube.secrets().inNamespace(NAMESPACE).withName("clustermesh-apiserver-server-cert").get() != null
                || !certificateIssuerPresent()) {
            return;
        }
        Secret caSecret = kube.secrets().inNamespace(NAMESPACE).withName("cilium-ca").get();
        String caCrt = caSecret == null ? null : data(caSecret, "ca.crt");
        String caKey = caSecret == null ? null : data(caSecret, "ca.key");
        if (caCrt == null || caKey == null) {
            return;
        }
        var authority = new BouncyCastleCertificateAuthority();
        PemCredential ca = new PemCredential(caCrt, caKey);
        var issued = new MeshCertificates(authority).issue(ca, MeshCertificates.Profile.of(cluster).withClient(false));
        PemCredential local = authority.issue(ca, new CertificateRequest("local-" + cluster, List.of(), List.of(), false, true,
                Duration.ofDays(365)));
        Map<String, PemCredential> certs = new LinkedHashMap<>();
        certs.put("server", issued.server());
        certs.put("admin", issued.admin());
        certs.put("remote", issued.remote());
        certs.put("local", local);
        certs.forEach((name, cert) -> {
            String secret = "clustermesh-apiserver-" + name + "-cert";
            if (kube.secrets().inNamespace(NAMESPACE).withName(secret).get() == null) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("ca.crt", b64(caCrt));
                d.put("tls.crt", b64(cert.certificatePem()));
                d.put("tls.key", b64(cert.privateKeyPem()));
                kube.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata()
                        .withName(secret).withNamespace(NAMESPACE).addToLabels(SimulatedRollouts.OWNER_LABEL, "simulated-cilium").endMetadata()
                        .withType("kubernetes.io/tls").withData(d).build()).create();
            }
        });
        LOG.debug("{}: issued the clustermesh-apiserver certificates from cilium-ca (as the certgen job would)", cluster);
    }

    private boolean certificateIssuerPresent() {
        if (kube.batch().v1().jobs().inNamespace(NAMESPACE).withName(CERTGEN).get() != null
                || kube.batch().v1().cronjobs().inNamespace(NAMESPACE).withName(CERTGEN).get() != null) {
            return true;
        }
        try {
            return kube.genericKubernetesResources("cert-manager.io/v1", "Certificate").inNamespace(NAMESPACE)
                    .withName("clustermesh-apiserver-server-cert").get() != null;
        } catch (KubernetesClientException e) {
            return false; // cert-manager's CRD is not installed: no Certificate can exist
        }
    }
}
