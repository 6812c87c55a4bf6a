package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

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
        AtomicBoolean run = new AtomicBoolean(true);
        Thread busy = new Thread(() -> {
            long x = 0;
            while (run.get()) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.print(""); // keep the loop
            }
        }, "clustermesh-test-busy");
        CpuAttribution cpu = CpuAttribution.start(Thread.currentThread());
        busy.start();
        Thread.sleep(1_000);
        run.set(false);
        busy.join();
        // the thread ended before stop(): what the samples saw of it (up to the last sample before it ended) still counts
        CpuAttribution.Result r = cpu.stop();
        assertThat(r.sdkCpuMs()).isGreaterThanOrEqualTo(50);
        assertThat(r.processCpuMs()).isGreaterThanOrEqualTo(r.sdkCpuMs());
    }
}
