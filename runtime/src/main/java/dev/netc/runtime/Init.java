package dev.netc.runtime;

/**
 * Seeded weight initialization shared by the interpreter and every generated class, so that the same
 * {@code .net} file and seed give bit-identical initial parameters everywhere.
 *
 * <p>Weights are drawn uniformly from [-bound, bound]; biases start at zero. Each layer has its own
 * random stream derived from (seed, layer index), so adding a layer does not change the others.
 */
public final class Init {

  /** How the bound of the uniform distribution is chosen. */
  public enum Scheme {
    /** Glorot/Xavier uniform: bound = sqrt(6 / (fanIn + fanOut)), for sigmoid/tanh/linear layers. */
    XAVIER,
    /** He/Kaiming uniform: bound = sqrt(6 / fanIn), for the relu family. */
    HE,
    /** A fixed bound given by the user: U(-scale, scale). */
    UNIFORM
  }

  private Init() {}

  /** The bound of the uniform distribution that {@code scheme} uses for a layer of this shape. */
  public static double bound(Scheme scheme, double scale, int fanIn, int fanOut) {
    return switch (scheme) {
      case XAVIER -> Math.sqrt(6.0 / (fanIn + (double) fanOut));
      case HE -> Math.sqrt(6.0 / fanIn);
      case UNIFORM -> scale;
    };
  }

  /**
   * Returns the initial weights of layer {@code layerIndex} (0-based), row-major [fanOut, fanIn].
   * Values are computed in double; float networks round each one to float.
   */
  public static double[] weights(
      Scheme scheme, double scale, int fanIn, int fanOut, long seed, int layerIndex) {
    return weights(scheme, scale, fanIn, fanOut, Math.multiplyExact(fanIn, fanOut), seed,
        layerIndex);
  }

  /**
   * Returns {@code count} initial weights of layer {@code layerIndex} whose fans are given apart
   * from the count (a convolution's [out, in, KH, KW] has fanIn = in·KH·KW, fanOut = out·KH·KW).
   */
  public static double[] weights(Scheme scheme, double scale, int fanIn, int fanOut, int count,
      long seed, int layerIndex) {
    double bound = bound(scheme, scale, fanIn, fanOut);
    SplitMix64 rng = new SplitMix64(seed, layerIndex);
    double[] w = new double[count];
    for (int i = 0; i < w.length; i++) {
      w[i] = (2.0 * rng.nextDouble() - 1.0) * bound;
    }
    return w;
  }

  /** Float version of {@link #weights}: each value rounded from the double stream. */
  public static float[] weightsFloat(
      Scheme scheme, double scale, int fanIn, int fanOut, long seed, int layerIndex) {
    return weightsFloat(scheme, scale, fanIn, fanOut, Math.multiplyExact(fanIn, fanOut), seed,
        layerIndex);
  }

  /** Float version of the {@link #weights} with an explicit {@code count}. */
  public static float[] weightsFloat(Scheme scheme, double scale, int fanIn, int fanOut,
      int count, long seed, int layerIndex) {
    double[] w = weights(scheme, scale, fanIn, fanOut, count, seed, layerIndex);
    float[] f = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      f[i] = (float) w[i];
    }
    return f;
  }
}
