package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench's CPU sampler: its pace, and that a busy SDK-named thread's CPU is counted as the SDK's. */
class CpuAttributionTest {

    @Test
    void theSamplerWaitsNineTimesAsLongAsASampleTookWhenThatIsLongerThanItsInterval() {
        assertThat(CpuAttribution.nextDelayMs(0)).isEqualTo(CpuAttribution.SAMPLE_MS);
        assertThat(CpuAttribution.nextDelayMs(11)).isEqualTo(CpuAttribution.SAMPLE_MS);
        assertThat(CpuAttribution.nextDelayMs(12)).isEqualTo(108);
        assertThat(CpuAttribution.nextDelayMs(400)).isEqualTo(3_600);
    }

    @Test
    void aBusyThreadNamedLikeTheSdksPoolsCountsAsSdkCpu() throws InterruptedException {
        // the thread works until it has used 500 ms of its own CPU, then ends
        Thread busy = new Thread(() -> {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long x = 0;
            while (threads.getCurrentThreadCpuTime() < 500_000_000L) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.print(""); // keep the loop
            }
        }, "clustermesh-test-busy");
        CpuAttribution cpu = CpuAttribution.start(Thread.currentThread());
        busy.start();
        busy.join(60_000);
        assertThat(busy.isAlive()).as("the busy thread used its 500 ms of CPU within a minute").isFalse();
        // the thread ended before stop(): what the samples saw of it (up to the last sample before it ended) still counts
        CpuAttribution.Result r = cpu.stop();
        assertThat(r.sdkCpuMs()).isGreaterThanOrEqualTo(50);
        assertThat(r.processCpuMs()).isGreaterThanOrEqualTo(r.sdkCpuMs());
    }
}
