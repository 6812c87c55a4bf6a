package io.clustermesh.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientProvider;
import com.azure.core.http.policy.AddDatePolicy;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.management.polling.PollResult;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.core.util.HttpClientOptions;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.containerservice.ContainerServiceManager;
import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.resources.fluentcore.policy.AuthenticationPolicy;
import io.clustermesh.MeshException.Details;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.internal.Retries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One subscription on one ARM endpoint: the HTTP pipeline (JDK client, our retry policy instead of Azure's, a
 * bearer policy only over https), the fluent managers built on it, raw calls for preview api-versions, and
 * long-running-operation waits through the injected clock.
 */
public final class ArmSession {
    private static final Logger LOG = LoggerFactory.getLogger(ArmSession.class);
    private static final String USER_AGENT = "clustermesh-azure";

    private final ArmSettings settings;
    private final String subscription;
    private final HttpPipeline pipeline;
    private final ArmRetryPolicy retry;
    private final AzureProfile profile;
    private final ContainerServiceManager aks;
    private final NetworkManager network;

    public ArmSession(ArmSettings settings, String subscription) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.subscription = Objects.requireNonNull(subscription, "subscription");
        this.profile = new AzureProfile(settings.tenantId(), subscription, settings.environment());
        this.retry = new ArmRetryPolicy(settings.retryPolicy(), settings.clock());
        this.pipeline = buildPipeline(settings, retry);
        this.aks = ContainerServiceManager.authenticate(pipeline, profile);
        this.network = NetworkManager.authenticate(pipeline, profile);
    }

    /**
     * The pipeline: user agent, request id, our retry (Azure's own retry is not installed, so retries do not
     * multiply), date, the ARM bearer policy only over https, and Azure's HTTP logging switched off (it could show
     * headers). Runs on the JDK HTTP client (no Netty).
     */
    static HttpPipeline buildPipeline(ArmSettings s, ArmRetryPolicy retry) {
        List<HttpPipelinePolicy> policies = new ArrayList<>();
        policies.add(new UserAgentPolicy(USER_AGENT));
        policies.add(new RequestIdPolicy());
        policies.add(retry);
        policies.add(new AddDatePolicy());
        if (!s.plainHttp()) {
            TokenCredential credential = s.credential() == null ? null : s.credential().get();
            if (credential == null) {
                throw new IllegalStateException("an https ARM endpoint needs a credential");
            }
            policies.add(new AuthenticationPolicy(credential, s.environment()));
        } else {
            LOG.debug("ARM endpoint {} is plain http: no bearer token is sent", s.endpoint());
        }
        policies.add(new HttpLoggingPolicy(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE)));
        policies.add(new DropContentLengthPolicy());
        HttpClient client = s.httpClient() != null ? s.httpClient()
                : new JdkHttpClientProvider().createInstance(new HttpClientOptions()
                        .setConnectTimeout(Duration.ofSeconds(20)).setResponseTimeout(Duration.ofSeconds(120)));
        return new HttpPipelineBuilder().policies(policies.toArray(new HttpPipelinePolicy[0])).httpClient(client).build();
    }

    public String subscription() {
        return subscription;
    }

    public ArmSettings settings() {
        return settings;
    }

    public HttpPipeline pipeline() {
        return pipeline;
    }

    public ContainerServiceManager aks() {
        return aks;
    }

    public NetworkManager network() {
        return network;
    }

    /** Retries our layer has scheduled on this session. */
    public long retries() {
        return retry.retries();
    }

    // ------------------------------------------------------------------------------------------------ raw calls

    /** A raw response, body as text (never logged). */
    public record Raw(int status, String body, Map<String, String> headers, Duration retryAfter) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String header(String name) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return "Raw[" + status + "]";
        }
    }

    /** Sends one request (retried by our policy) to an absolute URL or an ARM path. */
    public Raw send(HttpMethod method, String pathOrUrl, String apiVersion, String jsonBody) {
        String url = pathOrUrl.regionMatches(true, 0, "http", 0, 4) ? pathOrUrl : settings.endpoint() + pathOrUrl;
        if (apiVersion != null) {
            url += (url.contains("?") ? "&" : "?") + "api-version=" + apiVersion;
        }
        HttpRequest request = new HttpRequest(method, url);
        request.setHeader(HttpHeaderName.ACCEPT, "application/json");
        if (jsonBody != null) {
            request.setHeader(HttpHeaderName.CONTENT_TYPE, "application/json");
            request.setBody(jsonBody.getBytes(StandardCharsets.UTF_8));
        }
        try (HttpResponse response = pipeline.sendSync(request, Context.NONE)) {
            String body = response.getBodyAsBinaryData() == null ? "" : response.getBodyAsBinaryData().toString();
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            response.getHeaders().forEach(h -> headers.put(h.getName(), h.getValue()));
            return new Raw(response.getStatusCode(), body, headers, ArmRetryPolicy.retryAfter(response));
        }
    }

    /** GET a resource as JSON; empty when it does not exist; {@link RawArmException} for other failures. */
    public Optional<Map<String, Object>> getJson(String resourceId, String apiVersion, String what) {
        Raw r = send(HttpMethod.GET, resourceId, apiVersion, null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        if (!r.ok()) {
            throw new RawArmException(what, ArmFailure.of(r.status(), r.body(), r.retryAfter()));
        }
        return Optional.of(ArmJson.parse(r.body()));
    }

    /**
     * PUT a resource as JSON and wait for the long-running operation ({@code Azure-AsyncOperation}, {@code Location}
     * or provisioning state), honouring {@code Retry-After}. An operation that fails with a "busy, try again" code is
     * started again under the same retry policy.
     */
    public Map<String, Object> putJsonAndWait(String resourceId, String apiVersion, Map<String, Object> body, String what) {
        String json = ArmJson.write(body);
        return withOperationRetry(what, () -> {
            Raw r = send(HttpMethod.PUT, resourceId, apiVersion, json);
            if (!r.ok()) {
                throw new RawArmException(what, ArmFailure.of(r.status(), r.body(), r.retryAfter()));
            }
            waitRaw(resourceId, apiVersion, r, what);
            return getJson(resourceId, apiVersion, what)
                    .orElseThrow(() -> new RawArmException(what, new ArmFailure(404, "ResourceNotFound",
                            "the resource is gone after the operation finished", null)));
        });
    }

    private void waitRaw(String resourceId, String apiVersion, Raw first, String what) {
        String asyncOp = first.header("Azure-AsyncOperation");
        String location = first.header("Location");
        Instant deadline = settings.clock().now().plus(settings.operationTimeout());
        Duration hint = first.retryAfter();
        if (asyncOp != null) {
            while (true) {
                pause(hint, deadline, what);
                Raw poll = send(HttpMethod.GET, asyncOp, null, null);
                if (!poll.ok()) {
                    throw new RawArmException(what + " (polling)", ArmFailure.of(poll.status(), poll.body(), poll.retryAfter()));
                }
                String status = ArmJson.string(ArmJson.parse(poll.body()), "status");
                if (status != null && status.equalsIgnoreCase("Succeeded")) {
                    return;
                }
                if (status != null && (status.equalsIgnoreCase("Failed") || status.equalsIgnoreCase("Canceled"))) {
                    throw new RawArmException(what, ArmFailure.of(200, poll.body(), null));
                }
                hint = poll.retryAfter();
            }
        }
        if (first.status() == 202 && location != null) {
            while (true) {
                pause(hint, deadline, what);
                Raw poll = send(HttpMethod.GET, location, null, null);
                if (poll.status() == 202) {
                    hint = poll.retryAfter();
                    continue;
                }
                if (!poll.ok()) {
                    throw new RawArmException(what + " (polling)", ArmFailure.of(poll.status(), poll.body(), poll.retryAfter()));
                }
                return;
            }
        }
        String state = provisioningState(first.body());
        while (state != null && !terminal(state)) {
            pause(hint, deadline, what);
            Raw poll = send(HttpMethod.GET, resourceId, apiVersion, null);
            if (!poll.ok()) {
                throw new RawArmException(what + " (polling)", ArmFailure.of(poll.status(), poll.body(), poll.retryAfter()));
            }
            state = provisioningState(poll.body());
            hint = poll.retryAfter();
        }
        if (state != null && !state.equalsIgnoreCase("Succeeded")) {
            throw new RawArmException(what, new ArmFailure(200, "ProvisioningState" + state, "the resource ended " + state, null));
        }
    }

    private static String provisioningState(String body) {
        try {
            return ArmJson.string(ArmJson.parse(body), "properties.provisioningState");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean terminal(String state) {
        String s = state.toLowerCase(Locale.ROOT);
        return s.equals("succeeded") || s.equals("failed") || s.equals("canceled") || s.equals("cancelled");
    }

    // ------------------------------------------------------------------------------------------------ typed LROs

    /**
     * Waits for a generated client's long-running operation by polling it ourselves: each wait is the server's
     * {@code Retry-After} or the configured poll interval, slept through the injected clock.
     */
    public <T> T await(SyncPoller<PollResult<T>, T> poller, String what) {
        Instant deadline = settings.clock().now().plus(settings.operationTimeout());
        PollResponse<PollResult<T>> r = poller.poll();
        while (!r.getStatus().isComplete()) {
            pause(r.getRetryAfter(), deadline, what);
            r = poller.poll();
        }
        if (r.getStatus() == LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            return poller.getFinalResult();
        }
        PollResult.Error err = r.getValue() == null ? null : r.getValue().getError();
        ArmFailure f = err == null ? new ArmFailure(0, "OperationFailed", "the operation ended " + r.getStatus(), null)
                : ArmFailure.of(err.getResponseStatusCode(), err.getResponseBody(), null);
        throw new RawArmException(what, f);
    }

    /**
     * Runs an operation again when it failed only because another operation was running on the resource: the
     * operation itself ended with a code of {@link ArmRetryPolicy#RETRYABLE_CONFLICT_CODES} (a long-running
     * operation's final status), per the mesh's retry policy. A busy 409 answer is not retried here: the HTTP pipeline
     * ({@link ArmRetryPolicy}) already did, and retrying it again would cost N×N requests. {@link ArmErrors#exception}
     * reports a busy failure that outlasted the attempts as not retryable, so the engine does not start the step again.
     */
    public <T> T withOperationRetry(String what, Supplier<T> op) {
        return Retries.call(settings.retryPolicy(), settings.clock(), e -> busy(e) && ArmFailure.of(e).status() != 409,
                e -> ArmFailure.of(e).retryAfter(),
                (attempt, wait, e) -> LOG.info("{}: Azure reports {}; starting it again in {} ms", what, ArmFailure.of(e).code(),
                        wait.toMillis()), op);
    }

    /** Whether a failure only says the resource is busy with another operation. */
    static boolean busy(Throwable e) {
        ArmFailure f = ArmFailure.of(e);
        return f.code() != null && ArmRetryPolicy.RETRYABLE_CONFLICT_CODES.contains(f.code());
    }

    private void pause(Duration hint, Instant deadline, String what) {
        Duration wait = hint != null ? hint : settings.pollInterval();
        if (settings.clock().now().plus(wait).isAfter(deadline)) {
            throw new MeshTimeoutException(what + " did not finish within " + settings.operationTimeout(),
                    Details.meshWide().atStep("azure")
                            .fix("check the operation in the Azure portal (activity log) and run again; it resumes where it stopped")
                            .retryable(true));
        }
        sleep(wait);
    }

    private void sleep(Duration d) {
        try {
            settings.clock().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Azure", e);
        }
    }

    @Override
    public String toString() {
        return "ArmSession[" + settings.endpoint() + ", subscription " + subscription + "]";
    }
}
