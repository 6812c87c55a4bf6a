/**
 * The Helm values of the Cilium chart, one complete document per cluster and chart line.
 *
 * <p>{@link io.clustermesh.cilium.values.CiliumValues} builds the document from a
 * {@link io.clustermesh.cilium.values.ValuesInput}, reads the peers back out of an existing document, redacts it
 * for printing and writes it as YAML for GitOps. {@link io.clustermesh.cilium.values.ValuesDiff} compares the values
 * of a release with the intended ones for plans, never showing a private key.
 *
 * <p>Values documents hold private keys (base64 PEM): never log or print one without
 * {@link io.clustermesh.cilium.values.CiliumValues#redacted(java.util.Map)}.
 */
package io.clustermesh.cilium.values;
