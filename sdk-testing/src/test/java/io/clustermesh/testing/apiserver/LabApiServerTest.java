package io.clustermesh.testing.apiserver;

import io.clustermesh.MeshTimeouts;
import io.clustermesh.cilium.kube.Fabric8ClusterTransport;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabClusterSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lab's API server answers like a Kubernetes 1.30 API server where clients (Helm, kubectl, fabric8, the SDK) look. */
class LabApiServerTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static LabCluster cluster;
    static KubernetesClient k8s;

    @BeforeAll
    static void start() {
        cluster = LabCluster.start(LabClusterSpec.of("cluster1", 1, 11));
        Config config = Config.fromKubeconfig(cluster.kubeconfig());
        k8s = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterAll
    static void stop() {
        k8s.close();
        cluster.close();
    }

    private static JsonNode get(String path) {
        String body = k8s.raw(path);
        assertThat(body).as(path).isNotNull();
        return JSON.readTree(body);
    }

    @Test
    void versionAndDiscoveryAnswerLikeAnApiServer() {
        JsonNode version = get("/version?timeout=32s");
        assertThat(version.path("gitVersion").asString()).isEqualTo("v1.30.6");
        assertThat(version.path("major").asString()).isEqualTo("1");
        assertThat(version.path("minor").asString()).isEqualTo("30");

        assertThat(get("/api").path("versions").toString()).isEqualTo("[\"v1\"]");
        JsonNode groups = get("/apis");
        assertThat(groups.path("kind").asString()).isEqualTo("APIGroupList");
        assertThat(groups.path("groups").findValuesAsString("name")).contains("apps", "rbac.authorization.k8s.io", "policy", "batch");

        JsonNode core = get("/api/v1");
        assertThat(core.path("groupVersion").asString()).isEqualTo("v1");
        JsonNode secrets = resource(core, "secrets");
        assertThat(secrets.path("namespaced").asBoolean()).isTrue();
        assertThat(secrets.path("kind").asString()).isEqualTo("Secret");
        assertThat(secrets.path("verbs").toString()).contains("create", "delete", "get", "list", "patch", "update", "watch");
        assertThat(resource(core, "nodes").path("namespaced").asBoolean()).isFalse();
        assertThat(resource(core, "services/status").path("verbs").toString()).contains("patch");

        JsonNode apps = get("/apis/apps/v1");
        assertThat(resource(apps, "deployments").path("kind").asString()).isEqualTo("Deployment");
        assertThat(resource(apps, "daemonsets/status")).isNotNull();
        JsonNode rbac = get("/apis/rbac.authorization.k8s.io/v1");
        assertThat(resource(rbac, "clusterroles").path("namespaced").asBoolean()).isFalse();
        assertThat(resource(rbac, "roles").path("namespaced").asBoolean()).isTrue();
    }

    @Test
    void openApiV3TellsClientsTheServerValidatesFieldsAndV2IsNotServed() {
        JsonNode index = get("/openapi/v3");
        String url = index.path("paths").path("apis/apps/v1").path("serverRelativeURL").asString();
        assertThat(url).startsWith("/openapi/v3/apis/apps/v1?hash=");
        JsonNode doc = get(url);
        JsonNode patch = doc.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").path("kind").asString()).isEqualTo("Deployment");
        assertThat(patch.path("parameters").findValuesAsString("name")).contains("fieldValidation");
        assertThat(k8s.raw("/openapi/v2")).as("404").isNull();
    }

    @Test
    void objectsComeBackWithServerMetadataAndManagedFields() {
        ConfigMap cm = k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("meta")
                .addToLabels("a", "b").endMetadata().addToData("k", "v").build()).create();
        assertThat(cm.getMetadata().getUid()).isNotBlank();
        assertThat(cm.getMetadata().getResourceVersion()).isNotBlank();
        assertThat(cm.getMetadata().getCreationTimestamp()).isNotBlank();
        assertThat(cm.getMetadata().getManagedFields()).singleElement().satisfies(m -> {
            assertThat(m.getManager()).isEqualTo("fabric8-kubernetes-client");
            assertThat(m.getOperation()).isEqualTo("Update");
            assertThat(m.getFieldsType()).isEqualTo("FieldsV1");
            assertThat(m.getFieldsV1().getAdditionalProperties()).containsKeys("f:data", "f:metadata");
        });
        ConfigMap read = k8s.configMaps().inNamespace("default").withName("meta").get();
        assertThat(read.getMetadata().getUid()).isEqualTo(cm.getMetadata().getUid());
    }

    @Test
    void builtInKindsGetTheirDefaults() {
        Service svc = k8s.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).endPort().endSpec().build()).create();
        assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(svc.getSpec().getClusterIP()).startsWith("10.0.");
        assertThat(svc.getSpec().getClusterIPs()).containsExactly(svc.getSpec().getClusterIP());
        assertThat(svc.getSpec().getIpFamilies()).containsExactly("IPv4");
        assertThat(svc.getSpec().getIpFamilyPolicy()).isEqualTo("SingleStack");
        assertThat(svc.getSpec().getSessionAffinity()).isEqualTo("None");
        assertThat(svc.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
        assertThat(svc.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
        assertThat(svc.getSpec().getPorts().get(0).getTargetPort().getIntVal()).isEqualTo(80);

        Deployment d = k8s.apps().deployments().inNamespace("default").resource(deployment("defaults", "nginx:1.27")).create();
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal()).isEqualTo("25%");
        assertThat(d.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
        assertThat(d.getSpec().getProgressDeadlineSeconds()).isEqualTo(600);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Always");
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(pod.getSchedulerName()).isEqualTo("default-scheduler");
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        Container c = pod.getContainers().get(0);
        assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(c.getPorts().get(0).getProtocol()).isEqualTo("TCP");

        DaemonSet ds = k8s.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder().withNewMetadata().withName("agent")
                .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("app", "agent").endMetadata().withNewSpec().withHostNetwork(true).addNewContainer()
                .withName("agent").withImage("agent:latest").addNewPort().withContainerPort(4240).endPort().endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(ds.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
        Container agent = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(agent.getImagePullPolicy()).isEqualTo("Always");
        assertThat(agent.getPorts().get(0).getHostPort()).as("host network: hostPort = containerPort").isEqualTo(4240);

        var secret = k8s.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("s").endMetadata()
                .addToStringData("k", "v").build()).create();
        assertThat(secret.getType()).isEqualTo("Opaque");
        assertThat(secret.getData()).containsEntry("k", "dg==");
        assertThat(secret.getStringData()).isNullOrEmpty();
    }

    @Test
    void generationFollowsSpecChangesOnly() {
        Deployment d = k8s.apps().deployments().inNamespace("default").resource(deployment("gen", "nginx:1.27")).create();
        assertThat(d.getMetadata().getGeneration()).isEqualTo(1L);

        d.getMetadata().getLabels().put("team", "mesh");
        Deployment labelled = k8s.apps().deployments().inNamespace("default").resource(d).update();
        assertThat(labelled.getMetadata().getGeneration()).as("metadata only").isEqualTo(1L);
        assertThat(labelled.getMetadata().getResourceVersion()).isNotEqualTo(d.getMetadata().getResourceVersion());

        labelled.setStatus(new DeploymentStatusBuilder().withObservedGeneration(1L).withReplicas(1).build());
        Deployment status = k8s.apps().deployments().inNamespace("default").resource(labelled).updateStatus();
        assertThat(status.getMetadata().getGeneration()).as("status only").isEqualTo(1L);
        assertThat(status.getStatus().getObservedGeneration()).isEqualTo(1L);

        status.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("nginx:1.28");
        Deployment changed = k8s.apps().deployments().inNamespace("default").resource(status).update();
        assertThat(changed.getMetadata().getGeneration()).as("spec change").isEqualTo(2L);
        assertThat(changed.getMetadata().getUid()).isEqualTo(d.getMetadata().getUid());
    }

    @Test
    void aWriteWithAStaleResourceVersionGets409() {
        ConfigMap cm = k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("cas")
                .endMetadata().addToData("k", "1").build()).create();
        cm.getData().put("k", "2");
        k8s.configMaps().inNamespace("default").resource(cm).update();
        cm.getData().put("k", "3");
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").resource(cm).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
                });
        assertThat(k8s.configMaps().inNamespace("default").withName("cas").get().getData()).containsEntry("k", "2");
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("cas")
                .endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists"));
        assertThatThrownBy(() -> k8s.configMaps().inNamespace("default").withName("missing").edit(c -> c))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void strategicMergePatchMergesContainersByName() {
        Deployment d = new DeploymentBuilder(deployment("smp", "nginx:1.27")).editSpec().editTemplate().editSpec()
                .addNewContainer().withName("sidecar").withImage("busybox:1.36").addNewEnv().withName("A").withValue("1").endEnv().endContainer()
                .addNewContainer().withName("old").withImage("old:1").endContainer()
                .endSpec().endTemplate().endSpec().build();
        k8s.apps().deployments().inNamespace("default").resource(d).create();
        // what Helm's CreateThreeWayMergePatch sends: changed fields only, deletions as directives, the list order
        String patch = """
                {"spec":{"template":{"spec":{
                  "$setElementOrder/containers":[{"name":"new"},{"name":"web"},{"name":"sidecar"}],
                  "containers":[
                    {"name":"web","image":"nginx:1.28"},
                    {"name":"sidecar","$setElementOrder/env":[{"name":"A"},{"name":"B"}],"env":[{"name":"B","value":"2"}]},
                    {"name":"new","image":"new:1"},
                    {"name":"old","$patch":"delete"}]}}}}""";
        Deployment patched = k8s.apps().deployments().inNamespace("default").withName("smp")
                .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
        List<Container> containers = patched.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).extracting(Container::getName).containsExactly("new", "web", "sidecar");
        assertThat(containers.get(1).getImage()).isEqualTo("nginx:1.28");
        assertThat(containers.get(1).getPorts()).as("untouched fields stay").extracting("containerPort").containsExactly(80);
        assertThat(containers.get(2).getEnv()).extracting("name", "value")
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", "1"), org.assertj.core.groups.Tuple.tuple("B", "2"));
        assertThat(containers.get(0).getTerminationMessagePolicy()).as("a new container is defaulted").isEqualTo("File");
        assertThat(patched.getMetadata().getGeneration()).isEqualTo(2L);

        Deployment merged = k8s.apps().deployments().inNamespace("default").withName("smp")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"app\":null,\"x\":\"y\"}}}");
        assertThat(merged.getMetadata().getLabels()).containsEntry("x", "y").doesNotContainKey("app");
        assertThat(merged.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(merged.getSpec().getTemplate().getSpec().getContainers()).as("a merge patch replaces lists; none given here").hasSize(3);
    }

    @Test
    void theSdkConnectionWritesAnUnchangedObjectOnce() {
        try (ClusterConnection conn = new Fabric8ClusterTransport().connect(MeshCluster.named("cluster1").withAccess(cluster.access()),
                MeshTimeouts.defaults())) {
            Map<String, Object> svc = new LinkedHashMap<>();
            svc.put("apiVersion", "v1");
            svc.put("kind", "Service");
            svc.put("metadata", Map.of("name", "sdk-svc", "namespace", "default", "labels", Map.of("app", "sdk")));
            svc.put("spec", Map.of("type", "LoadBalancer", "selector", Map.of("app", "sdk"), "ports", List.of(Map.of("port", 2379))));
            conn.apply(svc, false);
            cluster.resetCounts();
            Map<String, Object> again = conn.apply(svc, false);
            assertThat(cluster.counts().writes()).as("the server's defaults are not a difference: " + cluster.counts().byPath()).isZero();
            assertThat(((Map<?, ?>) again.get("spec")).get("sessionAffinity")).isEqualTo("None");

            svc.put("spec", Map.of("type", "LoadBalancer", "selector", Map.of("app", "sdk"), "ports", List.of(Map.of("port", 2380))));
            conn.apply(svc, false);
            assertThat(cluster.counts().writes()).as("a real change is written").isEqualTo(1);
        }
    }

    private static Deployment deployment(String name, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).addToLabels("app", name).endMetadata().withNewSpec()
                .withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata().addToLabels("app", name)
                .endMetadata().withNewSpec().addNewContainer().withName("web").withImage(image).addNewPort().withContainerPort(80).endPort()
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static JsonNode resource(JsonNode list, String name) {
        for (JsonNode r : list.path("resources")) {
            if (r.path("name").asString().equals(name)) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + list.path("groupVersion"));
    }
}
