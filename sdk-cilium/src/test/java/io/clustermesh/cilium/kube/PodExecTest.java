package io.clustermesh.cilium.kube;

import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ExecResult;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exec in a pod: one WebSocket request with the Kubernetes channel protocol, nothing else. */
class PodExecTest {
    static final String PATH = "/api/v1/namespaces/kube-system/pods/cilium-abc/exec?command=cilium-dbg&command=status"
            + "&command=-o&command=json&container=cilium-agent&stdout=true&stderr=true";

    KubernetesMockServer server;
    ClusterConnection conn;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        MeshCluster c = MeshCluster.named("cluster1").withId(1)
                .withAccess(ClusterAccess.kubeconfig(io.clustermesh.cilium.MockClusters.kubeconfig("http://127.0.0.1:" + server.getPort())));
        conn = new Fabric8ClusterTransport().connect(c, MeshTimeouts.defaults());
    }

    @AfterEach
    void stop() {
        conn.close();
        server.destroy();
    }

    private ExecResult exec(Duration timeout) {
        return conn.exec("kube-system", "cilium-abc", "cilium-agent", timeout, "cilium-dbg", "status", "-o", "json");
    }

    private List<String> requests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    @Test
    void stdoutStderrAndExitCodeFromOneRequestWithoutWatchingThePod() throws Exception {
        server.expect().get().withPath(PATH).andUpgradeToWebSocket()
                .open(new OutputStreamMessage("{\"cluster-mesh\":{}}"), new ErrorStreamMessage("a warning"), new StatusStreamMessage(0))
                .done().once();

        ExecResult r = exec(Duration.ofSeconds(10));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("{\"cluster-mesh\":{}}");
        assertThat(r.stderr()).isEqualTo("a warning");
        assertThat(requests()).as("no LIST or WATCH of the pod before the exec").containsExactly("GET " + PATH);
    }

    @Test
    void aNonZeroExitCodeIsReported() {
        server.expect().get().withPath(PATH).andUpgradeToWebSocket()
                .open(new ErrorStreamMessage("unknown command"), new StatusStreamMessage(127)).done().once();

        ExecResult r = exec(Duration.ofSeconds(10));

        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).contains("unknown command");
    }

    @Test
    void aRefusedExecIsAnAccessErrorNamingTheCluster() {
        server.expect().get().withPath(PATH).andReturn(403, "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":403}").once();

        assertThatThrownBy(() -> exec(Duration.ofSeconds(10)))
                .isInstanceOf(MeshAccessException.class)
                .hasMessageContaining("cluster1").hasMessageContaining("exec in kube-system/cilium-abc").hasMessageContaining("403");
    }

    /** The exec's own deadline (800 ms) ends it; the JUnit timeout only guards against a hang, it measures nothing. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anExecWhoseUpgradeNeverCompletesTimesOut() throws Exception {
        // an API server front end that accepts the connection and never answers the upgrade
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            MeshCluster c = MeshCluster.named("cluster1").withId(1)
                    .withAccess(ClusterAccess.kubeconfig(io.clustermesh.cilium.MockClusters.kubeconfig("http://127.0.0.1:" + silent.getLocalPort())));
            try (ClusterConnection stuck = new Fabric8ClusterTransport().connect(c, MeshTimeouts.defaults())) {
                assertThatThrownBy(() -> stuck.exec("kube-system", "cilium-abc", "cilium-agent", Duration.ofMillis(800), "cilium-dbg", "status"))
                        .isInstanceOfAny(MeshTimeoutException.class, MeshUnreachableException.class)
                        .hasMessageContaining("cluster1").hasMessageContaining("exec in kube-system/cilium-abc")
                        .satisfies(e -> assertThat(((MeshException) e).retryable()).isTrue());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
