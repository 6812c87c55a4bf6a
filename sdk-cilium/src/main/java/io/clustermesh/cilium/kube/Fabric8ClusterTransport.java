package io.clustermesh.cilium.kube;

import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshTimeouts;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.ClusterTransport;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.Optional;

/**
 * The default {@link ClusterTransport}: fabric8 on the JDK HTTP client with an explicit {@link Config} built from the
 * cluster's {@link ClusterKubeconfig} (the same single-context kubeconfig Helm gets). Only what the cluster's
 * {@link ClusterAccess} names is read: {@code ~/.kube/config} and {@code KUBECONFIG} are consulted only for a kube
 * context given without a file. fabric8's own request retries are off (the engine retries). An access with
 * {@linkplain ClusterAccess#bearerTokens() bearer tokens} gets fabric8's {@code OAuthTokenProvider}: every request
 * carries the current token.
 */
public final class Fabric8ClusterTransport implements ClusterTransport {
    /**
     * One (thread-safe) serialization for every client this transport opens: each fabric8 client otherwise builds its
     * own Jackson mapper and, at its first answers, the deserializers of every model class again, which for a mesh of
     * dozens of clusters is seconds of CPU spent on the same work.
     */
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Override
    public String name() {
        return "fabric8";
    }

    @Override
    public ClusterConnection connect(MeshCluster cluster, MeshTimeouts timeouts) {
        ClusterKubeconfig kubeconfig = ClusterKubeconfig.resolve(cluster);
        Config config = config(cluster.name(), kubeconfig, timeouts);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization)
                .withHttpClientFactory(new JdkHttpClientFactory()).build();
        return new Fabric8Connection(cluster.name(), client, kubeconfig);
    }

    @Override
    public Optional<CredentialPluginUse> credentialPlugin(MeshCluster cluster) {
        ClusterKubeconfig k = ClusterKubeconfig.resolve(cluster);
        return k.execCommand().map(cmd -> new CredentialPluginUse(k.context(), cmd));
    }

    /** Builds the client configuration from the cluster's single-context kubeconfig, or explains why it cannot. */
    public static Config config(MeshCluster cluster, MeshTimeouts timeouts) {
        return config(cluster.name(), ClusterKubeconfig.resolve(cluster), timeouts);
    }

    private static Config config(String cluster, ClusterKubeconfig kubeconfig, MeshTimeouts timeouts) {
        Config base;
        try {
            // the one context of the resolved kubeconfig, never the ambient ~/.kube/config (note: fabric8 runs an exec
            // credential plugin here; the Mesh announced it before calling connect)
            base = Config.fromKubeconfig(kubeconfig.context(), kubeconfig.content(), null);
        } catch (RuntimeException e) {
            throw new MeshConfigurationException(cluster + ": the kubeconfig of context " + kubeconfig.context()
                    + " is not usable (" + io.clustermesh.internal.Causes.describe(e) + ")",
                    Details.inCluster(cluster).fix("check the kubeconfig's cluster and user entries for context " + kubeconfig.context()));
        }
        int requestMs = (int) Math.min(Integer.MAX_VALUE, timeouts.request().toMillis());
        Config config = new ConfigBuilder(base)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(Math.min(requestMs, 10_000))
                .withRequestTimeout(requestMs)
                .build();
        // in-process tokens (e.g. Entra ID for AKS): fabric8's TokenRefreshInterceptor asks the provider on every request
        // (and once more after a 401), so each request carries the source's current token
        kubeconfig.bearerTokens().ifPresent(tokens -> config.setOauthTokenProvider(tokens::current));
        return config;
    }
}
