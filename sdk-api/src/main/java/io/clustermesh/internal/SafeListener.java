package io.clustermesh.internal;

import io.clustermesh.event.CredentialPlugin;
import io.clustermesh.event.MeshListener;
import io.clustermesh.event.PlanFinished;
import io.clustermesh.event.PlanStarted;
import io.clustermesh.event.RetryScheduled;
import io.clustermesh.event.Resuming;
import io.clustermesh.event.StepFailed;
import io.clustermesh.event.StepFinished;
import io.clustermesh.event.StepStarted;
import io.clustermesh.event.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/** Fans events out to listeners; a listener that throws is logged and ignored. */
public final class SafeListener implements MeshListener {
    private static final Logger LOG = LoggerFactory.getLogger(SafeListener.class);
    private final List<MeshListener> delegates;

    public SafeListener(List<MeshListener> delegates) {
        this.delegates = List.copyOf(delegates);
    }

    private void each(String event, Consumer<MeshListener> call) {
        for (MeshListener l : delegates) {
            try {
                call.accept(l);
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError vme) {
                    throw vme;
                }
                LOG.warn("listener {} threw on {} (ignored): {}", l.getClass().getName(), event, e.toString());
            }
        }
    }

    @Override
    public void planStarted(PlanStarted e) {
        each("planStarted", l -> l.planStarted(e));
    }

    @Override
    public void planFinished(PlanFinished e) {
        each("planFinished", l -> l.planFinished(e));
    }

    @Override
    public void stepStarted(StepStarted e) {
        each("stepStarted", l -> l.stepStarted(e));
    }

    @Override
    public void stepFinished(StepFinished e) {
        each("stepFinished", l -> l.stepFinished(e));
    }

    @Override
    public void stepFailed(StepFailed e) {
        each("stepFailed", l -> l.stepFailed(e));
    }

    @Override
    public void retryScheduled(RetryScheduled e) {
        each("retryScheduled", l -> l.retryScheduled(e));
    }

    @Override
    public void waiting(Waiting e) {
        each("waiting", l -> l.waiting(e));
    }

    @Override
    public void credentialPlugin(CredentialPlugin e) {
        each("credentialPlugin", l -> l.credentialPlugin(e));
    }

    @Override
    public void resuming(Resuming e) {
        each("resuming", l -> l.resuming(e));
    }
}
