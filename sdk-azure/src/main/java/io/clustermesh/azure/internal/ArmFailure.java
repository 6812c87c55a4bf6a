package io.clustermesh.azure.internal;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What went wrong with one ARM call, taken from an Azure SDK exception or a raw response: HTTP status (0 for a
 * transport failure), ARM error code and message, the server's wait hint. The message is ARM's text, which never
 * carries tokens; it is shortened for findings.
 *
 * @param status    HTTP status, or 0 when no response came (connection failure)
 * @param code      ARM error code ({@code AuthorizationFailed}, {@code ResourceNotFound}, ...), or null
 * @param message   ARM's message, shortened, or the failure's class name for transport failures
 * @param retryAfter the server's {@code Retry-After}, or null
 */
public record ArmFailure(int status, String code, String message, Duration retryAfter) {
    private static final Pattern ACTION = Pattern.compile("perform action '([^']+)'");
    private static final Pattern SCOPE = Pattern.compile("over scope '([^']+)'");
    private static final int MAX_MESSAGE = 400;

    public static ArmFailure of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ManagementException me) {
                ManagementError err = me.getValue();
                int status = me.getResponse() == null ? 0 : me.getResponse().getStatusCode();
                Duration ra = me.getResponse() == null ? null : ArmRetryPolicy.retryAfter(me.getResponse());
                String code = err == null ? null : err.getCode();
                String msg = err == null ? me.getMessage() : err.getMessage();
                return new ArmFailure(status, code, shorten(msg), ra);
            }
            if (t instanceof HttpResponseException he) {
                int status = he.getResponse() == null ? 0 : he.getResponse().getStatusCode();
                Duration ra = he.getResponse() == null ? null : ArmRetryPolicy.retryAfter(he.getResponse());
                Object value = he.getValue();
                String body = value == null ? null : String.valueOf(value);
                return new ArmFailure(status, ArmRetryPolicy.errorCode(body), shorten(he.getMessage()), ra);
            }
            if (t instanceof RawArmException re) {
                return re.failure();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (ArmRetryPolicy.isTransient(e)) {
            return new ArmFailure(0, null, "connection failed (" + rootName(e) + ")", null);
        }
        return new ArmFailure(0, null, rootName(e), null);
    }

    /** From a raw response's status and body ({@code {"error":{"code","message"}}}). */
    public static ArmFailure of(int status, String body, Duration retryAfter) {
        String code = ArmRetryPolicy.errorCode(body);
        String message = null;
        try {
            message = ArmJson.string(ArmJson.parse(body), "error.message");
        } catch (IllegalArgumentException ignored) {
            // not JSON
        }
        return new ArmFailure(status, code, shorten(message == null ? "HTTP " + status : message), retryAfter);
    }

    /** The root cause in the user's terms (never a class name; the exception stays the cause for --verbose). */
    private static String rootName(Throwable e) {
        return io.clustermesh.internal.Causes.describe(e);
    }

    static String shorten(String s) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() <= MAX_MESSAGE ? one : one.substring(0, MAX_MESSAGE) + "...";
    }

    public boolean notFound() {
        return status == 404;
    }

    public boolean forbidden() {
        return status == 403 || "AuthorizationFailed".equals(code) || "LinkedAuthorizationFailed".equals(code);
    }

    public boolean conflict() {
        return status == 409;
    }

    /** Throttling, 5xx, a busy resource or no connection: worth trying again later. */
    public boolean transientFailure() {
        return status == 0 && message != null && message.startsWith("connection failed")
                || status == 408 || status == 429 || status >= 500
                || status == 409 && code != null && ArmRetryPolicy.RETRYABLE_CONFLICT_CODES.contains(code);
    }

    /** The action a 403 names ({@code Microsoft.Network/virtualNetworks/subnets/read}), or null. */
    public String deniedAction() {
        if (message == null) {
            return null;
        }
        Matcher m = ACTION.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** The scope a 403 names, or null. */
    public String deniedScope() {
        if (message == null) {
            return null;
        }
        Matcher m = SCOPE.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** {@code 404 ResourceNotFound} / {@code connection failed (ConnectException)}. */
    public String summary() {
        if (status == 0) {
            return message;
        }
        return status + (code == null ? "" : " " + code);
    }
}
