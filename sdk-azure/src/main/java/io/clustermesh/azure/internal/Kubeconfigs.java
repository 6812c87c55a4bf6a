package io.clustermesh.azure.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks at kubeconfig bytes from {@code listClusterUserCredential} without a YAML parser and without ever putting
 * the content into a message: is it a kubeconfig at all, and how does its user authenticate (client certificate or
 * token, an {@code exec} plugin such as {@code kubelogin}, or the retired {@code auth-provider: azure})?
 */
public final class Kubeconfigs {
    private Kubeconfigs() {
    }

    public enum Kind {
        /** Static credentials (client certificate or token): works as is. */
        STATIC,
        /** {@code exec} with {@code kubelogin}: AAD-enabled cluster. */
        EXEC_KUBELOGIN,
        /** {@code exec} with another command. */
        EXEC_OTHER,
        /** {@code auth-provider: azure} (removed from client-go 1.26 and not supported by fabric8). */
        AUTH_PROVIDER,
        /** Not a kubeconfig. */
        INVALID
    }

    /**
     * @param kind        what it is
     * @param text        the content as text (a secret: for the transport only), or null when {@link Kind#INVALID}
     * @param execCommand the exec plugin's command, when there is one
     * @param server      the cluster server URL it points at (not secret), or null
     * @param problem     why it is invalid (never quoting the content), or null
     */
    public record Inspection(Kind kind, String text, String execCommand, String server, String problem) {
        @Override
        public String toString() {
            return "Inspection[" + kind + (execCommand == null ? "" : ", exec " + execCommand) + (server == null ? "" : ", " + server)
                    + (problem == null ? "" : ", " + problem) + "]";
        }
    }

    private static final Pattern TOP_CLUSTERS = Pattern.compile("(?m)^clusters\\s*:|\"clusters\"\\s*:");
    private static final Pattern TOP_USERS = Pattern.compile("(?m)^users\\s*:|\"users\"\\s*:");
    private static final Pattern TOP_CONTEXTS = Pattern.compile("(?m)^contexts\\s*:|\"contexts\"\\s*:");
    private static final Pattern EXEC = Pattern.compile("(?m)^\\s*\"?exec\"?\\s*:");
    private static final Pattern COMMAND = Pattern.compile("(?m)^\\s*\"?command\"?\\s*:\\s*\"?([^\"\\s,]+)");
    private static final Pattern AUTH_PROVIDER = Pattern.compile("(?m)^\\s*\"?auth-provider\"?\\s*:");
    private static final Pattern SERVER = Pattern.compile("(?m)^\\s*\"?server\"?\\s*:\\s*\"?([^\"\\s,]+)");

    public static Inspection inspect(byte[] raw) {
        if (raw == null || raw.length == 0) {
            return invalid("the credential is empty");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return invalid("the credential is not text (" + raw.length + " bytes of binary data)");
        }
        if (text.isBlank()) {
            return invalid("the credential is blank");
        }
        boolean clusters = TOP_CLUSTERS.matcher(text).find();
        boolean users = TOP_USERS.matcher(text).find();
        boolean contexts = TOP_CONTEXTS.matcher(text).find();
        if (!clusters || !users || !contexts) {
            StringBuilder missing = new StringBuilder();
            if (!clusters) missing.append(" clusters");
            if (!users) missing.append(" users");
            if (!contexts) missing.append(" contexts");
            return invalid("the credential (" + text.length() + " characters) is not a kubeconfig: it lacks the top-level key(s)" + missing);
        }
        String server = first(SERVER, text);
        if (EXEC.matcher(text).find()) {
            String cmd = first(COMMAND, text);
            boolean kubelogin = cmd != null && cmd.toLowerCase(java.util.Locale.ROOT).contains("kubelogin");
            return new Inspection(kubelogin ? Kind.EXEC_KUBELOGIN : Kind.EXEC_OTHER, text, cmd, server, null);
        }
        if (AUTH_PROVIDER.matcher(text).find()) {
            return new Inspection(Kind.AUTH_PROVIDER, text, null, server, null);
        }
        return new Inspection(Kind.STATIC, text, null, server, null);
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : null;
    }

    private static Inspection invalid(String why) {
        return new Inspection(Kind.INVALID, null, null, null, why);
    }
}
