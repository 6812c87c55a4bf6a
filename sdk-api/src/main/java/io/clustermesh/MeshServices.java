package io.clustermesh;

import java.time.Duration;
import java.util.List;

/**
 * Global services across the mesh (Cilium docs, "Load-balancing & Service Discovery", network/clustermesh/services): a Service of the same namespace and name in several clusters,
 * annotated {@code service.cilium.io/global: "true"}, is load-balanced across the clusters' backends. Obtained from
 * {@link Mesh#services()}. Reads never write; {@link GlobalServiceRequest#apply()} writes only what differs.
 *
 * <pre>{@code
 * MeshServices services = mesh.services();
 * services.global("meshtest", "aks-helloworld-one").apply();                         // every cluster
 * services.global("meshtest", "aks-helloworld-one").shared(false).in("cluster1").apply();
 * services.global("meshtest", "aks-helloworld-one").affinity(Affinity.REMOTE).in("cluster2").apply();
 * services.routes("meshtest", "aks-helloworld-one");      // cluster2 -> cluster3 only
 * services.probe("meshtest", "aks-helloworld-one").from("cluster2").requests(100);
 * }</pre>
 */
public interface MeshServices {

    /** Starts a request making {@code namespace/name} global; nothing happens until {@link GlobalServiceRequest#apply()}. */
    GlobalServiceRequest global(String namespace, String name);

    /** The effective setting of {@code namespace/name} in every cluster, in mesh order (missing ones included). */
    List<ServiceSetting> settings(String namespace, String name);

    /**
     * Every Service that carries a global-service annotation in at least one cluster, with its setting in every
     * cluster: sorted by namespace, name, then mesh order of clusters.
     */
    List<ServiceSetting> list();

    /** The mistakes Cilium would silently accept for {@code namespace/name} (one-sided, nobody exports, ignored annotations, ...). */
    List<Finding> check(String namespace, String name);

    /**
     * Where requests to {@code namespace/name} go from each cluster, computed from the settings and the Services'
     * EndpointSlices with Cilium's selection rules. A prediction from what the API servers say; {@link #probe}
     * sends real requests.
     */
    List<ServiceRoute> routes(String namespace, String name);

    /** Sends requests from one cluster and reports who answers; needs a {@link io.clustermesh.spi.TrafficProbe}. */
    ProbeRequest probe(String namespace, String name);

    /**
     * Waits until what {@link #routes} predicts holds in every cluster: the Cilium agents of each cluster with the
     * Service load-balance over exactly the predicted backends (asked with {@code cilium-dbg service list -o json} in
     * one agent per cluster). A change made with {@link GlobalServiceRequest#apply()} returns before the peers'
     * agents have synced it; call this before relying on it.
     *
     * @param timeout how long to wait at most
     * @return the routes, as they now hold in every cluster
     * @throws MeshTimeoutException naming each cluster that still lags, with the backends its agents use and the ones
     *                              predicted
     */
    List<ServiceRoute> awaitRoutes(String namespace, String name, Duration timeout);

    /**
     * Exports {@code namespace/name} the Multi-Cluster Services way (Cilium 1.16 and later with
     * {@code CiliumOptions.mcsApi} on): creates a {@code ServiceExport} ({@code multicluster.x-k8s.io/v1alpha1}) in each
     * cluster where the Service exists. Clusters without the Service or without MCS-API get a finding and no write.
     */
    McsExport exportMcs(String namespace, String name);

    /** The {@code ServiceImport} of {@code namespace/name} in every cluster, in mesh order (absent ones included). */
    List<McsImport> mcsImports(String namespace, String name);
}
