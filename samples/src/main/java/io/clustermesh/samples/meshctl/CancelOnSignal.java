package io.clustermesh.samples.meshctl;

import io.clustermesh.Mesh;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs an apply so that Ctrl-C or SIGTERM stops it cleanly: the signal interrupts the applying thread, the SDK
 * cancels the steps in flight and releases the mesh's change lock with the record of where the run stopped, and the
 * JVM exits (130/143) once that is done or after {@link #GRACE_SECONDS}. The next run names what it resumes.
 * Without this, the JVM would exit at once, the lock would stay held until it expires, and the next run would be
 * refused for that long.
 */
final class CancelOnSignal {
    /** How long a signal waits for the run to unwind before the JVM exits anyway. */
    static final int GRACE_SECONDS = 15;

    private CancelOnSignal() {
    }

    static MeshReport apply(Mesh mesh, MeshPlan plan) {
        Thread worker = Thread.currentThread();
        CountDownLatch unwound = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            worker.interrupt();
            try {
                unwound.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "meshctl-cancel-apply");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return mesh.apply(plan);
        } finally {
            unwound.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns as soon as it sees the latch
            }
        }
    }
}
