package io.clustermesh.cilium;

import io.clustermesh.ErrorCode;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshException;
import io.clustermesh.MeshPreconditionException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.cilium.internal.Pem;
import io.clustermesh.spi.PemCredential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the probe's failures read, without a network: each kind of I/O failure, TLS refusal and etcd answer becomes the
 * exception a user acts on, naming the peer, the address and the fix. (EtcdProbeTest and EtcdMtlsTest make the same
 * failures happen for real.)
 */
class EtcdErrorsTest {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority();
    private static EtcdErrors errors;
    private static EtcdErrors strangerErrors;

    @BeforeAll
    static void pki() {
        PemCredential meshCa = CA.createCa("Cilium CA", Duration.ofDays(30));
        PemCredential otherCa = CA.createCa("Other CA", Duration.ofDays(30));
        ApiserverCertificates certs = new MeshCertificates(CA).issue(meshCa, MeshCertificates.Profile.of("cluster1"));
        ApiserverCertificates stranger = new MeshCertificates(CA).issue(otherCa, MeshCertificates.Profile.of("cluster1"));
        URI endpoint = URI.create("https://10.0.0.7:2379");
        errors = new EtcdErrors("cluster1", endpoint, "cluster1.mesh.cilium.io", Duration.ofMillis(1500),
                Pem.certificate(certs.remote().certificatePem()), Pem.certificate(meshCa.certificatePem()));
        strangerErrors = new EtcdErrors("cluster1", endpoint, "cluster1.mesh.cilium.io", Duration.ofMillis(1500),
                Pem.certificate(stranger.remote().certificatePem()), Pem.certificate(meshCa.certificatePem()));
    }

    @Test
    void ioFailuresThatSayWhatHappenedAreUnreachableWithoutAskingForADiagnosticHandshake() {
        AtomicInteger handshakes = new AtomicInteger();
        MeshException timedOut = errors.io("health", new HttpConnectTimeoutException("HTTP connect timed out"),
                () -> { handshakes.incrementAndGet(); return Optional.empty(); });
        MeshException refused = errors.io("get", new IOException("wrapped", new ConnectException("Connection refused")),
                () -> { handshakes.incrementAndGet(); return Optional.empty(); });

        assertThat(timedOut).isInstanceOf(MeshUnreachableException.class);
        assertThat(timedOut.getMessage()).isEqualTo("cluster1: could not connect within 1500 ms from the clustermesh-apiserver at "
                + "10.0.0.7:2379 (cluster1.mesh.cilium.io) (health)");
        assertThat(refused).isInstanceOf(MeshUnreachableException.class);
        assertThat(refused.getMessage()).isEqualTo("cluster1: cannot connect to the clustermesh-apiserver at 10.0.0.7:2379 "
                + "(cluster1.mesh.cilium.io) (wrapped)");
        assertThat(refused.retryable()).isTrue();
        assertThat(refused.cluster()).isEqualTo("cluster1");
        assertThat(refused.remediation()).startsWith("check that 10.0.0.7:2379 is cluster1's clustermesh-apiserver address");
        assertThat(handshakes).hasValue(0);
    }

    @Test
    void aResetThatTheDiagnosticHandshakeExplainsIsARefusedClientCertificate() {
        IOException reset = new IOException("Connection reset");
        MeshException asked = errors.io("range", reset, () -> Optional.of(new SSLHandshakeException("bad_certificate")));
        MeshException stranger = strangerErrors.io("range", reset, () -> Optional.of(new SSLHandshakeException("bad_certificate")));
        MeshException silent = errors.io("range", reset, Optional::empty);

        assertThat(asked).isInstanceOf(MeshAccessException.class);
        assertThat(asked.retryable()).isFalse();
        assertThat(asked.getMessage()).contains("the server refused the client certificate '" + "remote" + "'")
                .endsWith("(bad_certificate)").doesNotContain("not signed by the mesh CA");
        assertThat(stranger.getMessage()).contains(", which is not signed by the mesh CA 'CN=Cilium CA'");
        assertThat(asked.remediation()).contains("give the probe a client certificate issued by the CA that cluster1's");
        assertThat(silent).isInstanceOf(MeshUnreachableException.class);
        assertThat(silent.getMessage()).isEqualTo("cluster1: range on the clustermesh-apiserver at 10.0.0.7:2379 "
                + "(cluster1.mesh.cilium.io) failed: Connection reset");
    }

    @Test
    void etcdAnswersMapByStatusAndQuoteEtcdsErrorButNotTheBody() {
        MeshException denied = errors.status("get", "cilium/cluster-config/cluster1", 403,
                "{\"error\":\"etcdserver: permission denied\",\"code\":7}");
        MeshException busy = errors.status("range", "cilium/", 503, "{\"message\":\"etcdserver: too many requests\"}");
        MeshException notEtcd = errors.status("health", null, 404, "404 page not found");

        assertThat(denied).isInstanceOf(MeshAccessException.class);
        assertThat(denied.getMessage()).isEqualTo("cluster1: etcd get of 'cilium/cluster-config/cluster1' at 10.0.0.7:2379 "
                + "(cluster1.mesh.cilium.io) answered HTTP 403: etcdserver: permission denied");
        assertThat(denied.remediation()).startsWith("the client certificate's CN 'remote'");
        assertThat(busy).isInstanceOf(MeshUnreachableException.class);
        assertThat(busy.retryable()).isTrue();
        assertThat(notEtcd).isInstanceOf(MeshPreconditionException.class);
        assertThat(notEtcd.getMessage()).isEqualTo("cluster1: etcd health at 10.0.0.7:2379 (cluster1.mesh.cilium.io) answered HTTP 404");
        assertThat(notEtcd.code()).isEqualTo(ErrorCode.PRECONDITION);
        assertThat(errors.notEtcd("range", "the answer is not JSON").remediation())
                .isEqualTo("check that 10.0.0.7:2379 (cluster1.mesh.cilium.io) is a clustermesh-apiserver etcd (3.4 or newer) with its JSON gateway");
    }

    @Test
    void anInterruptedProbeIsAFailedOperationKeepingTheInterruptAsCause() {
        InterruptedException interrupt = new InterruptedException();
        MeshException e = errors.interrupted(interrupt);
        assertThat(e.code()).isEqualTo(ErrorCode.OPERATION);
        assertThat(e.getCause()).isSameAs(interrupt);
        assertThat(e.describe()).isEqualTo("cluster1: interrupted while probing the etcd of 10.0.0.7:2379 (cluster1.mesh.cilium.io)"
                + "\n  fix: run the probe again");
    }
}
