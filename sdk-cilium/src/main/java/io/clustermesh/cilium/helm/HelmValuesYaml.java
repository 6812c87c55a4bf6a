package io.clustermesh.cilium.helm;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** Values documents as YAML (Jackson). */
public final class HelmValuesYaml {
    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    private HelmValuesYaml() {
    }

    public static String write(Map<String, Object> values) {
        return YAML.writeValueAsString(values);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> read(String yaml) {
        Map<String, Object> m = YAML.readValue(yaml, LinkedHashMap.class);
        return m == null ? new LinkedHashMap<>() : m;
    }
}
