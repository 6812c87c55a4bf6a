package io.clustermesh.cilium.internal;

/** Names of Cilium objects in a cluster (Cilium chart, install/kubernetes/cilium/templates/clustermesh-apiserver). */
public final class Names {
    public static final String NAMESPACE = "kube-system";
    public static final String RELEASE = "cilium";
    public static final String CILIUM_CONFIG = "cilium-config";
    public static final String CA_SECRET = "cilium-ca";
    public static final String APISERVER = "clustermesh-apiserver";
    public static final String CLUSTERMESH_SECRET = "cilium-clustermesh";
    public static final String KVSTOREMESH_SECRET = "cilium-kvstoremesh";
    public static final String LOCAL_CERT_SECRET = "clustermesh-apiserver-local-cert";
    public static final String REMOTE_CERT_SECRET = "clustermesh-apiserver-remote-cert";
    public static final String AGENT_DAEMONSET = "cilium";
    public static final String AGENT_SELECTOR = "k8s-app=cilium";
    public static final String AGENT_CONTAINER = "cilium-agent";
    public static final String KUBE_PROXY = "kube-proxy";
    public static final int APISERVER_PORT = 2379;
    public static final String MESH_DOMAIN = "mesh.cilium.io";

    private Names() {
    }
}
