package io.clustermesh.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the mesh needs of a Kubernetes Service.
 *
 * @param namespace   namespace
 * @param name        name
 * @param type        {@code ClusterIP}, {@code NodePort}, {@code LoadBalancer}
 * @param annotations annotations
 * @param ports       service ports
 * @param ingressIps  {@code status.loadBalancer.ingress[].ip}
 * @param clusterIp   cluster IP or {@code null}
 */
public record ServiceInfo(String namespace, String name, String type, Map<String, String> annotations, List<Integer> ports,
                          List<String> ingressIps, String clusterIp) {
    public ServiceInfo {
        Objects.requireNonNull(name, "name");
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
        ports = List.copyOf(ports == null ? List.of() : ports);
        ingressIps = List.copyOf(ingressIps == null ? List.of() : ingressIps);
    }
}
