package io.clustermesh.testing.sim;

import io.clustermesh.model.IpCidr;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The simulated world's address book as the simulated Cilium uses it: where a lab address ({@code <lb ip>:2379},
 * {@code <cluster>.mesh.cilium.io:2379}) is really served on loopback, and which sources its load balancer admits.
 * The lab's {@code LoopbackResolver} is the one implementation; the interface lives here so that the simulator does
 * not depend on the lab that runs it.
 */
public interface LabNetwork {

    /** Maps {@code host:port} of the simulated world to a loopback address (replacing an earlier mapping). */
    void register(String host, int port, InetSocketAddress loopback);

    /** @return whether there was a mapping */
    boolean unregister(String host, int port);

    /** Lets only connections from these ranges reach {@code host:port}; an empty list removes the restriction. */
    void restrictSources(String host, int port, List<IpCidr> ranges);

    /** Whether a connection from {@code sourceIp} to {@code host:port} passes its source ranges (if any). */
    boolean admits(String host, int port, String sourceIp);

    /** Where {@code host:port} is served, if it is a lab address. */
    Optional<InetSocketAddress> resolve(String host, int port);
}
