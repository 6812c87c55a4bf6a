package io.clustermesh.internal;

/**
 * What a step did.
 *
 * @param changed whether it wrote anything
 * @param detail  a short text for people (no secrets)
 * @param output  a value later steps may read with {@link StepContext#output}; never rendered
 */
public record StepResult(boolean changed, String detail, Object output) {
    public static StepResult unchanged(String detail) {
        return new StepResult(false, detail, null);
    }

    public static StepResult changed(String detail) {
        return new StepResult(true, detail, null);
    }

    public StepResult withOutput(Object value) {
        return new StepResult(changed, detail, value);
    }

    @Override
    public String toString() {
        return "StepResult[changed=" + changed + ", " + detail + "]";
    }
}
