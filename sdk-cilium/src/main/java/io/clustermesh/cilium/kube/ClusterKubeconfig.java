package io.clustermesh.cilium.kube;

import io.clustermesh.Finding;
import io.clustermesh.MeshConfigurationException;
import io.clustermesh.model.ClusterAccess;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.spi.BearerTokens;
import io.clustermesh.spi.ClusterConnection;
import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.Context;
import io.fabric8.kubernetes.api.model.ExecConfig;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place where a cluster's {@link ClusterAccess} becomes the kubeconfig the SDK talks to it with: a kubeconfig
 * holding exactly the cluster's own context, its cluster entry and its user entry ({@code current-context} = that
 * context). The Kubernetes client ({@link Fabric8ClusterTransport}) and Helm ({@code HelmJavaTransport}) both use it, so
 * they can never disagree about the target — helm-java has no kube-context option and Helm uses the file's
 * {@code current-context}, which in a merged kubeconfig ({@code az aks get-credentials} merges into one file) is
 * whichever cluster was fetched last.
 *
 * <p>Rules, checked before anything can run a credential plugin:
 * <ul>
 *   <li>the context must exist — no fallback to {@code current-context}; a missing context, cluster or user entry is
 *       an error naming the cluster, the context and the contexts that do exist;</li>
 *   <li>files a kubeconfig refers to ({@code certificate-authority}, {@code client-certificate}, {@code client-key})
 *       are inlined as {@code *-data}, so the result stands alone; {@code tokenFile} and a relative {@code exec}
 *       command are made absolute against the kubeconfig's directory (client-go resolves them the same way);</li>
 *   <li>an {@code exec} credential plugin is carried over, and refused when the access does not allow it
 *       ({@link ClusterAccess#execAllowed()}: kubeconfigs named inside a spec file);</li>
 *   <li>an access with {@linkplain ClusterAccess#bearerTokens() bearer tokens} (e.g. an AKS cluster with Microsoft
 *       Entra ID integration, whose user kubeconfig would run {@code kubelogin}) keeps the cluster entry (server, CA)
 *       and replaces the user entry's credentials: no plugin runs; the Kubernetes client asks the token source on
 *       every request, and {@link #writeTo(Path)} writes the current token into the file Helm gets on every call.</li>
 * </ul>
 * Without a file, a kube context is looked up in {@code KUBECONFIG} (a path list, merged with the first file that
 * defines a name winning, as kubectl does) or {@code ~/.kube/config}.
 *
 * <p>The content is a secret: {@link #toString()} shows only the cluster, the context and the server.
 */
public final class ClusterKubeconfig {
    /** Finding code: the kube context (or its cluster or user entry) is not in the kubeconfig. */
    public static final String CONTEXT_MISSING = "KUBE_CONTEXT_MISSING";
    /** Finding code: a kubeconfig named inside a spec file would run a credential plugin the caller did not allow. */
    public static final String EXEC_NOT_ALLOWED = "KUBECONFIG_EXEC_NOT_ALLOWED";
    /** Finding code: the kubeconfig cannot be read or parsed, or names no server. */
    public static final String INVALID = "KUBECONFIG_INVALID";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final String cluster;
    private final String context;
    private final String server;
    private final String execCommand;
    private final String content;
    private final BearerTokens tokens;

    private ClusterKubeconfig(String cluster, String context, String server, String execCommand, String content, BearerTokens tokens) {
        this.cluster = cluster;
        this.context = context;
        this.server = server;
        this.execCommand = execCommand;
        this.content = content;
        this.tokens = tokens;
    }

    /**
     * Resolves the cluster's access into a single-context kubeconfig. Reads the kubeconfig file(s), never runs a
     * credential plugin and makes no request.
     *
     * @throws MeshConfigurationException naming the cluster, the context and the fix, with one finding whose code is
     *                                    {@link #CONTEXT_MISSING}, {@link #EXEC_NOT_ALLOWED} or {@link #INVALID}
     */
    public static ClusterKubeconfig resolve(MeshCluster cluster) {
        Objects.requireNonNull(cluster, "cluster");
        ClusterAccess access = cluster.access();
        String name = cluster.name();
        if (access == null) {
            throw invalid(name, name + ": no access to the cluster is configured",
                    "give the cluster a kubeContext, kubeconfig content or an azure reference");
        }
        List<Source> sources = switch (access.kind()) {
            case KUBECONFIG -> List.of(parse(name, access.kubeconfigContent().orElseThrow(), null, "the kubeconfig content given"));
            case KUBE_CONTEXT -> access.kubeconfigFile().isPresent()
                    ? List.of(read(name, access.kubeconfigFile().get()))
                    : defaultFiles(name);
            case AZURE -> throw invalid(name, name + ": the cluster is an Azure reference and its credentials were not fetched",
                    "add clustermesh-azure to the class path (it fetches AKS credentials), or give a kubeContext");
        };
        String where = describe(access);
        Map<String, Entry<Context>> contexts = new LinkedHashMap<>();
        Map<String, Entry<Cluster>> clusters = new LinkedHashMap<>();
        Map<String, Entry<AuthInfo>> users = new LinkedHashMap<>();
        String current = null;
        for (Source s : sources) {
            Config c = s.config();
            for (NamedContext nc : nonNull(c.getContexts())) {
                if (nc.getName() != null && nc.getContext() != null) {
                    contexts.putIfAbsent(nc.getName(), new Entry<>(nc.getContext(), s.dir()));
                }
            }
            for (NamedCluster nc : nonNull(c.getClusters())) {
                if (nc.getName() != null && nc.getCluster() != null) {
                    clusters.putIfAbsent(nc.getName(), new Entry<>(nc.getCluster(), s.dir()));
                }
            }
            for (NamedAuthInfo nu : nonNull(c.getUsers())) {
                if (nu.getName() != null) {
                    users.putIfAbsent(nu.getName(), new Entry<>(nu.getUser() == null ? new AuthInfo() : nu.getUser(), s.dir()));
                }
            }
            if (current == null && c.getCurrentContext() != null && !c.getCurrentContext().isBlank()) {
                current = c.getCurrentContext();
            }
        }
        String ctxName = access.context().orElse(current);
        if (ctxName == null) {
            throw missing(name, name + ": the kubeconfig " + where + " has no current-context and the cluster names none",
                    "name the context of " + name + " (one of " + list(contexts.keySet()) + ")");
        }
        Entry<Context> ctx = contexts.get(ctxName);
        if (ctx == null) {
            throw missing(name, name + ": context '" + ctxName + "' is not in the kubeconfig " + where
                            + " (it has " + list(contexts.keySet()) + ")",
                    contexts.isEmpty() ? "give a kubeconfig that holds the context " + ctxName
                            : "use one of the contexts that exist, or add '" + ctxName + "' to the kubeconfig (e.g. az aks get-credentials)");
        }
        String clusterRef = ctx.value().getCluster();
        Entry<Cluster> cl = clusterRef == null ? null : clusters.get(clusterRef);
        if (cl == null) {
            throw missing(name, name + ": context '" + ctxName + "' of the kubeconfig " + where + " refers to cluster entry '"
                    + clusterRef + "', which is not in the kubeconfig (it has " + list(clusters.keySet()) + ")",
                    "repair the kubeconfig: fetch the credentials of " + name + " again");
        }
        String userRef = ctx.value().getUser();
        Entry<AuthInfo> user = userRef == null || userRef.isBlank() ? new Entry<>(new AuthInfo(), null) : users.get(userRef);
        if (user == null) {
            throw missing(name, name + ": context '" + ctxName + "' of the kubeconfig " + where + " refers to user entry '"
                    + userRef + "', which is not in the kubeconfig (it has " + list(users.keySet()) + ")",
                    "repair the kubeconfig: fetch the credentials of " + name + " again");
        }
        String server = cl.value().getServer();
        if (server == null || server.isBlank()) {
            throw invalid(name, name + ": cluster entry '" + clusterRef + "' of the kubeconfig " + where + " names no server",
                    "check the kubeconfig's cluster entry for context " + ctxName);
        }
        Cluster outCluster = inlineCluster(name, cl);
        BearerTokens tokens = access.bearerTokens().orElse(null);
        // with a token source, the user entry's credentials (a kubelogin exec plugin, for AKS with Entra ID) are not used
        AuthInfo outUser = tokens != null ? new AuthInfo() : inlineUser(name, user);
        String exec = outUser.getExec() == null ? null : outUser.getExec().getCommand();
        if (outUser.getExec() != null && (exec == null || exec.isBlank())) {
            throw invalid(name, name + ": user entry '" + userRef + "' of the kubeconfig " + where + " has an exec plugin without a command",
                    "repair the kubeconfig's user entry");
        }
        if (exec != null && !access.execAllowed()) {
            throw new MeshConfigurationException(Finding.error(EXEC_NOT_ALLOWED, name, "cluster " + name,
                    name + ": the kubeconfig " + where + ", named in the spec file, would run the command '" + exec
                            + "' (credential plugin of context " + ctxName + "); a spec file may not run commands unless the caller allows it",
                    "if you trust that kubeconfig, allow it (meshctl --allow-exec, or Mesh.builder().allowExecFromSpecFiles(true)); "
                            + "or give the kubeconfig yourself (meshctl --kubeconfig)"));
        }
        String user0 = userRef == null || userRef.isBlank() ? ctxName : userRef;
        Config single = new Config();
        single.setApiVersion("v1");
        single.setKind("Config");
        single.setClusters(List.of(new NamedCluster(outCluster, clusterRef)));
        single.setUsers(List.of(new NamedAuthInfo(user0, outUser)));
        Context outCtx = new Context(clusterRef, null, ctx.value().getNamespace(), user0);
        single.setContexts(List.of(new NamedContext(outCtx, ctxName)));
        single.setCurrentContext(ctxName);
        return new ClusterKubeconfig(name, ctxName, server, exec, SERIALIZATION.asYaml(single), tokens);
    }

    /**
     * The kubeconfig for tools (Helm) that must reach the same cluster as {@code connection}: the very one the
     * connection's client was built from when it is the SDK's fabric8 connection; otherwise resolved from the cluster's
     * access by the same rules, and refused if it names another API server than the connection reaches.
     */
    public static ClusterKubeconfig of(ClusterConnection connection, MeshCluster cluster) {
        if (connection instanceof Fabric8Connection f) {
            return f.kubeconfig();
        }
        ClusterKubeconfig k = resolve(cluster);
        String url = connection == null ? null : connection.apiServerUrl();
        if (url != null && (url.startsWith("https://") || url.startsWith("http://")) && !trim(url).equals(trim(k.server()))) {
            throw invalid(cluster.name(), cluster.name() + ": the kubeconfig's context " + k.context() + " reaches " + k.server()
                            + " but the cluster connection reaches " + url,
                    "give the cluster one access (kube context or kubeconfig) that both the Kubernetes client and Helm use");
        }
        return k;
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The cluster this kubeconfig reaches. */
    public String cluster() {
        return cluster;
    }

    /** The context (the only one, and the current one). */
    public String context() {
        return context;
    }

    /** The API server URL. */
    public String server() {
        return server;
    }

    /** The credential plugin's command, if the user entry has one. */
    public Optional<String> execCommand() {
        return Optional.ofNullable(execCommand);
    }

    /**
     * The single-context kubeconfig (YAML). A secret: for transports only, never log it. With a
     * {@linkplain #bearerTokens() token source} its user entry holds no credential: the client adds the current token.
     */
    public String content() {
        return content;
    }

    /** The source of the bearer token every request carries, when the cluster's access has one. */
    public Optional<BearerTokens> bearerTokens() {
        return Optional.ofNullable(tokens);
    }

    /**
     * Writes the kubeconfig into {@code dir} (which should be private) as a file readable only by its owner, for tools
     * that take a path. With a {@linkplain #bearerTokens() token source}, the user entry holds the token current at this
     * call (the source refreshes it before it expires), so write the file anew for every call of the tool and delete it
     * afterwards.
     */
    public Path writeTo(Path dir) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, tokens == null ? content : withToken(tokens.current()), StandardCharsets.UTF_8);
        return file;
    }

    private String withToken(String token) {
        Config c = SERIALIZATION.unmarshal(content, Config.class);
        c.getUsers().get(0).getUser().setToken(token);
        return SERIALIZATION.asYaml(c);
    }

    @Override
    public String toString() {
        return "ClusterKubeconfig[" + cluster + ", context " + context + ", " + server + (execCommand == null ? "" : ", exec " + execCommand)
                + (tokens == null ? "" : ", bearer tokens from " + tokens.describe()) + ", content <redacted>]";
    }

    // --- reading -------------------------------------------------------------------------------------------------------

    private record Source(Config config, Path dir) {
    }

    private record Entry<T>(T value, Path dir) {
    }

    private static List<Source> defaultFiles(String cluster) {
        String env = System.getenv("KUBECONFIG");
        List<Path> files = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            for (String p : env.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    files.add(Path.of(p));
                }
            }
        } else {
            files.add(Path.of(System.getProperty("user.home"), ".kube", "config"));
        }
        List<Source> out = new ArrayList<>();
        for (Path f : files) {
            if (Files.isRegularFile(f)) {
                out.add(read(cluster, f));
            }
        }
        if (out.isEmpty()) {
            throw invalid(cluster, cluster + ": no kubeconfig found (" + (env != null && !env.isBlank() ? "KUBECONFIG=" + env : "~/.kube/config")
                            + " does not exist)",
                    "give the kubeconfig file (meshctl --kubeconfig, or ClusterAccess.kubeContext(context, file))");
        }
        return out;
    }

    private static Source read(String cluster, Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw invalid(cluster, cluster + ": the kubeconfig file " + file + " does not exist or is not a readable file",
                    "check the path of the kubeconfig");
        }
        try {
            if (Files.size(file) > 16L * 1024 * 1024) {
                throw invalid(cluster, cluster + ": the kubeconfig file " + file + " is larger than 16 MiB", "check the path of the kubeconfig");
            }
            Path dir = file.toAbsolutePath().getParent();
            return parse(cluster, Files.readString(file, StandardCharsets.UTF_8), dir, "file " + file);
        } catch (IOException e) {
            throw invalid(cluster, cluster + ": the kubeconfig file " + file + " cannot be read (" + io.clustermesh.internal.Causes.describe(e) + ")",
                    "check the path and permissions of the kubeconfig");
        }
    }

    private static Source parse(String cluster, String yaml, Path dir, String what) {
        Config c;
        try {
            c = SERIALIZATION.unmarshal(yaml, Config.class);
        } catch (RuntimeException e) {
            // the parser's message may quote the file (keys, tokens): never pass it on
            c = null;
        }
        if (c == null || !"Config".equals(c.getKind() == null ? "Config" : c.getKind())) {
            throw invalid(cluster, cluster + ": " + what + " is not a kubeconfig (YAML with clusters, contexts and users)",
                    "check that it is a kubeconfig, e.g. the output of az aks get-credentials --file -");
        }
        return new Source(c, dir);
    }

    private static Cluster inlineCluster(String cluster, Entry<Cluster> e) {
        Cluster c = e.value();
        Cluster out = new Cluster(c.getCertificateAuthority(), c.getCertificateAuthorityData(), c.getDisableCompression(), c.getExtensions(),
                c.getInsecureSkipTlsVerify(), c.getProxyUrl(), c.getServer(), c.getTlsServerName());
        if (c.getCertificateAuthority() != null && !c.getCertificateAuthority().isBlank() && c.getCertificateAuthorityData() == null) {
            out.setCertificateAuthorityData(inline(cluster, e.dir(), c.getCertificateAuthority(), "certificate-authority"));
            out.setCertificateAuthority(null);
        }
        return out;
    }

    private static AuthInfo inlineUser(String cluster, Entry<AuthInfo> e) {
        AuthInfo u = e.value();
        AuthInfo out = new AuthInfo(u.getAs(), u.getAsGroups(), u.getAsUid(), u.getAsUserExtra(), u.getAuthProvider(), u.getClientCertificate(),
                u.getClientCertificateData(), u.getClientKey(), u.getClientKeyData(), u.getExec(), u.getExtensions(), u.getPassword(),
                u.getToken(), u.getTokenFile(), u.getUsername());
        if (u.getClientCertificate() != null && !u.getClientCertificate().isBlank() && u.getClientCertificateData() == null) {
            out.setClientCertificateData(inline(cluster, e.dir(), u.getClientCertificate(), "client-certificate"));
            out.setClientCertificate(null);
        }
        if (u.getClientKey() != null && !u.getClientKey().isBlank() && u.getClientKeyData() == null) {
            out.setClientKeyData(inline(cluster, e.dir(), u.getClientKey(), "client-key"));
            out.setClientKey(null);
        }
        if (u.getTokenFile() != null && !u.getTokenFile().isBlank()) {
            out.setTokenFile(absolute(e.dir(), u.getTokenFile()).toString());
        }
        ExecConfig x = u.getExec();
        if (x != null && x.getCommand() != null && x.getCommand().contains(File.separator) && !Path.of(x.getCommand()).isAbsolute()) {
            ExecConfig abs = new ExecConfig(x.getApiVersion(), x.getArgs(), absolute(e.dir(), x.getCommand()).toString(), x.getEnv(),
                    x.getInstallHint(), x.getInteractiveMode(), x.getProvideClusterInfo());
            out.setExec(abs);
        }
        return out;
    }

    private static String inline(String cluster, Path dir, String file, String field) {
        Path p = absolute(dir, file);
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(p));
        } catch (IOException e) {
            throw invalid(cluster, cluster + ": the kubeconfig's " + field + " file " + p + " cannot be read (" + io.clustermesh.internal.Causes.describe(e) + ")",
                    "check that the file exists, or use " + field + "-data in the kubeconfig");
        }
    }

    private static Path absolute(Path dir, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    private static <T> List<T> nonNull(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String list(java.util.Collection<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static String describe(ClusterAccess a) {
        return switch (a.kind()) {
            case KUBECONFIG -> "content given";
            case KUBE_CONTEXT -> a.kubeconfigFile().map(p -> p.toString()).orElse("(KUBECONFIG or ~/.kube/config)");
            default -> "";
        };
    }

    private static MeshConfigurationException missing(String cluster, String message, String fix) {
        return new MeshConfigurationException(Finding.error(CONTEXT_MISSING, cluster, "cluster " + cluster, message, fix));
    }

    private static MeshConfigurationException invalid(String cluster, String message, String fix) {
        return new MeshConfigurationException(Finding.error(INVALID, cluster, "cluster " + cluster, message, fix));
    }
}
