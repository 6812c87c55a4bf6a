package io.clustermesh.cilium.values;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What of a values document may be shown. Secrets are recognised both by path ({@link #isSecretPath}) and by content (PEM private keys, also base64-encoded), so a key
 * under an unexpected path is still hidden. Certificates are shown as a SHA-256 fingerprint prefix.
 */
final class Redaction {

    static final String REDACTED = "<redacted>";

    private static final Pattern BASE64 = Pattern.compile("^[A-Za-z0-9+/=\\r\\n]+$");
    private static final Pattern CERT_BLOCK =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");

    private Redaction() {
    }

    /**
     * Whether a value under this path is a secret: a segment {@code key}, {@code *Key}, {@code *.key}, {@code *-key},
     * {@code token}, {@code *Token}, {@code secret}, {@code *Secret} or one containing {@code password}. Case matters
     * for the camel-case forms, so that lower-case names such as a peer {@code turkey} or an annotation stay visible.
     */
    static boolean isSecretPath(List<String> path) {
        for (String segment : path) {
            if (isSecretSegment(segment)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSecretSegment(String segment) {
        String lower = segment.toLowerCase(Locale.ROOT);
        return lower.equals("key") || segment.endsWith("Key") || lower.endsWith(".key") || lower.endsWith("-key")
                || lower.endsWith("_key") || lower.equals("token") || segment.endsWith("Token")
                || lower.equals("secret") || segment.endsWith("Secret") || lower.contains("password");
    }

    /** Whether a value under this path is a certificate (shown as a fingerprint). */
    static boolean isCertificatePath(List<String> path) {
        return !path.isEmpty() && isCertificateSegment(path.get(path.size() - 1));
    }

    private static boolean isCertificateSegment(String segment) {
        String last = segment.toLowerCase(Locale.ROOT);
        return last.endsWith("cert") || last.endsWith("crt") || last.equals("cabundle");
    }

    /** A deep copy that is safe to print. */
    static Object redact(List<String> path, Object value) {
        return redact(isSecretPath(path), path.isEmpty() ? null : path.get(path.size() - 1), value);
    }

    /**
     * {@link #redact(List, Object)} with what the path decides carried down instead of the path: whether a segment so
     * far is secret ({@link #isSecretPath}) and the last segment ({@link #isCertificatePath}). Large values (the peers
     * of a mesh of hundreds of clusters) are walked without copying and re-checking the path at every node.
     */
    private static Object redact(boolean secretPath, String last, Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                copy.put(key, redact(secretPath || isSecretSegment(key), key, e.getValue()));
            }
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                String segment = "[" + i + "]";
                copy.add(redact(secretPath || isSecretSegment(segment), segment, list.get(i)));
            }
            return copy;
        }
        if (value instanceof String s) {
            if (s.isEmpty()) {
                return s;
            }
            String text = decodedText(s);
            if (secretPath || text.contains("PRIVATE KEY")) {
                return REDACTED;
            }
            if ((last != null && isCertificateSegment(last)) || text.contains("BEGIN CERTIFICATE")) {
                return fingerprint(s, text);
            }
            return s;
        }
        if (value != null && secretPath) {
            return REDACTED;
        }
        return value;
    }

    /** The redacted value as one line of text, strings quoted: {@code "true"} and {@code true} differ for Helm. */
    static String display(List<String> path, Object value) {
        StringBuilder sb = new StringBuilder();
        render(sb, redact(path, value));
        return sb.toString();
    }

    private static void render(StringBuilder sb, Object v) {
        if (v instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(e.getKey()).append(": ");
                render(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                render(sb, list.get(i));
            }
            sb.append(']');
        } else if (v instanceof String s) {
            if (s.startsWith("<") && s.endsWith(">") && (s.equals(REDACTED) || s.startsWith("<cert sha256:"))) {
                sb.append(s);
            } else {
                sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
            }
        } else {
            sb.append(v);
        }
    }

    static List<String> append(List<String> path, String segment) {
        List<String> next = new ArrayList<>(path.size() + 1);
        next.addAll(path);
        next.add(segment);
        return next;
    }

    /** The text itself, or its base64 decoding when it is base64 of text (as the chart's PEM values are). */
    private static String decodedText(String s) {
        if (s.length() < 24 || !BASE64.matcher(s).matches()) {
            return s;
        }
        try {
            return new String(Base64.getMimeDecoder().decode(s), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /** {@code <cert sha256:0123456789abcdef>}: of the first certificate's DER when there is one, else of the text. */
    private static String fingerprint(String raw, String text) {
        byte[] data;
        Matcher m = CERT_BLOCK.matcher(text);
        if (m.find()) {
            try {
                data = Base64.getMimeDecoder().decode(m.group(1));
            } catch (IllegalArgumentException e) {
                data = raw.getBytes(StandardCharsets.UTF_8);
            }
        } else {
            data = raw.getBytes(StandardCharsets.UTF_8);
        }
        return "<cert sha256:" + sha256(data).substring(0, 16) + ">";
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
