package io.clustermesh.cilium.kube;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A cluster is reached through its own named context only, and Helm gets exactly that context. */
class ClusterKubeconfigTest {

    /** Two clusters, as {@code az aks get-credentials} leaves them: the last one fetched ({@code one}) is current. */
    static String merged(String execMarker) {
        return """
                apiVersion: v1
                kind: Config
                current-context: one
                clusters:
                - name: one
                  cluster: {server: "https://127.0.0.1:6001", certificate-authority-data: b25lLWNh}
                - name: two
                  cluster: {server: "https://127.0.0.1:6002", certificate-authority: ca-two.crt}
                contexts:
                - name: one
                  context: {cluster: one, user: user-one}
                - name: two
                  context: {cluster: two, user: user-two, namespace: kube-system}
                users:
                - name: user-one
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1beta1
                      command: /bin/sh
                      args: ["-c", "touch %s; echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1beta1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"t\\"}}'"]
                - name: user-two
                  user: {token: secret-token-of-two, client-certificate: certs/two.crt, client-key-data: a2V5}
                """.formatted(execMarker);
    }

    @Test
    void a_named_context_becomes_a_kubeconfig_with_only_that_context_and_its_entries(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged(dir.resolve("marker").toString()));
        Files.writeString(dir.resolve("ca-two.crt"), "CA OF TWO");
        Files.createDirectories(dir.resolve("certs"));
        Files.writeString(dir.resolve("certs/two.crt"), "CERT OF TWO");

        ClusterKubeconfig k = ClusterKubeconfig.resolve(MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.kubeContext("two", file)));

        Config c = new KubernetesSerialization().unmarshal(k.content(), Config.class);
        assertThat(c.getCurrentContext()).isEqualTo("two");
        assertThat(c.getContexts()).singleElement().satisfies(nc -> {
            assertThat(nc.getName()).isEqualTo("two");
            assertThat(nc.getContext().getNamespace()).isEqualTo("kube-system");
        });
        assertThat(c.getClusters()).singleElement().satisfies(nc -> {
            assertThat(nc.getCluster().getServer()).isEqualTo("https://127.0.0.1:6002");
            // files the kubeconfig names relative to itself are inlined: the result stands alone
            assertThat(nc.getCluster().getCertificateAuthority()).isNull();
            assertThat(new String(Base64.getDecoder().decode(nc.getCluster().getCertificateAuthorityData()), StandardCharsets.UTF_8))
                    .isEqualTo("CA OF TWO");
        });
        assertThat(c.getUsers()).singleElement().satisfies(nu -> {
            assertThat(nu.getName()).isEqualTo("user-two");
            assertThat(nu.getUser().getToken()).isEqualTo("secret-token-of-two");
            assertThat(nu.getUser().getClientKeyData()).isEqualTo("a2V5");
            assertThat(new String(Base64.getDecoder().decode(nu.getUser().getClientCertificateData()), StandardCharsets.UTF_8))
                    .isEqualTo("CERT OF TWO");
        });
        assertThat(k.content()).doesNotContain("6001").doesNotContain("user-one").doesNotContain("/bin/sh");
        assertThat(k.execCommand()).isEmpty();
        assertThat(k.server()).isEqualTo("https://127.0.0.1:6002");
        assertThat(k.toString()).contains("two").doesNotContain("secret-token-of-two");
        assertThat(dir.resolve("marker")).doesNotExist();
    }

    @Test
    void a_missing_context_is_an_error_naming_the_cluster_the_context_and_the_contexts_that_exist(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged(dir.resolve("marker").toString()));

        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.kubeContext("no-such-context", file))));

        assertThat(e.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(ClusterKubeconfig.CONTEXT_MISSING);
            assertThat(f.cluster()).isEqualTo("cluster2");
            assertThat(f.message()).contains("no-such-context").contains(file.toString()).contains("one, two");
            assertThat(f.remediation()).isNotBlank();
        });
        assertThat(e.cluster()).isEqualTo("cluster2");
        // never the current context instead, and its credential plugin never ran
        assertThat(dir.resolve("marker")).doesNotExist();
    }

    @Test
    void missing_cluster_or_user_entries_are_errors_too(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged("/nonexistent").replace("context: {cluster: two, user: user-two, namespace: kube-system}",
                "context: {cluster: gone, user: user-two}").replace("context: {cluster: one, user: user-one}", "context: {cluster: one, user: nobody}"));

        Finding noCluster = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("c2").withId(2).withAccess(ClusterAccess.kubeContext("two", file)))).findings().get(0);
        Finding noUser = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("c1").withId(1).withAccess(ClusterAccess.kubeContext("one", file)))).findings().get(0);

        assertThat(noCluster.code()).isEqualTo(ClusterKubeconfig.CONTEXT_MISSING);
        assertThat(noCluster.message()).contains("cluster entry 'gone'");
        assertThat(noUser.code()).isEqualTo(ClusterKubeconfig.CONTEXT_MISSING);
        assertThat(noUser.message()).contains("user entry 'nobody'");
    }

    @Test
    void content_without_a_context_uses_its_current_context_and_content_with_a_missing_one_is_refused() {
        String yaml = merged("/nonexistent");
        ClusterKubeconfig current = ClusterKubeconfig.resolve(MeshCluster.named("c1").withId(1).withAccess(ClusterAccess.kubeconfig(yaml)));
        assertThat(current.context()).isEqualTo("one");
        assertThat(current.execCommand()).contains("/bin/sh");

        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("c3").withId(3).withAccess(ClusterAccess.kubeconfig(yaml, "three"))));
        assertThat(e.findings().get(0).code()).isEqualTo(ClusterKubeconfig.CONTEXT_MISSING);
        assertThat(e.getMessage()).doesNotContain("secret-token-of-two");
    }

    @Test
    void an_exec_plugin_is_carried_over_and_refused_where_the_access_does_not_allow_it(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged(dir.resolve("marker").toString()).replace("command: /bin/sh", "command: ./bin/get-token"));
        ClusterAccess fromSpec = ClusterAccess.kubeContext("one", file).withExecAllowed(false);

        MeshConfigurationException refused = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("cluster1").withId(1).withAccess(fromSpec)));
        ClusterKubeconfig allowed = ClusterKubeconfig.resolve(MeshCluster.named("cluster1").withId(1).withAccess(fromSpec.withExecAllowed(true)));

        assertThat(refused.findings()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(ClusterKubeconfig.EXEC_NOT_ALLOWED);
            assertThat(f.message()).contains("cluster1").contains("bin/get-token").contains("spec file");
            assertThat(f.remediation()).contains("--allow-exec").contains("allowExecFromSpecFiles");
        });
        // a relative command is resolved against the kubeconfig's directory, as client-go does
        assertThat(allowed.execCommand()).contains(dir.resolve("bin/get-token").toString());
        assertThat(new KubernetesSerialization().unmarshal(allowed.content(), Config.class).getUsers().get(0).getUser().getExec().getArgs())
                .hasSize(2);
        assertThat(dir.resolve("marker")).doesNotExist();
    }

    @Test
    void the_fabric8_transport_announces_the_plugin_without_running_it(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged(dir.resolve("marker").toString()));
        Files.writeString(dir.resolve("ca-two.crt"), "CA OF TWO");
        Files.createDirectories(dir.resolve("certs"));
        Files.writeString(dir.resolve("certs/two.crt"), "CERT OF TWO");
        var transport = new Fabric8ClusterTransport();

        var use = transport.credentialPlugin(MeshCluster.named("cluster1").withId(1).withAccess(ClusterAccess.kubeContext("one", file)));

        assertThat(use).hasValueSatisfying(u -> {
            assertThat(u.context()).isEqualTo("one");
            assertThat(u.command()).isEqualTo("/bin/sh");
        });
        assertThat(transport.credentialPlugin(MeshCluster.named("cluster2").withId(2).withAccess(ClusterAccess.kubeContext("two", file)))).isEmpty();
        assertThat(dir.resolve("marker")).doesNotExist();
    }

    @Test
    void a_file_that_is_not_a_kubeconfig_is_reported_without_its_content(@TempDir Path dir) throws Exception {
        Path file = write(dir, "this: is not\n  - a kubeconfig: [secret-value");

        MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class,
                () -> ClusterKubeconfig.resolve(MeshCluster.named("c1").withId(1).withAccess(ClusterAccess.kubeContext("one", file))));

        assertThat(e.findings().get(0).code()).isIn(ClusterKubeconfig.INVALID, ClusterKubeconfig.CONTEXT_MISSING);
        assertThat(e.getMessage()).doesNotContain("secret-value");
    }

    @Test
    void with_a_token_source_the_exec_plugin_is_dropped_and_every_use_gets_the_current_token(@TempDir Path dir) throws Exception {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        io.clustermesh.spi.BearerTokens tokens = new io.clustermesh.spi.BearerTokens() {
            @Override
            public String current() {
                return "entra-token-" + n.incrementAndGet();
            }

            @Override
            public String describe() {
                return "test tokens";
            }
        };
        // the kubeconfig AKS gives for an Entra ID cluster runs kubelogin; with a token source it must never run
        MeshCluster c = MeshCluster.named("cluster1").withId(1).withAccess(ClusterAccess.kubeconfig(merged(dir.resolve("marker").toString()), tokens));

        ClusterKubeconfig k = ClusterKubeconfig.resolve(c);
        Config parsed = new KubernetesSerialization().unmarshal(k.content(), Config.class);
        Path first = k.writeTo(Files.createDirectory(dir.resolve("a")));
        Path second = k.writeTo(Files.createDirectory(dir.resolve("b")));
        io.fabric8.kubernetes.client.Config client = Fabric8ClusterTransport.config(c, io.clustermesh.MeshTimeouts.defaults());

        assertThat(k.execCommand()).isEmpty();
        assertThat(new Fabric8ClusterTransport().credentialPlugin(c)).isEmpty();
        assertThat(k.server()).isEqualTo("https://127.0.0.1:6001");
        assertThat(parsed.getClusters().get(0).getCluster().getCertificateAuthorityData()).isEqualTo("b25lLWNh");
        assertThat(parsed.getUsers().get(0).getUser().getExec()).isNull();
        assertThat(parsed.getUsers().get(0).getUser().getToken()).isNull();
        assertThat(new KubernetesSerialization().unmarshal(Files.readString(first), Config.class).getUsers().get(0).getUser().getToken())
                .isEqualTo("entra-token-1");
        assertThat(new KubernetesSerialization().unmarshal(Files.readString(second), Config.class).getUsers().get(0).getUser().getToken())
                .isEqualTo("entra-token-2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(second))).isEqualTo("rw-------");
        assertThat(client.getOauthTokenProvider().getToken()).isEqualTo("entra-token-3");
        assertThat(k.toString()).contains("bearer tokens from test tokens").doesNotContain("entra-token");
        assertThat(dir.resolve("marker")).doesNotExist();
    }

    @Test
    void the_written_file_is_readable_by_its_owner_only(@TempDir Path dir) throws Exception {
        Path file = write(dir, merged("/nonexistent"));
        ClusterKubeconfig k = ClusterKubeconfig.resolve(MeshCluster.named("c1").withId(1).withAccess(ClusterAccess.kubeContext("one", file)));
        Path out = Files.createDirectory(dir.resolve("private"));

        Path written = k.writeTo(out);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-------");
        assertThat(Files.readString(written)).isEqualTo(k.content());
    }

    private static Path write(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("config");
        Files.writeString(f, yaml);
        return f;
    }
}
