package io.clustermesh.samples.meshctl;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks of option values that name files, directories and URLs, made before any work (no lab started, no cluster or
 * ARM call, nothing written, no file read). Each problem is a finding with code {@value #CODE}, the option as its path,
 * what is wrong and the fix; all problems are reported at once.
 *
 * <p>Modes are checked as well as access: meshctl often runs as root, for whom a file without read bits is still
 * readable and a directory without write bits still writable, but such modes say the owner did not mean it to be
 * read or written.
 */
final class OptionChecks {
    static final String CODE = "OPTION_INVALID";
    /** The largest spec file accepted (a mesh of 511 clusters is about 100 KiB). */
    static final long MAX_SPEC_BYTES = 1024 * 1024;

    private final List<Finding> problems = new ArrayList<>();

    void add(String option, String problem, String fix) {
        problems.add(Finding.error(CODE, null, option, option + ": " + problem, fix));
    }

    /** Throws every problem found so far at once (exit code 2), or returns. */
    void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new MeshConfigurationException(List.copyOf(problems));
        }
    }

    /** An existing, regular, readable file of at most {@code maxBytes} (unlimited when 0); size from its attributes. */
    void readableFile(String option, Path file, long maxBytes, String what) {
        if (file == null) {
            return;
        }
        String fix = "give " + option + " the path of " + what;
        BasicFileAttributes a = attributes(file, true);
        if (a == null) {
            if (attributes(file, false) != null) {
                add(option, file + " is a symbolic link to nothing (its target does not exist)", fix);
            } else {
                add(option, file + " does not exist", "check the spelling and the working directory; " + fix);
            }
            return;
        }
        if (!a.isRegularFile()) {
            add(option, file + " is " + kind(file, a) + ", not a regular file", fix);
            return;
        }
        if (!Files.isReadable(file) || noBit(file, PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ)) {
            add(option, file + " is not readable" + mode(file), "make it readable (chmod u+r " + file + ") or " + fix);
            return;
        }
        if (maxBytes > 0 && a.size() > maxBytes) {
            add(option, file + " is " + size(a.size()) + ", more than the " + size(maxBytes) + " a spec may have",
                    fix + "; a spec of even hundreds of clusters is far smaller, so this is likely the wrong file");
        }
    }

    /** An existing, readable directory (a symbolic link to one is fine). */
    void readableDirectory(String option, Path dir, String what) {
        if (dir == null) {
            return;
        }
        String fix = "give " + option + " the path of " + what;
        BasicFileAttributes a = attributes(dir, true);
        if (a == null) {
            add(option, dir + (attributes(dir, false) != null ? " is a symbolic link to nothing (its target does not exist)" : " does not exist"), fix);
        } else if (!a.isDirectory()) {
            add(option, dir + " is " + kind(dir, a) + ", not a directory", fix);
        } else if (!Files.isReadable(dir) || noBit(dir, PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ)) {
            add(option, "the directory " + dir + " is not readable" + mode(dir), "make it readable (chmod u+rx " + dir + ") or " + fix);
        }
    }

    /**
     * A directory that exists and is writable, or that can be created: its nearest existing ancestor is a writable
     * directory.
     */
    void writableDirectory(String option, Path dir) {
        if (dir == null) {
            return;
        }
        String fix = "give " + option + " a writable directory (it is created when missing)";
        BasicFileAttributes a = attributes(dir, true);
        if (a == null && attributes(dir, false) != null) {
            add(option, dir + " is a symbolic link to nothing (its target does not exist)", fix);
            return;
        }
        if (a != null) {
            if (!a.isDirectory()) {
                BasicFileAttributes link = attributes(dir, false);
                String what = link != null && link.isSymbolicLink() ? "a symbolic link to " + kind(dir, a) : kind(dir, a);
                add(option, dir + " is " + what + ", not a directory", fix);
            } else if (!Files.isWritable(dir) || noBit(dir, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_WRITE)) {
                add(option, "the directory " + dir + " is read-only" + mode(dir), "make it writable (chmod u+w " + dir + ") or " + fix);
            }
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        while (parent != null && attributes(parent, true) == null) {
            parent = parent.getParent();
        }
        if (parent == null) {
            add(option, dir + " cannot be created: no part of its path exists", fix);
            return;
        }
        BasicFileAttributes pa = attributes(parent, true);
        if (!pa.isDirectory()) {
            add(option, dir + " cannot be created: " + parent + " is " + kind(parent, pa) + ", not a directory", fix);
        } else if (!Files.isWritable(parent) || noBit(parent, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_WRITE)) {
            add(option, dir + " cannot be created: the directory " + parent + " is read-only" + mode(parent), fix);
        }
    }

    /** An absolute http or https URL with a host, without user info (credentials never go into a URL). */
    void httpUrl(String option, URI url, String fix) {
        if (url == null) {
            return;
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (url.getRawUserInfo() != null) {
            // say nothing of the URL itself: its user info may be a secret
            add(option, "the URL carries user information (user:password@); it is never sent and must not be given", fix);
        } else if (!scheme.equals("http") && !scheme.equals("https")) {
            add(option, "'" + url + "' is not an http or https URL" + (scheme.isEmpty() ? "" : " (scheme " + scheme + ")"), fix);
        } else if (url.getHost() == null || url.getHost().isEmpty()) {
            add(option, "'" + url + "' has no host name", fix);
        }
    }

    /** {@code value} within {@code min..max}. */
    void range(String option, long value, long min, long max, String fix) {
        if (value < min || value > max) {
            add(option, value + " is out of range: it must be within " + min + ".." + max, fix);
        }
    }

    private static BasicFileAttributes attributes(Path p, boolean follow) {
        try {
            return follow ? Files.readAttributes(p, BasicFileAttributes.class)
                    : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** "a directory", "a character device", "a FIFO (named pipe)", ... from the file's mode where the platform has it. */
    private static String kind(Path p, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        try {
            Object mode = Files.getAttribute(p, "unix:mode");
            if (mode instanceof Integer m) {
                switch (m & 0170000) {
                    case 0010000: return "a FIFO (named pipe)";
                    case 0020000: return "a character device";
                    case 0060000: return "a block device";
                    case 0140000: return "a socket";
                    default: break;
                }
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            // no unix view here: say less
        }
        return "a special file (device, FIFO or socket)";
    }

    /** True when the file has POSIX permissions and none of {@code bits}. */
    private static boolean noBit(Path p, PosixFilePermission... bits) {
        Set<PosixFilePermission> perms = perms(p);
        if (perms == null) {
            return false;
        }
        for (PosixFilePermission b : bits) {
            if (perms.contains(b)) {
                return false;
            }
        }
        return true;
    }

    private static Set<PosixFilePermission> perms(Path p) {
        try {
            return Files.getPosixFilePermissions(p);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    private static String mode(Path p) {
        Set<PosixFilePermission> perms = perms(p);
        return perms == null ? "" : " (mode " + PosixFilePermissions.toString(perms) + ")";
    }

    private static String size(long bytes) {
        return bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB"
                : bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024)) : bytes + " bytes";
    }

    /** Converts option values to {@link Path} without letting a JDK exception's class name reach the user. */
    static final class PathConverter implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            try {
                if (value.isBlank()) {
                    throw new CommandLine.TypeConversionException("an empty path; give a file or directory path");
                }
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a valid path (" + e.getReason() + ")");
            }
        }
    }

    /** Converts option values to {@link URI} without letting a JDK exception's class name reach the user. */
    static final class UriConverter implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                return new URI(value);
            } catch (URISyntaxException e) {
                // the value is not echoed: a malformed URL may still carry a password
                throw new CommandLine.TypeConversionException("not a valid URL (" + e.getReason() + " at index " + e.getIndex()
                        + "); give an http(s) URL such as https://arm.example:443");
            }
        }
    }
}
