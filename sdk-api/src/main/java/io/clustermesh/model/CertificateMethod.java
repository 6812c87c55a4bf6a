package io.clustermesh.model;

import java.util.Locale;

/**
 * Who issues the clustermesh-apiserver certificates. {@link #SDK} (the default): the SDK issues them from the
 * shared CA and passes them as Helm values ({@code clustermesh.apiserver.tls.auto.enabled=false}), renewing them
 * when little validity is left. The others map to {@code clustermesh.apiserver.tls.auto.method}.
 */
public enum CertificateMethod {
    SDK("sdk"), HELM("helm"), CRON_JOB("cronJob"), CERT_MANAGER("certmanager");

    private final String value;

    CertificateMethod(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public static CertificateMethod fromValue(String s) {
        if (s == null) {
            return null;
        }
        for (CertificateMethod m : values()) {
            if (m.value.equalsIgnoreCase(s.trim()) || m.name().equalsIgnoreCase(s.trim().replace('-', '_'))) {
                return m;
            }
        }
        return "cron-job".equals(s.trim().toLowerCase(Locale.ROOT)) ? CRON_JOB : null;
    }
}
