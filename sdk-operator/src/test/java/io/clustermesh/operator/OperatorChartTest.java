package io.clustermesh.operator;

import com.marcnuri.helm.Helm;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The operator's Helm chart ({@code src/main/helm/clustermesh-operator}) rendered by real Helm (helm-java
 * {@code template}) and checked object by object: the CRD is the one the controller is tested with,
 * RBAC is namespace-scoped and holds exactly the verbs the controller's calls need, two replicas with probes on the
 * controller's health port, a PodDisruptionBudget that selects them.
 */
class OperatorChartTest {
    static final Path CHART = Path.of("src/main/helm/clustermesh-operator");
    static final String NS = "clustermesh-system";
    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    /** The chart rendered with its default values into {@code clustermesh-system}, release {@code clustermesh-operator}. */
    static List<JsonNode> render() {
        return render(Map.of());
    }

    /** The chart rendered with {@code --set} values. */
    static List<JsonNode> render(Map<String, String> set) {
        var template = new Helm(CHART).template().withName("clustermesh-operator").withNamespace(NS).withKubeVersion("1.30.6");
        set.forEach(template::set);
        String manifest = template.call();
        List<JsonNode> objects = new ArrayList<>();
        for (String doc : manifest.split("(?m)^---\\s*$")) {
            if (!doc.isBlank()) {
                JsonNode n = YAML.readTree(doc);
                if (n != null && n.has("kind")) {
                    objects.add(n);
                }
            }
        }
        return objects;
    }

    static JsonNode one(List<JsonNode> objects, String kind) {
        List<JsonNode> of = objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
        assertThat(of).as(kind).hasSize(1);
        return of.get(0);
    }

    /** The Role's grants as {@code "<group>/<resource> <verb>"}. */
    static Set<String> grants(List<JsonNode> objects) {
        Set<String> out = new TreeSet<>();
        for (JsonNode rule : one(objects, "Role").path("rules")) {
            for (JsonNode g : rule.path("apiGroups")) {
                for (JsonNode r : rule.path("resources")) {
                    for (JsonNode v : rule.path("verbs")) {
                        out.add(g.asString() + "/" + r.asString() + " " + v.asString());
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theChartRendersTheCrdLeastPrivilegeRbacTwoReplicasWithProbesAndAPdb() throws Exception {
        List<JsonNode> objects = render();
        assertThat(objects).extracting(o -> o.path("kind").asString()).containsExactlyInAnyOrder(
                "ServiceAccount", "Role", "RoleBinding", "Deployment", "PodDisruptionBudget");
        for (JsonNode o : objects) {
            assertThat(o.path("metadata").path("namespace").asString()).as(o.path("kind").asString()).isEqualTo(NS);
        }

        // one schema: the chart's CRD (crds/, which helm install applies before the templates and helm template
        // leaves out) is the controller's, the one every lab test creates
        try (var files = Files.list(CHART.resolve("crds"))) {
            List<Path> crds = files.toList();
            assertThat(crds).hasSize(1);
            JsonNode crd = YAML.readTree(Files.readString(crds.get(0)));
            try (InputStream in = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
                assertThat(crd).isEqualTo(YAML.readTree(in));
            }
            assertThat(crd.path("spec").path("versions").get(0).path("subresources").has("status")).isTrue();
        }
        // least privilege: namespaced, these grants and no others (no delete, no wildcard, no cluster role)
        assertThat(grants(objects)).containsExactlyInAnyOrder(
                "clustermesh.io/clustermeshes get", "clustermesh.io/clustermeshes list", "clustermesh.io/clustermeshes watch",
                "clustermesh.io/clustermeshes patch", "clustermesh.io/clustermeshes/status update",
                "/secrets get", "/secrets list", "/secrets watch", "/events create",
                "coordination.k8s.io/leases get", "coordination.k8s.io/leases create", "coordination.k8s.io/leases patch");
        JsonNode binding = one(objects, "RoleBinding");
        JsonNode sa = one(objects, "ServiceAccount");
        assertThat(binding.path("roleRef").path("kind").asString()).isEqualTo("Role");
        assertThat(binding.path("roleRef").path("name").asString()).isEqualTo(one(objects, "Role").path("metadata").path("name").asString());
        assertThat(binding.path("subjects").get(0).path("name").asString()).isEqualTo(sa.path("metadata").path("name").asString());

        JsonNode deployment = one(objects, "Deployment");
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
        JsonNode pod = deployment.path("spec").path("template");
        assertThat(pod.path("spec").path("serviceAccountName").asString()).isEqualTo(sa.path("metadata").path("name").asString());
        JsonNode container = pod.path("spec").path("containers").get(0);
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asString(), e));
        assertThat(env.get("POD_NAME").path("valueFrom").path("fieldRef").path("fieldPath").asString()).isEqualTo("metadata.name");
        assertThat(env.get("WATCH_NAMESPACE").path("valueFrom").path("fieldRef").path("fieldPath").asString()).isEqualTo("metadata.namespace");
        // the environment the chart sets is what the process accepts
        Map<String, String> values = new LinkedHashMap<>();
        env.forEach((k, v) -> values.put(k, v.has("value") ? v.path("value").asString() : "from-field"));
        OperatorProcess.Settings settings = OperatorProcess.Settings.fromEnvironment(values);
        int port = container.path("ports").get(0).path("containerPort").asInt();
        assertThat(settings.healthPort()).isEqualTo(port);
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asString()).isEqualTo("/healthz");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/readyz");
        assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();

        JsonNode pdb = one(objects, "PodDisruptionBudget");
        assertThat(pdb.path("apiVersion").asString()).isEqualTo("policy/v1");
        assertThat(pdb.path("spec").path("minAvailable").asInt()).isEqualTo(1);
        JsonNode labels = pod.path("metadata").path("labels");
        pdb.path("spec").path("selector").path("matchLabels").properties()
                .forEach(e -> assertThat(labels.path(e.getKey()).asString()).as(e.getKey()).isEqualTo(e.getValue().asString()));
        deployment.path("spec").path("selector").path("matchLabels").properties()
                .forEach(e -> assertThat(labels.path(e.getKey()).asString()).as(e.getKey()).isEqualTo(e.getValue().asString()));
        assertThat(Files.exists(CHART.resolve("values.yaml"))).isTrue();
        // workload identity is off by default: no label, no annotation, public Azure
        assertThat(labels.has("azure.workload.identity/use")).isFalse();
        assertThat(sa.path("metadata").has("annotations")).isFalse();
        assertThat(env).doesNotContainKey("ARM_ENDPOINT");
        assertThat(settings.armEndpoint()).isNull();
    }

    /**
     * {@code azure.workloadIdentity.enabled}: the pods carry the label the AKS workload identity webhook looks for and
     * the ServiceAccount the managed identity's client id (and tenant), so that the webhook injects the environment the
     * controller's default credential reads; an ARM endpoint reaches the process; enabled without a client id fails
     * the render with the value to set.
     */
    @Test
    void workloadIdentityLabelsThePodsAndAnnotatesTheServiceAccount() {
        String clientId = "11111111-2222-3333-4444-555555555555";
        List<JsonNode> objects = render(Map.of("azure.workloadIdentity.enabled", "true", "azure.workloadIdentity.clientId", clientId,
                "azure.workloadIdentity.tenantId", "66666666-7777-8888-9999-000000000000",
                "azure.armEndpoint", "https://management.usgovcloudapi.net"));
        JsonNode sa = one(objects, "ServiceAccount");
        assertThat(sa.path("metadata").path("annotations").path("azure.workload.identity/client-id").asString()).isEqualTo(clientId);
        assertThat(sa.path("metadata").path("annotations").path("azure.workload.identity/tenant-id").asString())
                .isEqualTo("66666666-7777-8888-9999-000000000000");
        JsonNode deployment = one(objects, "Deployment");
        JsonNode pod = deployment.path("spec").path("template");
        assertThat(pod.path("metadata").path("labels").path("azure.workload.identity/use").asString()).isEqualTo("true");
        assertThat(pod.path("spec").path("serviceAccountName").asString()).isEqualTo(sa.path("metadata").path("name").asString());
        // the selectors still select the pods; the label is not one of them (a Deployment's selector is immutable)
        assertThat(deployment.path("spec").path("selector").path("matchLabels").has("azure.workload.identity/use")).isFalse();
        JsonNode pdb = one(objects, "PodDisruptionBudget");
        pdb.path("spec").path("selector").path("matchLabels").properties().forEach(e ->
                assertThat(pod.path("metadata").path("labels").path(e.getKey()).asString()).as(e.getKey()).isEqualTo(e.getValue().asString()));
        Map<String, String> values = new LinkedHashMap<>();
        pod.path("spec").path("containers").get(0).path("env").forEach(e ->
                values.put(e.path("name").asString(), e.has("value") ? e.path("value").asString() : "from-field"));
        assertThat(OperatorProcess.Settings.fromEnvironment(values).armEndpoint()).hasToString("https://management.usgovcloudapi.net");

        assertThatThrownBy(() -> render(Map.of("azure.workloadIdentity.enabled", "true")))
                .hasMessageContaining("azure.workloadIdentity.clientId is required");
        assertThatThrownBy(() -> OperatorProcess.Settings.fromEnvironment(Map.of("WATCH_NAMESPACE", "x", "ARM_ENDPOINT", "management.azure.com")))
                .hasMessageContaining("ARM_ENDPOINT").hasMessageContaining("http(s) URL");
    }

    /**
     * The CRD's OpenAPI schema against the model: the article's spec file ({@code samples/specs/article.yaml}),
     * parsed and written back by the spec file's own code ({@link MeshSpecYaml}) and turned into a resource, is valid
     * with unknown fields refused everywhere (every field the model writes exists in the CRD); values the schema
     * states rules for are refused.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theCrdSchemaHoldsEveryFieldOfTheSpecFileModelAndRefusesBadValues() throws Exception {
        JsonNode crd;
        try (InputStream in = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
            crd = YAML.readTree(in);
        }
        ObjectNode openApi = (ObjectNode) crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema").deepCopy();
        closed(openApi);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(new ByteArrayInputStream(JSON.writeValueAsBytes(openApi)));

        MeshSpecYaml.Result article = MeshSpecYaml.read(Path.of("..", "samples", "specs", "article.yaml"));
        assertThat(article.spec()).as(String.valueOf(article.findings())).isNotNull();
        Map<String, Object> doc = YAML.readValue(MeshSpecYaml.write(article.spec()), Map.class);
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) doc.get("spec"));
        List<Object> clusters = new ArrayList<>();
        for (Object o : (List<Object>) spec.get("clusters")) {
            Map<String, Object> c = new LinkedHashMap<>((Map<String, Object>) o);
            c.remove("kubeContext");
            c.put("kubeconfigSecretRef", Map.of("name", "kc-" + c.get("name"), "key", "kubeconfig"));
            clusters.add(c);
        }
        spec.put("clusters", clusters);
        spec.put("deletionPolicy", "Disconnect");
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("apiVersion", "clustermesh.io/v1alpha1");
        resource.put("kind", "ClusterMesh");
        resource.put("metadata", Map.of("name", "article", "namespace", NS));
        resource.put("spec", spec);
        assertThat(errors(schema, resource)).as("the article as a ClusterMesh").isEmpty();

        assertThat(errors(schema, withCluster(resource, "id", 600))).anyMatch(e -> e.contains("id"));
        assertThat(errors(schema, withCluster(resource, "name", "Cluster_1"))).anyMatch(e -> e.contains("name"));
        assertThat(errors(schema, withCluster(resource, "kubeContext", "aks"))).as("a spec file field").anyMatch(e -> e.contains("kubeContext"));
        Map<String, Object> keep = copy(resource);
        ((Map<String, Object>) keep.get("spec")).put("deletionPolicy", "Keep");
        assertThat(errors(schema, keep)).anyMatch(e -> e.contains("deletionPolicy"));
        Map<String, Object> bgp = copy(resource);
        ((Map<String, Object>) ((Map<String, Object>) bgp.get("spec")).get("cilium")).put("routingMode", "bgp");
        assertThat(errors(schema, bgp)).anyMatch(e -> e.contains("routingMode"));

        // a cluster given as the AKS resource instead of a Secret, with the spec file's field names
        Map<String, Object> aks = copy(resource);
        Map<String, Object> first = ((List<Map<String, Object>>) ((Map<String, Object>) aks.get("spec")).get("clusters")).get(0);
        first.remove("kubeconfigSecretRef");
        first.remove("podCidr");
        first.put("azure", Map.of("resourceGroup", "rsg-ciliumlab", "name", "aks-ciliumlab"));
        assertThat(errors(schema, aks)).as("an azure: cluster").isEmpty();
        first.put("azure", Map.of("resourceGroup", "rsg-ciliumlab", "name", "aks-ciliumlab", "subscriptionId", "s"));
        assertThat(errors(schema, aks)).as("the subscription is spec.azure's").anyMatch(e -> e.contains("subscriptionId"));
        first.put("azure", Map.of("resourceGroup", "rsg-ciliumlab"));
        assertThat(errors(schema, aks)).anyMatch(e -> e.contains("name"));
        // exactly one of the two, and podCidr unless Azure knows it: CEL rules the API server evaluates (the controller
        // checks the same, see ClusterMeshOperatorAzureTest)
        JsonNode items = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema").path("properties").path("spec")
                .path("properties").path("clusters").path("items");
        assertThat(items.path("x-kubernetes-validations")).extracting(r -> r.path("rule").asString())
                .containsExactly("has(self.kubeconfigSecretRef) != has(self.azure)", "has(self.azure) || has(self.podCidr)");
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** additionalProperties: false on every object schema with properties that does not preserve unknown fields. */
    private static void closed(JsonNode schema) {
        if (schema instanceof ObjectNode o) {
            if (o.has("properties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            o.properties().forEach(e -> closed(e.getValue()));
        } else if (schema != null && schema.isArray()) {
            schema.forEach(OperatorChartTest::closed);
        }
    }

    private static List<String> errors(Schema schema, Map<String, Object> resource) {
        return schema.validate(JSON.valueToTree(resource)).stream().map(Error::toString).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<String, Object> resource) {
        return JSON.readValue(JSON.writeValueAsBytes(resource), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withCluster(Map<String, Object> resource, String field, Object value) {
        Map<String, Object> c = copy(resource);
        ((List<Map<String, Object>>) ((Map<String, Object>) c.get("spec")).get("clusters")).get(0).put(field, value);
        return c;
    }
}
