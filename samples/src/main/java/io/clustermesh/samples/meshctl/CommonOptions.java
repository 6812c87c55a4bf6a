package io.clustermesh.samples.meshctl;

import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Options every mesh command takes. */
final class CommonOptions {
    enum Output { text, json }

    @Option(names = "--spec", paramLabel = "FILE", description = "the mesh spec (kind: Mesh YAML)")
    Path spec;

    @Option(names = "--lab", description = "run against an embedded lab created for the spec, for this command only (no Azure, no real clusters);"
            + " 'meshctl lab up' keeps one up for several commands")
    boolean lab;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig file for clusters given by kubeContext without their own file")
    Path kubeconfig;

    @Option(names = "--charts", paramLabel = "DIR", description = "a directory of Cilium chart packages cilium-<version>.tgz (as 'helm pull cilium/cilium"
            + " --version V' saves them; air-gapped sites, 'meshctl lab up'); default: the Cilium Helm repository")
    Path charts;

    @Option(names = "--arm-endpoint", paramLabel = "URL", description = "Azure Resource Manager endpoint (sovereign clouds, Azure Stack, local fakes)")
    URI armEndpoint;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json: exactly one JSON document on stdout, progress on stderr")
    Output output = Output.text;

    @Option(names = {"-v", "--verbose"}, description = "more progress and error causes (never keys or tokens)")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "no progress: only the result, warnings and errors")
    boolean quiet;

    @Option(names = "--allow-exec", description = "let kubeconfig files named inside the spec file run their credential plugin (exec);"
            + " without it such a kubeconfig is refused (KUBECONFIG_EXEC_NOT_ALLOWED). A --kubeconfig you give may always run its plugin")
    boolean allowExec;

    /** The checks of the path and URL options, made before any work. */
    void check(OptionChecks checks) {
        checks.readableFile("--spec", spec, OptionChecks.MAX_SPEC_BYTES, "the mesh spec, a YAML file of kind: Mesh (see samples/specs/article.yaml)");
        checks.readableFile("--kubeconfig", kubeconfig, 0, "a kubeconfig file");
        checks.readableDirectory("--charts", charts, "a directory holding cilium-<version>.tgz chart packages");
        checks.httpUrl("--arm-endpoint", armEndpoint,
                "give an http or https URL of an Azure Resource Manager endpoint, e.g. https://arm.example or http://127.0.0.1:8089 for a local fake");
    }

    boolean json() {
        return output == Output.json;
    }
}
