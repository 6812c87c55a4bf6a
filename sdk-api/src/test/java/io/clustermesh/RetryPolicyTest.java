package io.clustermesh;

import org.junit.jupiter.api.Test;
import io.clustermesh.MeshException.Details;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(200), 2.0, Duration.ofSeconds(1));

    @Test
    void backoffGrowsByTheMultiplierUpToTheCap() {
        assertThat(policy.backoff(1, null)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(2, null)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(3, null)).isEqualTo(Duration.ofMillis(800));
        assertThat(policy.backoff(4, null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(30, null)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aServerHintWinsButIsCapped() {
        assertThat(policy.backoff(1, Duration.ofMillis(700))).isEqualTo(Duration.ofMillis(700));
        assertThat(policy.backoff(3, Duration.ZERO)).isEqualTo(Duration.ZERO);
        assertThat(policy.backoff(1, Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void onlyRetryableMeshExceptionsAreRetriedAndOnlyBelowMaxAttempts() {
        MeshException transient_ = new MeshUnreachableException("reset", Details.inCluster("c").fix("retry"));
        assertThat(policy.shouldRetry(transient_, 1)).isTrue();
        assertThat(policy.shouldRetry(transient_, 4)).isTrue();
        assertThat(policy.shouldRetry(transient_, 5)).isFalse();
        assertThat(policy.shouldRetry(new MeshPreconditionException("m",
                Details.inCluster("c").fix("r")), 1)).isFalse();
        assertThat(policy.shouldRetry(new IllegalStateException(new IOException("reset")), 1)).isFalse();
        assertThat(RetryPolicy.none().shouldRetry(transient_, 1)).isFalse();
    }

    @Test
    void defaultsAreSixAttemptsFrom200MsDoublingTo10s() {
        assertThat(RetryPolicy.defaults()).isEqualTo(new RetryPolicy(6, Duration.ofMillis(200), 2.0, Duration.ofSeconds(10)));
    }

    @Test
    void impossiblePoliciesAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RetryPolicy(0, Duration.ZERO, 1, Duration.ZERO))
                .withMessageContaining("maxAttempts");
        assertThatIllegalArgumentException().isThrownBy(() -> new RetryPolicy(2, Duration.ofMillis(-1), 1, Duration.ZERO))
                .withMessageContaining("negative");
        assertThatIllegalArgumentException().isThrownBy(() -> new RetryPolicy(2, Duration.ZERO, 0.5, Duration.ZERO))
                .withMessageContaining("multiplier");
    }
}
