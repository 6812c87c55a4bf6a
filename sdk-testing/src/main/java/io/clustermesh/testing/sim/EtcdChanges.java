package io.clustermesh.testing.sim;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the real agents learn from their etcd watches, for the simulated ones: a change number per running
 * clustermesh-apiserver etcd (by the loopback address it really listens on), moved on whenever what a peer would read
 * there may have changed — the etcd started, the simulated clustermesh-apiserver wrote or deleted a key (not the
 * heartbeat: its age is checked on the lab clock instead), the etcd was stopped or its process ended. A Cilium agent
 * holds a watch on each remote etcd and hears of each change as it happens (cilium/cilium
 * {@code pkg/kvstore/etcd.go}, {@code ListAndWatch}); the simulated agents instead read a peer again in full when its
 * number moved, and otherwise keep their last answer (see {@code SimulatedAgents}).
 *
 * <p>Numbers come from one process-wide sequence, so an etcd started later on a port another one used never shows a
 * number seen before. {@code -1} means "not known": never reuse an answer. Thread-safe.
 */
final class EtcdChanges {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Map<InetSocketAddress, Long> LAST = new ConcurrentHashMap<>();

    private EtcdChanges() {
    }

    /** The etcd at {@code address} started, or something in it changed. */
    static void changed(InetSocketAddress address) {
        LAST.put(address, SEQUENCE.incrementAndGet());
    }

    /** The etcd at {@code address} was stopped: nothing is known of that address any more. */
    static void gone(InetSocketAddress address) {
        LAST.remove(address);
    }

    /** The etcd's process ended (however): its number moves on if the address is still known. */
    static void exited(InetSocketAddress address) {
        LAST.computeIfPresent(address, (a, n) -> SEQUENCE.incrementAndGet());
    }

    /** The current change number of the etcd at {@code address}, {@code -1} when it is not known. */
    static long of(InetSocketAddress address) {
        Long n = LAST.get(address);
        return n == null ? -1 : n;
    }
}
