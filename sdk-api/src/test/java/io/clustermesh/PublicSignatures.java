package io.clustermesh;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the types a class's public API mentions: superclass and interfaces (with their type arguments), type
 * parameter bounds, and the types of public and protected fields, constructors and methods (parameters, return
 * values, exceptions, and the bounds of their type parameters), through generics, wildcards and arrays.
 */
final class PublicSignatures {
    private PublicSignatures() {
    }

    /** Every place where the public API of {@code classes} mentions a type whose name starts with a forbidden prefix. */
    static List<String> leaks(Collection<Class<?>> classes, List<String> forbiddenPrefixes) {
        Set<String> out = new TreeSet<>();
        for (Class<?> c : classes) {
            if (!isApi(c)) {
                continue;
            }
            check(out, forbiddenPrefixes, c.getName() + " superclass", c.getGenericSuperclass());
            for (Type t : c.getGenericInterfaces()) {
                check(out, forbiddenPrefixes, c.getName() + " interface", t);
            }
            for (TypeVariable<?> v : c.getTypeParameters()) {
                check(out, forbiddenPrefixes, c.getName() + " type parameter " + v.getName(), v);
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers()) && !f.isSynthetic()) {
                    check(out, forbiddenPrefixes, c.getName() + "." + f.getName(), f.getGenericType());
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                executable(out, forbiddenPrefixes, c.getName() + ".<init>", k);
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    executable(out, forbiddenPrefixes, c.getName() + "." + m.getName() + "()", m);
                    check(out, forbiddenPrefixes, c.getName() + "." + m.getName() + "() return", m.getGenericReturnType());
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static void executable(Set<String> out, List<String> forbidden, String where, Executable e) {
        if (!visible(e.getModifiers()) || e.isSynthetic()) {
            return;
        }
        for (Type t : e.getGenericParameterTypes()) {
            check(out, forbidden, where + " parameter", t);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(out, forbidden, where + " throws", t);
        }
        for (TypeVariable<?> v : e.getTypeParameters()) {
            check(out, forbidden, where + " type parameter " + v.getName(), v);
        }
    }

    /** Public, or a public/protected member class of an API class. */
    static boolean isApi(Class<?> c) {
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        Class<?> outer = c.getDeclaringClass();
        return outer == null ? Modifier.isPublic(c.getModifiers()) : visible(c.getModifiers()) && isApi(outer);
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(Set<String> out, List<String> forbidden, String where, Type type) {
        if (type == null) {
            return;
        }
        Set<Class<?>> mentioned = new HashSet<>();
        walk(type, new HashSet<>(), mentioned);
        for (Class<?> m : mentioned) {
            if (forbidden.stream().anyMatch(p -> m.getName().startsWith(p))) {
                out.add(where + ": " + m.getName());
            }
        }
    }

    private static void walk(Type t, Set<Type> seen, Set<Class<?>> out) {
        if (t == null || !seen.add(t)) {
            return;
        }
        if (t instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            out.add(c);
        } else if (t instanceof ParameterizedType p) {
            walk(p.getRawType(), seen, out);
            walk(p.getOwnerType(), seen, out);
            for (Type a : p.getActualTypeArguments()) {
                walk(a, seen, out);
            }
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                walk(b, seen, out);
            }
            for (Type b : w.getLowerBounds()) {
                walk(b, seen, out);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                walk(b, seen, out);
            }
        } else if (t instanceof GenericArrayType g) {
            walk(g.getGenericComponentType(), seen, out);
        }
    }
}
