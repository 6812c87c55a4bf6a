package io.clustermesh.testing.reliability;

import io.clustermesh.Finding;
import io.clustermesh.Mesh;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.MeshException;
import io.clustermesh.report.MeshPlan;
import io.clustermesh.report.MeshReport;
import io.clustermesh.MeshServices;
import io.clustermesh.report.MeshStatus;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.LabCluster;
import io.clustermesh.testing.LabWorkloads;
import io.clustermesh.testing.MeshLab;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Secrets: a whole verbose run on the lab — plan, apply, status, global services (make global, settings, list, check,
 * routes, probe), disconnect, and a failing plan with a refused credential — with every {@code io.clustermesh} logger and
 * fabric8's client loggers at DEBUG and stdout/stderr captured. The log and every output a user sees (plan, report and
 * status as text and JSON, services results, findings, exception texts, {@code toString()}s) are scanned for the
 * private keys the run created (CA key, leaf keys: PEM headers, their base64 bodies, and the base64 of the whole PEM as
 * Helm values carry it), the lab kubeconfigs' bearer tokens and kubeconfig content, and the Microsoft Entra ID tokens
 * the Entra-ID-only cluster2 was reached with (Kubernetes client and Helm): none may appear.
 */
class SecretsScanTest {
    /**
     * The SDK and the Kubernetes client it drives (fabric8's client side; its mock server, which is the lab's API server
     * and logs stored objects, is not the SDK's output).
     */
    static final String[] SDK_LOGGERS = {"io.clustermesh", "io.fabric8.kubernetes.client.dsl", "io.fabric8.kubernetes.client.http",
            "io.fabric8.kubernetes.client.jdkhttp", "io.fabric8.kubernetes.client.utils", "io.fabric8.kubernetes.client.impl",
            "io.fabric8.kubernetes.client.informers", "io.fabric8.kubernetes.client.Config"};

    @Test
    void aVerboseRunLeaksNoKeyTokenOrKubeconfig() throws Exception {
        List<String> outputs = new ArrayList<>();
        String log;
        Map<String, Set<String>> secrets = new LinkedHashMap<>();
        // cluster2 accepts only Entra ID tokens (AKS with local accounts disabled): its requests carry in-process tokens
        try (MeshLab lab = Reliability.lab(2).entraIdOnly("cluster2").start()) {
            try (DebugCapture capture = DebugCapture.start(SDK_LOGGERS)) {
                try (Mesh mesh = lab.meshBuilder().build()) {
                    outputs.add(mesh.toString());
                    outputs.add(mesh.spec().toString());
                    MeshPlan plan = mesh.plan();
                    outputs.addAll(List.of(plan.toString(), plan.toText(), plan.toJson()));
                    MeshReport report = mesh.apply(plan);
                    assertThat(report.succeeded()).as(report.toText()).isTrue();
                    outputs.addAll(List.of(report.toString(), report.toText(), report.toJson()));
                    lab.entraId().advance(java.time.Duration.ofMinutes(31)); // past half the token's life: a new one from here
                    MeshStatus status = mesh.status();
                    outputs.addAll(List.of(status.toString(), status.toText(), status.toJson()));

                    LabWorkloads.deploy(lab, "meshtest", "hello", 1);
                    MeshServices services = mesh.services();
                    outputs.add(services.global("meshtest", "hello").apply().toString());
                    outputs.add(services.settings("meshtest", "hello").toString());
                    outputs.add(services.list().toString());
                    outputs.add(services.check("meshtest", "hello").toString());
                    outputs.add(services.routes("meshtest", "hello").toString());
                    outputs.add(services.probe("meshtest", "hello").from("cluster2").requests(4).toString());

                    MeshPlan disconnect = mesh.planDisconnect("cluster2");
                    outputs.addAll(List.of(disconnect.toText(), disconnect.toJson()));
                    MeshReport disconnected = mesh.apply(disconnect);
                    outputs.addAll(List.of(disconnected.toText(), disconnected.toJson()));
                }
                // a failing run: cluster2's token is refused
                LabCluster c2 = lab.cluster("cluster2");
                String wrongToken = "wrong-" + Reliability.token(c2);
                MeshSpec spec = lab.spec();
                List<MeshCluster> cs = new ArrayList<>(spec.clusters());
                cs.set(1, cs.get(1).withAccess(ClusterAccess.kubeconfig(c2.kubeconfig().replace(Reliability.token(c2), wrongToken))));
                try (Mesh refused = lab.meshBuilder().spec(spec.withClusters(cs)).build()) {
                    outputs.add(refused.spec().toString());
                    MeshPlan plan = refused.plan();
                    assertThat(plan.findings()).extracting(Finding::code).contains("CLUSTER_ACCESS_DENIED");
                    outputs.addAll(List.of(plan.toText(), plan.toJson()));
                    MeshConfigurationException e = catchThrowableOfType(MeshConfigurationException.class, () -> refused.apply(plan));
                    outputs.addAll(texts(e));
                }
                secrets.put("the refused token", Set.of(wrongToken));
                log = capture.text();
            }
            assertThat(log).as("the run was logged at DEBUG, through the production Helm transport").contains("DEBUG io.clustermesh.cilium.kube.Fabric8Connection - cluster1: reading secret kube-system/cilium-ca")
                    .contains("INFO io.clustermesh.cilium.helm.HelmJavaTransport");
            collectSecrets(lab, secrets);
            assertThat(lab.entraId().acceptedTokens()).as("cluster2 was reached with more than one Entra ID token").isGreaterThan(1);
            secrets.put("the Entra ID tokens", Set.copyOf(lab.entraId().issuedTokens()));
        }

        String everything = log + "\n" + String.join("\n", outputs);
        assertThat(secrets.values().stream().mapToInt(Set::size).sum()).as("sentinels to look for").isGreaterThan(20);
        secrets.forEach((what, values) -> values.forEach(v -> assertThat(everything).as("%s leaked", what).doesNotContain(v)));
        assertThat(everything).doesNotContain("PRIVATE KEY").doesNotContain("Bearer ").doesNotContain("certificate-authority-data")
                .doesNotContain("current-context").doesNotContain("clusterUser_").doesNotContain("client-key-data");
    }

    /** What the lab's clusters hold that must stay secret, read with the lab's own client. */
    private static void collectSecrets(MeshLab lab, Map<String, Set<String>> out) {
        for (LabCluster c : lab.clusters()) {
            out.put(c.name() + " bearer token", Set.of(Reliability.token(c)));
            String kubeconfig = c.kubeconfig();
            String caData = kubeconfig.lines().map(String::trim).filter(l -> l.startsWith("certificate-authority-data:"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
            out.put(c.name() + " kubeconfig", Set.of(caData.substring(0, 60)));
            for (Secret s : c.client().secrets().inNamespace(Reliability.NS).list().getItems()) {
                if (s.getData() == null) {
                    continue;
                }
                for (String key : List.of("ca.key", "tls.key")) {
                    String b64 = s.getData().get(key);
                    if (b64 != null) {
                        String pem = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
                        out.put(c.name() + " " + s.getMetadata().getName() + " " + key, sentinels(pem));
                    }
                }
            }
        }
        assertThat(out.keySet()).as("the keys the run created").anyMatch(k -> k.endsWith("cilium-ca ca.key"))
                .anyMatch(k -> k.endsWith("clustermesh-apiserver-server-cert tls.key"))
                .anyMatch(k -> k.endsWith("clustermesh-apiserver-local-cert tls.key"));
    }

    /** Each base64 line of the PEM body, and a slice of base64(PEM) (the form Helm values hold keys in). */
    private static Set<String> sentinels(String pem) {
        assertThat(pem).contains("PRIVATE KEY");
        Set<String> out = new LinkedHashSet<>();
        pem.lines().filter(l -> !l.startsWith("-----") && l.length() >= 24).forEach(out::add);
        String whole = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
        out.add(whole.substring(whole.length() / 2 - 24, whole.length() / 2 + 24));
        return out;
    }

    private static List<String> texts(Throwable e) {
        List<String> out = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.add(String.valueOf(t.getMessage()));
            out.add(t.toString());
            if (t instanceof MeshException m) {
                out.add(m.describe());
            }
            if (t instanceof MeshConfigurationException c) {
                c.findings().forEach(f -> out.add(f.toString()));
            }
        }
        return out;
    }

    /**
     * Raises the given loggers to DEBUG for the duration (slf4j-simple: the system property for loggers created from now
     * on, the level field of those that exist) and copies everything written to stdout and stderr. Restores both.
     */
    static final class DebugCapture implements AutoCloseable {
        private static final int DEBUG = 10;
        private static final int INFO = 20;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final PrintStream err = System.err;
        private final PrintStream out = System.out;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<Logger, Integer> levels = new LinkedHashMap<>();

        static DebugCapture start(String... prefixes) throws ReflectiveOperationException {
            DebugCapture c = new DebugCapture();
            System.setErr(new PrintStream(new Tee(c.bytes, c.err), true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new Tee(c.bytes, c.out), true, StandardCharsets.UTF_8));
            for (String p : prefixes) {
                String key = "org.slf4j.simpleLogger.log." + p;
                c.properties.put(key, System.getProperty(key));
                System.setProperty(key, "debug");
            }
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            Field map = factory.getClass().getDeclaredField("loggerMap");
            map.setAccessible(true);
            Field level = Class.forName("org.slf4j.simple.SimpleLogger").getDeclaredField("currentLogLevel");
            level.setAccessible(true);
            for (Object o : ((Map<?, ?>) map.get(factory)).values()) {
                Logger l = (Logger) o;
                for (String p : prefixes) {
                    if (l.getName().equals(p) || l.getName().startsWith(p + ".")) {
                        c.levels.put(l, level.getInt(l));
                        level.setInt(l, DEBUG);
                    }
                }
            }
            return c;
        }

        String text() {
            System.err.flush();
            System.out.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws ReflectiveOperationException {
            System.setErr(err);
            System.setOut(out);
            properties.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
            Field level = Class.forName("org.slf4j.simple.SimpleLogger").getDeclaredField("currentLogLevel");
            level.setAccessible(true);
            for (Map.Entry<Logger, Integer> e : levels.entrySet()) {
                level.setInt(e.getKey(), e.getValue());
            }
            // loggers created meanwhile got DEBUG from the property: back to this module's configured default (info)
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            Field map = factory.getClass().getDeclaredField("loggerMap");
            map.setAccessible(true);
            for (Object o : ((Map<?, ?>) map.get(factory)).values()) {
                Logger l = (Logger) o;
                if (!levels.containsKey(l) && properties.keySet().stream().map(k -> k.substring("org.slf4j.simpleLogger.log.".length()))
                        .anyMatch(p -> l.getName().equals(p) || l.getName().startsWith(p + "."))) {
                    level.setInt(l, INFO);
                }
            }
        }
    }

    /** Copies everything written to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
