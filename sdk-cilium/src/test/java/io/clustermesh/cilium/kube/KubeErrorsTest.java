package io.clustermesh.cilium.kube;

import io.clustermesh.MeshException;
import io.clustermesh.MeshUnreachableException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** How I/O failures of the fabric8 client are worded: the cluster, what was done, and what happened. */
class KubeErrorsTest {
    static KubernetesClientException io(IOException cause) {
        return new KubernetesClientException("An error has occurred.", cause);
    }

    @Test
    void aConnectionClosedAfterTheRequestTimeoutIsSaidAsATimeout() {
        MeshException late = KubeErrors.map("cluster2", "reading configmap kube-system/cilium-config",
                io(new IOException("connection closed locally")), true);
        assertThat(late).isInstanceOf(MeshUnreachableException.class);
        assertThat(late.retryable()).isTrue();
        assertThat(late.getMessage()).isEqualTo("cluster2: reading configmap kube-system/cilium-config failed: "
                + "request timed out (connection closed locally)");

        MeshException early = KubeErrors.map("cluster2", "reading configmap kube-system/cilium-config",
                io(new IOException("connection closed locally")), false);
        assertThat(early.getMessage()).endsWith("failed: connection closed locally");
    }

    @Test
    void refusedAndTimedOutAreSaidAsSuchWhateverTheTime() {
        assertThat(KubeErrors.map("c", "reading x", io(new ConnectException("Connection refused")), true).getMessage())
                .isEqualTo("c: reading x failed: connection refused");
        assertThat(KubeErrors.map("c", "reading x", io(new HttpTimeoutException("request timed out")), false).getMessage())
                .isEqualTo("c: reading x failed: request timed out");
    }
}
