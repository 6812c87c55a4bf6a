package io.clustermesh.azure;

/** Kubeconfigs as listClusterUserCredential returns them, with secrets the log scans look for. */
final class KubeconfigSamples {
    /** Appears only inside kubeconfig content; must never reach a log, finding, note or message. */
    static final String TOKEN = "SENTINEL-kubeconfig-token-7f3a9c";
    static final String CA = "U0VOVElORUwtQ0EtREFUQS0yZDRl";

    private KubeconfigSamples() {
    }

    private static String head(String name) {
        return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: " + CA + "\n"
                + "    server: https://" + name + "-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443\n  name: " + name + "\n"
                + "contexts:\n- context:\n    cluster: " + name + "\n    user: clusterUser_" + name + "\n  name: " + name + "\n"
                + "current-context: " + name + "\npreferences: {}\n";
    }

    /** A local-account kubeconfig with a static token. */
    static String staticToken(String name) {
        return head(name) + "users:\n- name: clusterUser_" + name + "\n  user:\n    token: " + TOKEN + "\n";
    }

    /** An AAD-enabled cluster's user kubeconfig: an exec plugin running kubelogin. */
    static String kubelogin(String name) {
        return head(name) + "users:\n- name: clusterUser_" + name + "\n  user:\n    exec:\n"
                + "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args:\n"
                + "      - get-token\n      - --environment\n      - AzurePublicCloud\n      - --server-id\n"
                + "      - 6dae42f8-4368-4678-94ff-3960e28e3630\n      - --login\n      - devicecode\n"
                + "      env: null\n      provideClusterInfo: false\n";
    }

    /** The retired azure auth-provider. */
    static String authProvider(String name) {
        return head(name) + "users:\n- name: clusterUser_" + name + "\n  user:\n    auth-provider:\n      name: azure\n"
                + "      config:\n        apiserver-id: 6dae42f8-4368-4678-94ff-3960e28e3630\n        environment: AzurePublicCloud\n"
                + "        tenant-id: 33333333-3333-3333-3333-333333333333\n        access-token: " + TOKEN + "\n";
    }
}
