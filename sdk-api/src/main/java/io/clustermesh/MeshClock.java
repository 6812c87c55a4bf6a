package io.clustermesh;

import java.time.Duration;
import java.time.Instant;

/**
 * Time and sleeping, injected so tests never wait for real (see {@code Mesh.Builder#clock}). Backoffs and polling
 * waits go through it; hard step deadlines are real time.
 */
public interface MeshClock {
    Instant now();

    void sleep(Duration duration) throws InterruptedException;

    /** The system clock and {@link Thread#sleep}. */
    static MeshClock system() {
        return SystemClock.INSTANCE;
    }
}

/** The system clock and {@link Thread#sleep}; reached through {@link MeshClock#system()}. */
enum SystemClock implements MeshClock {
    INSTANCE;

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), (int) (duration.toNanosPart() % 1_000_000));
        }
    }
}
