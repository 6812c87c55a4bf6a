package io.clustermesh.cilium.kube;

import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.clustermesh.spi.NodeInfo;
import io.clustermesh.spi.PodInfo;
import io.clustermesh.spi.SecretData;
import io.clustermesh.spi.ServiceInfo;
import io.clustermesh.spi.WorkloadStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@link ClusterConnection} over a fabric8 {@link KubernetesClient}. */
final class Fabric8Connection implements ClusterConnection {
    private static final Logger LOG = LoggerFactory.getLogger(Fabric8Connection.class);
    private static final Set<String> VOLATILE_METADATA = Set.of("resourceVersion", "uid", "creationTimestamp", "generation",
            "managedFields", "selfLink");

    private final String cluster;
    private final KubernetesClient client;
    private final ClusterKubeconfig kubeconfig;

    Fabric8Connection(String cluster, KubernetesClient client, ClusterKubeconfig kubeconfig) {
        this.cluster = cluster;
        this.client = client;
        this.kubeconfig = kubeconfig;
    }

    /** The single-context kubeconfig this connection's client was built from (what Helm must use for this cluster). */
    ClusterKubeconfig kubeconfig() {
        return kubeconfig;
    }

    private <T> T call(String what, Supplier<T> op) {
        LOG.debug("{}: {}", cluster, what);
        long start = System.nanoTime();
        try {
            return op.get();
        } catch (RuntimeException e) {
            Integer timeoutMs = client.getConfiguration().getRequestTimeout();
            boolean outlived = timeoutMs != null && timeoutMs > 0
                    && System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            throw KubeErrors.map(cluster, what, e, outlived);
        }
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public String apiServerUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    @Override
    public Optional<Map<String, String>> configMap(String namespace, String name) {
        ConfigMap cm = call("reading configmap " + namespace + "/" + name,
                () -> client.configMaps().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(cm).map(c -> c.getData() == null ? Map.of() : Map.copyOf(c.getData()));
    }

    @Override
    public Optional<SecretData> secret(String namespace, String name) {
        Secret s = call("reading secret " + namespace + "/" + name, () -> client.secrets().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(s).map(Fabric8Connection::toData);
    }

    @Override
    public List<SecretData> secrets(String namespace, String labelSelector) {
        List<Secret> items = call("listing secrets " + namespace + " " + labelSelector,
                () -> client.secrets().inNamespace(namespace).withLabelSelector(labelSelector).list().getItems());
        return items.stream().map(Fabric8Connection::toData).toList();
    }

    private static SecretData toData(Secret s) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> data.put(k, v == null ? new byte[0] : Base64.getDecoder().decode(v)));
        }
        if (s.getStringData() != null) {
            s.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return new SecretData(s.getMetadata().getName(), s.getMetadata().getResourceVersion(), s.getType(),
                s.getMetadata().getLabels(), data);
    }

    @Override
    public boolean putSecret(String namespace, SecretData secret) {
        String what = "writing secret " + namespace + "/" + secret.name();
        return call(what, () -> {
            Secret current = client.secrets().inNamespace(namespace).withName(secret.name()).get();
            if (current != null && toData(current).sameContent(secret)) {
                return false;
            }
            Map<String, String> encoded = new TreeMap<>();
            secret.data().forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
            String rv = secret.resourceVersion() != null ? secret.resourceVersion() : current == null ? null : current.getMetadata().getResourceVersion();
            Secret desired = new SecretBuilder()
                    .withMetadata(new ObjectMetaBuilder().withName(secret.name()).withNamespace(namespace)
                            .withLabels(secret.labels().isEmpty() ? null : new TreeMap<>(secret.labels()))
                            .withAnnotations(current == null ? null : current.getMetadata().getAnnotations())
                            .withResourceVersion(rv).build())
                    .withType(secret.type()).withData(encoded).build();
            if (current == null) {
                if (secret.resourceVersion() != null) {
                    throw new MeshConflictException(cluster + ": secret " + namespace + "/" + secret.name() + " was deleted meanwhile",
                            Details.inCluster(cluster).fix("run again: the SDK re-reads the cluster"));
                }
                client.secrets().inNamespace(namespace).resource(desired).create();
            } else {
                client.secrets().inNamespace(namespace).resource(desired).update();
            }
            return true;
        });
    }

    @Override
    public boolean deleteSecret(String namespace, String name) {
        return call("deleting secret " + namespace + "/" + name,
                () -> !client.secrets().inNamespace(namespace).withName(name).delete().isEmpty());
    }

    @Override
    public Optional<ServiceInfo> service(String namespace, String name) {
        Service s = call("reading service " + namespace + "/" + name, () -> client.services().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(s).map(Fabric8Connection::toInfo);
    }

    @Override
    public List<ServiceInfo> services(String namespace) {
        List<Service> items = call("listing services" + (namespace == null ? "" : " in " + namespace),
                () -> namespace == null ? client.services().inAnyNamespace().list().getItems()
                        : client.services().inNamespace(namespace).list().getItems());
        return items.stream().map(Fabric8Connection::toInfo).toList();
    }

    private static ServiceInfo toInfo(Service s) {
        List<Integer> ports = s.getSpec() == null || s.getSpec().getPorts() == null ? List.of()
                : s.getSpec().getPorts().stream().map(ServicePort::getPort).filter(Objects::nonNull).toList();
        List<String> ingress = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
                if (i.getIp() != null) ingress.add(i.getIp());
            }
        }
        return new ServiceInfo(s.getMetadata().getNamespace(), s.getMetadata().getName(),
                s.getSpec() == null ? null : s.getSpec().getType(), s.getMetadata().getAnnotations(), ports, ingress,
                s.getSpec() == null ? null : s.getSpec().getClusterIP());
    }

    @Override
    public boolean annotateService(String namespace, String name, Map<String, String> set, Set<String> remove) {
        String what = "annotating service " + namespace + "/" + name;
        return call(what, () -> {
            Service s = client.services().inNamespace(namespace).withName(name).get();
            if (s == null) {
                throw new io.clustermesh.MeshPreconditionException(cluster + ": service " + namespace + "/" + name + " does not exist",
                        Details.inCluster(cluster)
                                .fix("create the Service in " + cluster + " first: Cilium merges remote backends only into an existing local Service"));
            }
            Map<String, String> current = s.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(s.getMetadata().getAnnotations());
            Map<String, String> next = new HashMap<>(current);
            next.putAll(set);
            remove.forEach(next::remove);
            if (next.equals(current)) {
                return false;
            }
            s.getMetadata().setAnnotations(next);
            client.services().inNamespace(namespace).resource(s).update();
            return true;
        });
    }

    @Override
    public Optional<WorkloadStatus> deployment(String namespace, String name) {
        Deployment d = call("reading deployment " + namespace + "/" + name,
                () -> client.apps().deployments().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(d).map(x -> {
            int desired = x.getSpec() == null || x.getSpec().getReplicas() == null ? 1 : x.getSpec().getReplicas();
            var st = x.getStatus();
            return new WorkloadStatus(name, desired, st == null || st.getReadyReplicas() == null ? 0 : st.getReadyReplicas(),
                    st == null || st.getUpdatedReplicas() == null ? 0 : st.getUpdatedReplicas(),
                    x.getMetadata().getGeneration() == null ? 0 : x.getMetadata().getGeneration(),
                    st == null || st.getObservedGeneration() == null ? 0 : st.getObservedGeneration(),
                    containers(x.getSpec() == null || x.getSpec().getTemplate() == null || x.getSpec().getTemplate().getSpec() == null
                            ? List.of() : x.getSpec().getTemplate().getSpec().getContainers()));
        });
    }

    @Override
    public Optional<WorkloadStatus> daemonSet(String namespace, String name) {
        DaemonSet d = call("reading daemonset " + namespace + "/" + name,
                () -> client.apps().daemonSets().inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(d).map(x -> {
            var st = x.getStatus();
            return new WorkloadStatus(name, st == null || st.getDesiredNumberScheduled() == null ? 0 : st.getDesiredNumberScheduled(),
                    st == null || st.getNumberReady() == null ? 0 : st.getNumberReady(),
                    st == null || st.getUpdatedNumberScheduled() == null ? 0 : st.getUpdatedNumberScheduled(),
                    x.getMetadata().getGeneration() == null ? 0 : x.getMetadata().getGeneration(),
                    st == null || st.getObservedGeneration() == null ? 0 : st.getObservedGeneration(),
                    containers(x.getSpec() == null || x.getSpec().getTemplate() == null || x.getSpec().getTemplate().getSpec() == null
                            ? List.of() : x.getSpec().getTemplate().getSpec().getContainers()));
        });
    }

    private static List<String> containers(List<Container> cs) {
        return cs == null ? List.of() : cs.stream().map(Container::getName).toList();
    }

    @Override
    public List<NodeInfo> nodes() {
        List<Node> items = call("listing nodes", () -> client.nodes().list().getItems());
        List<NodeInfo> out = new ArrayList<>();
        for (Node n : items) {
            String ip = null;
            if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
                for (NodeAddress a : n.getStatus().getAddresses()) {
                    if ("InternalIP".equals(a.getType())) {
                        ip = a.getAddress();
                        break;
                    }
                }
            }
            out.add(new NodeInfo(n.getMetadata().getName(), ip, n.getMetadata().getLabels()));
        }
        return out;
    }

    @Override
    public List<PodInfo> pods(String namespace, String labelSelector) {
        List<Pod> items = call("listing pods " + namespace + " " + labelSelector,
                () -> client.pods().inNamespace(namespace).withLabelSelector(labelSelector).list().getItems());
        List<PodInfo> out = new ArrayList<>();
        for (Pod p : items) {
            boolean ready = false;
            String phase = null;
            String ip = null;
            if (p.getStatus() != null) {
                phase = p.getStatus().getPhase();
                ip = p.getStatus().getPodIP();
                if (p.getStatus().getConditions() != null) {
                    for (PodCondition c : p.getStatus().getConditions()) {
                        if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) ready = true;
                    }
                }
            }
            out.add(new PodInfo(p.getMetadata().getNamespace(), p.getMetadata().getName(),
                    p.getSpec() == null ? null : p.getSpec().getNodeName(), phase, ready, ip, p.getMetadata().getLabels()));
        }
        return out;
    }

    @Override
    public ExecResult exec(String namespace, String pod, String container, Duration timeout, String... command) {
        String what = "exec in " + namespace + "/" + pod + " (" + container + "): " + String.join(" ", command);
        return call(what, () -> {
            try {
                return PodExec.run(client, namespace, pod, container, timeout, command);
            } catch (TimeoutException e) {
                throw new MeshTimeoutException(cluster + ": " + what + " did not finish within " + timeout.toSeconds() + " s",
                        Details.inCluster(cluster).fix("check that the pod " + pod + " is running and responsive")
                                .retryable(true).cause(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MeshUnreachableException(cluster + ": " + what + " was interrupted",
                        Details.inCluster(cluster).fix("run again").cause(e));
            }
        });
    }

    @Override
    public Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name) {
        GenericKubernetesResource r = call("reading " + kind + " " + (namespace == null ? "" : namespace + "/") + name,
                () -> namespace == null ? client.genericKubernetesResources(apiVersion, kind).withName(name).get()
                        : client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(r).map(this::toMap);
    }

    @Override
    public List<Map<String, Object>> list(String apiVersion, String kind, String namespace) {
        List<GenericKubernetesResource> items = call("listing " + kind,
                () -> namespace == null ? client.genericKubernetesResources(apiVersion, kind).inAnyNamespace().list().getItems()
                        : client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace).list().getItems());
        return items.stream().map(this::toMap).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> toMap(GenericKubernetesResource r) {
        return client.getKubernetesSerialization().convertValue(r, LinkedHashMap.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> apply(Map<String, Object> object, boolean createOnly) {
        String apiVersion = String.valueOf(object.get("apiVersion"));
        String kind = String.valueOf(object.get("kind"));
        Map<String, Object> meta = (Map<String, Object>) object.getOrDefault("metadata", Map.of());
        String name = String.valueOf(meta.get("name"));
        String namespace = (String) meta.get("namespace");
        String what = "writing " + kind + " " + (namespace == null ? "" : namespace + "/") + name;
        return call(what, () -> {
            var op = namespace == null ? client.genericKubernetesResources(apiVersion, kind)
                    : client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace);
            GenericKubernetesResource current = op.withName(name).get();
            GenericKubernetesResource desired = client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
            if (current == null) {
                return toMap(op.resource(desired).create());
            }
            if (createOnly) {
                throw new MeshConflictException(cluster + ": " + kind + " " + name + " already exists",
                        Details.inCluster(cluster).fix("another client holds it; wait for it or remove it if its holder is gone")
                                .retryable(false));
            }
            Map<String, Object> currentMap = toMap(current);
            if (sameContent(currentMap, object)) {
                return currentMap;
            }
            if (desired.getMetadata().getResourceVersion() == null) {
                desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
            }
            return toMap(op.resource(desired).update());
        });
    }

    /**
     * Whether the live object already holds what the SDK wants: every field the desired object sets has the same value
     * in the live one. Fields only the live object has — what the API server adds (metadata such as uid and
     * managedFields, defaults such as a Service's {@code sessionAffinity} or a pod template's {@code dnsPolicy}, status)
     * — do not count, so that applying the same object twice writes once, on AKS as on the lab. Lists compare element
     * by element in order and must have the same length (an element the SDK dropped is a change); a field the SDK
     * stopped setting is not detected here, and goes with the next write (a full update).
     */
    @SuppressWarnings("unchecked")
    private static boolean sameContent(Map<String, Object> current, Map<String, Object> desired) {
        for (Map.Entry<String, Object> e : desired.entrySet()) {
            Object live = current.get(e.getKey());
            if (e.getKey().equals("metadata") && e.getValue() instanceof Map<?, ?> dm) {
                Map<String, Object> wanted = new HashMap<>((Map<String, Object>) dm);
                VOLATILE_METADATA.forEach(wanted::remove);
                if (!contains(live instanceof Map<?, ?> lm ? lm : Map.of(), wanted)) {
                    return false;
                }
            } else if (!contains(live, e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** {@code live} holds {@code desired}: equal scalars, maps with at least the desired entries, lists element-wise. */
    private static boolean contains(Object live, Object desired) {
        if (desired instanceof Map<?, ?> dm) {
            if (!(live instanceof Map<?, ?> lm)) {
                return dm.isEmpty() && live == null;
            }
            for (Map.Entry<?, ?> e : dm.entrySet()) {
                if (!contains(lm.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (desired instanceof List<?> dl) {
            if (!(live instanceof List<?> ll) || ll.size() != dl.size()) {
                return dl.isEmpty() && live == null;
            }
            for (int i = 0; i < dl.size(); i++) {
                if (!contains(ll.get(i), dl.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(normalize(desired), normalize(live));
    }

    private static Object normalize(Object o) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        return o;
    }

    @Override
    public boolean delete(String apiVersion, String kind, String namespace, String name) {
        return call("deleting " + kind + " " + name, () -> {
            var op = namespace == null ? client.genericKubernetesResources(apiVersion, kind)
                    : client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace);
            return !op.withName(name).delete().isEmpty();
        });
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "Fabric8Connection[" + cluster + "]";
    }
}
