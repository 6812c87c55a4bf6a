package io.clustermesh.testing.reliability;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.testing.MeshLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency: every command run twice in a row on a 3-cluster lab; the first run changes the mesh, the second plans no
 * write and sends not a single write request to any cluster (the lab's request counters). Read-only commands (plan,
 * status) never write.
 */
class IdempotencyTest {

    @Test
    void everyCommandRunTwiceWritesNothingTheSecondTime() {
        try (MeshLab lab = Reliability.lab(3).start();
             Mesh mesh = lab.meshBuilder().build()) {
            twice(lab, "apply", Mesh::plan, mesh);
            Reliability.assertHealthy(mesh.status(), 3);

            Reliability.resetCounts(lab);
            mesh.plan();
            mesh.status();
            Reliability.assertNothingWritten(lab, "plan and status");

            twice(lab, "disconnect cluster3", m -> m.planDisconnect("cluster3"), mesh);
            assertThat(mesh.status().cluster("cluster1").connectedPeers()).containsExactly("cluster2");

            twice(lab, "connect again", Mesh::plan, mesh);
            Reliability.assertHealthy(mesh.status(), 3);

            twice(lab, "disable", Mesh::planDisable, mesh);
            for (String c : new String[] {"cluster1", "cluster2", "cluster3"}) {
                lab.cilium(c).awaitRemotes(r -> !lab.cilium(c).apiserverRunning(), Duration.ofSeconds(20)); // the apiserver is gone
            }

            twice(lab, "connect after disable", Mesh::plan, mesh);
            Reliability.assertHealthy(mesh.status(), 3);
        }
    }

    /**
     * Plans and applies; it must succeed and change something. Plans and applies again: no write step is planned, no
     * step changes anything, and no cluster receives a write request (the lock is not even taken).
     */
    private static void twice(MeshLab lab, String command, Function<Mesh, MeshPlan> planner, Mesh mesh) {
        MeshReport first = mesh.apply(planner.apply(mesh));
        assertThat(first.succeeded()).as(command + " (first run)\n" + first.toText()).isTrue();
        assertThat(first.changedSteps()).as(command + " (first run) changes the mesh").isPositive();

        Reliability.resetCounts(lab);
        MeshPlan again = planner.apply(mesh);
        assertThat(again.writeSteps()).as(command + " (second plan)\n" + again.toText()).isZero();
        MeshReport second = mesh.apply(again);
        assertThat(second.succeeded()).as(command + " (second run)\n" + second.toText()).isTrue();
        assertThat(second.changedSteps()).as(command + " (second run) changes nothing\n" + second.toText()).isZero();
        Reliability.assertNothingWritten(lab, command + " (second run)");
        assertThat(lab.clusters()).allSatisfy(c -> assertThat(c.counts().reads()).as(c.name() + " was read").isPositive());
    }
}
