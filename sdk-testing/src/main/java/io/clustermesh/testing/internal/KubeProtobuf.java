package io.clustermesh.testing.internal;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the Kubernetes protobuf encoding ({@code application/vnd.kubernetes.protobuf}) of request bodies into JSON.
 * Typed client-go clients (Helm's release storage among them) send built-in objects in protobuf: the 4-byte magic
 * {@code k8s\0}, then a {@code runtime.Unknown} (k8s.io/apimachinery/pkg/runtime/generated.proto: typeMeta = 1,
 * raw = 2) whose {@code raw} is the object's message (k8s.io/api/core/v1/generated.proto). The lab answers in JSON,
 * which the clients accept too.
 *
 * <p>Decoded kinds: {@code Secret} and {@code ConfigMap} (with their {@code ObjectMeta}: name, generateName,
 * namespace, uid, resourceVersion, generation, labels, annotations, finalizers). Other kinds: empty (answered 415).
 */
public final class KubeProtobuf {
    public static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private KubeProtobuf() {
    }

    /** The object as JSON, or empty when it is not protobuf of a kind decoded here. */
    public static Optional<ObjectNode> toJson(byte[] body) {
        if (body.length < MAGIC.length || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0) {
            return Optional.empty();
        }
        Reader unknown = new Reader(body, MAGIC.length, body.length);
        String apiVersion = null;
        String kind = null;
        Reader raw = null;
        while (unknown.more()) {
            int tag = unknown.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                Reader typeMeta = unknown.message();
                while (typeMeta.more()) {
                    int t = typeMeta.tag();
                    if (t >>> 3 == 1) {
                        apiVersion = typeMeta.string();
                    } else if (t >>> 3 == 2) {
                        kind = typeMeta.string();
                    } else {
                        typeMeta.skip(t);
                    }
                }
            } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
                raw = unknown.message();
            } else {
                unknown.skip(tag);
            }
        }
        if (raw == null || !"v1".equals(apiVersion) || !("Secret".equals(kind) || "ConfigMap".equals(kind))) {
            return Optional.empty();
        }
        ObjectNode o = F.objectNode();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        boolean secret = kind.equals("Secret");
        while (raw.more()) {
            int tag = raw.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                o.set("metadata", objectMeta(raw.message()));
            } else if (secret && field == 2 && (tag & 7) == 2) {
                mapEntry(raw.message(), data(o, "data"), true);
            } else if (secret && field == 3 && (tag & 7) == 2) {
                o.put("type", raw.string());
            } else if (secret && field == 4 && (tag & 7) == 2) {
                mapEntry(raw.message(), data(o, "stringData"), false);
            } else if (secret && field == 5 && (tag & 7) == 0) {
                o.put("immutable", raw.varint() != 0);
            } else if (!secret && field == 2 && (tag & 7) == 2) {
                mapEntry(raw.message(), data(o, "data"), false);
            } else if (!secret && field == 3 && (tag & 7) == 2) {
                mapEntry(raw.message(), data(o, "binaryData"), true);
            } else if (!secret && field == 4 && (tag & 7) == 0) {
                o.put("immutable", raw.varint() != 0);
            } else {
                raw.skip(tag);
            }
        }
        return Optional.of(o);
    }

    private static ObjectNode data(ObjectNode o, String name) {
        return o.get(name) instanceof ObjectNode d ? d : o.putObject(name);
    }

    private static ObjectNode objectMeta(Reader r) {
        ObjectNode m = F.objectNode();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> m.put("name", r.string());
                case 2 -> m.put("generateName", r.string());
                case 3 -> m.put("namespace", r.string());
                case 5 -> m.put("uid", r.string());
                case 6 -> m.put("resourceVersion", r.string());
                case 7 -> m.put("generation", r.varint());
                case 11 -> mapEntry(r.message(), data(m, "labels"), false);
                case 12 -> mapEntry(r.message(), data(m, "annotations"), false);
                case 14 -> (m.get("finalizers") instanceof tools.jackson.databind.node.ArrayNode a ? a : m.putArray("finalizers")).add(r.string());
                default -> r.skip(tag);
            }
        }
        return m;
    }

    private static void mapEntry(Reader r, ObjectNode into, boolean bytes) {
        String key = "";
        byte[] value = new byte[0];
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1) {
                key = r.string();
            } else if (tag >>> 3 == 2) {
                value = r.bytes();
            } else {
                r.skip(tag);
            }
        }
        into.put(key, bytes ? Base64.getEncoder().encodeToString(value) : new String(value, StandardCharsets.UTF_8));
    }

    /** Protobuf wire format, just what the messages above need. */
    private static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        Reader(byte[] b, int from, int end) {
            this.b = b;
            this.pos = from;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated protobuf varint");
                }
                byte x = b[pos++];
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed protobuf varint");
        }

        byte[] bytes() {
            int len = (int) varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalArgumentException("truncated protobuf field");
            }
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + len);
            pos += len;
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Reader message() {
            int len = (int) varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalArgumentException("truncated protobuf message");
            }
            Reader r = new Reader(b, pos, pos + len);
            pos += len;
            return r;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> bytes();
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7));
            }
        }
    }
}
