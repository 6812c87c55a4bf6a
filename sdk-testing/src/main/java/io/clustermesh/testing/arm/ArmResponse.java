package io.clustermesh.testing.arm;


import io.clustermesh.testing.requests.Fault;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the fake ARM answers: a status, headers and a JSON body, or a wire-level fault. */
record ArmResponse(int status, Map<String, String> headers, String body, Fault wireFault) {

    static ArmResponse json(int status, String body) {
        return new ArmResponse(status, new LinkedHashMap<>(), body, null);
    }

    static ArmResponse empty(int status) {
        return new ArmResponse(status, new LinkedHashMap<>(), null, null);
    }

    static ArmResponse wire(Fault f) {
        return new ArmResponse(0, new LinkedHashMap<>(), null, f);
    }

    ArmResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
