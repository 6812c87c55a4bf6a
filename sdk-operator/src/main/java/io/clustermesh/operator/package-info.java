/**
 * The {@code ClusterMesh} controller: the mesh reconciled continuously from a management cluster.
 *
 * <p>Built on fabric8's informers and {@code LeaderElector} (the client the SDK already uses, kubernetes-client 8.0),
 * not on the Java Operator SDK: its released lines are built on fabric8 7.x, and two fabric8 major lines cannot share
 * one class path with the SDK's own fabric8 8 client. The controller needs three things fabric8 gives directly —
 * watches with a cache, a Lease-based leader election and the generic resource client — plus a small work queue.
 *
 * <p>Entry points: {@link io.clustermesh.operator.ClusterMeshOperator} (informers, queue, leader election),
 * {@link io.clustermesh.operator.ClusterMeshReconciler} (one reconcile), {@link io.clustermesh.operator.ClusterMeshSpec}
 * (the resource's spec through the spec file's parser). The CRD is {@code io/clustermesh/operator/clustermesh-crd.yaml}.
 * See docs/operator.md.
 */
package io.clustermesh.operator;
