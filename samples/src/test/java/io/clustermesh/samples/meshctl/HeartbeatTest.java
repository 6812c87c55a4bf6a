package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The heartbeat of waits without SDK events, on a hand-driven clock (nothing sleeps). */
class HeartbeatTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong();

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void at(long millis, Heartbeat h) {
        now.set(millis * 1_000_000);
        h.tick();
    }

    @Test
    void silentForASecondThenWhatHowLongAndTheDeadlineEveryFiveSeconds() {
        Heartbeat h = new Heartbeat(err, false, "the status of 3 clusters", "each request gives up after 30.0s", now::get);
        at(900, h);
        assertThat(printed()).as("a wait under a second shows nothing").isEmpty();
        at(1_200, h);
        assertThat(printed()).isEqualTo("  \u2026 waiting for the status of 3 clusters: 1.2s so far (each request gives up after 30.0s)\n");
        at(3_000, h);
        at(5_900, h);
        assertThat(printed().lines()).hasSize(1);
        at(6_100, h);
        assertThat(printed().lines()).hasSize(2).last().asString().contains("6.1s so far");
        h.close();
        at(20_000, h);
        assertThat(printed().lines()).as("nothing once the wait is over").hasSize(2);
    }

    @Test
    void onATerminalOneLineIsRewrittenAndClearedAtTheEnd() {
        Heartbeat h = new Heartbeat(err, true, "the embedded lab to start", null, now::get);
        at(1_500, h);
        at(1_750, h);
        h.close();
        assertThat(printed()).startsWith("\r\u001b[2K| waiting for the embedded lab to start: 1.5s so far")
                .contains("\r\u001b[2K/ waiting for the embedded lab to start: 1.8s so far").endsWith("\r\u001b[2K").doesNotContain("\n");
    }

    @Test
    void quietBeatsNever() {
        Heartbeat h = Heartbeat.start(null, false, "anything", null);
        h.tick();
        h.close();
        assertThat(Heartbeat.human(java.time.Duration.ofSeconds(75))).isEqualTo("1m15s");
    }
}
