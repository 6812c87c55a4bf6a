package io.clustermesh.azure;

import io.clustermesh.MeshException;
import io.clustermesh.MeshTimeoutException;
import io.clustermesh.azure.internal.ArmJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Long-running-operation edge cases on plain WireMock stubs (the shared fake has no failing operations): an operation
 * that ends {@code Failed} because another one was running is started again; one that fails for good stops the run
 * with ARM's code; one that never ends hits the deadline on the injected clock.
 */
class LroEdgeTest {
    private TestArm arm;
    private Lab.FakeClock clock;
    private final AzureLabTopology lab = AzureLabTopology.article(Lab.SUB, "eastus");

    @BeforeEach
    void start() {
        arm = new TestArm();
        clock = new Lab.FakeClock();
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private AzureCloudProvider azure() {
        return AzureCloudProvider.builder().armEndpoint(arm.url()).clock(clock).pollInterval(Duration.ofSeconds(5))
                .operationTimeout(Duration.ofMinutes(30)).build();
    }

    private static String failed(String code) {
        return ArmJson.write(Map.of("status", "Failed", "error", Map.of("code", code, "message", "operation failed (test)")));
    }

    @Test
    void anOperationThatFailedBecauseAnotherWasRunningIsStartedAgain() {
        arm.inProgressPolls = 0;
        // the first operation polled (the Virtual WAN's) ends Failed with a retryable code
        arm.sequence("GET", "/operations/.*", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(failed("RetryableErrorDueToAnotherOperation")));
        ProvisionResult r = azure().topology().apply(lab);
        assertThat(r.clusters()).hasSize(3);
        assertThat(arm.count("PUT", ".*/virtualWans/vwan-ciliumlab")).isEqualTo(2);
        assertThat(arm.count("PUT", ".*/virtualHubs/hub1")).isEqualTo(1);
    }

    @Test
    void anOperationThatFailsForGoodStopsWithArmsCode() {
        arm.inProgressPolls = 0;
        arm.sequence("GET", "/operations/.*", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(failed("InvalidParameter")));
        assertThatThrownBy(() -> azure().topology().apply(lab)).isInstanceOf(MeshException.class)
                .hasMessageContaining("creating Virtual WAN").hasMessageContaining("InvalidParameter")
                .hasMessageContaining(Lab.wanId());
        assertThat(arm.count("PUT", ".*/virtualWans/vwan-ciliumlab")).isEqualTo(1);
    }

    @Test
    void anOperationThatNeverEndsHitsTheDeadlineOnTheInjectedClock() {
        arm.inProgressPolls = Integer.MAX_VALUE;
        arm.retryAfterSeconds = 60;
        assertThatThrownBy(() -> azure().topology().apply(lab)).isInstanceOf(MeshTimeoutException.class)
                .hasMessageContaining("did not finish within PT30M");
        // 30 minutes of 60 s waits, none real
        assertThat(clock.sleeps).hasSize(30).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(60)));
    }

    @Test
    void kubeProxyUpdateWithAbsentReadBackIsRememberedByTag() {
        arm.inProgressPolls = 1;
        arm.hideKubeProxyConfig = true;
        ProvisionResult first = azure().topology().apply(lab);
        assertThat(first.notes()).containsKey("cluster1.kubeProxy");
        assertThat(first.changes()).filteredOn(c -> c.type().equals("kubeProxyConfig"))
                .allSatisfy(c -> assertThat(c.detail()).contains("read-back absent"));
        assertThat(arm.count("PUT", ".*/managedClusters/.*")).isEqualTo(6);
        arm.resetRequests();
        ProvisionResult second = azure().topology().apply(lab);
        assertThat(second.writes()).isZero();
        assertThat(arm.writes()).isZero();
        assertThat(second.changes()).filteredOn(c -> c.type().equals("kubeProxyConfig"))
                .allSatisfy(c -> assertThat(c.detail()).contains("tag clustermesh.io/kube-proxy"));
    }
}
