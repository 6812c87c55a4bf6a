package io.clustermesh;

/**
 * The answer to one probe request: which backend answered, or why none did.
 *
 * @param cluster the cluster of the backend that answered; {@code null} when the request failed
 * @param backend the backend's address (pod IP); {@code null} when the request failed
 * @param pod     the backend pod's name when known
 * @param error   why the request got no answer (no backend, timeout, connection refused); {@code null} on success
 */
public record ProbeAnswer(String cluster, String backend, String pod, String error) {

    public ProbeAnswer {
        if (error == null && (cluster == null || backend == null)) {
            throw new IllegalArgumentException("an answer names its cluster and backend, or carries an error");
        }
    }

    public static ProbeAnswer from(String cluster, String backend, String pod) {
        return new ProbeAnswer(cluster, backend, pod, null);
    }

    public static ProbeAnswer failed(String error) {
        return new ProbeAnswer(null, null, null, error == null || error.isBlank() ? "no answer" : error);
    }

    public boolean answered() {
        return error == null;
    }
}
