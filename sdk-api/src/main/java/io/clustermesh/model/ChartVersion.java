package io.clustermesh.model;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Cilium chart version such as {@code 1.16.19} or {@code 1.20.0-pre.3}. The chart line
 * ({@code major.minor}) decides value shapes (see {@code CiliumValues} in clustermesh-cilium).
 */
public record ChartVersion(int major, int minor, int patch, String preRelease) implements Comparable<ChartVersion> {
    private static final Pattern SEMVER = Pattern.compile("^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:-([0-9A-Za-z.-]+))?$");

    /** The oldest and newest chart lines the SDK knows the value shapes of. */
    public static final ChartVersion OLDEST_SUPPORTED = new ChartVersion(1, 15, 0, null);
    public static final ChartVersion NEWEST_SUPPORTED_LINE = new ChartVersion(1, 20, 0, null);

    public ChartVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers must not be negative");
        }
    }

    /** @throws IllegalArgumentException if the text is not a version like 1.16.19 */
    public static ChartVersion parse(String text) {
        Objects.requireNonNull(text, "version");
        Matcher m = SEMVER.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a Cilium chart version: expected e.g. 1.16.19");
        }
        return new ChartVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(4));
    }

    /** Whether this version's line is {@code major.minor} or newer. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /** {@code "1.16"}. */
    public String line() {
        return major + "." + minor;
    }

    /** Whether the SDK knows this chart line (1.15 to 1.20). */
    public boolean supported() {
        return atLeast(OLDEST_SUPPORTED.major, OLDEST_SUPPORTED.minor)
                && !atLeast(NEWEST_SUPPORTED_LINE.major, NEWEST_SUPPORTED_LINE.minor + 1);
    }

    @Override
    public int compareTo(ChartVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(patch, o.patch);
        if (c == 0) {
            if (preRelease == null) return o.preRelease == null ? 0 : 1;
            if (o.preRelease == null) return -1;
            c = preRelease.compareTo(o.preRelease);
        }
        return c;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (preRelease == null ? "" : "-" + preRelease);
    }
}
