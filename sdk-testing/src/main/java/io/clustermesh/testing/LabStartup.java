package io.clustermesh.testing;

import io.clustermesh.model.IpCidr;
import io.clustermesh.model.MeshCluster;
import io.clustermesh.model.MeshSpec;
import io.clustermesh.testing.arm.FakeArm;
import io.clustermesh.testing.arm.ManagedClusterSeed;
import io.clustermesh.testing.requests.FaultRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Starting a {@link MeshLab}: plans names, ids and addresses, starts the clusters in parallel, then the fake ARM with
 * the lab's Azure topology, then the simulated Cilium and the addons. Takes a copy of everything it needs from the
 * {@link MeshLab.Builder} when made, so the builder is never read again; the started lab gets its own
 * {@code MeshLab.Settings}. Used once.
 */
final class LabStartup {
    private static final Logger LOG = LoggerFactory.getLogger(LabStartup.class);

    private final MeshLab.Settings settings;
    private final int clusters;
    private final MeshSpec spec;
    private final long seed;
    private final Duration apiLatency;
    private final List<FaultRule> clusterFaults;
    private final Map<String, List<FaultRule>> faultsByCluster;
    private final boolean arm;
    private final boolean armTopology;
    private final Duration armLatency;
    private final List<FaultRule> armFaults;
    private final int nodes;
    private final boolean tls;
    private final boolean kubeProxy;
    private final String region;
    private final UnaryOperator<LabClusterSpec> customizer;
    private final List<LabAddon> addons;
    private final Path tempRoot;
    private final boolean simulatedCilium;
    private final SimulatedCiliumAddon.Knobs ciliumKnobs;
    private final LabEntraId entraId;
    private final Set<String> entraIdOnly;

    LabStartup(MeshLab.Builder b) {
        this.settings = MeshLab.Settings.of(b);
        this.clusters = b.clusters;
        this.spec = b.spec;
        this.seed = b.seed;
        this.apiLatency = b.apiLatency;
        this.clusterFaults = List.copyOf(b.clusterFaults);
        Map<String, List<FaultRule>> faults = new LinkedHashMap<>();
        b.faultsByCluster.forEach((k, v) -> faults.put(k, List.copyOf(v)));
        this.faultsByCluster = Collections.unmodifiableMap(faults);
        this.arm = b.arm;
        this.armTopology = b.armTopology;
        this.armLatency = b.armLatency;
        this.armFaults = List.copyOf(b.armFaults);
        this.nodes = b.nodes;
        this.tls = b.tls;
        this.kubeProxy = b.kubeProxy;
        this.region = b.region;
        this.customizer = b.customizer;
        this.addons = List.copyOf(b.addons);
        this.tempRoot = b.tempRoot;
        this.simulatedCilium = b.simulatedCilium;
        this.ciliumKnobs = b.ciliumKnobs;
        this.entraId = b.entraId;
        this.entraIdOnly = Collections.unmodifiableSet(new LinkedHashSet<>(b.entraIdOnly));
    }

    /** Starts the lab: clusters in parallel, then the fake ARM, then the addons. */
    MeshLab start() {
        Map<String, MeshCluster> planned = plan();
        List<LabClusterSpec> specs = new ArrayList<>();
        for (MeshCluster mc : planned.values()) {
            specs.add(labSpec(mc));
        }
        for (String name : entraIdOnly) {
            if (!planned.containsKey(name)) {
                throw new IllegalStateException("entraIdOnly names cluster '" + name + "', which is not in the lab " + planned.keySet());
            }
        }
        for (String name : faultsByCluster.keySet()) {
            if (!planned.containsKey(name)) {
                throw new IllegalStateException("a fault rule names cluster '" + name + "', which is not in the lab " + planned.keySet());
            }
        }
        Path dir = createWorkDir(tempRoot);
        AtomicInteger threads = new AtomicInteger();
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "mesh-lab-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<LabCluster> started = Collections.synchronizedList(new ArrayList<>());
        FakeArm fakeArm = null;
        MeshLab lab = null;
        // Ctrl-C or SIGTERM while the lab starts (or later, if nobody closes it): what has started so far goes with the JVM
        AtomicReference<MeshLab> made = new AtomicReference<>();
        AtomicReference<FakeArm> armMade = new AtomicReference<>();
        Thread atExit = new Thread(() -> {
            MeshLab l = made.get();
            if (l != null) {
                l.close();
                return;
            }
            List.copyOf(started).forEach(MeshLab::closeQuietly);
            FakeArm a = armMade.get();
            if (a != null) {
                MeshLab.closeQuietly(a);
            }
            MeshLab.deleteTree(dir);
        }, "mesh-lab-exit");
        Runtime.getRuntime().addShutdownHook(atExit);
        try {
            List<LabCluster> ordered = startClusters(specs, started);
            for (LabCluster c : ordered) {
                c.latency(apiLatency);
                clusterFaults.forEach(c::addFault);
                faultsByCluster.getOrDefault(c.name(), List.of()).forEach(c::addFault);
                if (entraIdOnly.contains(c.name())) {
                    c.acceptOnly(entraId);
                }
            }
            Path kubelogin = fakeKubelogin(dir);
            if (arm) {
                fakeArm = FakeArm.builder().seed(seed).location(region).latency(armLatency).start();
                armMade.set(fakeArm);
                if (armTopology) {
                    seedArm(fakeArm, ordered, kubelogin);
                } else {
                    for (LabCluster c : ordered) {
                        fakeArm.registerKubeconfig(c.spec().resourceGroup(), c.name(), userKubeconfig(c, kubelogin));
                    }
                }
                armFaults.forEach(fakeArm::addFault);
            }
            lab = new MeshLab(settings, ordered, fakeArm, dir, scheduler, planned);
            lab.closeAtExit(atExit);
            made.set(lab);
            if (fakeArm != null) {
                fakeArm.onChange(lab::armChanged);
            }
            if (simulatedCilium) {
                SimulatedCiliumAddon sim = new SimulatedCiliumAddon(ciliumKnobs, settings.apiserverStore());
                lab.own(sim.start(lab));
                lab.simulatedCilium(sim);
            }
            for (LabAddon addon : addons) {
                lab.own(addon.start(lab));
            }
            LOG.debug("mesh lab started: {} clusters{}", ordered.size(), fakeArm != null ? " + fake ARM " + fakeArm.url() : "");
            return lab;
        } catch (Exception e) {
            MeshLab.removeExitHook(atExit);
            if (lab != null) {
                lab.close();
            } else {
                started.forEach(MeshLab::closeQuietly);
                if (fakeArm != null) {
                    fakeArm.close();
                }
                scheduler.shutdownNow();
                MeshLab.deleteTree(dir);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("the lab could not start: " + e.getMessage(), e);
        }
    }

    /** Names, ids, CIDRs, mesh IPs and FQDNs of every cluster, in order. */
    private Map<String, MeshCluster> plan() {
        Map<String, MeshCluster> out = new LinkedHashMap<>();
        if (spec == null) {
            for (int i = 1; i <= clusters; i++) {
                LabClusterSpec s = defaults("cluster" + i, i);
                out.put(s.name(), MeshCluster.named(s.name()).withId(i).withPodCidr(s.podCidr()).withServiceCidr(s.serviceCidr())
                        .withApiServer(s.apiServer()).withMeshIp(s.meshIp()));
            }
            return out;
        }
        int position = 0;
        for (MeshCluster c : spec.clusters()) {
            position++;
            int index = c.id() >= 1 && c.id() <= LabAddressing.MAX_CLUSTERS ? c.id() : position;
            LabClusterSpec s = defaults(c.name(), index);
            if (out.containsKey(c.name())) {
                throw new IllegalArgumentException("the spec names cluster '" + c.name() + "' twice");
            }
            out.put(c.name(), MeshCluster.named(c.name()).withId(c.id() != 0 ? c.id() : index)
                    .withPodCidr(c.podCidr() != null ? c.podCidr() : s.podCidr())
                    .withServiceCidr(c.serviceCidr() != null ? c.serviceCidr() : s.serviceCidr())
                    .withApiServer(c.apiServer() != null ? c.apiServer() : s.apiServer())
                    .withMeshIp(c.meshIp() != null ? c.meshIp() : s.meshIp())
                    .withCilium(c.cilium()));
        }
        return out;
    }

    private LabClusterSpec defaults(String name, int index) {
        LabClusterSpec s = LabClusterSpec.of(name, index, seed).nodeCount(nodes).tls(tls).kubeProxy(kubeProxy);
        return region.equals(s.region()) ? s : s.region(region);
    }

    private LabClusterSpec labSpec(MeshCluster mc) {
        int index = mc.id() >= 1 && mc.id() <= LabAddressing.MAX_CLUSTERS ? mc.id() : 1;
        LabClusterSpec d = defaults(mc.name(), index);
        // a spec's fixed mesh IP decides the cluster's node subnet (its /24), so the simulated LB can honour it
        String subnet = mc.meshIp() != null && IpCidr.isAddress(mc.meshIp()) && !mc.meshIp().contains(":")
                ? IpCidr.parse(mc.meshIp().substring(0, mc.meshIp().lastIndexOf('.')) + ".0/24").toString() : d.subnet();
        LabClusterSpec s = new LabClusterSpec(d.name(), d.index(), d.seed(), d.region(), d.resourceGroup(), d.kubernetesVersion(),
                d.nodeCount(), subnet, mc.podCidr() != null ? mc.podCidr() : d.podCidr(),
                mc.serviceCidr() != null ? mc.serviceCidr() : d.serviceCidr(), mc.apiServer(), d.kubeProxy(), d.tls());
        return Objects.requireNonNull(customizer.apply(s), "clusterSpec customizer returned null");
    }

    private List<LabCluster> startClusters(List<LabClusterSpec> specs, List<LabCluster> started) throws Exception {
        int parallel = Math.max(1, Math.min(4, specs.size()));
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "mesh-lab-start-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<LabCluster>> futures = new ArrayList<>();
            var serialization = new io.fabric8.kubernetes.client.utils.KubernetesSerialization(); // one for the lab's clients
            for (LabClusterSpec s : specs) {
                futures.add(pool.submit(() -> {
                    LabCluster c = LabCluster.start(s, serialization);
                    started.add(c);
                    return c;
                }));
            }
            List<LabCluster> ordered = new ArrayList<>();
            Exception first = null;
            for (Future<LabCluster> f : futures) {
                try {
                    ordered.add(f.get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return ordered;
        } finally {
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    /** What AKS's listClusterUserCredential returns: an Entra-ID-only cluster's runs kubelogin. */
    private String userKubeconfig(LabCluster c, Path kubelogin) {
        return entraIdOnly.contains(c.name()) ? c.kubeloginKubeconfig(kubelogin.toString()) : c.kubeconfig();
    }

    /** A stand-in for kubelogin that records that it ran (the SDK must never run it) and fails, as without a login. */
    private static Path fakeKubelogin(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path script = bin.resolve("kubelogin");
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + dir.resolve("kubelogin-runs") + "'\n"
                + "echo 'kubelogin: the clustermesh lab refuses device-code logins' >&2\nexit 1\n");
        script.toFile().setExecutable(true, true);
        return script;
    }

    private void seedArm(FakeArm a, List<LabCluster> cs, Path kubelogin) {
        a.resourceGroup(MeshLab.HUB_RESOURCE_GROUP, region);
        String wan = a.virtualWan(MeshLab.HUB_RESOURCE_GROUP, MeshLab.VIRTUAL_WAN, "Standard");
        a.virtualHub(MeshLab.HUB_RESOURCE_GROUP, MeshLab.HUB, wan, LabAddressing.HUB_PREFIX);
        for (LabCluster c : cs) {
            LabClusterSpec s = c.spec();
            a.resourceGroup(s.resourceGroup(), s.region());
            String vnet = a.virtualNetwork(s.resourceGroup(), "vnet-" + s.name(), s.subnet(), MeshLab.SUBNET, s.subnet());
            a.hubConnection(MeshLab.HUB_RESOURCE_GROUP, MeshLab.HUB, "conn-" + s.name(), vnet);
            a.resourceGroup(s.nodeResourceGroup(), s.region());
            a.managedCluster(ManagedClusterSeed.byocni(s.resourceGroup(), s.name()).location(s.region())
                    .kubernetesVersion(s.kubernetesVersion()).fqdn(s.apiServer()).podCidr(s.podCidr())
                    .serviceCidr(s.serviceCidr(), s.dnsServiceIp()).nodeResourceGroup(s.nodeResourceGroup())
                    .nodeCount(s.nodeCount()).vnetSubnetId(vnet + "/subnets/" + MeshLab.SUBNET)
                    .kubeProxyEnabled(s.kubeProxy() ? null : Boolean.FALSE)
                    .authentication(entraIdOnly.contains(s.name()) ? ManagedClusterSeed.Authentication.ENTRA_ID_ONLY
                            : ManagedClusterSeed.Authentication.LOCAL_ACCOUNTS));
            a.registerKubeconfig(s.resourceGroup(), s.name(), userKubeconfig(c, kubelogin));
        }
    }

    private static Path createWorkDir(Path root) {
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                var attr = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
                return root == null ? Files.createTempDirectory("clustermesh-lab-", attr) : Files.createTempDirectory(root, "clustermesh-lab-", attr);
            }
            return root == null ? Files.createTempDirectory("clustermesh-lab-") : Files.createTempDirectory(root, "clustermesh-lab-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the lab's temporary directory", e);
        }
    }
}
