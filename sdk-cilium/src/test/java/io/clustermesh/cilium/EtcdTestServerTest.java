package io.clustermesh.cilium;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Without etcd the etcd tests are skipped, except in CI where they fail. */
class EtcdTestServerTest {

    @Test
    void missingEtcdSkipsLocallyAndFailsInCi(@TempDir Path empty) {
        assertThatThrownBy(() -> EtcdTestServer.requireEtcd(empty.toString(), null))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("etcd not installed: apt-get install etcd-server");
        assertThatThrownBy(() -> EtcdTestServer.requireEtcd(null, null)).isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> EtcdTestServer.requireEtcd(empty.toString(), "true"))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("CI is set");
    }

    @Test
    void etcdIsFoundOnThePath(@TempDir Path dir) throws Exception {
        Path fake = Files.createFile(dir.resolve("etcd"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertThat(EtcdTestServer.requireEtcd("/nonexistent" + File.pathSeparator + dir, "true")).isEqualTo(fake);
    }
}
