/**
 * Azure for Cilium Cluster Mesh on AKS: the {@link io.clustermesh.spi.CloudProvider} that discovers AKS clusters and
 * their network and preflights the hub-and-spoke topology ({@link io.clustermesh.azure.AzureCloudProvider}), and the
 * idempotent provisioning of that topology ({@link io.clustermesh.azure.AzureTopology} building an
 * {@link io.clustermesh.azure.AzureLabTopology}).
 *
 * <pre>{@code
 * AzureCloudProvider azure = AzureCloudProvider.builder().build();          // DefaultAzureCredential, public cloud
 * ProvisionResult lab = azure.topology().apply(AzureLabTopology.article(subscription, "eastus"));
 * Mesh mesh = Mesh.builder().cloudProvider(azure).azure(lab.azure()).clusters(lab.meshClusters())...build();
 * }</pre>
 *
 * Finding codes are listed in {@link io.clustermesh.azure.AzureFindingCodes}. Everything runs on the Azure SDK for
 * Java with the JDK HTTP client (no Netty) and one retry layer, the SDK's {@link io.clustermesh.RetryPolicy}.
 */
package io.clustermesh.azure;
