package io.clustermesh.spi;

/** Output of a command run in a container. */
public record ExecResult(int exitCode, String stdout, String stderr) {
    public ExecResult {
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }
}
