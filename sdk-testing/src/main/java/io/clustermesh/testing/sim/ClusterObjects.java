package io.clustermesh.testing.sim;

import io.clustermesh.spi.ClusterConnection;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Where Helm on the lab reads and writes the chart's objects: the SDK's connection, or the lab's own client. */
interface ClusterObjects {

    Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name);

    /** Creates the object or replaces the stored one. */
    void put(Map<String, Object> object);

    void delete(String apiVersion, String kind, String namespace, String name);

    static ClusterObjects of(ClusterConnection connection) {
        return new ClusterObjects() {
            @Override
            public Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name) {
                return connection.get(apiVersion, kind, namespace, name);
            }

            @Override
            public void put(Map<String, Object> object) {
                connection.apply(object, false);
            }

            @Override
            public void delete(String apiVersion, String kind, String namespace, String name) {
                connection.delete(apiVersion, kind, namespace, name);
            }
        };
    }

    static ClusterObjects of(KubernetesClient client) {
        return new ClusterObjects() {
            private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> op(
                    String apiVersion, String kind) {
                return client.genericKubernetesResources(apiVersion, kind);
            }

            @Override
            @SuppressWarnings("unchecked")
            public Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name) {
                GenericKubernetesResource r = namespace == null ? op(apiVersion, kind).withName(name).get()
                        : op(apiVersion, kind).inNamespace(namespace).withName(name).get();
                return Optional.ofNullable(r).map(x -> (Map<String, Object>) client.getKubernetesSerialization().convertValue(x, LinkedHashMap.class));
            }

            @Override
            @SuppressWarnings("unchecked")
            public void put(Map<String, Object> object) {
                GenericKubernetesResource desired = client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
                String apiVersion = String.valueOf(object.get("apiVersion"));
                String kind = String.valueOf(object.get("kind"));
                String ns = desired.getMetadata().getNamespace();
                var scoped = ns == null ? op(apiVersion, kind) : op(apiVersion, kind).inNamespace(ns);
                GenericKubernetesResource current = scoped.withName(desired.getMetadata().getName()).get();
                if (current == null) {
                    scoped.resource(desired).create();
                } else {
                    desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                    scoped.resource(desired).update();
                }
            }

            @Override
            public void delete(String apiVersion, String kind, String namespace, String name) {
                (namespace == null ? op(apiVersion, kind) : op(apiVersion, kind).inNamespace(namespace)).withName(name).delete();
            }
        };
    }
}
