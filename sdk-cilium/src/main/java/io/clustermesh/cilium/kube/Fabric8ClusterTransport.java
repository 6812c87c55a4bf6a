package io.clustermesh.cilium.kube;

import io.clustermesh.MeshConfigurationException;
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

/**
 * The default {@link ClusterTransport}: fabric8 on the JDK HTTP client with an explicit {@link Config}. Only what the
 * cluster's {@link ClusterAccess} names is read: {@code ~/.kube/config} and {@code KUBECONFIG} are consulted only for
 * a kube context given without a file. fabric8's own request retries are off (the engine retries).
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
        Config config = config(cluster, timeouts);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization)
                .withHttpClientFactory(new JdkHttpClientFactory()).build();
        return new Fabric8Connection(cluster.name(), client);
    }

    /** Builds the client configuration from the access, or explains why it cannot. */
    public static Config config(MeshCluster cluster, MeshTimeouts timeouts) {
        ClusterAccess access = cluster.access();
        if (access == null) {
            throw new MeshConfigurationException(cluster.name(), cluster.name() + ": no access to the cluster is configured",
                    "give the cluster a kubeContext, kubeconfig content or an azure reference");
        }
        Config base;
        try {
            switch (access.kind()) {
                case KUBECONFIG -> base = Config.fromKubeconfig(access.context().orElse(null), access.kubeconfigContent().orElseThrow(), null);
                case KUBE_CONTEXT -> base = access.kubeconfigFile().isPresent()
                        ? Config.fromKubeconfig(access.context().orElseThrow(), access.kubeconfigFile().get().toFile())
                        : Config.autoConfigure(access.context().orElseThrow());
                default -> throw new MeshConfigurationException(cluster.name(),
                        cluster.name() + ": the cluster is an Azure reference and its credentials were not fetched",
                        "add clustermesh-azure to the class path (it fetches AKS credentials), or give a kubeContext");
            }
        } catch (MeshConfigurationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MeshConfigurationException(cluster.name(), cluster.name() + ": the kubeconfig " + describe(access)
                    + " is not usable (" + e.getClass().getSimpleName() + ")",
                    "check that it is a kubeconfig YAML with the context " + access.context().orElse("(current)"));
        }
        if (base.getMasterUrl() == null || base.getMasterUrl().isBlank()) {
            throw new MeshConfigurationException(cluster.name(), cluster.name() + ": the kubeconfig " + describe(access) + " names no server",
                    "check the kubeconfig's cluster entry for context " + access.context().orElse("(current)"));
        }
        int requestMs = (int) Math.min(Integer.MAX_VALUE, timeouts.request().toMillis());
        return new ConfigBuilder(base)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(Math.min(requestMs, 10_000))
                .withRequestTimeout(requestMs)
                .build();
    }

    private static String describe(ClusterAccess a) {
        return switch (a.kind()) {
            case KUBECONFIG -> "content given";
            case KUBE_CONTEXT -> a.kubeconfigFile().map(p -> "file " + p).orElse("of the default kubeconfig");
            default -> "";
        };
    }
}
