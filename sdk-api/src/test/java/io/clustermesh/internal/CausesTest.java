package io.clustermesh.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Low-level failures in the user's terms: what happened, from the root cause, never a Java class name. */
class CausesTest {

    @Test
    void rootCausesAreDescribedWithoutClassNames() {
        assertThat(Causes.describe(new IOException("x", new ConnectException("Connection refused")))).isEqualTo("connection refused");
        assertThat(Causes.describe(new UncheckedIOException(new ClosedChannelException()))).isEqualTo("the connection was closed by the other side");
        assertThat(Causes.describe(new UnknownHostException("aks-1.hcp.eastus.azmk8s.io"))).isEqualTo("unknown host aks-1.hcp.eastus.azmk8s.io");
        assertThat(Causes.describe(new AccessDeniedException("/etc/kube"))).isEqualTo("permission denied");
        assertThat(Causes.describe(new IllegalStateException("the pool is closed\nat line 2"))).isEqualTo("the pool is closed");
        assertThat(Causes.describe(new IllegalStateException())).isEqualTo("an unexpected error (run with --verbose for its details)");
        for (Throwable t : List.of(new ClosedChannelException(), new NullPointerException(), new RuntimeException(new ClosedChannelException()))) {
            assertThat(Causes.describe(t)).doesNotContain("Exception").isNotBlank();
        }
    }
}
