package io.clustermesh.testing.requests;

import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of the requests a fake server received (the lab's own internal requests excluded).
 *
 * @param total    all requests
 * @param reads    requests that cannot change state (GET, HEAD, watches; ARM credential listings)
 * @param writes   requests that may change state (POST, PUT, PATCH, DELETE; for ARM: PUT, PATCH, DELETE)
 * @param faults   requests answered with an injected {@link Fault} (or a forbidden rule)
 * @param byMethod count per upper-case HTTP method
 * @param byPath   count per request path without query
 */
public record RequestCounts(long total, long reads, long writes, long faults, Map<String, Long> byMethod,
                            Map<String, Long> byPath) {

    public RequestCounts {
        byMethod = Map.copyOf(Objects.requireNonNull(byMethod, "byMethod"));
        byPath = Map.copyOf(Objects.requireNonNull(byPath, "byPath"));
    }

    /** Requests of that method (e.g. {@code "PUT"}). */
    public long method(String method) {
        return byMethod.getOrDefault(method.toUpperCase(java.util.Locale.ROOT), 0L);
    }

    /** Requests of that exact path (without query). */
    public long path(String path) {
        return byPath.getOrDefault(path, 0L);
    }

    /** PUT and PATCH requests together. */
    public long putsAndPatches() {
        return method("PUT") + method("PATCH");
    }
}
