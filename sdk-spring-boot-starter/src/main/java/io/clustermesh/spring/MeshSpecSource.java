package io.clustermesh.spring;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.cilium.spec.MeshSpecYaml;
import io.clustermesh.model.CaStrategy;
import io.clustermesh.model.CiliumOptions;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.Exposure;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link MeshSpec} of the {@code clustermesh.*} properties, or of the spec file they name, with every finding
 * about it: the spec file reader's ({@link MeshSpecYaml#read}) or, for properties, the SDK's own rules
 * ({@link Mesh#validate}) plus what only properties can get wrong (a kubeconfig without a context, both a context and Azure). Finding paths are spec paths ({@code spec.clusters[1].podCidr}); {@link #propertyName} gives the property.
 *
 * @param spec     the spec as far as it could be read ({@code null} when nothing could)
 * @param findings every finding, errors and warnings
 * @param origin   {@code "clustermesh.* properties"} or the spec file's path
 * @param fromFile whether the spec came from {@code clustermesh.spec-file}
 */
public record MeshSpecSource(MeshSpec spec, List<Finding> findings, String origin, boolean fromFile) {
    /** The origin of a spec bound from properties. */
    public static final String PROPERTIES = "clustermesh.* properties";
    private static final Pattern SEGMENT = Pattern.compile("([a-z0-9])([A-Z])");

    public MeshSpecSource {
        findings = List.copyOf(findings);
        Objects.requireNonNull(origin, "origin");
    }

    /** Whether there is a spec and no error finding. */
    public boolean ok() {
        return spec != null && findings.stream().noneMatch(Finding::isError);
    }

    /** The errors, all at once, as a startup failure. */
    public MeshSpec orThrow() {
        if (!ok()) {
            throw new MeshConfigurationFailure(this);
        }
        return spec;
    }

    /**
     * The property a finding's path stands for when the spec came from properties: {@code spec.clusters[1].podCidr} is
     * {@code clustermesh.clusters[1].pod-cidr}, {@code metadata.name} is {@code clustermesh.name}; other paths as they are.
     */
    public static String propertyName(String specPath) {
        if (specPath == null || specPath.isEmpty()) {
            return "clustermesh";
        }
        String rest;
        if (specPath.equals("metadata.name")) {
            return "clustermesh.name";
        } else if (specPath.startsWith("spec.")) {
            rest = specPath.substring("spec.".length());
        } else if (specPath.equals("spec")) {
            return "clustermesh";
        } else {
            return specPath;
        }
        Matcher m = SEGMENT.matcher(rest);
        return "clustermesh." + m.replaceAll(r -> r.group(1) + "-" + r.group(2).toLowerCase(Locale.ROOT));
    }

    /** Reads the spec file, or binds the properties; never throws. */
    public static MeshSpecSource of(ClusterMeshProperties p) {
        Objects.requireNonNull(p, "properties");
        if (p.getSpecFile() != null) {
            return fromFile(p);
        }
        return fromProperties(p);
    }

    private static MeshSpecSource fromFile(ClusterMeshProperties p) {
        Path file = p.getSpecFile();
        List<Finding> findings = new ArrayList<>();
        if (p.getName() != null || !p.getClusters().isEmpty()) {
            findings.add(Finding.error("SPEC_CONFLICT", null, "clustermesh.spec-file",
                    "both clustermesh.spec-file (" + file + ") and spec properties (clustermesh.name, clustermesh.clusters) are set",
                    "keep the spec in one place: remove clustermesh.spec-file or the clustermesh.name/clustermesh.clusters properties"));
        }
        MeshSpecYaml.Result read = MeshSpecYaml.read(file);
        findings.addAll(read.findings());
        return new MeshSpecSource(read.spec(), findings, file.toString(), true);
    }

    private static MeshSpecSource fromProperties(ClusterMeshProperties p) {
        List<Finding> findings = new ArrayList<>();
        if (p.getClusters().isEmpty()) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec.clusters",
                    "no cluster is configured: neither clustermesh.spec-file nor clustermesh.clusters[0].name is set",
                    "set clustermesh.spec-file=<a kind: Mesh spec file>, or clustermesh.clusters[0].name, .id, .pod-cidr and "
                            + ".kube-context for each cluster; or clustermesh.enabled=false to leave the mesh out"));
            return new MeshSpecSource(null, findings, PROPERTIES, false);
        }
        CiliumOptions cilium = cilium(p.getCilium());
        List<MeshCluster> clusters = new ArrayList<>();
        for (int i = 0; i < p.getClusters().size(); i++) {
            clusters.add(cluster(p, p.getClusters().get(i), "spec.clusters[" + i + "]", findings));
        }
        CaStrategy ca = ca(p.getCa(), findings);
        Exposure exposure = exposure(p.getExposure(), findings);
        MeshSpec spec = MeshSpec.of(p.getName() == null ? MeshSpec.DEFAULT_NAME : p.getName(), cilium, ca, exposure, null, clusters);
        findings.addAll(Mesh.validate(spec));
        return new MeshSpecSource(spec, findings, PROPERTIES, false);
    }

    private static CiliumOptions cilium(ClusterMeshProperties.Cilium c) {
        CiliumOptions o = CiliumOptions.defaults();
        if (c.getVersion() != null) {
            o = o.withVersion(c.getVersion());
        }
        if (c.getKubeProxyReplacement() != null) {
            o = o.withKubeProxyReplacement(c.getKubeProxyReplacement());
        }
        if (c.getHubble() != null) {
            o = o.withHubble(c.getHubble());
        }
        if (c.getKvstoremesh() != null) {
            o = o.withKvstoremesh(c.getKvstoremesh());
        }
        if (c.getMaxConnectedClusters() != null) {
            o = o.withMaxConnectedClusters(c.getMaxConnectedClusters());
        }
        return o;
    }

    private static MeshCluster cluster(ClusterMeshProperties p, ClusterMeshProperties.Cluster c, String path, List<Finding> findings) {
        String name = c.getName() == null ? "" : c.getName(); // an empty name is the SDK's CLUSTER_NAME_EMPTY
        MeshCluster m = MeshCluster.named(name).withId(c.getId() == null ? 0 : c.getId()).withPodCidr(c.getPodCidr())
                .withServiceCidr(c.getServiceCidr()).withApiServer(c.getApiServer()).withMeshIp(c.getMeshIp());
        boolean azure = c.getAzure().getResourceGroup() != null || c.getAzure().getName() != null;
        if (c.getKubeContext() != null && azure) {
            findings.add(Finding.error("SPEC_CONFLICT", name, path, name + ": both kube-context and azure are set",
                    "set either " + propertyName(path + ".kubeContext") + " (with an optional kubeconfig) or "
                            + propertyName(path + ".azure") + ".resource-group and .name"));
        }
        if (c.getKubeContext() != null) {
            Path file = c.getKubeconfig() != null ? c.getKubeconfig() : p.getKubeconfig();
            ClusterAccess access = file != null ? ClusterAccess.kubeContext(c.getKubeContext(), file)
                    : ClusterAccess.kubeContext(c.getKubeContext());
            // as in a spec file: a credential plugin named by configuration runs only when the application allows it
            m = m.withAccess(access.withExecAllowed(p.isAllowExec()));
        } else if (azure) {
            if (c.getAzure().getResourceGroup() == null || c.getAzure().getName() == null) {
                findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".azure", name + ": " + propertyName(path + ".azure")
                        + " needs resource-group and name", "set " + propertyName(path + ".azure") + ".resource-group and "
                        + propertyName(path + ".azure") + ".name"));
            } else {
                m = m.withAccess(ClusterAccess.azure(c.getAzure().getResourceGroup(), c.getAzure().getName()));
            }
        } else if (c.getKubeconfig() != null) {
            findings.add(Finding.error("SPEC_MISSING_FIELD", name, path + ".kubeContext", name + ": a kubeconfig file is set without kube-context",
                    "set " + propertyName(path + ".kubeContext") + "=<context name in that file>"));
        }
        return m;
    }

    private static CaStrategy ca(ClusterMeshProperties.Ca ca, List<Finding> findings) {
        String s = ca.getStrategy();
        if (s == null || s.equals("generate")) {
            if (ca.getFrom() != null) {
                findings.add(Finding.error("SPEC_CONFLICT", null, "spec.ca.from", "clustermesh.ca.from is set but the strategy is generate",
                        "set clustermesh.ca.strategy=adopt to adopt the CA of " + ca.getFrom() + ", or remove clustermesh.ca.from"));
            }
            return CaStrategy.generate();
        }
        if (s.equals("adopt")) {
            if (ca.getFrom() == null) {
                findings.add(Finding.error("SPEC_MISSING_FIELD", null, "spec.ca.from", "clustermesh.ca.strategy=adopt names no cluster",
                        "set clustermesh.ca.from=<the cluster whose cilium-ca the others get>"));
                return CaStrategy.generate();
            }
            return CaStrategy.adoptFrom(ca.getFrom());
        }
        findings.add(Finding.error("SPEC_INVALID_VALUE", null, "spec.ca.strategy", "clustermesh.ca.strategy is '" + s + "'",
                "set clustermesh.ca.strategy to generate or adopt"));
        return CaStrategy.generate();
    }

    private static Exposure exposure(ClusterMeshProperties.Exposure e, List<Finding> findings) {
        if (e.getType() == null) {
            return Exposure.azureInternalLoadBalancer();
        }
        Exposure.Type t = Exposure.Type.fromValue(e.getType());
        if (t == null) {
            findings.add(Finding.error("SPEC_INVALID_VALUE", null, "spec.exposure.type", "clustermesh.exposure.type is '" + e.getType() + "'",
                    "set clustermesh.exposure.type to azure-internal-lb, load-balancer or node-port"));
            return Exposure.azureInternalLoadBalancer();
        }
        return new Exposure(t);
    }
}
