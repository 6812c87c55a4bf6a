package io.clustermesh.testing.requests;

import io.clustermesh.spi.ExecResult;

import java.util.List;
import java.util.Optional;

/**
 * Answers {@code exec} requests that a {@link io.clustermesh.testing.LabCluster}'s API server receives, in place of a kubelet (see
 * {@link io.clustermesh.testing.LabCluster#execHandler}). The lab's simulated Cilium uses it to answer {@code cilium-dbg status -o json} in
 * its agent pods.
 */
@FunctionalInterface
public interface ExecHandler {

    /**
     * @return the command's result, or empty when this handler does not serve that pod (the API server then answers
     * as it would without a kubelet)
     */
    Optional<ExecResult> exec(String namespace, String pod, String container, List<String> command);
}
