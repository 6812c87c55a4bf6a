package io.clustermesh.cilium.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ParallelTest {

    @Test
    void callsRunAtOnceAndResultsKeepTheirOrder() {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            CountDownLatch all = new CountDownLatch(3);
            Supplier<String> a = () -> waitForAll(all, "a");
            Supplier<String> b = () -> waitForAll(all, "b");
            Supplier<String> c = () -> waitForAll(all, "c");
            assertThat(Parallel.all(pool, List.of(a, b, c))).containsExactly("a", "b", "c");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExecutorWithoutAFreeThreadMakesTheCallsSequentialNotStuck() throws Exception {
        ExecutorService one = Executors.newFixedThreadPool(1);
        CountDownLatch stop = new CountDownLatch(1);
        try {
            one.execute(() -> await(stop)); // its only thread is busy (as a step running on the mesh's executor would be)
            assertThat(Parallel.all(one, List.<Supplier<Integer>>of(() -> 1, () -> 2, () -> 3))).containsExactly(1, 2, 3);
        } finally {
            stop.countDown();
            one.shutdownNow();
        }
    }

    @Test
    void theFirstFailureInOrderIsThrownAsItIs() {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            IllegalStateException boom = new IllegalStateException("boom");
            assertThatThrownBy(() -> Parallel.all(pool, List.<Supplier<Integer>>of(() -> 1, () -> {
                throw boom;
            }))).isSameAs(boom);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String waitForAll(CountDownLatch all, String result) {
        all.countDown();
        await(all);
        return result;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the calls did not run at the same time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
