package io.clustermesh.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.cilium.helm.HelmJavaTransport;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.HelmRequest;
import io.clustermesh.spi.HelmTransport;
import io.clustermesh.testing.LabEntraId;
import io.clustermesh.testing.MeshLab;
import io.clustermesh.testing.arm.FakeArm;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An AKS cluster with Microsoft Entra ID and local accounts disabled, given only as {@code ClusterAccess.azure(..)}:
 * the SDK reaches it — Kubernetes client and Helm alike — with Entra ID tokens it gets in-process from its Azure
 * credential, never running the {@code kubelogin} its user kubeconfig names. The lab's API server of that cluster
 * accepts only unexpired tokens the lab's Entra ID issued for the AKS scope (it decides that itself), and the lab's
 * time is moved so that the first token expires in the middle of the apply.
 */
class EntraIdMeshTest {
    private static final String AAD = "cluster2";

    /** The SDK's Azure credential in the lab: tokens from the lab's Entra ID, for whatever scope is asked. */
    private static TokenCredential credential(LabEntraId entra) {
        return new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.fromSupplier(() -> getTokenSync(request));
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                LabEntraId.Token t = entra.issue(request.getScopes().get(0));
                return new AccessToken(t.value(), t.expiresAt().atOffset(ZoneOffset.UTC));
            }
        };
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir).resolve(command);
            if (!dir.isBlank() && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The lab's mesh with every cluster given only as an AKS resource. */
    private static MeshSpec azureSpec(MeshLab lab) {
        MeshSpec s = lab.spec();
        List<MeshCluster> clusters = new ArrayList<>();
        for (MeshCluster c : s.clusters()) {
            clusters.add(MeshCluster.named(c.name()).withId(c.id()).withMeshIp(c.meshIp())
                    .withAccess(ClusterAccess.azure(lab.cluster(c.name()).spec().resourceGroup(), c.name())));
        }
        return s.withClusters(clusters);
    }

    @Test
    void anEntraIdOnlyClusterConvergesInAThreeClusterMeshWithoutKubeloginAndItsTokenIsRefreshedWhenItExpiresMidApply() {
        assertThat(onPath("kubelogin")).as("this test shows the SDK needs no kubelogin: none may be on PATH").isEmpty();
        LabEntraId entra = LabEntraId.withLifetime(Duration.ofMinutes(60));
        try (MeshLab lab = MeshLab.builder().clusters(3).nodesPerCluster(1).seed(20_261_204L).arm(true)
                .entraId(entra).entraIdOnly(AAD).start()) {
            FakeArm arm = lab.arm().orElseThrow();
            assertThat(arm.resource(managedClusterId(lab, arm)).orElseThrow()
                    .get("properties")).asString().contains("disableLocalAccounts=true").contains("aadProfile");
            AzureCloudProvider azure = AzureCloudProvider.builder().armEndpoint(arm.url()).credential(credential(entra))
                    .clock(entra.clock()).pollInterval(Duration.ofMillis(50)).build();

            // the first token expires mid-apply: once the first Helm call on the cluster returned, the lab's time moves to
            // 4 minutes before its expiry (the SDK must refresh it from now on, Helm's next kubeconfig included); once the
            // lab has seen the second token (checked at the next step event), 5 more minutes: the first has expired, and any request still carrying it gets 401
            AtomicInteger phase = new AtomicInteger();
            Runnable expireFirst = () -> {
                if (phase.get() == 1 && entra.acceptedTokens() >= 2 && phase.compareAndSet(1, 2)) {
                    entra.advance(Duration.ofMinutes(5));
                }
            };
            MeshListener afterRefresh = new MeshListener() {
                @Override
                public void stepStarted(StepStarted event) {
                    expireFirst.run();
                }

                @Override
                public void stepFinished(StepFinished event) {
                    expireFirst.run();
                }

                @Override
                public void waiting(Waiting event) {
                    expireFirst.run();
                }
            };
            HelmTransport helm = new HelmJavaTransport();
            HelmTransport moving = new HelmTransport() {
                @Override
                public String name() {
                    return helm.name();
                }

                @Override
                public Optional<HelmRelease> release(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
                    return helm.release(connection, cluster, namespace, releaseName);
                }

                @Override
                public HelmRelease upgradeInstall(ClusterConnection connection, MeshCluster cluster, HelmRequest request) {
                    HelmRelease r = helm.upgradeInstall(connection, cluster, request);
                    if (cluster.name().equals(AAD) && phase.compareAndSet(0, 1)) {
                        entra.advance(Duration.ofMinutes(56));
                    }
                    return r;
                }

                @Override
                public boolean uninstall(ClusterConnection connection, MeshCluster cluster, String namespace, String releaseName) {
                    return helm.uninstall(connection, cluster, namespace, releaseName);
                }
            };

            List<String> outputs = new ArrayList<>();
            try (Mesh mesh = lab.meshBuilder().spec(azureSpec(lab)).cloudProvider(azure).helmTransport(moving)
                    .listener(afterRefresh).build()) {
                MeshPlan plan = mesh.plan();
                assertThat(plan.hasErrors()).as(plan.toText()).isFalse();
                assertThat(plan.findings()).filteredOn(f -> f.code().equals(AzureFindingCodes.KUBECONFIG_ENTRA_ID)).singleElement()
                        .satisfies(f -> {
                            assertThat(f.cluster()).isEqualTo(AAD);
                            assertThat(f.message()).contains("local accounts disabled").contains(LabEntraId.AKS_SCOPE);
                        });
                assertThat(plan.findings()).extracting(Finding::code).doesNotContain(AzureFindingCodes.KUBECONFIG_EXEC);
                assertThat(mesh.resolvedSpec().clusters()).filteredOn(c -> c.name().equals(AAD))
                        .singleElement().satisfies(c -> assertThat(c.access().bearerTokens()).isPresent());

                MeshReport report = mesh.apply(plan);
                assertThat(report.succeeded()).as(report.toText()).isTrue();
                MeshStatus status = mesh.status();
                assertThat(status.healthy()).as(status.toText()).isTrue();
                assertThat(status.clusters()).allSatisfy(c -> assertThat(c.connectedPeers()).hasSize(2));

                outputs.addAll(List.of(mesh.toString(), mesh.resolvedSpec().toString(), plan.toString(), plan.toText(), plan.toJson(),
                        report.toString(), report.toText(), report.toJson(), status.toText(), status.toJson(),
                        plan.notes().toString(), azure.toString(), lab.toString(), entra.toString()));
                mesh.resolvedSpec().clusters().forEach(c -> outputs.add(c.access().toString()));
                plan.findings().forEach(f -> outputs.add(f.toString()));
            }

            assertThat(phase.get()).as("the first token expired during the apply").isEqualTo(2);
            assertThat(entra.acceptedTokens()).as("the lab served more than one token").isGreaterThan(1);
            assertThat(entra.rejections()).as("no request carried an expired or missing token: the SDK refreshed before expiry").isZero();
            assertThat(lab.kubeloginRuns()).as("the user kubeconfig's kubelogin was never run").isZero();
            assertThat(lab.cluster(AAD).client().secrets().inNamespace("kube-system").withLabel("owner", "helm").list().getItems())
                    .as("real Helm wrote its release to the Entra-ID-only cluster, with the SDK's tokens").isNotEmpty();
            String first = entra.issuedTokens().get(0);
            assertThat(entra.accepts(first)).as("the first token has really expired in the lab").isFalse();
            for (String out : outputs) {
                for (String token : entra.issuedTokens()) {
                    assertThat(out).doesNotContain(token);
                }
            }
        }
    }

    private static String managedClusterId(MeshLab lab, FakeArm arm) {
        return arm.resourceGroupId(lab.cluster(AAD).spec().resourceGroup()) + "/providers/Microsoft.ContainerService/managedClusters/" + AAD;
    }
}
