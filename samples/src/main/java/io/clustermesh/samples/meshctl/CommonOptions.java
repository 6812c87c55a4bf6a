package io.clustermesh.samples.meshctl;

import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Options every mesh command takes. */
final class CommonOptions {
    enum Output { text, json }

    @Option(names = "--spec", paramLabel = "FILE", description = "the mesh spec (kind: Mesh YAML)")
    Path spec;

    @Option(names = "--lab", description = "run against an embedded lab created for the spec (no Azure, no real clusters)")
    boolean lab;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig file for clusters given by kubeContext without their own file")
    Path kubeconfig;

    @Option(names = "--arm-endpoint", paramLabel = "URL", description = "Azure Resource Manager endpoint (sovereign clouds, Azure Stack, local fakes)")
    URI armEndpoint;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json: exactly one JSON document on stdout, progress on stderr")
    Output output = Output.text;

    @Option(names = {"-v", "--verbose"}, description = "more progress and error causes (never keys or tokens)")
    boolean verbose;

    boolean json() {
        return output == Output.json;
    }
}
