package io.clustermesh.azure.internal;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.clustermesh.MeshClock;
import io.clustermesh.RetryPolicy;
import io.clustermesh.internal.Retries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SDK's request retry layer for Azure Resource Manager, placed in the HTTP pipeline instead of Azure's own
 * {@code RetryPolicy} (which is left out). It retries every ARM request, including long-running-operation polls
 * (a transient 429 on a poll would otherwise fail the operation), on:
 * <ul>
 *   <li>429 throttling, honouring {@code Retry-After} / {@code x-ms-retry-after-ms};</li>
 *   <li>408, 500, 502, 503, 504;</li>
 *   <li>409 whose error code says the resource is busy ({@link #RETRYABLE_CONFLICT_CODES});</li>
 *   <li>connection failures (reset, refused, timeouts).</li>
 * </ul>
 * This is the only layer that retries a busy 409 answer: {@link ArmSession#withOperationRetry} starts an operation
 * again only when the operation itself failed with a busy code (a long-running operation's final status, which this
 * policy never sees), so a busy 409 costs N requests for a policy of N attempts, not N×N. 403 and every other 4xx
 * are returned at once. Whether and how long
 * to wait is decided by {@link Retries#delay}, the SDK's one retry decision; waits go through the injected
 * {@link MeshClock}, so tests never sleep for real. Only the method and path are logged: never headers (tokens) or
 * bodies (kubeconfigs).
 */
public final class ArmRetryPolicy implements HttpPipelinePolicy {
    private static final Logger LOG = LoggerFactory.getLogger(ArmRetryPolicy.class);
    private static final Set<Integer> TRANSIENT_STATUS = Set.of(408, 429, 500, 502, 503, 504);
    /** ARM error codes of a 409 that mean "the resource is busy, try again". */
    public static final Set<String> RETRYABLE_CONFLICT_CODES = Set.of("AnotherOperationInProgress",
            "RetryableErrorDueToAnotherOperation", "OperationNotAllowedAnotherOperationInProgress");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final Pattern ERROR_CODE = Pattern.compile("\"code\"\\s*:\\s*\"([^\"]+)\"");

    private final RetryPolicy policy;
    private final MeshClock clock;
    private final AtomicLong retries = new AtomicLong();

    public ArmRetryPolicy(RetryPolicy policy, MeshClock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Retries scheduled so far by this policy (diagnostics). */
    public long retries() {
        return retries.get();
    }

    // ---------------------------------------------------------------- async (the generated clients use this path)

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return attempt(context, next, 1);
    }

    private Mono<HttpResponse> attempt(HttpPipelineCallContext context, HttpPipelineNextPolicy next, int attempt) {
        HttpRequest request = context.getHttpRequest();
        return next.clone().process()
                .map(Outcome::response)
                .onErrorResume(e -> Mono.just(Outcome.failure(e)))
                .flatMap(o -> {
                    if (o.error != null) {
                        Optional<Duration> wait = afterFailure(request, o.error, attempt);
                        return wait.isPresent() ? sleep(wait.get()).then(Mono.defer(() -> attempt(context, next, attempt + 1)))
                                : Mono.error(o.error);
                    }
                    Mono<Decision> decision = Mono.fromCallable(() -> {
                        HttpResponse[] answer = {o.response};
                        return new Decision(afterResponse(request, answer, attempt), answer[0]);
                    });
                    // a 409's body is read (blocking) to find its error code: off the caller's thread
                    if (o.response.getStatusCode() == 409) {
                        decision = decision.subscribeOn(Schedulers.boundedElastic());
                    }
                    return decision.flatMap(d -> d.delay().isPresent()
                            ? sleep(d.delay().get()).then(Mono.defer(() -> attempt(context, next, attempt + 1)))
                            : Mono.just(d.response()));
                });
    }

    private Mono<Void> sleep(Duration d) {
        return Mono.<Void>fromRunnable(() -> sleepNow(d)).subscribeOn(Schedulers.boundedElastic());
    }

    // ---------------------------------------------------------------- sync (raw calls)

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        HttpRequest request = context.getHttpRequest();
        for (int attempt = 1; ; attempt++) {
            HttpResponse response;
            try {
                response = next.clone().processSync();
            } catch (RuntimeException e) {
                Optional<Duration> wait = afterFailure(request, e, attempt);
                if (wait.isPresent()) {
                    sleepNow(wait.get());
                    continue;
                }
                throw e;
            }
            HttpResponse[] answer = {response};
            Optional<Duration> wait = afterResponse(request, answer, attempt);
            if (wait.isPresent()) {
                sleepNow(wait.get());
                continue;
            }
            return answer[0];
        }
    }

    // ---------------------------------------------------------------- shared

    /** The wait before trying again after a transport failure (logged), or empty. */
    private Optional<Duration> afterFailure(HttpRequest request, Throwable failure, int attempt) {
        Optional<Duration> wait = Retries.delay(policy, attempt, isTransient(failure), null);
        wait.ifPresent(w -> logRetry(request, "failed (" + failure.getClass().getSimpleName() + ")", attempt, w));
        return wait;
    }

    /**
     * The wait before trying again after an answer (logged; the answer is then closed), or empty to return it. A 409
     * is buffered to read its error code, and the buffered copy is returned in its place.
     */
    private Optional<Duration> afterResponse(HttpRequest request, HttpResponse[] answer, int attempt) {
        HttpResponse response = answer[0];
        int status = response.getStatusCode();
        logCall(request, status);
        String code = null;
        if (status == 409) {
            response = response.buffer();
            answer[0] = response;
            code = errorCode(response.getBodyAsBinaryData().toString());
        }
        boolean again = TRANSIENT_STATUS.contains(status) || code != null && RETRYABLE_CONFLICT_CODES.contains(code);
        Optional<Duration> wait = Retries.delay(policy, attempt, again, again ? retryAfter(response) : null);
        if (wait.isPresent()) {
            response.close();
            logRetry(request, "answered " + status + (code == null ? "" : " " + code), attempt, wait.get());
        }
        return wait;
    }

    private void sleepNow(Duration d) {
        try {
            clock.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry an Azure request", e);
        }
    }

    /** DEBUG: method, path, api-version and status of every ARM call (never headers or bodies). */
    private static void logCall(HttpRequest request, int status) {
        if (LOG.isDebugEnabled()) {
            String query = request.getUrl().getQuery();
            String api = null;
            if (query != null) {
                for (String kv : query.split("&")) {
                    if (kv.startsWith("api-version=")) {
                        api = kv.substring("api-version=".length());
                    }
                }
            }
            LOG.debug("ARM {} {}{} -> {}", request.getHttpMethod(), ArmPaths.pathOf(request.getUrl()),
                    api == null ? "" : " (api-version " + api + ")", status);
        }
    }

    private void logRetry(HttpRequest request, String what, int attempt, Duration wait) {
        retries.incrementAndGet();
        LOG.info("ARM {} {} {}; retry {} of {} in {} ms", request.getHttpMethod(), ArmPaths.pathOf(request.getUrl()), what,
                attempt, policy.maxAttempts() - 1, wait.toMillis());
    }

    /** Whether a transport failure is worth another attempt (connection reset/refused, timeouts). */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException
                    || t instanceof HttpTimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The ARM error code of an error body {@code {"error":{"code":...}}}, or {@code null}. */
    static String errorCode(String body) {
        if (body == null) {
            return null;
        }
        Matcher m = ERROR_CODE.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    /** The server's wait hint: {@code x-ms-retry-after-ms}, {@code retry-after-ms}, or {@code Retry-After} (seconds or date). */
    public static Duration retryAfter(HttpResponse response) {
        return retryAfter(response.getHeaderValue(X_MS_RETRY_AFTER_MS), response.getHeaderValue(RETRY_AFTER_MS),
                response.getHeaderValue(HttpHeaderName.RETRY_AFTER));
    }

    static Duration retryAfter(String msHeader, String msHeader2, String retryAfter) {
        return retryAfter(msHeader, msHeader2, retryAfter, Instant.now()); // an HTTP date is the server's wall time
    }

    /** As {@link #retryAfter(String, String, String)}, an HTTP date counted from {@code now}. */
    static Duration retryAfter(String msHeader, String msHeader2, String retryAfter, Instant now) {
        for (String ms : new String[] {msHeader, msHeader2}) {
            if (ms != null) {
                try {
                    return Duration.ofMillis(Math.max(0, Long.parseLong(ms.trim())));
                } catch (NumberFormatException ignored) {
                    // fall through
                }
            }
        }
        if (retryAfter == null || retryAfter.isBlank()) {
            return null;
        }
        String v = retryAfter.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException ignored) {
            // an HTTP date
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(now, at.toInstant());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (RuntimeException ignored) {
            return null;
        }
    }

    private record Decision(Optional<Duration> delay, HttpResponse response) {
    }

    private static final class Outcome {
        final HttpResponse response;
        final Throwable error;

        private Outcome(HttpResponse response, Throwable error) {
            this.response = response;
            this.error = error;
        }

        static Outcome response(HttpResponse r) {
            return new Outcome(r, null);
        }

        static Outcome failure(Throwable e) {
            return new Outcome(null, e);
        }
    }
}
