package io.clustermesh.cilium.values;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The cert-manager issuer that signs the clustermesh-apiserver certificates with
 * {@code clustermesh.apiserver.tls.auto.method=certmanager} ({@code clustermesh.apiserver.tls.auto.certManagerIssuerRef};
 * the chart refuses to render without it). The user creates it in every cluster, and it must sign with the shared
 * Cilium CA (a cert-manager {@code CA} issuer over the {@code cilium-ca} secret, for example), else the clusters do
 * not trust each other's certificates.
 *
 * @param group API group, {@value #CERT_MANAGER_GROUP} unless another issuer implementation is used
 * @param kind  {@code Issuer} (in kube-system) or {@code ClusterIssuer}
 * @param name  the issuer's name
 */
public record CertManagerIssuer(String group, String kind, String name) {

    public static final String CERT_MANAGER_GROUP = "cert-manager.io";

    public CertManagerIssuer {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        if (group.isBlank() || kind.isBlank() || name.isBlank()) {
            throw new IllegalArgumentException("a cert-manager issuer needs a group, a kind and a name");
        }
    }

    /** A cert-manager {@code ClusterIssuer}. */
    public static CertManagerIssuer clusterIssuer(String name) {
        return new CertManagerIssuer(CERT_MANAGER_GROUP, "ClusterIssuer", name);
    }

    /** A cert-manager {@code Issuer} in the release namespace. */
    public static CertManagerIssuer issuer(String name) {
        return new CertManagerIssuer(CERT_MANAGER_GROUP, "Issuer", name);
    }

    Map<String, Object> toValues() {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("group", group);
        ref.put("kind", kind);
        ref.put("name", name);
        return ref;
    }
}
