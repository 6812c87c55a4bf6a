/**
 * The instant world: the SDK's transports ({@link io.clustermesh.spi.ClusterTransport},
 * {@link io.clustermesh.spi.HelmTransport}) over clusters held in memory, where every read answers at once and Helm
 * records the release and materialises the chart's Cluster Mesh objects from the values without rendering. It exists
 * to measure the SDK's own time and memory for hundreds of clusters ({@code meshctl bench --instant}), which the
 * embedded lab — real etcd, agents and Helm per cluster — cannot hold on a small machine.
 *
 * <p>The world computes its own truth: each agent's {@code cilium-dbg status -o json} is derived from the objects
 * the SDK and Helm wrote (peer configs, load balancer addresses, CA and certificates, checked with the JDK's X.509
 * code), never from SDK code. See docs/performance.md for what it models and what it does not.
 */
package io.clustermesh.testing.instant;
