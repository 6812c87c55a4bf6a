package io.clustermesh.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import io.clustermesh.MeshClock;
import io.clustermesh.RetryPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How to reach ARM: the cloud, the credential (made on first use), the retry policy, the clock for every wait,
 * the default LRO poll interval (a {@code Retry-After} wins) and the deadline of one long-running operation.
 *
 * @param credential null over plain http (the bearer-token policy refuses plain http, so none is installed there)
 */
public record ArmSettings(AzureEnvironment environment, String tenantId, Supplier<TokenCredential> credential,
                          RetryPolicy retryPolicy, MeshClock clock, Duration pollInterval, Duration operationTimeout,
                          HttpClient httpClient) {
    public ArmSettings {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(operationTimeout, "operationTimeout");
    }

    /** The ARM endpoint without a trailing slash. */
    public String endpoint() {
        String e = environment.getResourceManagerEndpoint();
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        return e;
    }

    public boolean plainHttp() {
        return endpoint().regionMatches(true, 0, "http://", 0, 7);
    }

    @Override
    public String toString() {
        return "ArmSettings[" + endpoint() + (plainHttp() ? ", no credential" : ", credential") + ", " + retryPolicy + "]";
    }
}
