package io.clustermesh.azure.internal;

import com.azure.resourcemanager.containerservice.fluent.models.CredentialResultsInner;
import com.azure.resourcemanager.containerservice.models.CredentialResult;
import com.azure.resourcemanager.containerservice.models.KubernetesCluster;
import io.clustermesh.Finding;
import io.clustermesh.Severity;
import io.clustermesh.azure.AzureFindingCodes;
import io.clustermesh.model.AzureRef;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.Discovery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Discovery: for each cluster given as {@code azure: {resourceGroup, name}}, read the managed cluster through the
 * fluent client, fill the spec's missing pod CIDR, service CIDR and API server from it (saying where each value came
 * from), and fetch the user kubeconfig with {@code listClusterUserCredential}, held in memory as
 * {@link ClusterAccess#kubeconfig(String)} — for a cluster with Microsoft Entra ID integration ({@code aadProfile}) as
 * {@link ClusterAccess#kubeconfig(String, io.clustermesh.spi.BearerTokens)} with {@link EntraTokens} from the SDK's
 * own Azure credential, so that no {@code kubelogin} runs. Read-only. A failed read or an unusable credential is a finding, and an
 * {@code AZURE_CHECKS_SKIPPED} finding (INFO) names what it keeps from being checked; the other clusters go on.
 */
public final class AzureDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(AzureDiscovery.class);

    /** What a cluster's API server is needed for: the checks the driver makes when it plans. */
    public static final String IN_CLUSTER_CHECKS = "the in-cluster checks (Cilium release and version, cluster name and ID in use, "
            + "the shared CA, a kube-proxy DaemonSet left running, the mesh IP in use)";

    private AzureDiscovery() {
    }

    /** @param remember called with each cluster whose access was replaced, so preflight still knows its Azure resource */
    public static Discovery run(ArmSession arm, MeshSpec spec, BiConsumer<String, AzureRef> remember) {
        return run(arm, spec, remember, (cluster, finding) -> { });
    }

    /**
     * @param remember   called with each cluster whose access was replaced, so preflight still knows its Azure resource
     * @param unreadable called with each cluster whose managed cluster could not be read, and the finding saying why
     */
    public static Discovery run(ArmSession arm, MeshSpec spec, BiConsumer<String, AzureRef> remember,
                                BiConsumer<String, Finding> unreadable) {
        return run(arm, spec, remember, unreadable, false);
    }

    /**
     * @param remember   called with each cluster whose access was replaced, so preflight still knows its Azure resource
     * @param unreadable called with each cluster whose managed cluster could not be read, and the finding saying why
     * @param admin      fetch the admin kubeconfig ({@code listClusterAdminCredential}) instead of the user kubeconfig
     */
    public static Discovery run(ArmSession arm, MeshSpec spec, BiConsumer<String, AzureRef> remember,
                                BiConsumer<String, Finding> unreadable, boolean admin) {
        List<MeshCluster> out = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        for (int i = 0; i < spec.clusters().size(); i++) {
            MeshCluster c = spec.clusters().get(i);
            if (c.access() == null || c.access().kind() != ClusterAccess.Kind.AZURE || c.access().azureRef().isEmpty()) {
                out.add(c);
                continue;
            }
            out.add(discover(arm, i, c, c.access().azureRef().get(), findings, notes, remember, unreadable, admin));
        }
        return new Discovery(spec.withClusters(out), findings, notes);
    }

    private static MeshCluster discover(ArmSession arm, int index, MeshCluster c, AzureRef ref, List<Finding> findings,
                                        Map<String, String> notes, BiConsumer<String, AzureRef> remember,
                                        BiConsumer<String, Finding> unreadable, boolean admin) {
        String name = c.name();
        String id = ArmPaths.managedCluster(arm.subscription(), ref.resourceGroup(), ref.name());
        AksFacts a;
        boolean localAccountsDisabled;
        try {
            KubernetesCluster kc = arm.aks().kubernetesClusters().getByResourceGroup(ref.resourceGroup(), ref.name());
            a = AksFacts.of(kc);
            localAccountsDisabled = Boolean.TRUE.equals(kc.innerModel().disableLocalAccounts());
        } catch (RuntimeException e) {
            Finding f = ArmErrors.finding(ArmFailure.of(e), name, id, "read the managed cluster", AzureFindingCodes.CLUSTER_NOT_FOUND,
                    "create the AKS cluster or correct spec.clusters[" + index + "].azure (resourceGroup " + ref.resourceGroup()
                            + ", name " + ref.name() + ")");
            findings.add(f);
            unreadable.accept(name, f);
            findings.add(AzurePreflight.skippedFinding(name, id, "the pod CIDR, service CIDR and API server AKS reports, the user credentials, and "
                    + IN_CLUSTER_CHECKS, "they need the managed cluster " + id + ", which could not be read", f.code()));
            return c;
        }
        LOG.debug("{}: read managed cluster {}", name, id);
        MeshCluster filled = c;
        if (c.podCidr() == null) {
            if (a.podCidr() != null) {
                filled = filled.withPodCidr(a.podCidr());
                notes.put(name + ".podCidr", a.podCidr() + " from AKS networkProfile.podCidr (" + id + ")");
            } else {
                findings.add(new Finding(AzureFindingCodes.POD_CIDR_UNKNOWN, Severity.ERROR, name, id,
                        name + ": the spec gives no pod CIDR and AKS networkProfile.podCidr of " + id + " is empty",
                        "set spec.clusters[" + index + "].podCidr to the range Cilium should allocate pod addresses from (distinct per cluster)"));
            }
        }
        if (c.serviceCidr() == null && a.serviceCidr() != null) {
            filled = filled.withServiceCidr(a.serviceCidr());
            notes.put(name + ".serviceCidr", a.serviceCidr() + " from AKS networkProfile.serviceCidr (" + id + ")");
        }
        if (c.apiServer() == null && a.fqdn() != null) {
            filled = filled.withApiServer(a.fqdn());
            notes.put(name + ".apiServer", a.fqdn() + " from AKS fqdn (" + id + ")");
        } else if (c.apiServer() != null && a.fqdn() != null && !c.apiServer().equalsIgnoreCase(a.fqdn())) {
            findings.add(new Finding(AzureFindingCodes.SPEC_DIFFERS, Severity.WARNING, name, id,
                    name + ": the spec's apiServer " + c.apiServer() + " differs from AKS fqdn " + a.fqdn() + " (" + id + ")",
                    "leave apiServer out to take AKS's FQDN, or make sure " + c.apiServer() + " reaches this cluster's API server"));
        }
        notes.put(name + ".network", "AKS networkProfile: plugin " + a.networkPlugin()
                + (a.networkPluginMode() == null ? "" : " (" + a.networkPluginMode() + ")")
                + (a.dataplane() == null ? "" : ", dataplane " + a.dataplane()) + ", node resource group " + a.nodeResourceGroup());
        String subnet = a.primarySubnetId();
        notes.put(name + ".subnet", subnet == null ? "none: the AKS-managed VNet in " + a.nodeResourceGroup()
                : subnet + " (VNet " + ArmPaths.vnetOfSubnet(subnet) + ") from agentPoolProfiles[].vnetSubnetID");
        if (c.nodeCidr() == null && subnet != null) {
            filled = nodeCidr(arm, filled, subnet, notes);
        }
        return credentials(arm, index, filled, ref, id, a, localAccountsDisabled, admin, findings, notes, remember);
    }

    /**
     * The node subnet's address prefix as the cluster's node range: each peer's clustermesh-apiserver then admits this
     * cluster alone on 2379 (loadBalancerSourceRanges). Unreadable, it stays unknown and the plan says so.
     */
    private static MeshCluster nodeCidr(ArmSession arm, MeshCluster c, String subnetId, Map<String, String> notes) {
        String vnetId = ArmPaths.vnetOfSubnet(subnetId);
        try {
            VnetFacts vnet = VnetFacts.of(arm.network().networks().getById(vnetId));
            String prefix = vnet.subnet(ArmPaths.segment(subnetId, "subnets")).map(VnetFacts.SubnetFacts::addressPrefix).orElse(null);
            if (prefix == null) {
                notes.put(c.name() + ".nodeCidr", "unknown: " + subnetId + " has no address prefix in " + vnetId);
                return c;
            }
            notes.put(c.name() + ".nodeCidr", prefix + " from the node subnet's addressPrefix (" + subnetId + ")");
            return c.withNodeCidr(prefix);
        } catch (RuntimeException e) {
            notes.put(c.name() + ".nodeCidr", "unknown: the VNet " + vnetId + " could not be read ("
                    + "HTTP " + ArmFailure.of(e).status() + "); preflight reports why");
            return c;
        }
    }

    /** The in-cluster checks cannot run without a kubeconfig: said once per cluster, after the finding that explains it. */
    private static MeshCluster noCredential(MeshCluster c, String id, String op, List<Finding> findings) {
        String cause = findings.isEmpty() ? null : findings.get(findings.size() - 1).code();
        findings.add(AzurePreflight.skippedFinding(c.name(), id, IN_CLUSTER_CHECKS,
                "they need a usable kubeconfig, and " + op + " of " + id + " gave none", cause));
        return c;
    }

    private static MeshCluster credentials(ArmSession arm, int index, MeshCluster c, AzureRef ref, String id, AksFacts a,
                                           boolean localAccountsDisabled, boolean admin, List<Finding> findings, Map<String, String> notes, BiConsumer<String, AzureRef> remember) {
        String name = c.name();
        String op = admin ? "listClusterAdminCredential" : "listClusterUserCredential";
        if (admin && localAccountsDisabled) {
            findings.add(new Finding(AzureFindingCodes.KUBECONFIG_INVALID, Severity.ERROR, name, id,
                    name + ": admin credentials were asked for, but " + id + " has local accounts disabled (disableLocalAccounts): "
                            + "AKS gives no admin kubeconfig for it",
                    "leave adminCredentials off: the SDK then reaches this Microsoft Entra ID cluster with tokens from its Azure credential"));
            return noCredential(c, id, op, findings);
        }
        CredentialResultsInner creds;
        try {
            creds = admin ? arm.aks().serviceClient().getManagedClusters().listClusterAdminCredentials(ref.resourceGroup(), ref.name())
                    : arm.aks().serviceClient().getManagedClusters().listClusterUserCredentials(ref.resourceGroup(), ref.name());
        } catch (RuntimeException e) {
            ArmFailure f = ArmFailure.of(e);
            if (f.forbidden() && f.deniedAction() == null) {
                f = new ArmFailure(f.status(), f.code(), "does not have authorization to perform action "
                        + "'Microsoft.ContainerService/managedClusters/" + op + "/action' over scope '" + id + "'", f.retryAfter());
            }
            if (f.notFound()) {
                findings.add(new Finding(AzureFindingCodes.KUBECONFIG_INVALID, Severity.ERROR, name, id,
                        name + ": " + op + " of " + id + " answered " + f.summary() + ": no kubeconfig",
                        "check the cluster (az aks get-credentials -g " + ref.resourceGroup() + " -n " + ref.name()
                                + ") or give a kubeContext for it"));
            } else {
                findings.add(ArmErrors.finding(f, name, id, admin ? "list the admin credentials (listClusterAdminCredential) of" : "list the user credentials (listClusterUserCredential) of", null, null));
            }
            return noCredential(c, id, op, findings);
        }
        List<CredentialResult> list = creds == null || creds.kubeconfigs() == null ? List.of() : creds.kubeconfigs();
        if (list.isEmpty()) {
            findings.add(new Finding(AzureFindingCodes.KUBECONFIG_INVALID, Severity.ERROR, name, id,
                    name + ": " + op + " of " + id + " returned no kubeconfig",
                    "check the cluster in the Azure portal (local accounts disabled without AAD?) or give a kubeContext for it"));
            return noCredential(c, id, op, findings);
        }
        Kubeconfigs.Inspection k = Kubeconfigs.inspect(list.get(0).value());
        if (a.aad() && !admin && k.kind() != Kubeconfigs.Kind.INVALID) {
            return entraId(arm, c, ref, id, k, localAccountsDisabled, findings, notes, remember);
        }
        switch (k.kind()) {
            case INVALID:
                findings.add(new Finding(AzureFindingCodes.KUBECONFIG_INVALID, Severity.ERROR, name, id,
                        name + ": " + op + " of " + id + " did not return a usable kubeconfig: " + k.problem(),
                        "check the credential with az aks get-credentials -g " + ref.resourceGroup() + " -n " + ref.name()
                                + ", or give a kubeContext for the cluster"));
                return noCredential(c, id, op, findings);
            case AUTH_PROVIDER:
                findings.add(new Finding(AzureFindingCodes.KUBECONFIG_AUTH_PROVIDER, Severity.ERROR, name, id,
                        name + ": the user kubeconfig of " + id + " authenticates with the retired 'auth-provider: azure' plugin, which Kubernetes clients no longer support",
                        "convert it with kubelogin convert-kubeconfig -l azurecli (or workloadidentity/msi) and give it as a kubeContext"));
                return noCredential(c, id, op, findings);
            case EXEC_KUBELOGIN:
            case EXEC_OTHER:
                findings.add(new Finding(AzureFindingCodes.KUBECONFIG_EXEC, Severity.WARNING, name, id,
                        name + ": the user kubeconfig of " + id + " runs the exec plugin '" + k.execCommand() + "' to get a token",
                        "make sure '" + k.execCommand() + "' is installed on this machine's PATH and can authenticate without a prompt"));
                break;
            default:
                break;
        }
        notes.put(name + ".access", "kubeconfig from AKS " + op + " (" + id + "), held in memory"
                + (k.server() == null ? "" : "; server " + k.server()) + (a.aad() ? "; AAD-enabled cluster" : ""));
        remember.accept(name, ref);
        return c.withAccess(ClusterAccess.kubeconfig(k.text()));
    }

    /**
     * An AKS cluster with Microsoft Entra ID integration: its user kubeconfig (which would run {@code kubelogin}) keeps
     * its server and CA, and every request carries a token the SDK gets in-process from its own Azure credential
     * ({@link EntraTokens}). Said once, as an INFO finding naming the role the identity needs.
     */
    private static MeshCluster entraId(ArmSession arm, MeshCluster c, AzureRef ref, String id, Kubeconfigs.Inspection k,
                                       boolean localAccountsDisabled, List<Finding> findings, Map<String, String> notes,
                                       BiConsumer<String, AzureRef> remember) {
        String name = c.name();
        EntraTokens tokens = new EntraTokens(name, arm.settings().credential(), arm.settings().tenantId(), arm.settings().clock());
        findings.add(new Finding(AzureFindingCodes.KUBECONFIG_ENTRA_ID, Severity.INFO, name, id,
                name + ": " + id + " uses Microsoft Entra ID" + (localAccountsDisabled ? " with local accounts disabled" : "")
                        + ": the SDK gets its Kubernetes API tokens in-process from its Azure credential (" + arm.settings().credential()
                        + ", scope " + EntraTokens.SCOPE + ") and refreshes them before they expire"
                        + (k.execCommand() == null ? "" : "; the kubeconfig's '" + k.execCommand() + "' plugin is not run"),
                "the identity needs the Azure Kubernetes Service RBAC Cluster Admin role on " + id
                        + " (Azure RBAC for Kubernetes), or a cluster-admin ClusterRoleBinding for it in the cluster's Kubernetes RBAC"));
        notes.put(name + ".access", "kubeconfig from AKS listClusterUserCredential (" + id + "), held in memory"
                + (k.server() == null ? "" : "; server " + k.server()) + "; Microsoft Entra ID tokens from " + arm.settings().credential()
                + " (scope " + EntraTokens.SCOPE + ")");
        remember.accept(name, ref);
        return c.withAccess(ClusterAccess.kubeconfig(k.text(), tokens));
    }
}
