package io.clustermesh.cilium.helm;

import io.clustermesh.cilium.MockClusters;
import io.clustermesh.spi.ClusterConnection;
import io.clustermesh.spi.HelmRelease;
import io.clustermesh.spi.SecretData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A revision a stopped run left pending: what the planner reads, and how it is marked failed before the next upgrade. */
class HelmStorageInterruptedTest {
    static final String NS = "kube-system";
    MockClusters clusters;
    ClusterConnection conn;

    @BeforeEach
    void start() {
        clusters = new MockClusters("cluster1");
        conn = clusters.connection("cluster1");
    }

    @AfterEach
    void stop() {
        conn.close();
        clusters.close();
    }

    private void store(int revision, String status, String manifest) {
        conn.putSecret(NS, HelmStorage.encode(new HelmRelease("cilium", NS, revision, status, "cilium", "1.16.19",
                Map.of("cluster", Map.of("name", "cluster1"))), manifest, Instant.parse("2026-11-26T00:00:00Z")));
    }

    @Test
    void aPendingNewestRevisionIsWhatThePlannerSeesAndIsMarkedFailedWithEverythingElseKept() throws Exception {
        store(1, "deployed", "kind: ConfigMap # v1");
        store(2, "pending-upgrade", "kind: ConfigMap # v2");

        assertThat(HelmStorage.current(conn, NS, "cilium")).get().extracting(HelmRelease::revision, HelmRelease::status)
                .containsExactly(2, "pending-upgrade");
        assertThat(HelmStorage.deployed(conn, NS, "cilium")).get().extracting(HelmRelease::revision).isEqualTo(1);

        assertThat(HelmStorage.markInterruptedFailed(conn, NS, "cilium")).contains(2);

        SecretData v2 = conn.secret(NS, HelmStorage.secretName("cilium", 2)).orElseThrow();
        assertThat(v2.labels()).containsEntry("status", "failed").containsEntry("owner", "helm").containsEntry("version", "2");
        assertThat(v2.type()).isEqualTo(HelmStorage.SECRET_TYPE);
        HelmRelease failed = HelmStorage.decode("cluster1", v2);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.values()).isEqualTo(Map.of("cluster", Map.of("name", "cluster1")));
        String json;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(v2.data().get("release"))))) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(json).as("the manifest and the rest of the release are kept").contains("kind: ConfigMap # v2").contains("first_deployed");
        assertThat(HelmStorage.current(conn, NS, "cilium")).get().extracting(HelmRelease::revision).as("back to the deployed one").isEqualTo(1);
    }

    @Test
    void nothingIsMarkedWhenTheNewestRevisionIsDeployed() {
        store(1, "superseded", "");
        store(2, "deployed", "");

        assertThat(HelmStorage.markInterruptedFailed(conn, NS, "cilium")).isEmpty();
        assertThat(HelmStorage.history(conn, NS, "cilium")).extracting(HelmRelease::status).containsExactly("deployed", "superseded");
        assertThat(HelmStorage.current(conn, NS, "cilium")).get().extracting(HelmRelease::revision).isEqualTo(2);
    }

    @Test
    void anInterruptedFirstInstallIsStillAHelmRelease() {
        store(1, "pending-install", "");

        assertThat(HelmStorage.current(conn, NS, "cilium")).get().extracting(HelmRelease::status).isEqualTo("pending-install");
        assertThat(HelmStorage.deployed(conn, NS, "cilium")).isEmpty();
    }
}
