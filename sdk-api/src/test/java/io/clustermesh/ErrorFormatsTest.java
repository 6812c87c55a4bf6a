package io.clustermesh;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** How errors and findings read when printed: what a CLI user sees. */
class ErrorFormatsTest {

    @Test
    void describePrefixesTheClusterAndAppendsTheFix() {
        MeshException e = new MeshPreconditionException("cluster2", "another CNI (azure) is installed",
                "create the cluster with network plugin none", null);
        assertThat(e.describe()).isEqualTo("cluster2: another CNI (azure) is installed\n  fix: create the cluster with network plugin none");
    }

    @Test
    void describeDoesNotRepeatAClusterPrefixTheMessageAlreadyHas() {
        MeshException e = new MeshUnreachableException("cluster1", "cluster1: connection refused", "check the VPN", null);
        assertThat(e.describe()).isEqualTo("cluster1: connection refused\n  fix: check the VPN");
    }

    @Test
    void describeWithoutClusterOrRemediationIsTheMessage() {
        MeshException e = new MeshException(ErrorCode.INTERNAL, null, "something broke", null, null);
        assertThat(e.describe()).isEqualTo("something broke");
        assertThat(e.remediation()).isEmpty();
    }

    @Test
    void exceptionsCarryTheirTypedCodeAndKeepLibraryExceptionsAsCause() {
        IOException io = new IOException("reset");
        MeshException e = new MeshUnreachableException("cluster1", "cluster1/read", "cluster1: reading cilium-config failed",
                "check the network", true, Duration.ofSeconds(7), io);
        assertThat(e.code()).isEqualTo(ErrorCode.UNREACHABLE);
        assertThat(e.cluster()).isEqualTo("cluster1");
        assertThat(e.step()).isEqualTo("cluster1/read");
        assertThat(e.retryable()).isTrue();
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(e.getCause()).isSameAs(io);
        assertThat(new MeshAccessException("c", "m", "r", null).code()).isEqualTo(ErrorCode.ACCESS);
        assertThat(new MeshConflictException("c", "m", "r", null)).satisfies(c -> {
            assertThat(c.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(c.retryable()).isTrue();
        });
        assertThat(new MeshTimeoutException("c", "m", "r", null).code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(new MeshException(null, null, "m", null, null).code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void findingToStringHasSeverityCodeClusterPathMessageAndFix() {
        Finding f = Finding.error("CLUSTER_ID_DUPLICATE", "cluster2", "spec.clusters[1].id",
                "remote and local cluster have the same, non-unique ID: 1", "give every cluster a unique id");
        assertThat(f).hasToString("ERROR CLUSTER_ID_DUPLICATE [cluster2] spec.clusters[1].id: "
                + "remote and local cluster have the same, non-unique ID: 1. Fix: give every cluster a unique id");
    }

    @Test
    void findingToStringLeavesOutAMissingClusterAndPath() {
        Finding f = Finding.warning("HUB_ROUTING", null, null, "the hub is still provisioning", "wait and plan again");
        assertThat(f.path()).isEmpty();
        assertThat(f).hasToString("WARNING HUB_ROUTING: the hub is still provisioning. Fix: wait and plan again");
        assertThat(f.isError()).isFalse();
    }

    @Test
    void operationExceptionListsTheFailedClustersAndSteps() {
        MeshReport report = new MeshReport("article", "apply", Fixtures.T0, Fixtures.T0, java.util.List.of(
                new StepReport("cluster2/helm-upgrade", "cluster2", "helm-upgrade", StepOutcome.FAILED, false, 1, Fixtures.T0,
                        Fixtures.T0, "failed", ErrorCode.PRECONDITION, "cluster2: another CNI is installed", "remove it")),
                java.util.List.of());
        MeshOperationException e = new MeshOperationException(report);
        assertThat(e.getMessage()).isEqualTo("apply failed for cluster2\n  cluster2 helm-upgrade: cluster2: another CNI is installed");
        assertThat(e.report()).isSameAs(report);
    }
}
