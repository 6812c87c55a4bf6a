package io.clustermesh;

import io.clustermesh.report.MeshReport;
import io.clustermesh.report.StepOutcome;
import io.clustermesh.report.StepReport;
import org.junit.jupiter.api.Test;
import io.clustermesh.MeshException.Details;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** How errors and findings read when printed: what a CLI user sees. */
class ErrorFormatsTest {

    @Test
    void describePrefixesTheClusterAndAppendsTheFix() {
        MeshException e = new MeshPreconditionException("another CNI (azure) is installed",
                Details.inCluster("cluster2").fix("create the cluster with network plugin none"));
        assertThat(e.describe()).isEqualTo("cluster2: another CNI (azure) is installed\n  fix: create the cluster with network plugin none");
    }

    @Test
    void describeDoesNotRepeatAClusterPrefixTheMessageAlreadyHas() {
        MeshException e = new MeshUnreachableException("cluster1: connection refused",
                Details.inCluster("cluster1").fix("check the VPN"));
        assertThat(e.describe()).isEqualTo("cluster1: connection refused\n  fix: check the VPN");
    }

    @Test
    void describeWithoutClusterOrRemediationIsTheMessage() {
        MeshException e = MeshException.internal("something broke", Details.meshWide());
        assertThat(e.describe()).isEqualTo("something broke");
        assertThat(e.remediation()).isEmpty();
    }

    @Test
    void exceptionsCarryTheirTypedCodeAndKeepLibraryExceptionsAsCause() {
        IOException io = new IOException("reset");
        MeshException e = new MeshUnreachableException("cluster1: reading cilium-config failed",
                Details.inCluster("cluster1").atStep("cluster1/read").fix("check the network").retryAfter(Duration.ofSeconds(7)).cause(io));
        assertThat(e.code()).isEqualTo(ErrorCode.UNREACHABLE);
        assertThat(e.cluster()).isEqualTo("cluster1");
        assertThat(e.step()).isEqualTo("cluster1/read");
        assertThat(e.retryable()).isTrue();
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(e.getCause()).isSameAs(io);
        assertThat(new MeshAccessException("m", Details.inCluster("c").fix("r")).code()).isEqualTo(ErrorCode.ACCESS);
        assertThat(new MeshConflictException("m", Details.inCluster("c").fix("r"))).satisfies(c -> {
            assertThat(c.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(c.retryable()).isTrue();
        });
        assertThat(new MeshTimeoutException("m", Details.inCluster("c").fix("r")).code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(MeshException.internal("m", Details.meshWide()).code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void retryabilityFollowsTheTypeUnlessTheThrowerSaysOtherwise() {
        Details where = Details.inCluster("c").fix("r");
        assertThat(new MeshConflictException("m", where).retryable()).isTrue();
        assertThat(new MeshUnreachableException("m", where).retryable()).isTrue();
        assertThat(new MeshAccessException("m", where).retryable()).isFalse();
        assertThat(new MeshPreconditionException("m", where).retryable()).isFalse();
        assertThat(new MeshTimeoutException("m", where).retryable()).isFalse();
        assertThat(MeshException.failed("m", where).retryable()).isFalse();
        assertThat(MeshException.internal("m", where).retryable()).isFalse();
        assertThat(new MeshConflictException("m", where.retryable(false)).retryable()).isFalse();
        assertThat(new MeshTimeoutException("m", where.retryable(true)).retryable()).isTrue();
        assertThat(MeshException.failed("m", where).code()).isEqualTo(ErrorCode.OPERATION);
    }

    @Test
    void detailsAreImmutableSoOneCanBeSharedAndExtended() {
        Details base = Details.inCluster("cluster1").fix("check the network");
        MeshException stepped = new MeshUnreachableException("cluster1: reset", base.atStep("cluster1/read").cause(new IOException("reset")));
        MeshException plain = new MeshUnreachableException("cluster1: reset", base);
        assertThat(stepped.step()).isEqualTo("cluster1/read");
        assertThat(stepped.getCause()).isInstanceOf(IOException.class);
        assertThat(plain.step()).isNull();
        assertThat(plain.getCause()).isNull();
        assertThat(plain.remediation()).isEqualTo("check the network");
        assertThat(new MeshAccessException("m", Details.meshWide()).cluster()).isNull();
        assertThat(new MeshAccessException("m", Details.meshWide()).remediation()).isEmpty();
        assertThat(base.cause(new IOException("secret-token-value"))).hasToString(
                "Details[cluster=cluster1, step=null, fix=check the network, cause=IOException]");
    }

    @Test
    void aConfigurationProblemMadeFromDetailsIsItsOneFinding() {
        MeshConfigurationException e = new MeshConfigurationException("'cluster9' is not a cluster of mesh m",
                Details.inCluster("cluster9").fix("use a cluster name from the spec"));
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.findings()).containsExactly(Finding.error("CONFIGURATION", "cluster9", "",
                "'cluster9' is not a cluster of mesh m", "use a cluster name from the spec"));
        assertThat(e.describe()).isEqualTo("cluster9: 'cluster9' is not a cluster of mesh m\n  fix: use a cluster name from the spec");
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
