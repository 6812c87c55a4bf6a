package io.clustermesh;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** The input is invalid. Carries every finding at once; nothing was written. */
public class MeshConfigurationException extends MeshException {
    private static final long serialVersionUID = 1L;

    private final transient List<Finding> findings;

    public MeshConfigurationException(List<Finding> findings) {
        super(ErrorCode.CONFIGURATION, summarize(findings),
                Details.meshWide().fix("fix every finding listed, then try again; nothing was written"));
        // errors first, as findings() promises; the sort is stable, so each severity keeps the validator's order
        this.findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
    }

    /**
     * One problem without a finding code of its own (its finding's code is {@code CONFIGURATION}).
     *
     * @param details the cluster concerned and the fix: e.g. {@code Details.inCluster(c).fix("name a cluster of the spec")}
     */
    public MeshConfigurationException(String message, Details details) {
        super(ErrorCode.CONFIGURATION, message, details);
        this.findings = List.of(Finding.error("CONFIGURATION", cluster(), "", message, remediation()));
    }

    /** One problem, with its own code (e.g. a cluster's kubeconfig that does not hold the context named). */
    public MeshConfigurationException(Finding finding) {
        super(ErrorCode.CONFIGURATION, finding.message(), Details.inCluster(finding.cluster()).fix(finding.remediation()));
        this.findings = List.of(finding);
    }

    /** Every problem found, errors first. */
    public List<Finding> findings() {
        return findings;
    }

    private static String summarize(List<Finding> findings) {
        long errors = findings.stream().filter(Finding::isError).count();
        return errors + " problem" + (errors == 1 ? "" : "s") + " in the mesh spec:\n"
                + findings.stream().filter(Finding::isError).map(f -> "  - " + f).collect(Collectors.joining("\n"));
    }
}
