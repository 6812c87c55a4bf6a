package io.clustermesh.cilium.internal;

import io.clustermesh.Finding;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.spi.CertificateAuthority;
import io.clustermesh.spi.PemCredential;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides the one CA of the mesh (Cilium docs, "Setting up Cluster Mesh": one shared CA, secret cilium-ca): reuse the CA the clusters already share; adopt a named
 * cluster's; generate one only when no cluster has any. A CA is never replaced silently: a cluster whose CA differs
 * and that is already meshed is an error unless {@link CaStrategy#replaceExisting()}.
 */
public final class CaPlanner {

    /**
     * @param ca       the mesh CA with its key ({@code null} when findings block)
     * @param source   where it comes from, for the plan (e.g. "shared by cluster1, cluster2", "generated")
     * @param generated whether it is new
     * @param replaced clusters whose existing CA will be replaced
     * @param findings problems and notices
     */
    public record Decision(PemCredential ca, String source, boolean generated, Set<String> replaced, List<Finding> findings) {
    }

    private CaPlanner() {
    }

    public static Decision decide(CaStrategy strategy, Map<String, ClusterSnapshot> snapshots, CertificateAuthority authority,
                                  String meshName) {
        return decide(strategy, snapshots, authority, () -> authority.createCa("Cilium CA " + meshName, strategy.validity()));
    }

    /**
     * @param generate makes a new CA when no cluster has one (callers cache it so that repeated planning before the
     *                 first apply shows and uses one CA)
     */
    public static Decision decide(CaStrategy strategy, Map<String, ClusterSnapshot> snapshots, CertificateAuthority authority,
                                  java.util.function.Supplier<PemCredential> generate) {
        List<Finding> findings = new ArrayList<>();
        Map<String, PemCredential> existing = new LinkedHashMap<>();
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (ClusterSnapshot s : snapshots.values()) {
            if (!s.reachable()) {
                continue;
            }
            PemCredential ca = existingCa(s);
            if (ca == null) {
                continue;
            }
            try {
                fingerprints.put(s.name(), authority.inspect(ca.certificatePem()).sha256());
                existing.put(s.name(), ca);
            } catch (RuntimeException e) {
                findings.add(Finding.error("CA_UNREADABLE", s.name(), "secret kube-system/cilium-ca",
                        s.name() + ": the cilium-ca certificate cannot be parsed", "replace the broken cilium-ca secret or remove it so a CA can be shared"));
            }
        }
        Map<String, List<String>> byFingerprint = new LinkedHashMap<>();
        fingerprints.forEach((c, fp) -> byFingerprint.computeIfAbsent(fp, k -> new ArrayList<>()).add(c));

        PemCredential chosen;
        String source;
        boolean generated = false;
        if (strategy.kind() == CaStrategy.Kind.ADOPT) {
            String from = strategy.fromCluster();
            ClusterSnapshot src = snapshots.get(from);
            if (src == null) {
                return blocked(findings, Finding.error("CA_ADOPT_UNKNOWN_CLUSTER", from, "spec.ca.from",
                        "the CA is to be adopted from '" + from + "', which is not a cluster of the mesh", "set spec.ca.from to a cluster of the mesh"));
            }
            if (!src.reachable()) {
                return blocked(findings, Finding.error("CA_ADOPT_SOURCE_UNREACHABLE", from, "spec.ca.from",
                        from + ": cannot read the CA to adopt: " + src.error().getMessage(), "make " + from + " reachable, or adopt another cluster's CA"));
            }
            chosen = existing.get(from);
            if (chosen == null) {
                return blocked(findings, Finding.error("CA_ADOPT_SOURCE_MISSING", from, "secret kube-system/cilium-ca",
                        from + " has no cilium-ca to adopt", "install Cilium on " + from + " first, or use ca: {strategy: generate}"));
            }
            source = "adopted from " + from;
            if (fingerprints.size() > 1 && new java.util.HashSet<>(fingerprints.values()).size() == 1) {
                findings.add(new Finding("CA_ALREADY_SHARED", io.clustermesh.Severity.INFO, from, "spec.ca.from",
                        "every cluster already uses " + from + "'s CA: adopting it changes nothing", "nothing to do"));
            }
        } else if (byFingerprint.isEmpty()) {
            chosen = generate.get();
            source = "generated (ECDSA P-256, valid " + strategy.validity().toDays() + " days)";
            generated = true;
        } else if (byFingerprint.size() == 1) {
            List<String> holders = byFingerprint.values().iterator().next();
            chosen = existing.values().stream().filter(PemCredential::hasKey).findFirst().orElse(existing.get(holders.get(0)));
            source = "shared by " + String.join(", ", holders);
            notHonoured(strategy, chosen, authority, source, findings);
        } else {
            StringBuilder sb = new StringBuilder();
            byFingerprint.forEach((fp, cs) -> sb.append(sb.length() == 0 ? "" : "; ").append(String.join(", ", cs)).append(" use ").append(fp, 0, 16));
            return blocked(findings, Finding.error("CA_MISMATCH", null, "spec.ca",
                    "the clusters already use different Cilium CAs (" + sb + "); agents only connect to peers signed by the same CA",
                    "choose the CA to keep with ca: {strategy: adopt, from: <cluster>} (add replaceExisting: true if the others are already meshed)"));
        }
        if (!chosen.hasKey()) {
            return blocked(findings, Finding.error("CA_KEY_MISSING", strategy.fromCluster(), "secret kube-system/cilium-ca",
                    "the mesh CA (" + source + ") has no private key (ca.key), so certificates cannot be issued",
                    "restore ca.key in the cilium-ca secret, or adopt a CA that has its key"));
        }
        String chosenFp = authority.inspect(chosen.certificatePem()).sha256();
        Set<String> replaced = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : fingerprints.entrySet()) {
            if (e.getValue().equals(chosenFp)) {
                continue;
            }
            String c = e.getKey();
            replaced.add(c);
            if (meshed(snapshots.get(c)) && !strategy.replaceExisting()) {
                findings.add(Finding.error("CA_REPLACE_CONNECTED", c, "secret kube-system/cilium-ca",
                        c + " is meshed with a different CA (" + e.getValue().substring(0, 16) + ") than the mesh CA (" + chosenFp.substring(0, 16)
                                + "); replacing it breaks every existing connection of " + c + " until all its peers carry the new CA and its agents restart",
                        "to move " + c + " to the mesh CA without breaking its connections, rotate: mesh.rotateCa() (meshctl rotate-ca) with this"
                                + " spec.ca trusts both CAs first; or set spec.ca.replaceExisting: true to replace it at once, or adopt " + c
                                + "'s CA with ca: {strategy: adopt, from: " + c + "}"));
            } else {
                findings.add(Finding.warning("CA_REPLACED", c, "secret kube-system/cilium-ca",
                        c + "'s own CA (" + e.getValue().substring(0, 16) + ") will be replaced by the mesh CA (" + source + ")",
                        "nothing to do: " + c + " is not meshed yet, so no connection breaks"));
            }
        }
        return new Decision(chosen, source, generated, replaced, findings);
    }

    /**
     * A generate request the SDK does not carry out on a mesh that already shares a CA (replacing a live mesh's CA
     * breaks every connection until all peers trust the new one): said as a finding, never ignored silently.
     */
    private static void notHonoured(CaStrategy strategy, PemCredential shared, CertificateAuthority authority, String source,
                                    List<Finding> findings) {
        if (strategy.kind() != CaStrategy.Kind.GENERATE) {
            return;
        }
        if (strategy.replaceExisting()) {
            findings.add(Finding.warning("CA_NOT_REPLACED", null, "spec.ca.replaceExisting",
                    "the clusters already share a CA (" + source + "); replaceExisting only lets a cluster with a differing CA take the mesh CA,"
                            + " it does not replace the CA the mesh shares, so the plan keeps it",
                    "to move the mesh to a new CA without losing connectivity, rotate it: mesh.rotateCa() (meshctl rotate-ca) adds the new CA"
                            + " to every cluster's trust (tls.caBundle), re-issues the certificates, then drops the old CA; "
                            + "remove replaceExisting to silence this"));
            return;
        }
        if (strategy.validity().equals(CaStrategy.DEFAULT_VALIDITY)) {
            return;
        }
        try {
            var info = authority.inspect(shared.certificatePem());
            java.time.Duration has = java.time.Duration.between(info.notBefore(), info.notAfter());
            if (Math.abs(has.toDays() - strategy.validity().toDays()) > 1) {
                findings.add(Finding.warning("CA_VALIDITY_NOT_APPLIED", null, "spec.ca.validity",
                        "spec.ca asks for a CA valid " + strategy.validity().toDays() + " days, but the clusters already share a CA (" + source
                                + ") valid until " + info.notAfter() + "; the validity applies only when a CA is generated, so the plan keeps it",
                        "to get a CA with another lifetime, rotate to a new one: mesh.rotateCa() (meshctl rotate-ca) generates it with"
                                + " this validity and moves every cluster to it without losing connectivity; or remove the validity to silence this"));
            }
        } catch (RuntimeException e) {
            // an unreadable CA is reported by decide()
        }
    }

    private static Decision blocked(List<Finding> findings, Finding f) {
        findings.add(f);
        return new Decision(null, "none", false, Set.of(), findings);
    }

    /** The cluster's CA: the cilium-ca secret, else the CA in its release values. */
    static PemCredential existingCa(ClusterSnapshot s) {
        if (s.ca() != null) {
            return s.ca();
        }
        if (s.release() == null) {
            return null;
        }
        Object cert = Values.get(s.release().values(), "tls.ca.cert");
        Object key = Values.get(s.release().values(), "tls.ca.key");
        if (cert instanceof String c && !c.isBlank()) {
            return new PemCredential(decode(c), key instanceof String k && !k.isBlank() ? decode(k) : null);
        }
        return null;
    }

    private static String decode(String b64) {
        try {
            return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return b64; // given as plain PEM
        }
    }

    /** Whether the cluster is part of a mesh now: at least one peer configured. */
    static boolean meshed(ClusterSnapshot s) {
        if (s == null || s.release() == null) {
            return false;
        }
        Object clusters = Values.get(s.release().values(), "clustermesh.config.clusters");
        boolean hasPeers = clusters instanceof List<?> l ? !l.isEmpty() : clusters instanceof Map<?, ?> m && !m.isEmpty();
        return hasPeers;
    }
}
