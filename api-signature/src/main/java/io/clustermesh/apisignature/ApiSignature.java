package io.clustermesh.apisignature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a set of classes as sorted text lines, one per type and per member, each line naming its type:
 * <pre>
 * io.clustermesh.Mesh: public final class implements java.lang.AutoCloseable
 * io.clustermesh.Mesh: method public io.clustermesh.report.MeshStatus status()
 * io.clustermesh.Mesh: method public static io.clustermesh.Mesh$Builder builder()
 * </pre>
 * What counts: public and protected types whose enclosing types are too, and their declared public and protected
 * constructors, methods and fields (enum constants and record accessors included), with generic types, modifiers that
 * change how callers may use them (static, final, abstract, default) and declared exceptions. Not counted: packages
 * named {@code internal} (the project's convention for what is not API), synthetic and bridge members.
 */
public final class ApiSignature {
    private static final int MEMBER_MODIFIERS = Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL | Modifier.ABSTRACT;

    private ApiSignature() {
    }

    /** Loads (without initialising) every class under {@code classesDir} through {@code loader} and describes the API. */
    public static List<String> ofDirectory(Path classesDir, ClassLoader loader) {
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classesDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String rel = classesDir.relativize(f).toString().replace('\\', '/');
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                if (name.endsWith("module-info") || name.endsWith("package-info")) {
                    continue;
                }
                try {
                    classes.add(Class.forName(name, false, loader));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IllegalStateException("cannot load " + name + " from " + classesDir + ": " + e, e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + classesDir, e);
        }
        return of(classes);
    }

    /** The API lines of these classes, sorted, without duplicates. */
    public static List<String> of(Collection<Class<?>> classes) {
        TreeSet<String> lines = new TreeSet<>();
        for (Class<?> c : classes) {
            if (!isApi(c)) {
                continue;
            }
            String t = c.getName() + ": ";
            lines.add(t + typeLine(c));
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k.getModifiers()) && !k.isSynthetic()) {
                    lines.add(t + "constructor " + modifiers(k.getModifiers(), false) + typeParameters(k.getTypeParameters())
                            + "(" + parameters(k) + ")" + exceptions(k));
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    int mods = m.getModifiers();
                    if (c.isInterface()) {
                        mods &= ~Modifier.ABSTRACT; // implicit
                    }
                    lines.add(t + "method " + modifiers(mods, m.isDefault()) + typeParameters(m.getTypeParameters())
                            + name(m.getGenericReturnType()) + " " + m.getName() + "(" + parameters(m) + ")" + exceptions(m));
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers()) && !f.isSynthetic()) {
                    lines.add(t + (f.isEnumConstant() ? "enum-constant " + f.getName()
                            : "field " + modifiers(f.getModifiers(), false) + name(f.getGenericType()) + " " + f.getName()));
                }
            }
        }
        return List.copyOf(lines);
    }

    /**
     * Compares the checked-in lines with the current ones.
     *
     * @param file     the signature file, named in the message
     * @param expected the file's lines
     * @param actual   the current API
     * @return the failure message naming every removed and added line, or empty when they agree
     */
    public static Optional<String> compare(String file, List<String> expected, List<String> actual) {
        TreeSet<String> removed = new TreeSet<>(expected);
        removed.removeAll(actual);
        TreeSet<String> added = new TreeSet<>(actual);
        added.removeAll(expected);
        if (removed.isEmpty() && added.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder("the public API differs from its signature file ").append(file).append(":\n");
        removed.forEach(l -> b.append("  - removed or changed: ").append(l).append('\n'));
        added.forEach(l -> b.append("  + added or changed:   ").append(l).append('\n'));
        b.append("If the change is intended (a removed or changed method breaks users: say so in CHANGELOG.md), update the file with\n")
                .append("  mvn -B verify -Dapi.update=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -pl <module> -am\nand commit it.");
        return Optional.of(b.toString());
    }

    /** The lines of a signature file (blank lines and {@code #} comments ignored). */
    public static List<String> read(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Writes a signature file: a header comment, then the lines. */
    public static void write(Path file, String module, List<String> lines) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<String> out = new ArrayList<>();
            out.add("# Public API of " + module + ", compared in mvn verify (README.md, \"API signature\").");
            out.add("# Regenerate on purpose with: mvn -B verify -Dapi.update=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -pl <module> -am");
            out.addAll(lines);
            Files.write(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static boolean isApi(Class<?> c) {
        if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
            return false;
        }
        String pkg = c.getPackageName();
        if (pkg.equals("internal") || pkg.endsWith(".internal") || pkg.contains(".internal.")) {
            return false;
        }
        for (Class<?> x = c; x != null; x = x.getEnclosingClass()) {
            if (!visible(x.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String typeLine(Class<?> c) {
        String kind = c.isAnnotation() ? "@interface" : c.isInterface() ? "interface" : c.isEnum() ? "enum" : c.isRecord() ? "record" : "class";
        int mods = c.getModifiers() & MEMBER_MODIFIERS;
        if (c.isInterface() || c.isEnum() || c.isRecord()) {
            mods &= ~(Modifier.ABSTRACT | Modifier.FINAL | Modifier.STATIC); // implicit for these kinds
        }
        StringBuilder b = new StringBuilder(modifiers(mods, false)).append(kind).append(typeParameters(c.getTypeParameters()));
        Type sup = c.getGenericSuperclass();
        if (sup != null && sup != Object.class && !c.isEnum() && !c.isRecord()) {
            b.append(" extends ").append(name(sup));
        }
        Type[] ifs = c.getGenericInterfaces();
        if (ifs.length > 0) {
            b.append(c.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(ifs).map(ApiSignature::name).sorted().collect(Collectors.joining(", ")));
        }
        if (c.isSealed()) {
            b.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getName).sorted().collect(Collectors.joining(", ")));
        }
        return b.toString();
    }

    private static String modifiers(int mods, boolean isDefault) {
        String m = Modifier.toString(mods & MEMBER_MODIFIERS);
        if (isDefault) {
            m = m.isEmpty() ? "default" : m + " default";
        }
        return m.isEmpty() ? "" : m + " ";
    }

    private static String typeParameters(TypeVariable<?>[] vars) {
        if (vars.length == 0) {
            return "";
        }
        return "<" + Arrays.stream(vars).map(v -> {
            Type[] bounds = v.getBounds();
            boolean plain = bounds.length == 1 && bounds[0] == Object.class;
            return plain ? v.getName() : v.getName() + " extends " + Arrays.stream(bounds).map(ApiSignature::name).collect(Collectors.joining(" & "));
        }).collect(Collectors.joining(", ")) + "> ";
    }

    private static String parameters(Executable e) {
        Type[] types = e.getGenericParameterTypes();
        if (types.length != e.getParameterCount()) {
            types = e.getParameterTypes(); // inner-class constructors: generic types may omit the outer instance
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            String n = name(types[i]);
            if (e.isVarArgs() && i == types.length - 1 && n.endsWith("[]")) {
                n = n.substring(0, n.length() - 2) + "...";
            }
            out.add(n);
        }
        return String.join(", ", out);
    }

    private static String exceptions(Executable e) {
        Type[] ex = e.getGenericExceptionTypes();
        return ex.length == 0 ? "" : " throws " + Arrays.stream(ex).map(ApiSignature::name).sorted().collect(Collectors.joining(", "));
    }

    private static String name(Type t) {
        return t instanceof Class<?> c ? className(c) : t.getTypeName();
    }

    private static String className(Class<?> c) {
        return c.isArray() ? className(c.getComponentType()) + "[]" : c.getName();
    }
}
