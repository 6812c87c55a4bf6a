package io.clustermesh.cilium.services;

import io.clustermesh.ServiceBackend;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Endpoint conditions become backend states the way Cilium's ParseEndpointSliceV1 reads them. */
class EndpointSlicesTest {

    static Map<String, Object> endpoint(String ip, String pod, Boolean ready, Boolean serving, Boolean terminating) {
        Map<String, Object> cond = new HashMap<>();
        if (ready != null) cond.put("ready", ready);
        if (serving != null) cond.put("serving", serving);
        if (terminating != null) cond.put("terminating", terminating);
        return Map.of("addresses", List.of(ip), "conditions", cond, "targetRef", Map.of("kind", "Pod", "name", pod));
    }

    static Map<String, Object> slice(String name, String service, String addressType, List<Map<String, Object>> endpoints) {
        return Map.of("metadata", Map.of("name", name, "labels", Map.of("kubernetes.io/service-name", service)),
                "addressType", addressType, "endpoints", endpoints);
    }

    @Test
    void conditionsMapToStates() {
        List<ServiceBackend> b = EndpointSlices.backends("cluster1", "web", List.of(slice("web-1", "web", "IPv4", List.of(
                endpoint("10.10.0.1", "a", true, true, false),
                endpoint("10.10.0.2", "b", null, null, null),
                endpoint("10.10.0.3", "c", false, true, true),
                endpoint("10.10.0.4", "d", false, false, true),
                endpoint("10.10.0.5", "e", false, null, false)))));
        assertThat(b).extracting(ServiceBackend::address, ServiceBackend::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("10.10.0.1", ServiceBackend.State.ACTIVE),
                org.assertj.core.groups.Tuple.tuple("10.10.0.2", ServiceBackend.State.ACTIVE),
                org.assertj.core.groups.Tuple.tuple("10.10.0.3", ServiceBackend.State.TERMINATING));
        assertThat(b.get(0).pod()).isEqualTo("a");
        assertThat(b).allSatisfy(x -> assertThat(x.cluster()).isEqualTo("cluster1"));
    }

    @Test
    void otherServicesFqdnSlicesAndDuplicatesAreSkipped() {
        List<ServiceBackend> b = EndpointSlices.backends("cluster1", "web", List.of(
                slice("web-2", "web", "IPv4", List.of(endpoint("10.10.0.9", "z", true, null, null), endpoint("10.10.0.1", "a", true, null, null))),
                slice("web-1", "web", "IPv4", List.of(endpoint("10.10.0.1", "a", true, null, null))),
                slice("web-fqdn", "web", "FQDN", List.of(endpoint("example.com", "x", true, null, null))),
                slice("api-1", "api", "IPv4", List.of(endpoint("10.10.0.7", "api", true, null, null)))));
        assertThat(b).extracting(ServiceBackend::address).containsExactly("10.10.0.1", "10.10.0.9");
    }
}
