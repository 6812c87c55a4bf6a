package io.clustermesh.testing.requests;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which requests of a fake server get a {@link Fault}: the k-th request, a share of requests, or every request;
 * optionally only requests of some methods or paths, and at most a number of times.
 *
 * <p>Decisions are deterministic: a rate rule decides request number {@code n} from the lab's seed and {@code n}
 * alone, so the same sequence of requests sees the same faults in every run. Requests are numbered from 1 per fake
 * server, counting every request the server receives (the lab's own internal requests excluded). An
 * {@link #onRequest} rule counts from the moment it is added: {@code onRequest(1, ..)} hits the next request.
 *
 * <pre>{@code
 * FaultRule.onRequest(3, Fault.serverError())                       // the 3rd request fails with 500
 * FaultRule.atRate(0.2, Fault.throttle(Duration.ofSeconds(1)))      // 20 % get 429, Retry-After: 1
 * FaultRule.always(Fault.hang()).forMethods("PUT").times(2)         // the next two PUTs never get an answer
 * FaultRule.always(Fault.connectionReset()).forPath(".../secrets/.*")
 * }</pre>
 *
 * @param fault       the fault to inject
 * @param nth         which request after the rule was added (1-based) gets the fault, or 0 when the rule is rate-based
 * @param rate        the share of matching requests that get the fault (0..1) when {@code nth} is 0
 * @param methods     upper-case HTTP methods the rule applies to; empty = all
 * @param pathPattern a regular expression the request path (without query) must match entirely; {@code null} = all
 * @param times       how many times the rule may fire; {@code Integer.MAX_VALUE} = unlimited
 */
public record FaultRule(Fault fault, long nth, double rate, Set<String> methods, Pattern pathPattern, int times) {

    public FaultRule {
        Objects.requireNonNull(fault, "fault");
        if (nth < 0) {
            throw new IllegalArgumentException("request numbers start at 1: " + nth);
        }
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("rate must be within 0..1: " + rate);
        }
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1: " + times);
        }
        methods = Set.copyOf(Objects.requireNonNull(methods, "methods"));
    }

    /** The k-th request (1-based) after the rule is added gets the fault. */
    public static FaultRule onRequest(long k, Fault fault) {
        if (k < 1) {
            throw new IllegalArgumentException("request numbers start at 1: " + k);
        }
        return new FaultRule(fault, k, 0.0, Set.of(), null, 1);
    }

    /** Each matching request gets the fault with probability {@code rate}, decided from the seed. */
    public static FaultRule atRate(double rate, Fault fault) {
        return new FaultRule(fault, 0, rate, Set.of(), null, Integer.MAX_VALUE);
    }

    /** Every matching request gets the fault. */
    public static FaultRule always(Fault fault) {
        return atRate(1.0, fault);
    }

    /** A copy that only applies to these HTTP methods. */
    public FaultRule forMethods(String... httpMethods) {
        Set<String> m = Arrays.stream(httpMethods).map(s -> s.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        return new FaultRule(fault, nth, rate, m, pathPattern, times);
    }

    /** A copy that only applies to paths (without query) that match the regular expression entirely. */
    public FaultRule forPath(String regex) {
        return new FaultRule(fault, nth, rate, methods, Pattern.compile(regex), times);
    }

    /** A copy that fires at most {@code n} times. */
    public FaultRule times(int n) {
        return new FaultRule(fault, nth, rate, methods, pathPattern, n);
    }

    /** Whether the rule applies to a request of that method and path (ignoring number, rate and count). */
    public boolean matches(String method, String path) {
        return (methods.isEmpty() || methods.contains(method.toUpperCase(Locale.ROOT)))
                && (pathPattern == null || pathPattern.matcher(path).matches());
    }
}
