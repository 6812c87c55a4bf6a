package io.clustermesh.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Kubernetes operations the mesh needs on one cluster. Opened by a {@link ClusterTransport}.
 *
 * <p>Contract: reads return {@link Optional#empty()} for absent objects; writes are create-or-update, return
 * whether anything changed (an identical object is not written again), and use optimistic concurrency
 * ({@code resourceVersion}): a conflict is a retryable {@code MeshConflictException}. Network failures, 429 and
 * 5xx answers are retryable {@code MeshUnreachableException}s (with {@code retryAfter} when the server sent
 * {@code Retry-After}); 401/403 are {@code MeshAccessException}s. The transport does not retry by itself: the
 * engine's one retry layer does. Implementations are thread-safe; exceptions never carry secret content.
 */
public interface ClusterConnection extends AutoCloseable {

    /** The cluster's name in the mesh. */
    String cluster();

    /** The API server URL as configured (no credentials). */
    String apiServerUrl();

    Optional<Map<String, String>> configMap(String namespace, String name);

    Optional<SecretData> secret(String namespace, String name);

    /** Secrets matching a label selector such as {@code owner=helm,name=cilium}. */
    List<SecretData> secrets(String namespace, String labelSelector);

    /**
     * Creates or updates the secret. With a {@code resourceVersion}, the update only succeeds if the stored object
     * still has it.
     *
     * @return true if something was written
     */
    boolean putSecret(String namespace, SecretData secret);

    boolean deleteSecret(String namespace, String name);

    Optional<ServiceInfo> service(String namespace, String name);

    /** Services of a namespace, or of all namespaces when {@code namespace} is null. */
    List<ServiceInfo> services(String namespace);

    /** Sets and removes annotations of a Service. @return true if something changed */
    boolean annotateService(String namespace, String name, Map<String, String> set, Set<String> remove);

    Optional<WorkloadStatus> deployment(String namespace, String name);

    Optional<WorkloadStatus> daemonSet(String namespace, String name);

    List<NodeInfo> nodes();

    List<PodInfo> pods(String namespace, String labelSelector);

    /** Runs a command in a container, bounded by {@code timeout}. */
    ExecResult exec(String namespace, String pod, String container, Duration timeout, String... command);

    /** Any object by apiVersion and kind, as a generic map ({@code apiVersion}, {@code kind}, {@code metadata}, ...). */
    Optional<Map<String, Object>> get(String apiVersion, String kind, String namespace, String name);

    List<Map<String, Object>> list(String apiVersion, String kind, String namespace);

    /**
     * Creates the object, or updates it when it exists. When the object carries {@code metadata.resourceVersion},
     * the update is conditional on it. When {@code createOnly} is true and the object exists, a
     * {@code MeshConflictException} is thrown (used for locks).
     *
     * @return the stored object
     */
    Map<String, Object> apply(Map<String, Object> object, boolean createOnly);

    boolean delete(String apiVersion, String kind, String namespace, String name);

    @Override
    void close();
}
