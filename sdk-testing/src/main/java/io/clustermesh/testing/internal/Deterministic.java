package io.clustermesh.testing.internal;

/** Seeded, order-free pseudo-randomness: the same inputs always give the same value (SplitMix64 finaliser). */
public final class Deterministic {
    private Deterministic() {
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A value in [0, 1) determined by the three inputs. */
    public static double unit(long seed, long salt, long n) {
        long h = mix(seed + 0x9e3779b97f4a7c15L * (salt + 1));
        h = mix(h ^ (n * 0xc2b2ae3d27d4eb4fL));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** A hash of a seed and a text, e.g. for names that must look random but stay stable. */
    public static long hash(long seed, String text) {
        long h = mix(seed);
        for (int i = 0; i < text.length(); i++) {
            h = mix(h ^ text.charAt(i));
        }
        return h;
    }
}
