package io.clustermesh.internal;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * A low-level failure (an {@link java.io.IOException}, a parser's or a library's exception) in the user's terms, for
 * messages that reach users: what happened, never a Java class name (the exception stays attached as the cause, which
 * {@code --verbose} and logs show). Shared by the modules, not a public API.
 */
public final class Causes {
    private Causes() {
    }

    /** What went wrong, in a few words, from the root cause of {@code t}; never a class name, never blank. */
    public static String describe(Throwable t) {
        if (t == null) {
            return "an unexpected error (run with --verbose for its details)";
        }
        Throwable root = root(t);
        String m = firstLine(root.getMessage());
        if (root instanceof ConnectException) return "connection refused";
        if (root instanceof HttpTimeoutException || root instanceof InterruptedIOException) return "timed out";
        if (root instanceof UnknownHostException) return "unknown host" + (m.isEmpty() ? "" : " " + m);
        if (root instanceof NoRouteToHostException) return "no route to host";
        if (root instanceof ClosedChannelException || root instanceof EOFException) return "the connection was closed by the other side";
        if (root.getClass().getName().startsWith("javax.net.ssl.")) return "TLS failed" + (m.isEmpty() ? "" : ": " + m);
        if (root instanceof SocketException) return m.isEmpty() ? "network error" : m.toLowerCase(Locale.ROOT);
        if (root instanceof NoSuchFileException) return "there is no such file";
        if (root instanceof AccessDeniedException) return "permission denied";
        if (root instanceof NotDirectoryException) return "not a directory";
        if (root instanceof FileSystemException f) {
            return f.getReason() == null ? "the file system refused it" : firstLine(f.getReason());
        }
        if (root instanceof java.security.GeneralSecurityException) {
            return "not a usable key or certificate" + (m.isEmpty() ? "" : " (" + m + ")");
        }
        if (root instanceof InterruptedException) return "interrupted";
        return m.isEmpty() ? "an unexpected error (run with --verbose for its details)" : m;
    }

    private static Throwable root(Throwable t) {
        Throwable c = t;
        for (int i = 0; i < 20 && c.getCause() != null && c.getCause() != c; i++) {
            c = c.getCause();
        }
        return c;
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "";
        }
        String l = s.strip().lines().findFirst().orElse("");
        return l.length() > 200 ? l.substring(0, 200) + "…" : l;
    }
}
