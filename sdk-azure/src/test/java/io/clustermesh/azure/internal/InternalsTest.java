package io.clustermesh.azure.internal;

import io.clustermesh.model.IpCidr;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure helpers: kubeconfig inspection, subnet arithmetic, Retry-After parsing, role advice, ids. */
class InternalsTest {

    @Test
    void kubeconfigsAreRecognisedWithoutQuotingThem() {
        String yaml = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://a.hcp.eastus.azmk8s.io:443\n  name: a\n"
                + "contexts:\n- context: {cluster: a, user: u}\n  name: a\nusers:\n- name: u\n  user:\n    token: s3cr3t\n";
        Kubeconfigs.Inspection ok = Kubeconfigs.inspect(yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(ok.kind()).isEqualTo(Kubeconfigs.Kind.STATIC);
        assertThat(ok.server()).isEqualTo("https://a.hcp.eastus.azmk8s.io:443");
        assertThat(ok.toString()).doesNotContain("s3cr3t");

        String exec = yaml.replace("    token: s3cr3t\n", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [get-token]\n");
        Kubeconfigs.Inspection aad = Kubeconfigs.inspect(exec.getBytes(StandardCharsets.UTF_8));
        assertThat(aad.kind()).isEqualTo(Kubeconfigs.Kind.EXEC_KUBELOGIN);
        assertThat(aad.execCommand()).isEqualTo("kubelogin");

        String other = exec.replace("command: kubelogin", "command: /usr/local/bin/aws-iam-authenticator");
        assertThat(Kubeconfigs.inspect(other.getBytes(StandardCharsets.UTF_8)).kind()).isEqualTo(Kubeconfigs.Kind.EXEC_OTHER);

        String json = "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"clusters\":[],\"contexts\":[],\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"t\"}}]}";
        assertThat(Kubeconfigs.inspect(json.getBytes(StandardCharsets.UTF_8)).kind()).isEqualTo(Kubeconfigs.Kind.STATIC);

        Kubeconfigs.Inspection notOne = Kubeconfigs.inspect("credentialValue1".getBytes(StandardCharsets.UTF_8));
        assertThat(notOne.kind()).isEqualTo(Kubeconfigs.Kind.INVALID);
        assertThat(notOne.problem()).contains("not a kubeconfig").contains("clusters users contexts").doesNotContain("credentialValue1");
        assertThat(notOne.text()).isNull();

        assertThat(Kubeconfigs.inspect(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x12}).problem()).contains("not text");
        assertThat(Kubeconfigs.inspect(new byte[0]).kind()).isEqualTo(Kubeconfigs.Kind.INVALID);
        assertThat(Kubeconfigs.inspect(null).kind()).isEqualTo(Kubeconfigs.Kind.INVALID);
    }

    @Test
    void subnetAddressesSkipWhatAzureReserves() {
        IpCidr s = IpCidr.parse("10.1.0.0/24");
        assertThat(SubnetAddresses.reservedByAzure(s, "10.1.0.0")).isTrue();
        assertThat(SubnetAddresses.reservedByAzure(s, "10.1.0.3")).isTrue();
        assertThat(SubnetAddresses.reservedByAzure(s, "10.1.0.4")).isFalse();
        assertThat(SubnetAddresses.reservedByAzure(s, "10.1.0.254")).isFalse();
        assertThat(SubnetAddresses.reservedByAzure(s, "10.1.0.255")).isTrue();
        assertThat(SubnetAddresses.reservedByAzure(s, "10.2.0.255")).isFalse();
        assertThat(SubnetAddresses.highestFree(s, Set.of())).contains("10.1.0.254");
        assertThat(SubnetAddresses.highestFree(s, Set.of("10.1.0.254", "10.1.0.253"))).contains("10.1.0.252");
        IpCidr tiny = IpCidr.parse("10.9.0.0/29"); // .0-.3 and .7 reserved: .4 .5 .6 usable
        assertThat(SubnetAddresses.highestFree(tiny, Set.of("10.9.0.6", "10.9.0.5", "10.9.0.4"))).isEmpty();
        assertThat(SubnetAddresses.indexOf(s, "10.1.0.10")).isEqualTo(10);
        assertThat(SubnetAddresses.indexOf(s, "10.1.1.10")).isEqualTo(-1);
    }

    @Test
    void retryAfterHeadersAreParsedInEveryForm() {
        assertThat(ArmRetryPolicy.retryAfter(null, null, "7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(ArmRetryPolicy.retryAfter("1500", null, "7")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ArmRetryPolicy.retryAfter(null, "250", null)).isEqualTo(Duration.ofMillis(250));
        assertThat(ArmRetryPolicy.retryAfter(null, null, null)).isNull();
        assertThat(ArmRetryPolicy.retryAfter(null, null, "soon")).isNull();
        Instant now = Instant.parse("2026-11-26T12:00:00Z");
        String date = now.plusSeconds(30).atZone(ZoneOffset.UTC).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(ArmRetryPolicy.retryAfter(null, null, date, now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(ArmRetryPolicy.retryAfter(null, null, date, now.plusSeconds(45))).as("a date in the past").isZero();
        assertThat(ArmRetryPolicy.errorCode("{\"error\":{\"code\":\"AnotherOperationInProgress\",\"message\":\"x\"}}"))
                .isEqualTo("AnotherOperationInProgress");
    }

    @Test
    void aForbiddenActionMapsToTheRoleThatGrantsIt() {
        String subnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks";
        assertThat(ArmErrors.roleFor("Microsoft.Network/virtualNetworks/subnets/join/action", subnet, subnet))
                .contains("Network Contributor on the subnet " + subnet).contains("internal load balancer");
        assertThat(ArmErrors.roleFor("Microsoft.Network/virtualNetworks/subnets/read", subnet, subnet))
                .contains("Reader").contains("Network Contributor on this subnet");
        assertThat(ArmErrors.roleFor("Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", "/x", "/x"))
                .startsWith("grant Azure Kubernetes Service Cluster User Role on /x");
        assertThat(ArmErrors.roleFor("Microsoft.ContainerService/managedClusters/write", "/x", "/x"))
                .contains("Azure Kubernetes Service Contributor Role");
        assertThat(ArmErrors.roleFor("Microsoft.Network/virtualHubs/write", null, "/hub")).contains("Network Contributor on /hub");
        assertThat(ArmErrors.roleFor("Microsoft.Resources/subscriptions/resourcegroups/write", "/subscriptions/s", "/x"))
                .contains("Contributor on /subscriptions/s");
    }

    @Test
    void forbiddenMessagesArePulledApart() {
        ArmFailure f = ArmFailure.of(403, "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client 'a' with object id 'b' "
                + "does not have authorization to perform action 'Microsoft.Network/virtualHubs/read' over scope '/subscriptions/s/x' "
                + "or the scope is invalid.\"}}", null);
        assertThat(f.forbidden()).isTrue();
        assertThat(f.transientFailure()).isFalse();
        assertThat(f.deniedAction()).isEqualTo("Microsoft.Network/virtualHubs/read");
        assertThat(f.deniedScope()).isEqualTo("/subscriptions/s/x");
        assertThat(f.summary()).isEqualTo("403 AuthorizationFailed");
        assertThat(ArmFailure.of(409, "{\"error\":{\"code\":\"RetryableErrorDueToAnotherOperation\"}}", null).transientFailure()).isTrue();
        assertThat(ArmFailure.of(409, "{\"error\":{\"code\":\"Conflict\"}}", null).transientFailure()).isFalse();
        assertThat(ArmFailure.of(new java.io.UncheckedIOException(new java.net.ConnectException("refused"))).summary())
                .isEqualTo("connection failed (connection refused)");
    }

    @Test
    void idsCompareLikeArmDoes() {
        String a = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V";
        assertThat(ArmPaths.same(a, a.toLowerCase() + "/")).isTrue();
        assertThat(ArmPaths.vnetOfSubnet(a + "/subnets/aks")).isEqualTo(a);
        assertThat(ArmPaths.segment(a, "resourcegroups")).isEqualTo("RG");
        assertThat(ArmPaths.segment(a, "loadBalancers")).isNull();
    }
}
