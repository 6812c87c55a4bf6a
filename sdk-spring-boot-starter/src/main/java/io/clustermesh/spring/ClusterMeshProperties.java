package io.clustermesh.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code clustermesh.*} properties: either a spec file ({@code clustermesh.spec-file}) or the spec itself, with
 * the names of the spec file in kebab case ({@code spec.clusters[0].podCidr} is {@code clustermesh.clusters[0].pod-cidr}),
 * plus what the starter adds: the chart source, the status cache, the health indicator and the scheduled reconcile.
 *
 * <pre>
 * clustermesh.name=article
 * clustermesh.kubeconfig=/home/me/.kube/config
 * clustermesh.clusters[0].name=cluster1
 * clustermesh.clusters[0].id=1
 * clustermesh.clusters[0].pod-cidr=10.1.0.0/16
 * clustermesh.clusters[0].kube-context=aks-cluster1
 * clustermesh.reconcile.enabled=true
 * </pre>
 *
 * <p>Values are checked by the SDK ({@code Mesh.validate}, the spec file reader), not here: every problem becomes a
 * finding and all of them together a startup failure ({@link MeshConfigurationFailureAnalyzer}).
 */
@ConfigurationProperties(prefix = "clustermesh")
public class ClusterMeshProperties {
    /** Whether the starter builds a Mesh at all. */
    private boolean enabled = true;
    /** A {@code kind: Mesh} spec file (the format of {@code meshctl}); when set, no other spec property may be. */
    private Path specFile;
    /** The mesh name ({@code metadata.name} of a spec file). */
    private String name;
    /** The kubeconfig file for every cluster that names a kube-context without its own kubeconfig; default ~/.kube/config. */
    private Path kubeconfig;
    /** Whether a kubeconfig named in these properties or in the spec file may run a credential plugin ({@code exec}). */
    private boolean allowExec;
    /** The clusters of the mesh. */
    private List<Cluster> clusters = new ArrayList<>();
    private final Cilium cilium = new Cilium();
    private final Ca ca = new Ca();
    private final Exposure exposure = new Exposure();
    private final Chart chart = new Chart();
    private final Status status = new Status();
    private final Reconcile reconcile = new Reconcile();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Path getSpecFile() {
        return specFile;
    }

    public void setSpecFile(Path specFile) {
        this.specFile = specFile;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Path getKubeconfig() {
        return kubeconfig;
    }

    public void setKubeconfig(Path kubeconfig) {
        this.kubeconfig = kubeconfig;
    }

    public boolean isAllowExec() {
        return allowExec;
    }

    public void setAllowExec(boolean allowExec) {
        this.allowExec = allowExec;
    }

    public List<Cluster> getClusters() {
        return clusters;
    }

    public void setClusters(List<Cluster> clusters) {
        this.clusters = clusters;
    }

    public Cilium getCilium() {
        return cilium;
    }

    public Ca getCa() {
        return ca;
    }

    public Exposure getExposure() {
        return exposure;
    }

    public Chart getChart() {
        return chart;
    }

    public Status getStatus() {
        return status;
    }

    public Reconcile getReconcile() {
        return reconcile;
    }

    /** One cluster ({@code spec.clusters[i]} of a spec file). */
    public static class Cluster {
        /** Cluster name, lower case, at most 32 characters. */
        private String name;
        /** Cluster id, 1..255 (1..511 with max-connected-clusters 511), unique in the mesh. */
        private Integer id;
        /** Pod CIDR, disjoint from every other cluster's. */
        private String podCidr;
        /** Service CIDR (optional). */
        private String serviceCidr;
        /** The Kubernetes API server FQDN (optional). */
        private String apiServer;
        /** A fixed internal load balancer IP for the clustermesh-apiserver (optional). */
        private String meshIp;
        /** The context in the kubeconfig file that reaches this cluster. */
        private String kubeContext;
        /** This cluster's kubeconfig file; default {@code clustermesh.kubeconfig}. */
        private Path kubeconfig;
        private final AzureRef azure = new AzureRef();

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Integer getId() {
            return id;
        }

        public void setId(Integer id) {
            this.id = id;
        }

        public String getPodCidr() {
            return podCidr;
        }

        public void setPodCidr(String podCidr) {
            this.podCidr = podCidr;
        }

        public String getServiceCidr() {
            return serviceCidr;
        }

        public void setServiceCidr(String serviceCidr) {
            this.serviceCidr = serviceCidr;
        }

        public String getApiServer() {
            return apiServer;
        }

        public void setApiServer(String apiServer) {
            this.apiServer = apiServer;
        }

        public String getMeshIp() {
            return meshIp;
        }

        public void setMeshIp(String meshIp) {
            this.meshIp = meshIp;
        }

        public String getKubeContext() {
            return kubeContext;
        }

        public void setKubeContext(String kubeContext) {
            this.kubeContext = kubeContext;
        }

        public Path getKubeconfig() {
            return kubeconfig;
        }

        public void setKubeconfig(Path kubeconfig) {
            this.kubeconfig = kubeconfig;
        }

        public AzureRef getAzure() {
            return azure;
        }
    }

    /** An AKS cluster reached through Azure ({@code az aks get-credentials} done by the SDK). */
    public static class AzureRef {
        /** The cluster's resource group. */
        private String resourceGroup;
        /** The AKS cluster's name. */
        private String name;

        public String getResourceGroup() {
            return resourceGroup;
        }

        public void setResourceGroup(String resourceGroup) {
            this.resourceGroup = resourceGroup;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    /** Cilium options ({@code spec.cilium}); the rest of them through a spec file. Unset = the SDK's defaults. */
    public static class Cilium {
        /** The Cilium chart version. */
        private String version;
        private Boolean kubeProxyReplacement;
        private Boolean hubble;
        private Boolean kvstoremesh;
        /** 255 or 511. */
        private Integer maxConnectedClusters;

        public String getVersion() {
            return version;
        }

        public void setVersion(String version) {
            this.version = version;
        }

        public Boolean getKubeProxyReplacement() {
            return kubeProxyReplacement;
        }

        public void setKubeProxyReplacement(Boolean kubeProxyReplacement) {
            this.kubeProxyReplacement = kubeProxyReplacement;
        }

        public Boolean getHubble() {
            return hubble;
        }

        public void setHubble(Boolean hubble) {
            this.hubble = hubble;
        }

        public Boolean getKvstoremesh() {
            return kvstoremesh;
        }

        public void setKvstoremesh(Boolean kvstoremesh) {
            this.kvstoremesh = kvstoremesh;
        }

        public Integer getMaxConnectedClusters() {
            return maxConnectedClusters;
        }

        public void setMaxConnectedClusters(Integer maxConnectedClusters) {
            this.maxConnectedClusters = maxConnectedClusters;
        }
    }

    /** The CA ({@code spec.ca}): {@code generate} (default) or {@code adopt} from a cluster. */
    public static class Ca {
        /** {@code generate} or {@code adopt}. */
        private String strategy;
        /** With {@code adopt}: the cluster whose {@code cilium-ca} the others get. */
        private String from;

        public String getStrategy() {
            return strategy;
        }

        public void setStrategy(String strategy) {
            this.strategy = strategy;
        }

        public String getFrom() {
            return from;
        }

        public void setFrom(String from) {
            this.from = from;
        }
    }

    /** How the clustermesh-apiserver is exposed ({@code spec.exposure}). */
    public static class Exposure {
        /** {@code azure-internal-lb} (default), {@code load-balancer} or {@code node-port}. */
        private String type;

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }
    }

    /** Where the Cilium chart comes from; default the official Cilium Helm repository. */
    public static class Chart {
        /** A directory of chart packages {@code cilium-<version>.tgz} (an air-gapped mirror). */
        private Path packages;

        public Path getPackages() {
            return packages;
        }

        public void setPackages(Path packages) {
            this.packages = packages;
        }
    }

    /** The status read behind the health indicator and the gauges. */
    public static class Status {
        /**
         * How long one {@code Mesh.status()} is reused: health probes and metric scrapes within it read no cluster.
         * Zero reads on every probe.
         */
        private Duration cacheFor = Duration.ofSeconds(30);

        public Duration getCacheFor() {
            return cacheFor;
        }

        public void setCacheFor(Duration cacheFor) {
            this.cacheFor = cacheFor;
        }
    }

    /** The scheduled reconcile: plan, and apply when the plan writes. Off by default. */
    public static class Reconcile {
        /** Whether to plan (and apply) on a schedule. */
        private boolean enabled;
        /** The delay between the end of one reconcile and the start of the next. */
        private Duration interval = Duration.ofMinutes(5);
        /** The delay before the first reconcile after startup. */
        private Duration initialDelay = Duration.ZERO;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getInitialDelay() {
            return initialDelay;
        }

        public void setInitialDelay(Duration initialDelay) {
            this.initialDelay = initialDelay;
        }
    }
}
