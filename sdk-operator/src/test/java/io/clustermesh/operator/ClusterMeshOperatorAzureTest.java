package io.clustermesh.operator;

import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabEntraId;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.arm.FakeArm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.clustermesh.operator.ClusterMeshOperatorLabTest.condition;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.current;
import static io.clustermesh.operator.ClusterMeshOperatorLabTest.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clusters given as AKS resources ({@code azure: {resourceGroup, name}}) on the lab with its fake ARM: cluster1 an AKS
 * cluster with a local account, cluster2 an AKS cluster with Microsoft Entra ID and local accounts disabled (its API
 * server accepts only tokens of the lab's Entra ID), cluster3 through a kubeconfig Secret, cluster4 the management
 * cluster. The operator gets no credential in code: it makes its default, azure-identity's
 * {@code WorkloadIdentityCredential}, from the variables the AKS workload identity webhook injects (given to the
 * builder as its environment), and that credential exchanges the federated token file the test wrote at a loopback
 * https Entra ID token endpoint ({@link FakeEntraTokenEndpoint}) for the tokens cluster2 accepts. A second operator,
 * in another namespace and without those variables, shows what a resource with Azure clusters reports then.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMeshOperatorAzureTest {
    static final String NS = ClusterMeshOperatorLabTest.NS;
    static final String NO_WI = "no-workload-identity";
    static final String MGMT = "cluster4";
    static final String AAD = "cluster2";
    static final List<String> MEMBERS = List.of("cluster1", "cluster2", "cluster3");
    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    private MeshLab lab;
    private KubernetesClient mgmt;
    private FakeEntraTokenEndpoint entra;
    private AutoCloseable trusted;
    private String federated;
    private ClusterMeshOperator operator;
    private ClusterMeshOperator withoutIdentity;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream err;

    @BeforeAll
    void up() throws Exception {
        err = System.err;
        System.setErr(new PrintStream(new Tee(log, err), true, StandardCharsets.UTF_8));
        lab = MeshLab.builder().clusters(4).nodesPerCluster(1).arm(true).entraIdOnly(AAD).start();
        mgmt = lab.cluster(MGMT).client();
        try (var crd = ClusterMeshReconciler.class.getResourceAsStream("clustermesh-crd.yaml")) {
            mgmt.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        entra = new FakeEntraTokenEndpoint(lab.entraId());
        trusted = entra.trustedByDefault();
        // what the workload identity webhook mounts and injects into a pod labelled azure.workload.identity/use: "true"
        Path tokenFile = lab.workDir().resolve("azure-identity-token");
        federated = "eyJhbGciOiJSUzI1NiJ9.projected-sa-token-" + System.nanoTime() + ".sig";
        Files.writeString(tokenFile, federated);
        FakeArm arm = lab.arm().orElseThrow();
        operator = ClusterMeshOperator.builder().client(mgmt).namespace(NS).identity("op-wi")
                .environment(OperatorWorkloadIdentityTest.env(entra, tokenFile)).armEndpoint(arm.url())
                .meshes(spec -> lab.meshBuilder().spec(spec))
                .resync(Duration.ofSeconds(30), Duration.ofMillis(500)).backoff(Duration.ofMillis(500), Duration.ofSeconds(5))
                .leaseTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500)).build();
        operator.start();
        withoutIdentity = ClusterMeshOperator.builder().client(mgmt).namespace(NO_WI).identity("op-none")
                .environment(Map.of("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c1")).armEndpoint(arm.url())
                .meshes(spec -> lab.meshBuilder().spec(spec))
                .resync(Duration.ofSeconds(30), Duration.ofMillis(500)).backoff(Duration.ofMillis(500), Duration.ofSeconds(5))
                .leaseTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500)).build();
        withoutIdentity.start();
    }

    @AfterAll
    void down() throws Exception {
        if (operator != null) operator.close();
        if (withoutIdentity != null) withoutIdentity.close();
        if (trusted != null) trusted.close();
        if (entra != null) entra.close();
        if (lab != null) lab.close();
        if (err != null) System.setErr(err);
    }

    /** cluster1 and cluster2 as {@code azure: {resourceGroup, name}}, cluster3 through the Secret {@code kc-cluster3}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> azureSpec() {
        MeshSpec full = lab.spec();
        List<MeshCluster> some = full.clusters().stream().filter(c -> MEMBERS.contains(c.name())).toList();
        Map<String, Object> doc = YAML.readValue(MeshSpecYaml.write(full.withClusters(some)), Map.class);
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) doc.get("spec"));
        assertThat(spec).as("the lab's spec has the azure section: subscription and hub").containsKey("azure");
        List<Object> clusters = new ArrayList<>();
        for (Object o : (List<Object>) spec.get("clusters")) {
            Map<String, Object> c = new LinkedHashMap<>((Map<String, Object>) o);
            String name = (String) c.get("name");
            c.remove("kubeContext");
            c.remove("kubeconfig");
            if (name.equals("cluster3")) {
                c.put("kubeconfigSecretRef", Map.of("name", "kc-cluster3"));
            } else {
                c.put("azure", Map.of("resourceGroup", lab.cluster(name).spec().resourceGroup(), "name", name));
            }
            clusters.add(c);
        }
        spec.put("clusters", clusters);
        return spec;
    }

    static GenericKubernetesResource clusterMesh(String ns, String name, Map<String, Object> spec) {
        GenericKubernetesResource r = ClusterMeshOperatorLabTest.clusterMesh(name, spec);
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        return r;
    }

    GenericKubernetesResource await(String ns, String name, Predicate<GenericKubernetesResource> until, String what) {
        return ClusterMeshOperatorLabTest.await(mgmt, ns, name, until, what);
    }

    /** Created, Degraded, with its findings; no member saw a write. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> degradedWithoutWrites(String ns, String name, Map<String, Object> spec) {
        lab.clusters().forEach(c -> c.resetCounts());
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(ns).resource(clusterMesh(ns, name, spec)).create();
        GenericKubernetesResource r = await(ns, name, x -> current(x) && "True".equals(condition(x, "Degraded")), "Degraded");
        assertThat(condition(r, "Ready")).isEqualTo("False");
        assertThat(r.getMetadata().getFinalizers()).as("no finalizer before a first write").isNullOrEmpty();
        for (String c : MEMBERS) {
            assertThat(lab.cluster(c).counts().writes()).as("writes to " + c + " for " + name).isZero();
        }
        return (List<Map<String, Object>>) status(r).get("findings");
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void bothOrNeitherCredentialIsDegradedWithAFindingPerClusterAndNothingIsWritten() {
        Map<String, Object> spec = azureSpec();
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) spec.get("clusters");
        clusters.get(0).put("kubeconfigSecretRef", Map.of("name", "kc-cluster1"));   // cluster1: azure and a Secret
        clusters.get(2).remove("kubeconfigSecretRef");                                // cluster3: neither
        List<Map<String, Object>> findings = degradedWithoutWrites(NS, "both-neither", spec);

        assertThat(findings).filteredOn(f -> "SPEC_CONFLICT".equals(f.get("code"))).singleElement().satisfies(f -> {
            assertThat(f.get("cluster")).isEqualTo("cluster1");
            assertThat((String) f.get("message")).contains("cluster1").contains("kubeconfigSecretRef").contains("azure");
            assertThat((String) f.get("remediation")).contains("not both");
        });
        assertThat(findings).filteredOn(f -> "SPEC_MISSING_FIELD".equals(f.get("code"))).singleElement().satisfies(f -> {
            assertThat(f.get("cluster")).isEqualTo("cluster3");
            assertThat(f.get("path")).isEqualTo("spec.clusters[2].kubeconfigSecretRef");
            assertThat((String) f.get("message")).contains("cluster3").contains("neither kubeconfigSecretRef nor azure");
            assertThat((String) f.get("remediation")).contains("kubeconfigSecretRef: {name:").contains("azure: {resourceGroup:");
        });
        assertThat(findings).filteredOn(f -> "ERROR".equals(f.get("severity"))).hasSize(2);
        assertThat(entra.requests()).as("a spec with errors is not resolved: no token was asked for").isEmpty();
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void withoutWorkloadIdentityAnAzureClusterSaysWhatThePodNeeds() {
        mgmt.secrets().inNamespace(NO_WI).resource(new SecretBuilder().withNewMetadata().withName("kc-cluster3").endMetadata()
                .addToStringData("kubeconfig", lab.cluster("cluster3").kubeconfig()).build()).create();
        List<Map<String, Object>> findings = degradedWithoutWrites(NO_WI, "no-identity", azureSpec());
        assertThat(findings).filteredOn(f -> AzureAccess.CODE.equals(f.get("code"))).extracting(f -> f.get("cluster"))
                .containsExactly("cluster1", "cluster2");
        assertThat(findings).as("the Azure clusters' findings are the only errors").filteredOn(f -> "ERROR".equals(f.get("severity"))).hasSize(2);
        assertThat(findings).filteredOn(f -> AzureAccess.CODE.equals(f.get("code"))).allSatisfy(f -> {
            assertThat((String) f.get("message")).contains("workload identity not configured").contains("AZURE_FEDERATED_TOKEN_FILE");
            assertThat((String) f.get("remediation")).contains("azure.workload.identity/use").contains("azure.workload.identity/client-id")
                    .contains("https://learn.microsoft.com/azure/aks/workload-identity-overview");
        });
        GenericKubernetesResource r = mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NO_WI).withName("no-identity").get();
        Map<String, Object> degraded = ((List<Map<String, Object>>) status(r).get("conditions")).stream()
                .filter(c -> "Degraded".equals(c.get("type"))).findFirst().orElseThrow();
        assertThat(degraded.get("reason")).isEqualTo("InvalidSpec");
        assertThat((String) degraded.get("message")).contains("workload identity not configured");
        assertThat(((Map<String, Object>) status(r).get("lastError")).get("code")).isEqualTo(AzureAccess.CODE);
        assertThat(entra.requests()).isEmpty();
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void azureClustersReachedWithWorkloadIdentityBecomeReadyWithTwoOfTwoPeersEach() {
        ClusterMeshOperatorLabTest.kubeconfigSecrets(lab, mgmt, List.of("cluster3"));
        mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(NS).resource(clusterMesh(NS, "aks", azureSpec())).create();

        GenericKubernetesResource r = await(NS, "aks", x -> current(x) && "True".equals(condition(x, "Ready")), "Ready");
        List<Map<String, Object>> clusters = (List<Map<String, Object>>) status(r).get("clusters");
        assertThat(clusters).extracting(c -> c.get("name")).containsExactlyInAnyOrderElementsOf(MEMBERS);
        assertThat(clusters).allSatisfy(c -> assertThat(((Number) c.get("peersConnected")).intValue()).as(String.valueOf(c)).isEqualTo(2));
        // the lab's own view: real Helm wrote the release to the Entra-ID-only cluster, with tokens it accepted
        assertThat(lab.cluster(AAD).client().secrets().inNamespace("kube-system").withLabel("owner", "helm").list().getItems()).isNotEmpty();
        assertThat(lab.cluster(AAD).client().secrets().inNamespace("kube-system").withName("cilium-clustermesh").get()).isNotNull();
        assertThat(lab.entraId().acceptedTokens()).as("cluster2 accepted tokens of the lab's Entra ID").isPositive();
        assertThat(lab.entraId().rejections()).as("no request to cluster2 went without a valid token").isZero();
        assertThat(lab.kubeloginRuns()).as("the user kubeconfig's kubelogin was never run").isZero();
        // those tokens came from workload identity: the token endpoint got the federated token file's content as the assertion
        assertThat(entra.requests()).as("token requests; paths " + entra.paths()).isNotEmpty().allSatisfy(t -> {
            assertThat(t.form()).containsEntry("client_assertion", federated)
                    .containsEntry("client_id", "00000000-0000-0000-0000-0000000000c1").containsEntry("grant_type", "client_credentials");
            assertThat(t.form().get("scope")).contains(LabEntraId.AKS_SCOPE);
        });

        // nothing secret in status, events or the log: tokens, the federated token, kubeconfigs
        List<String> outputs = new ArrayList<>();
        for (String ns : List.of(NS, NO_WI)) {
            mgmt.genericKubernetesResources(ClusterMeshReconciler.CONTEXT).inNamespace(ns).list().getItems()
                    .forEach(x -> outputs.add(String.valueOf(x.getAdditionalProperties().get("status"))));
            mgmt.v1().events().inNamespace(ns).list().getItems().forEach(e -> outputs.add(e.getReason() + " " + e.getMessage()));
        }
        outputs.add(operator.toString());
        System.err.flush();
        outputs.add(log.toString(StandardCharsets.UTF_8));
        assertThat(outputs.get(outputs.size() - 1)).as("the log was captured").contains("op-wi leads");
        assertThat(outputs).anyMatch(o -> o.contains("Applied"));
        for (String out : outputs) {
            assertThat(out).doesNotContain(federated).doesNotContain("token:");
            for (String token : lab.entraId().issuedTokens()) {
                assertThat(out).doesNotContain(token);
            }
            for (String c : MEMBERS) {
                assertThat(out).doesNotContain(lab.cluster(c).kubeconfig());
            }
        }
    }

    /** Copies everything written to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
