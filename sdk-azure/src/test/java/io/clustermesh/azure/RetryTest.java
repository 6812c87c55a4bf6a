package io.clustermesh.azure;

import io.clustermesh.Finding;
import io.clustermesh.MeshAccessException;
import io.clustermesh.MeshConflictException;
import io.clustermesh.MeshUnreachableException;
import io.clustermesh.RetryPolicy;
import io.clustermesh.spi.Discovery;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.requests.Fault;
import io.clustermesh.testing.requests.FaultRule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One retry layer, ours: the Azure pipeline has no retry policy of its own, so each number below is exactly the
 * requests the fake ARM saw. Waits are the server's Retry-After or our backoff, slept through the fake clock.
 */
class RetryTest {
    private FakeArm arm;
    private Lab.FakeClock clock;
    private AzureCloudProvider azure;

    @BeforeEach
    void start() {
        arm = Lab.fakeArm();
        clock = new Lab.FakeClock();
        azure = Lab.provider(arm, clock); // RetryPolicy.defaults(): 6 attempts, 200 ms doubling up to 10 s
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    /** The two-cluster lab, for reads; provisioning tests start from an empty subscription. */
    private void seed() {
        Lab.seed(arm, 2);
        for (int i = 1; i <= 2; i++) {
            arm.registerKubeconfig(Lab.rg(i), Lab.aks(i), KubeconfigSamples.staticToken(Lab.aks(i)));
        }
    }

    @Test
    void throttlingWithRetryAfterIsRetriedAfterTheServersWait() {
        seed();
        arm.addFault(FaultRule.always(Fault.throttle(Duration.ofSeconds(3))).forMethods("GET").forPath(".*/managedClusters/aks-ciliumlab").times(2));
        Discovery d = azure.discover(Lab.spec(2));
        assertThat(d.findings()).isEmpty();
        assertThat(d.spec().clusters().get(0).podCidr()).isEqualTo("10.10.0.0/16");
        // 2 throttled + 1 answered
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(3);
        assertThat(arm.counts().faults()).isEqualTo(2);
        assertThat(clock.sleeps).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
        assertThat(azure.retries(Lab.SUB)).isEqualTo(2);
    }

    @Test
    void serverErrorsAreRetriedWithBackoff() {
        seed();
        arm.addFault(FaultRule.always(Fault.serverError()).forPath(".*/managedClusters/aks-ciliumlab2/listClusterUserCredential").times(3));
        Discovery d = azure.discover(Lab.spec(2));
        assertThat(d.findings()).isEmpty();
        // 3 x 500 + 1 answered
        assertThat(arm.counts().path(Lab.aksId(2) + "/listClusterUserCredential")).isEqualTo(4);
        assertThat(clock.sleeps).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800));
    }

    @Test
    void connectionResetsAreRetried() {
        seed();
        arm.addFault(FaultRule.always(Fault.connectionReset()).forPath(".*/virtualHubs/hub1").times(2));
        List<Finding> f = azure.preflight(Lab.spec(2));
        assertThat(f).filteredOn(Finding::isError).isEmpty();
        assertThat(arm.counts().path(Lab.hubId())).isEqualTo(3);
    }

    @Test
    void aPermanentForbiddenIsNotRetried() {
        seed();
        arm.forbidden(".*/virtualHubs/hub1", "GET");
        List<Finding> f = azure.preflight(Lab.spec(2));
        assertThat(f).filteredOn(x -> x.code().equals(AzureFindingCodes.AUTHORIZATION_FAILED)).singleElement()
                .satisfies(x -> {
                    assertThat(x.path()).isEqualTo(Lab.hubId());
                    assertThat(x.remediation()).contains("Reader").contains(Lab.hubId());
                });
        assertThat(arm.counts().path(Lab.hubId())).isEqualTo(1);
        assertThat(clock.sleeps).isEmpty();
        assertThat(azure.retries(Lab.SUB)).isZero();
    }

    @Test
    void throttlingThatNeverEndsStopsAfterThePolicysAttempts() {
        seed();
        arm.addFault(FaultRule.always(Fault.throttle(Duration.ofSeconds(30))).forPath(".*/managedClusters/aks-ciliumlab"));
        Discovery d = azure.discover(Lab.spec(2));
        // the other Azure checks still run; the throttled cluster is not read a second time
        assertThat(d.findings()).filteredOn(Finding::isError).singleElement().satisfies(x -> {
            assertThat(x.code()).isEqualTo(AzureFindingCodes.ARM_UNAVAILABLE);
            assertThat(x.message()).contains("429").contains("after every retry");
        });
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(6);
        // Retry-After 30 s is capped at the policy's 10 s maximum
        assertThat(clock.sleeps).hasSize(5).allSatisfy(s -> assertThat(s).isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    void aBusyResourceConflictOnAWriteIsRetried() {
        arm.addFault(FaultRule.always(Fault.conflict()).forMethods("PUT").forPath(".*/virtualHubs/hub1").times(2));
        ProvisionResult r = azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus"));
        assertThat(r.clusters()).hasSize(3);
        // GET (404), then PUT answered 409 twice, then the PUT that went through and the poller's read of the result
        assertThat(arm.counts().path(Lab.hubId())).isEqualTo(5);
        assertThat(arm.counts().faults()).isEqualTo(2);
        assertThat(azure.retries(Lab.SUB)).as("retried by the HTTP pipeline").isEqualTo(2);
    }

    @Test
    void aResourceThatStaysBusyIsTriedThePolicysAttemptsByOneLayerOnly() {
        arm.addFault(FaultRule.always(Fault.conflict()).forMethods("PUT").forPath(".*/virtualHubs/hub1"));
        assertThatThrownBy(() -> azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus")))
                .isInstanceOf(MeshConflictException.class)
                .hasMessageContaining("409").hasMessageContaining("after every retry")
                .satisfies(e -> assertThat(((MeshConflictException) e).retryable())
                        .as("retried already: the engine must not start the step again").isFalse());
        // the read (404) and 6 PUTs (RetryPolicy.defaults()), not 6 x 6 (pipeline and operation each retrying)
        assertThat(arm.counts().path(Lab.hubId())).isEqualTo(7);
        assertThat(arm.counts().faults()).isEqualTo(6);
        assertThat(azure.retries(Lab.SUB)).as("all 5 retries by the HTTP pipeline").isEqualTo(5);
    }

    @Test
    void aForbiddenWriteStopsProvisioningWithTheRoleToGrant() {
        arm.forbidden(".*/virtualNetworks/vnet-ciliumlab2", "PUT");
        assertThatThrownBy(() -> azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus")))
                .isInstanceOf(MeshAccessException.class)
                .hasMessageContaining("403 AuthorizationFailed").hasMessageContaining("Microsoft.Network/virtualNetworks/write")
                .satisfies(e -> assertThat(((MeshAccessException) e).remediation()).contains("Network Contributor")
                        .contains(Lab.vnetId(2)));
        assertThat(arm.counts().method("PUT")).isPositive();
        assertThat(arm.counts().path(Lab.vnetId(2))).isEqualTo(2); // the read (404) and one PUT, not retried
    }

    @Test
    void pollsOfLongRunningOperationsAreRetriedToo() {
        arm.addFault(FaultRule.always(Fault.throttle(Duration.ofSeconds(1))).forMethods("GET").forPath(".*/operationStatuses/.*").times(2));
        ProvisionResult r = azure.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus"));
        assertThat(r.writes()).isEqualTo(24); // 21 resources and 3 role assignments
        assertThat(arm.counts().faults()).isEqualTo(2);
    }

    @Test
    void noRetryPolicyMeansOneAttempt() {
        seed();
        AzureCloudProvider once = Lab.provider(arm, clock, RetryPolicy.none());
        arm.addFault(FaultRule.always(Fault.serverError()).forPath(".*/managedClusters/aks-ciliumlab").times(1));
        Discovery d = once.discover(Lab.spec(2));
        assertThat(d.findings()).filteredOn(Finding::isError).extracting(Finding::code).containsExactly(AzureFindingCodes.ARM_UNAVAILABLE);
        assertThat(arm.counts().path(Lab.aksId(1))).isEqualTo(1);
    }

    @Test
    void anUnreachableArmIsAFindingInPreflightAndAnExceptionInProvisioning() {
        AzureCloudProvider nowhere = AzureCloudProvider.builder().armEndpoint("http://127.0.0.1:9").clock(clock)
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), 1.0, Duration.ofMillis(1))).build();
        List<Finding> f = nowhere.preflight(Lab.spec(2));
        assertThat(f).filteredOn(Finding::isError).isNotEmpty()
                .allSatisfy(x -> assertThat(x.code()).isEqualTo(AzureFindingCodes.ARM_UNAVAILABLE));
        assertThatThrownBy(() -> nowhere.topology().apply(AzureLabTopology.article(Lab.SUB, "eastus")))
                .isInstanceOf(MeshUnreachableException.class).hasMessageContaining("connection failed");
    }
}
