package io.clustermesh.cilium.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Independent calls (reads of one cluster) run at once on the mesh's executor, from code that may itself run on that
 * executor (a step). The caller never waits for a call no thread has taken yet: it runs such calls itself, so a busy
 * or bounded executor makes the calls sequential instead of deadlocking.
 */
final class Parallel {
    private Parallel() {
    }

    /**
     * The results of {@code calls}, in order.
     *
     * @throws RuntimeException the first call's failure in order (others are dropped); errors as they are
     */
    static <T> List<T> all(Executor executor, List<Supplier<T>> calls) {
        Objects.requireNonNull(executor, "executor");
        List<Call<T>> tasks = new ArrayList<>(calls.size());
        for (Supplier<T> s : calls) {
            tasks.add(new Call<>(Objects.requireNonNull(s, "call")));
        }
        for (int i = 1; i < tasks.size(); i++) {
            Call<T> t = tasks.get(i);
            try {
                executor.execute(t::runUnlessTaken);
            } catch (RejectedExecutionException e) {
                // the caller runs it below
            }
        }
        for (Call<T> t : tasks) {
            t.runUnlessTaken();
        }
        List<T> out = new ArrayList<>(tasks.size());
        for (Call<T> t : tasks) {
            out.add(t.result());
        }
        return out;
    }

    private static final class Call<T> {
        private final Supplier<T> supplier;
        private final AtomicBoolean taken = new AtomicBoolean();
        private final CompletableFuture<T> result = new CompletableFuture<>();

        Call(Supplier<T> supplier) {
            this.supplier = supplier;
        }

        void runUnlessTaken() {
            if (!taken.compareAndSet(false, true)) {
                return;
            }
            try {
                result.complete(supplier.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }

        T result() {
            try {
                return result.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }
    }
}
