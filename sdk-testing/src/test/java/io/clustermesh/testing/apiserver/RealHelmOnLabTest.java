package io.clustermesh.testing.apiserver;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.ReleaseHistory;
import io.clustermesh.cilium.helm.HelmValuesYaml;
import io.clustermesh.cilium.values.PeerEndpoint;
import io.clustermesh.testing.FixtureCharts;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabClusterSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production Helm path on the lab: helm-java ({@code upgrade().install()}, Helm 3 in-process) installs the REAL
 * Cilium chart with the SDK's values onto a {@link LabCluster} through a kubeconfig file holding only that cluster's
 * context, upgrades it with a peer added, reads the history and uninstalls. The assertions are what a user would see
 * with kubectl.
 */
class RealHelmOnLabTest {
    private static final String NS = "kube-system";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"1.16.19", "1.19.5"})
    void installUpgradeHistoryUninstall(String version) throws IOException {
        Path chart = FixtureCharts.require(version);
        try (LabCluster cluster = LabCluster.start(LabClusterSpec.of("cluster1", 1, 7))) {
            KubernetesClient k = cluster.client();
            Path kubeconfig = privateFile("kubeconfig", cluster.kubeconfig());
            assertThat(kubeconfig.toFile().canRead()).isTrue();
            assertThat(Files.getPosixFilePermissions(kubeconfig)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

            Map<String, Object> v1 = SdkValues.of(cluster, version, List.of(PeerEndpoint.of("cluster2", "172.16.2.250")));
            long t0 = System.nanoTime();
            Release installed = upgradeInstall(chart, privateFile("values-1.yaml", HelmValuesYaml.write(v1)), kubeconfig);
            long installMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("real Helm install of cilium %s on the lab: %d ms%n", version, installMillis);
            assertThat(installed.getStatus()).isEqualTo("deployed");
            assertThat(installed.getRevision()).isEqualTo("1");

            Map<String, String> config = k.configMaps().inNamespace(NS).withName("cilium-config").get().getData();
            assertThat(config).containsEntry("cluster-name", "cluster1").containsEntry("cluster-id", "1");
            assertThat(remoteConfig(k, "cluster2")).contains("- https://cluster2.mesh.cilium.io:2379");
            Service svc = k.services().inNamespace(NS).withName("clustermesh-apiserver").get();
            assertThat(svc.getSpec().getType()).isEqualTo("LoadBalancer");
            assertThat(svc.getMetadata().getAnnotations())
                    .containsEntry("service.beta.kubernetes.io/azure-load-balancer-internal", "true")
                    .containsEntry("service.beta.kubernetes.io/azure-load-balancer-ipv4", cluster.spec().meshIp());
            assertThat(svc.getSpec().getClusterIP()).as("allocated by the server").isNotBlank();
            assertThat(svc.getSpec().getPorts().get(0).getNodePort()).as("allocated by the server").isNotNull();
            Deployment apiserver = k.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver").get();
            assertThat(apiserver.getMetadata().getGeneration()).isEqualTo(1L);
            assertThat(apiserver.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
            assertThat(apiserver.getMetadata().getManagedFields()).isNotEmpty();
            assertThat(apiserver.getSpec().getTemplate().getSpec().getContainers()).extracting("name").contains("etcd", "apiserver");
            assertThat(k.apps().daemonSets().inNamespace(NS).withName("cilium").get()).isNotNull();

            // an upgrade with a second peer: Helm's three-way strategic merge patch updates the objects in place
            Map<String, Object> v2 = SdkValues.of(cluster, version, List.of(PeerEndpoint.of("cluster2", "172.16.2.250"),
                    PeerEndpoint.of("cluster3", "172.16.3.250")));
            Release upgraded = upgradeInstall(chart, privateFile("values-2.yaml", HelmValuesYaml.write(v2)), kubeconfig);
            assertThat(upgraded.getRevision()).isEqualTo("2");
            assertThat(upgraded.getStatus()).isEqualTo("deployed");
            assertThat(remoteConfig(k, "cluster2")).contains("- https://cluster2.mesh.cilium.io:2379");
            assertThat(remoteConfig(k, "cluster3")).contains("- https://cluster3.mesh.cilium.io:2379");
            assertThat(k.configMaps().inNamespace(NS).withName("cilium-config").get().getData())
                    .containsEntry("cluster-name", "cluster1").containsEntry("cluster-id", "1");
            Deployment after = k.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver").get();
            assertThat(after.getMetadata().getUid()).as("patched, not recreated").isEqualTo(apiserver.getMetadata().getUid());
            assertThat(after.getSpec().getTemplate().getSpec().getContainers()).extracting("name")
                    .as("the containers list as the chart renders it, in its order")
                    .containsExactlyElementsOf(apiserver.getSpec().getTemplate().getSpec().getContainers().stream().map(c -> c.getName()).toList());
            Service svcAfter = k.services().inNamespace(NS).withName("clustermesh-apiserver").get();
            assertThat(svcAfter.getSpec().getClusterIP()).as("kept across the patch").isEqualTo(svc.getSpec().getClusterIP());

            // what the patch produced is what the chart renders: the same values installed fresh give the same objects
            Path values2 = dir.resolve("values-2.yaml");
            try (LabCluster fresh = LabCluster.start(LabClusterSpec.of("cluster1", 1, 8))) {
                Path freshKubeconfig = privateFile("kubeconfig-fresh", fresh.kubeconfig());
                upgradeInstall(chart, values2, freshKubeconfig);
                KubernetesClient f = fresh.client();
                assertThat(after.getSpec()).isEqualTo(f.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver").get().getSpec());
                assertThat(k.apps().daemonSets().inNamespace(NS).withName("cilium").get().getSpec())
                        .isEqualTo(f.apps().daemonSets().inNamespace(NS).withName("cilium").get().getSpec());
                assertThat(k.configMaps().inNamespace(NS).withName("cilium-config").get().getData())
                        .isEqualTo(f.configMaps().inNamespace(NS).withName("cilium-config").get().getData());
                assertThat(svcAfter.getMetadata().getAnnotations()).isEqualTo(
                        f.services().inNamespace(NS).withName("clustermesh-apiserver").get().getMetadata().getAnnotations());
            }

            List<ReleaseHistory> history = Helm.history("cilium").withNamespace(NS).withKubeConfig(kubeconfig).call();
            assertThat(history).extracting(ReleaseHistory::getRevision).containsExactlyInAnyOrder(1, 2);
            assertThat(history).extracting(ReleaseHistory::getStatus).containsExactlyInAnyOrder("superseded", "deployed");

            Helm.uninstall("cilium").withNamespace(NS).withKubeConfig(kubeconfig).call();
            assertThat(k.configMaps().inNamespace(NS).withName("cilium-config").get()).isNull();
            assertThat(k.secrets().inNamespace(NS).withName("cilium-clustermesh").get()).isNull();
            assertThat(k.services().inNamespace(NS).withName("clustermesh-apiserver").get()).isNull();
            assertThat(k.apps().daemonSets().inNamespace(NS).withName("cilium").get()).isNull();
            assertThat(k.apps().deployments().inNamespace(NS).withName("clustermesh-apiserver").get()).isNull();
            assertThat(k.rbac().clusterRoles().withName("cilium").get()).isNull();
            assertThat(k.secrets().inNamespace(NS).withLabel("owner", "helm").list().getItems()).as("release storage").isEmpty();
            assertThat(k.apps().daemonSets().inNamespace(NS).withName("kube-proxy").get()).as("not the chart's").isNotNull();
        }
    }

    private static Release upgradeInstall(Path chart, Path values, Path kubeconfig) {
        return new Helm(chart).upgrade().install().withName("cilium").withNamespace(NS).withValuesFile(values)
                .withKubeConfig(kubeconfig).call();
    }

    /** The etcd client config of a peer where the agents' side reads it: cilium-kvstoremesh with KVStoreMesh, else cilium-clustermesh. */
    private static String remoteConfig(KubernetesClient k, String peer) {
        Secret kvstoremesh = k.secrets().inNamespace(NS).withName("cilium-kvstoremesh").get();
        Secret secret = kvstoremesh != null ? kvstoremesh : k.secrets().inNamespace(NS).withName("cilium-clustermesh").get();
        assertThat(secret).as("the clustermesh secret").isNotNull();
        assertThat(secret.getData()).containsKey(peer);
        return new String(Base64.getDecoder().decode(secret.getData().get(peer)), StandardCharsets.UTF_8);
    }

    private Path privateFile(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }
}
