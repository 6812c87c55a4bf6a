package io.clustermesh.event;

/**
 * A kubeconfig credential plugin ({@code users[].user.exec}) is about to run for a cluster, for the first time in
 * this {@code Mesh}: the Kubernetes client and Helm will run {@code command} to get the cluster's credentials (for AKS
 * with Entra ID, typically {@code kubelogin}). Announced once per cluster, before the command first runs.
 *
 * @param cluster the cluster
 * @param context the kube context whose user runs the plugin
 * @param command the command as written in the kubeconfig (resolved to an absolute path when it was relative)
 */
public record CredentialPlugin(String cluster, String context, String command) {
}
