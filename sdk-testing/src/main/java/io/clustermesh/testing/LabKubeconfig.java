package io.clustermesh.testing;

import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * One kubeconfig for all the lab's clusters, the way {@code az aks get-credentials} merges AKS clusters into one file:
 * every cluster's context, cluster and user entries side by side, {@code current-context} = the first cluster.
 */
final class LabKubeconfig {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private LabKubeconfig() {
    }

    /** The merged kubeconfig of {@code clusters} (YAML). A secret. */
    static String merge(List<LabCluster> clusters) {
        Config merged = new Config();
        merged.setApiVersion("v1");
        merged.setKind("Config");
        merged.setClusters(new ArrayList<>());
        merged.setContexts(new ArrayList<>());
        merged.setUsers(new ArrayList<>());
        for (LabCluster c : clusters) {
            Config one = SERIALIZATION.unmarshal(c.kubeconfig(), Config.class);
            merged.getClusters().addAll(one.getClusters());
            merged.getContexts().addAll(one.getContexts());
            merged.getUsers().addAll(one.getUsers());
        }
        if (!clusters.isEmpty()) {
            merged.setCurrentContext(clusters.get(0).name());
        }
        return SERIALIZATION.asYaml(merged);
    }

    /** Writes {@link #merge} to {@code file}, readable by its owner only. */
    static Path write(Path file, List<LabCluster> clusters) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, merge(clusters), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab's kubeconfig " + file, e);
        }
    }
}
