package io.clustermesh.spring;

import io.clustermesh.report.MeshStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The status cache: one read per interval whatever the number of probes; failures are not cached. */
class MeshStatusCacheTest {
    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void probesWithinTheIntervalShareOneRead() {
        MutableClock clock = new MutableClock();
        AtomicInteger reads = new AtomicInteger();
        MeshStatusCache cache = new MeshStatusCache(() -> new MeshStatus("m" + reads.incrementAndGet(), clock.now, List.of()),
                Duration.ofSeconds(30), clock);
        assertThat(cache.peek()).isNull();
        assertThat(cache.get().mesh()).isEqualTo("m1");
        clock.now = clock.now.plusSeconds(29);
        assertThat(cache.get().mesh()).isEqualTo("m1");
        assertThat(cache.get().mesh()).isEqualTo("m1");
        clock.now = clock.now.plusSeconds(1);
        assertThat(cache.get().mesh()).isEqualTo("m2");
        cache.invalidate();
        assertThat(cache.get().mesh()).isEqualTo("m3");
        assertThat(cache.reads()).isEqualTo(3);
    }

    @Test
    void zeroReadsEveryTimeAndAFailureIsNotCached() {
        MutableClock clock = new MutableClock();
        AtomicInteger calls = new AtomicInteger();
        MeshStatusCache cache = new MeshStatusCache(() -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("cluster2 unreachable");
            }
            return new MeshStatus("m", clock.now, List.of());
        }, Duration.ZERO, clock);
        cache.get();
        assertThatThrownBy(cache::get).hasMessage("cluster2 unreachable");
        cache.get();
        assertThat(calls).hasValue(3);
        assertThatThrownBy(() -> new MeshStatusCache(() -> null, Duration.ofSeconds(-1), clock))
                .hasMessageContaining("clustermesh.status.cache-for");
    }
}
