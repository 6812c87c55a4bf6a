package io.clustermesh.testing.apiserver;

import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabClusterSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A custom resource whose CRD declares the status subresource, on the lab's API server, as on a real one
 * (k8s.io/apiextensions-apiserver, CustomResourceSubresources): a write through {@code /status} changes the status
 * only and keeps it; a write of the object itself keeps the stored status and takes the rest; a stale
 * resourceVersion on {@code /status} is a 409.
 */
class LabCustomResourceStatusTest {
    static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder().withGroup("example.io").withVersion("v1")
            .withKind("Widget").withPlural("widgets").withNamespaced(true).build();
    static LabCluster cluster;
    static KubernetesClient k8s;

    @BeforeAll
    static void start() {
        cluster = LabCluster.start(LabClusterSpec.of("cluster1", 1, 11));
        k8s = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(cluster.kubeconfig())).build();
        k8s.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("widgets.example.io").endMetadata()
                .withNewSpec().withGroup("example.io").withScope("Namespaced")
                .withNewNames().withKind("Widget").withPlural("widgets").withSingular("widget").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion().endSpec().build()).create();
    }

    @AfterAll
    static void stop() {
        k8s.close();
        cluster.close();
    }

    @Test
    void statusWrittenThroughTheSubresourceIsKeptAndTheObjectWriteKeepsIt() {
        GenericKubernetesResource w = new GenericKubernetesResource();
        w.setApiVersion("example.io/v1");
        w.setKind("Widget");
        w.setMetadata(new ObjectMetaBuilder().withName("w").withNamespace("default").build());
        w.setAdditionalProperty("spec", Map.of("size", 1));
        var widgets = k8s.genericKubernetesResources(WIDGETS).inNamespace("default");
        GenericKubernetesResource created = widgets.resource(w).create();

        created.setAdditionalProperty("status", Map.of("phase", "Ready"));
        created.setAdditionalProperty("spec", Map.of("size", 99));   // ignored on /status
        widgets.resource(created).updateStatus();
        GenericKubernetesResource read = widgets.withName("w").get();
        assertThat(read.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Ready"));
        assertThat(read.getAdditionalProperties().get("spec")).isEqualTo(Map.of("size", 1));
        assertThat(read.getMetadata().getGeneration()).as("a status write is no new generation").isEqualTo(created.getMetadata().getGeneration());

        read.setAdditionalProperty("status", Map.of("phase", "Changed"));   // ignored on the object
        read.setAdditionalProperty("spec", Map.of("size", 2));
        widgets.resource(read).update();
        GenericKubernetesResource again = widgets.withName("w").get();
        assertThat(again.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Ready"));
        assertThat(again.getAdditionalProperties().get("spec")).isEqualTo(Map.of("size", 2));

        // read still holds the resourceVersion before the update: stale on /status too
        read.setAdditionalProperty("status", Map.of("phase", "Stale"));
        assertThatThrownBy(() -> widgets.resource(read).updateStatus()).isInstanceOfSatisfying(KubernetesClientException.class,
                e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(widgets.withName("w").get().getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Ready"));
    }
}
