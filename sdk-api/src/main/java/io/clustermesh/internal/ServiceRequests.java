package io.clustermesh.internal;

import io.clustermesh.GlobalServiceRequest;
import io.clustermesh.ProbeRequest;
import io.clustermesh.ProbeResult;
import io.clustermesh.ServiceUpdate;

/**
 * Makes the request objects of {@code mesh.services()} for the driver that carries them out. The requests have no
 * public constructor (what carries them out is not part of the API); each hands its constructor to this class when
 * it is initialised, as {@link io.clustermesh.report.PlanStep} does for {@link PlanSteps}.
 */
public final class ServiceRequests {
    /** What carries out a {@link GlobalServiceRequest}. */
    public interface GlobalServiceWriter {
        /** Makes the Service global with the requested settings in the requested clusters. */
        ServiceUpdate apply(GlobalServiceRequest request);

        /** Removes every global-service annotation (canonical and legacy) in the requested clusters. */
        ServiceUpdate remove(GlobalServiceRequest request);
    }

    /** What sends the requests of a {@link ProbeRequest}. */
    @FunctionalInterface
    public interface ProbeSender {
        ProbeResult send(String namespace, String name, String fromCluster, int requests);
    }

    /** What {@link GlobalServiceRequest} lends to this class. */
    @FunctionalInterface
    public interface GlobalFactory {
        GlobalServiceRequest create(String namespace, String name, GlobalServiceWriter writer);
    }

    /** What {@link ProbeRequest} lends to this class. */
    @FunctionalInterface
    public interface ProbeFactory {
        ProbeRequest create(String namespace, String name, ProbeSender sender);
    }

    private static volatile GlobalFactory globals;
    private static volatile ProbeFactory probes;

    private ServiceRequests() {
    }

    /** Called once, by {@link GlobalServiceRequest}'s static initialiser; later calls are ignored. */
    public static synchronized void setGlobalFactory(GlobalFactory f) {
        if (globals == null) {
            globals = f;
        }
    }

    /** Called once, by {@link ProbeRequest}'s static initialiser; later calls are ignored. */
    public static synchronized void setProbeFactory(ProbeFactory f) {
        if (probes == null) {
            probes = f;
        }
    }

    /** {@code mesh.services().global(namespace, name)}, carried out by {@code writer}. */
    public static GlobalServiceRequest global(String namespace, String name, GlobalServiceWriter writer) {
        if (globals == null) {
            AccessHelpers.initialise(GlobalServiceRequest.class);
        }
        return globals.create(namespace, name, writer);
    }

    /** {@code mesh.services().probe(namespace, name)}, sent by {@code sender}. */
    public static ProbeRequest probe(String namespace, String name, ProbeSender sender) {
        if (probes == null) {
            AccessHelpers.initialise(ProbeRequest.class);
        }
        return probes.create(namespace, name, sender);
    }
}
