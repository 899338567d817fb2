package dev.netc.runtime;

/**
 * The SplitMix64 generator (Steele, Lea and Flood), written out here rather than borrowed from
 * {@code java.util} so that its output is fixed by this file alone, on every JDK.
 */
public final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private long state;

  /** A generator for {@code seed}. */
  public SplitMix64(long seed) {
    this.state = seed;
  }

  /** A generator for sub-stream {@code stream} of {@code seed} (e.g. one per layer). */
  public SplitMix64(long seed, long stream) {
    this.state = mix(seed + mix(stream * GOLDEN_GAMMA + 1));
  }

  /**
   * The generator's whole state: {@code new SplitMix64(state())} continues this generator's
   * sequence exactly (how a training checkpoint saves its shuffling).
   */
  public long state() {
    return state;
  }

  /** Next 64 random bits. */
  public long nextLong() {
    state += GOLDEN_GAMMA;
    return mix(state);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound) for 0 &lt; bound; used to shuffle data deterministically. */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive");
    }
    // 31 random bits scaled to [0, bound): bias below 2^-31 relative, irrelevant for shuffling.
    return (int) (((nextLong() >>> 33) * bound) >>> 31);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
