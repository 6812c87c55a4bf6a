package io.clustermesh.testing.sim;

import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** How the simulated Cilium reads Kubernetes objects: secret data, node and load balancer addresses, projected files. */
final class SimObjects {
    static final String NAMESPACE = SimulatedCilium.NAMESPACE;

    private SimObjects() {
    }

    /** Something due at a time: a rollout or a load balancer address, keyed by what it is for. */
    record Pending(String what, long readyAtNanos) {
    }

    /**
     * One file of a projected volume as the kubelet mounts it: {@code content} is {@code null} when the Secret or
     * ConfigMap that projects it (or its key) is missing.
     */
    record Mounted(String source, String content) {
    }

    static String data(Secret s, String key) {
        if (s.getData() != null && s.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
        }
        if (s.getStringData() != null) {
            return s.getStringData().get(key);
        }
        return null;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ingressIp(Service s) {
        if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return null;
        }
        return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(Objects::nonNull).findFirst().orElse(null);
    }

    static String internalIp(Node n) {
        if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
            return null;
        }
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress)
                .findFirst().orElse(null);
    }

    static Map<String, List<String>> hostAliases(PodSpec spec) {
        Map<String, List<String>> out = new HashMap<>();
        if (spec == null || spec.getHostAliases() == null) {
            return out;
        }
        for (HostAlias a : spec.getHostAliases()) {
            for (String h : a.getHostnames() == null ? List.<String>of() : a.getHostnames()) {
                out.computeIfAbsent(h, k -> new ArrayList<>()).add(a.getIp());
            }
        }
        return out;
    }

    /**
     * What a container reads at {@code path} of the projected volume {@code volume}: the item of the Secret or ConfigMap
     * projecting that path. With {@code tls.caBundle.enabled} the chart projects the CA bundle (ConfigMap, or Secret
     * with {@code useSecret}, {@code tls.caBundle.name}/{@code key}) where it otherwise projects a secret's
     * {@code ca.crt} (cilium templates/cilium-agent/daemonset.yaml volume clustermesh-secrets,
     * templates/clustermesh-apiserver/deployment.yaml volumes etcd-server-secrets and, from chart 1.18,
     * kvstoremesh-secrets), so the simulated agents trust exactly what the real ones would read.
     *
     * @return empty when no projection of that volume has the path (the lab's template chart mounts nothing)
     */
    static Optional<Mounted> mounted(KubernetesClient kube, PodSpec spec, String volume, String path) {
        if (spec == null || spec.getVolumes() == null) {
            return Optional.empty();
        }
        for (Volume v : spec.getVolumes()) {
            if (!volume.equals(v.getName()) || v.getProjected() == null || v.getProjected().getSources() == null) {
                continue;
            }
            for (VolumeProjection src : v.getProjected().getSources()) {
                if (src.getSecret() != null && src.getSecret().getItems() != null) {
                    for (KeyToPath item : src.getSecret().getItems()) {
                        if (path.equals(item.getPath())) {
                            Secret secret = kube.secrets().inNamespace(NAMESPACE).withName(src.getSecret().getName()).get();
                            return Optional.of(new Mounted("secret " + NAMESPACE + "/" + src.getSecret().getName() + " key " + item.getKey(),
                                    secret == null ? null : data(secret, item.getKey())));
                        }
                    }
                }
                if (src.getConfigMap() != null && src.getConfigMap().getItems() != null) {
                    for (KeyToPath item : src.getConfigMap().getItems()) {
                        if (path.equals(item.getPath())) {
                            var cm = kube.configMaps().inNamespace(NAMESPACE).withName(src.getConfigMap().getName()).get();
                            return Optional.of(new Mounted("configmap " + NAMESPACE + "/" + src.getConfigMap().getName() + " key " + item.getKey(),
                                    cm == null || cm.getData() == null ? null : cm.getData().get(item.getKey())));
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
