package io.clustermesh.testing.day2;

import io.clustermesh.report.CertificateExpiry;
import io.clustermesh.report.ClusterStatus;
import io.clustermesh.Mesh;
import io.clustermesh.MeshClock;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Status reports when the CA and each Cluster Mesh certificate expire, and warns inside the renewal window. */
class CertificateExpiryTest {

    /** The system clock, {@code ahead} in the future. */
    record AheadClock(Duration ahead) implements MeshClock {
        @Override
        public Instant now() {
            return Instant.now().plus(ahead);
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            MeshClock.system().sleep(d);
        }
    }

    @Test
    void statusListsEveryCertificateAndWarnsWhenLessThanRenewBeforeIsLeft() {
        // one-year leaves, explicitly: chart 1.16's default is 1095 days, as long as the default CA (the leaves would end with it)
        try (MeshLab lab = MeshLab.builder().clusters(2)
                .cilium(io.clustermesh.model.CiliumOptions.defaults().withCertificateValidity(Duration.ofDays(365), Duration.ofDays(30))).start()) {
            try (Mesh mesh = lab.meshBuilder().build()) {
                assertThat(mesh.apply(mesh.plan()).succeeded()).isTrue();
                MeshStatus now = mesh.status();
                ClusterStatus c1 = now.cluster("cluster1");
                assertThat(c1.certificates()).extracting(CertificateExpiry::secret).contains("cilium-ca", "clustermesh-apiserver-server-cert",
                        "clustermesh-apiserver-admin-cert", "clustermesh-apiserver-remote-cert");
                assertThat(c1.certificates()).allSatisfy(e -> {
                    assertThat(e.expiring()).isFalse();
                    assertThat(e.left()).isGreaterThan(Duration.ofDays(300));
                });
                assertThat(c1.warnings()).isEmpty();
                assertThat(now.toJson()).contains("\"certificates\"").contains("\"daysLeft\"");
            }
            // 340 days later the one-year leaves have 25 days left, under the default renewBefore of 30 days
            try (Mesh later = lab.meshBuilder().clock(new AheadClock(Duration.ofDays(340))).build()) {
                MeshStatus status = later.status();
                ClusterStatus c2 = status.cluster("cluster2");
                assertThat(c2.certificates()).filteredOn(e -> e.secret().startsWith("clustermesh-apiserver"))
                        .isNotEmpty().allSatisfy(e -> assertThat(e.expiring()).isTrue());
                assertThat(c2.certificates()).filteredOn(e -> e.secret().equals("cilium-ca")).singleElement()
                        .satisfies(e -> assertThat(e.expiring()).isFalse());
                assertThat(c2.warnings()).anySatisfy(w -> assertThat(w).contains("clustermesh-apiserver-server-cert").contains("days left")
                        .contains("run apply"));
                assertThat(status.healthy()).as("a warning does not make the mesh unhealthy").isTrue();
                assertThat(status.toText()).contains("warning: the certificate in secret kube-system/clustermesh-apiserver-server-cert");

                MeshPlan plan = later.plan();
                assertThat(plan.steps()).as(plan.toText()).anyMatch(s -> s.kind().equals("helm-upgrade")
                        && s.changes().stream().anyMatch(ch -> ch.field().contains("tls.server")));
            }
        }
    }
}
