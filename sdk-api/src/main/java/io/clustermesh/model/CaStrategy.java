package io.clustermesh.model;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the one CA that every cluster trusts comes from. Whatever the strategy, a CA the clusters already share
 * is reused, and a generated CA is never regenerated on a later run (it is read back from the clusters). To move a
 * running mesh to a new CA (a generated one with this validity, or the adopted cluster's) without losing
 * connectivity, rotate it: {@code Mesh.rotateCa()} (meshctl rotate-ca).
 *
 * @param kind           generate a new CA or adopt one cluster's {@code cilium-ca}
 * @param fromCluster    for {@link Kind#ADOPT}: the cluster whose CA becomes everyone's
 * @param validity       validity of a generated CA (default three years)
 * @param replaceExisting allow replacing a CA that clusters already use. Replacing the CA of a connected mesh
 *                       breaks every connection until all clusters carry the new CA and restarted.
 */
public record CaStrategy(Kind kind, String fromCluster, Duration validity, boolean replaceExisting) {

    public enum Kind { GENERATE, ADOPT }

    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3 * 365);

    public CaStrategy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(validity, "validity");
        if (kind == Kind.ADOPT && (fromCluster == null || fromCluster.isBlank())) {
            throw new IllegalArgumentException("adopting a CA needs the name of the cluster to adopt it from");
        }
        if (kind == Kind.GENERATE && fromCluster != null) {
            throw new IllegalArgumentException("a generated CA has no source cluster; use CaStrategy.adoptFrom(cluster)");
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("CA validity must be positive");
        }
    }

    /** A new ECDSA P-256 CA, valid three years, unless the clusters already share one. */
    public static CaStrategy generate() {
        return new CaStrategy(Kind.GENERATE, null, DEFAULT_VALIDITY, false);
    }

    public static CaStrategy generate(Duration validity) {
        return new CaStrategy(Kind.GENERATE, null, validity, false);
    }

    /** That cluster's {@code cilium-ca} becomes everyone's, as in the manual workflow. */
    public static CaStrategy adoptFrom(String cluster) {
        return new CaStrategy(Kind.ADOPT, cluster, DEFAULT_VALIDITY, false);
    }

    /** A copy that may replace CAs clusters already use (see {@link #replaceExisting()}). */
    public CaStrategy allowReplacingExisting() {
        return new CaStrategy(kind, fromCluster, validity, true);
    }
}
