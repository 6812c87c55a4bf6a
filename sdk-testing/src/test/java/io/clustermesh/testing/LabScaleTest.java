package io.clustermesh.testing;

import io.clustermesh.testing.etcd.EtcdServer;
import io.clustermesh.testing.internal.LabPki;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Sixteen clusters and three etcd servers start and leave nothing behind. */
class LabScaleTest {

    @TempDir
    Path root;

    @Test
    void sixteenClustersAndThreeEtcdServersLeaveNoProcessAndNoTemporaryDirectory() throws Exception {
        Path workDir;
        try (MeshLab lab = MeshLab.builder().clusters(16).seed(16).nodesPerCluster(2).tempRoot(root).start()) {
            workDir = lab.workDir();
            assertThat(workDir.getParent()).isEqualTo(root);
            assertThat(lab.clusters()).hasSize(16);
            LabPki ca = LabPki.newAuthority("cilium-ca");
            for (String name : List.of("cluster1", "cluster8", "cluster16")) {
                LabPki.Issued server = ca.issue("clustermesh-apiserver", true, true,
                        List.of("clustermesh-apiserver.cilium.io", "*.mesh.cilium.io"), List.of("127.0.0.1"));
                EtcdServer etcd = lab.startEtcd(name, server.certificatePem(), server.privateKeyPem(), ca.caPem());
                assertThat(lab.resolver().resolve(lab.meshIp(name), 2379)).hasValue(etcd.clientAddress());
            }
            assertThat(EtcdServer.liveProcesses()).hasSize(3);
            assertThat(etcdChildren()).hasSize(3);
            try (KubernetesClient k = MeshLabLifecycleTest.client(lab.cluster("cluster16").kubeconfig())) {
                assertThat(k.nodes().list().getItems()).extracting(n -> n.getStatus().getAddresses().get(0).getAddress())
                        .containsExactlyInAnyOrder("172.16.16.4", "172.16.16.5");
            }
        }
        assertThat(EtcdServer.liveProcesses()).isEmpty();
        assertThat(EtcdServer.liveServers()).isEmpty();
        assertThat(etcdChildren()).isEmpty();
        assertThat(workDir).doesNotExist();
        try (var left = Files.list(root)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    /** Child processes of this JVM whose command is etcd, found independently of the launcher's registry. */
    private static List<ProcessHandle> etcdChildren() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/etcd") || c.equals("etcd")).orElse(false)).toList();
    }
}
