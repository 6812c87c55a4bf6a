package io.clustermesh.cilium.services;

import io.clustermesh.Finding;
import io.clustermesh.ServiceSetting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The global-service mistakes Cilium accepts without a word, as findings (all warnings unless said otherwise). A
 * pure function of the Service's setting in every cluster; {@link CiliumMeshServices#check} feeds it live state.
 *
 * <table>
 *   <caption>codes</caption>
 *   <tr><td>{@value #NOT_FOUND}</td><td>the Service exists in no cluster</td></tr>
 *   <tr><td>{@value #ONE_SIDED}</td><td>global in some clusters, present but not global in this one</td></tr>
 *   <tr><td>{@value #MISSING}</td><td>global elsewhere, missing here (remote backends merge only into an existing
 *       local Service)</td></tr>
 *   <tr><td>{@value #NOT_EXPORTED}</td><td>global somewhere but {@code shared: "false"} wherever it is global: nobody
 *       exports</td></tr>
 *   <tr><td>{@value #ANNOTATION_IGNORED}</td><td>{@code shared} or {@code affinity} on a Service that is not global</td></tr>
 *   <tr><td>{@value #NODEPORT_WITHOUT_KPR}</td><td>a global NodePort/LoadBalancer Service on a cluster without
 *       kube-proxy replacement: its node port reaches local backends only</td></tr>
 *   <tr><td>{@value #AFFINITY_UNRECOGNISED}</td><td>an affinity value other than local, remote, none</td></tr>
 *   <tr><td>{@value #ANNOTATION_VALUE}</td><td>{@code global}/{@code shared} neither "true" nor "false" (Cilium reads
 *       anything but "true" as false)</td></tr>
 *   <tr><td>{@value #ANNOTATION_CONFLICT}</td><td>canonical and legacy key of one setting disagree (the canonical one
 *       wins)</td></tr>
 *   <tr><td>{@value #LEGACY_ANNOTATION}</td><td>(info) legacy {@code io.cilium/...} keys in use</td></tr>
 *   <tr><td>{@value #NAMESPACE_NOT_GLOBAL}</td><td>global in a namespace that is not global there (chart 1.20
 *       {@code clustermesh.defaultGlobalNamespace}, annotation {@code clustermesh.cilium.io/global}): not exported</td></tr>
 * </table>
 */
public final class GlobalServiceChecks {
    public static final String NOT_FOUND = "GLOBAL_SERVICE_NOT_FOUND";
    public static final String ONE_SIDED = "GLOBAL_SERVICE_ONE_SIDED";
    public static final String MISSING = "GLOBAL_SERVICE_MISSING";
    public static final String NOT_EXPORTED = "GLOBAL_SERVICE_NOT_EXPORTED";
    public static final String ANNOTATION_IGNORED = "GLOBAL_SERVICE_ANNOTATION_IGNORED";
    public static final String NODEPORT_WITHOUT_KPR = "GLOBAL_SERVICE_NODEPORT_WITHOUT_KPR";
    public static final String AFFINITY_UNRECOGNISED = "GLOBAL_SERVICE_AFFINITY_UNRECOGNISED";
    public static final String ANNOTATION_VALUE = "GLOBAL_SERVICE_ANNOTATION_VALUE";
    public static final String ANNOTATION_CONFLICT = "GLOBAL_SERVICE_ANNOTATION_CONFLICT";
    public static final String LEGACY_ANNOTATION = "GLOBAL_SERVICE_LEGACY_ANNOTATION";
    public static final String NAMESPACE_NOT_GLOBAL = "GLOBAL_SERVICE_NAMESPACE_NOT_GLOBAL";
    /** The namespace annotation of Cilium 1.20 global namespaces (chart 1.20 values.yaml, clustermesh.defaultGlobalNamespace). */
    public static final String NAMESPACE_GLOBAL = "clustermesh.cilium.io/global";

    private GlobalServiceChecks() {
    }

    /**
     * Checks one Service across the mesh.
     *
     * @param settings             the Service's setting in every cluster of the mesh (missing ones included)
     * @param kubeProxyReplacement whether a cluster runs Cilium with kube-proxy replacement
     */
    public static List<Finding> check(List<ServiceSetting> settings, Predicate<String> kubeProxyReplacement) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(kubeProxyReplacement, "kubeProxyReplacement");
        List<Finding> out = new ArrayList<>();
        if (settings.isEmpty()) {
            return out;
        }
        ServiceSetting any = settings.get(0);
        String svc = any.service();
        String path = "service/" + svc;
        List<String> globalIn = settings.stream().filter(ServiceSetting::global).map(ServiceSetting::cluster).toList();
        if (settings.stream().noneMatch(ServiceSetting::exists)) {
            out.add(Finding.warning(NOT_FOUND, null, path, "Service " + svc + " exists in no cluster of the mesh",
                    "check the namespace and name, or create the Service in the clusters that should serve it"));
            return out;
        }
        for (ServiceSetting s : settings) {
            String c = s.cluster();
            if (!s.exists()) {
                if (!globalIn.isEmpty()) {
                    out.add(Finding.warning(MISSING, c, path,
                            c + " has no Service " + svc + " although it is global in " + String.join(", ", globalIn)
                                    + ": requests from " + c + " cannot reach it (Cilium merges remote backends only into an existing local Service)",
                            "create the Service (same namespace, name and ports; local pods are optional) in " + c
                                    + " and annotate it " + ServiceSetting.GLOBAL + ": \"true\""));
                }
                continue;
            }
            valueChecks(s, path, out);
            if (!s.global()) {
                List<String> others = globalIn.stream().filter(g -> !g.equals(c)).toList();
                if (!others.isEmpty()) {
                    out.add(Finding.warning(ONE_SIDED, c, path,
                            svc + " is global in " + String.join(", ", others) + " but not in " + c + ": " + c
                                    + " uses only its own backends and exports none, so the others get nothing from it",
                            "annotate it in " + c + " too (mesh.services().global(\"" + s.namespace() + "\", \"" + s.name() + "\").in(\"" + c
                                    + "\").apply()), or remove " + ServiceSetting.GLOBAL + " from " + String.join(", ", others)));
                }
                List<String> ignored = new ArrayList<>();
                if (s.sharedDeclared()) ignored.add("shared");
                if (s.affinityDeclared()) ignored.add("affinity");
                if (!ignored.isEmpty()) {
                    out.add(Finding.warning(ANNOTATION_IGNORED, c, path,
                            c + ": " + String.join(" and ", ignored) + " " + (ignored.size() == 1 ? "is" : "are") + " set on " + svc
                                    + ", which is not global there; Cilium ignores " + (ignored.size() == 1 ? "it" : "them"),
                            "add " + ServiceSetting.GLOBAL + ": \"true\" in " + c + ", or remove the " + String.join(" and ", ignored) + " annotation"));
                }
                continue;
            }
            if (!s.affinityRecognised()) {
                out.add(Finding.warning(AFFINITY_UNRECOGNISED, c, path,
                        c + ": affinity \"" + s.value(ServiceSetting.AFFINITY).orElse("") + "\" on " + svc
                                + " is not local, remote or none; current Cilium logs \"unrecognized service affinity value\" and uses none",
                        "set " + ServiceSetting.AFFINITY + " to local or remote, or remove it (none)"));
            }
            if (("NodePort".equals(s.type()) || "LoadBalancer".equals(s.type())) && !kubeProxyReplacement.test(c)) {
                out.add(Finding.warning(NODEPORT_WITHOUT_KPR, c, path,
                        c + ": " + svc + " is a global " + s.type() + " Service but Cilium runs without kube-proxy replacement there:"
                                + " traffic through its node port reaches local backends only",
                        "enable kube-proxy replacement (spec.cilium.kubeProxyReplacement: true), or reach the Service through its ClusterIP"));
            }
        }
        if (!globalIn.isEmpty() && settings.stream().filter(ServiceSetting::global).noneMatch(ServiceSetting::shared)) {
            out.add(Finding.warning(NOT_EXPORTED, null, path,
                    svc + " is global in " + String.join(", ", globalIn) + " but shared: \"false\" wherever it is global:"
                            + " no cluster exports its backends, so every cluster uses only its own",
                    "let the clusters whose backends should serve the others share them (remove " + ServiceSetting.SHARED
                            + " or set it to \"true\" there)"));
        }
        return out;
    }

    /**
     * Whether a namespace is global on Cilium 1.20: its {@value #NAMESPACE_GLOBAL} annotation ("true" or "false") wins,
     * else the cluster's {@code clustermesh.defaultGlobalNamespace}. Before 1.20 every namespace is global.
     */
    public static boolean namespaceGlobal(Map<String, String> namespaceAnnotations, boolean defaultGlobal) {
        String v = namespaceAnnotations == null ? null : namespaceAnnotations.get(NAMESPACE_GLOBAL);
        return v == null ? defaultGlobal : "true".equalsIgnoreCase(v.trim());
    }

    /**
     * A global Service in a namespace that is not global is not exported on Cilium 1.20 (its peers never see its
     * backends): one warning per cluster where that is so.
     *
     * @param settings        the Service's setting in every cluster
     * @param namespaceGlobal whether the Service's namespace is global in a cluster
     */
    public static List<Finding> namespaceChecks(List<ServiceSetting> settings, Predicate<String> namespaceGlobal) {
        List<Finding> out = new ArrayList<>();
        for (ServiceSetting s : settings) {
            if (s.exists() && s.global() && s.shared() && !namespaceGlobal.test(s.cluster())) {
                out.add(Finding.warning(NAMESPACE_NOT_GLOBAL, s.cluster(), "namespace/" + s.namespace(),
                        s.cluster() + ": " + s.service() + " is global, but namespace " + s.namespace() + " is not global there"
                                + " (Cilium 1.20 clustermesh.defaultGlobalNamespace false and no " + NAMESPACE_GLOBAL
                                + ": \"true\"): it is not exported, and the peers do not see its backends",
                        "annotate namespace " + s.namespace() + " in " + s.cluster() + " with " + NAMESPACE_GLOBAL
                                + ": \"true\" (mesh.services().global(..).apply() does so when it is unset)"));
            }
        }
        return out;
    }

    private static void valueChecks(ServiceSetting s, String path, List<Finding> out) {
        String c = s.cluster();
        for (String[] keys : new String[][]{{ServiceSetting.GLOBAL, ServiceSetting.LEGACY_GLOBAL}, {ServiceSetting.SHARED, ServiceSetting.LEGACY_SHARED}}) {
            Optional<String> v = s.value(keys[0]);
            if (v.isPresent() && !isBoolean(v.get())) {
                out.add(Finding.warning(ANNOTATION_VALUE, c, path,
                        c + ": " + keys[0] + " is \"" + v.get() + "\" on " + s.service() + "; Cilium reads anything but \"true\" as false",
                        "write \"true\" or \"false\""));
            }
        }
        for (String[] keys : new String[][]{{ServiceSetting.GLOBAL, ServiceSetting.LEGACY_GLOBAL}, {ServiceSetting.SHARED, ServiceSetting.LEGACY_SHARED},
                {ServiceSetting.AFFINITY, ServiceSetting.LEGACY_AFFINITY}}) {
            String canonical = s.annotations().get(keys[0]);
            String legacy = s.annotations().get(keys[1]);
            if (canonical != null && legacy != null && !canonical.equalsIgnoreCase(legacy)) {
                out.add(Finding.warning(ANNOTATION_CONFLICT, c, path,
                        c + ": " + keys[0] + " is \"" + canonical + "\" but the legacy " + keys[1] + " is \"" + legacy + "\" on " + s.service()
                                + "; Cilium uses \"" + canonical + "\"",
                        "remove " + keys[1] + " (mesh.services().global(..).apply() rewrites legacy annotations)"));
            }
        }
        if (s.usesLegacyAnnotations()) {
            out.add(new Finding(LEGACY_ANNOTATION, io.clustermesh.Severity.INFO, c, path,
                    c + ": " + s.service() + " uses legacy annotations " + s.annotations().keySet().stream().filter(k -> k.startsWith("io.cilium/")).toList(),
                    "run mesh.services().global(..).apply(): it writes the service.cilium.io/ keys and removes the legacy ones"));
        }
    }

    private static boolean isBoolean(String v) {
        String l = v.toLowerCase(Locale.ROOT);
        return l.equals("true") || l.equals("false");
    }
}
