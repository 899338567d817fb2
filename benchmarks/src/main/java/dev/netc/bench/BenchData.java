package dev.netc.bench;

import java.util.SplittableRandom;

/**
 * A fixed-seed pool of random examples split into mini-batches, in float and double.
 *
 * <p>Benchmarks cycle through the pool instead of training on one batch forever: a network that
 * memorizes one batch drives its gradients towards zero, and float arithmetic on subnormal numbers
 * is much slower, which would measure the data rather than the code. 1024 random examples with
 * random labels cannot be memorized within one measurement iteration (and the parameters are reset
 * before each iteration). Every batch is its own array because the networks' API takes arrays that
 * start at index 0.
 *
 * @param batchSize examples per batch
 * @param xs {@code xs[b]} is batch b, row-major [batchSize × inputs]
 * @param labels {@code labels[b]} holds batch b's class indices as numbers (cross_entropy targets)
 * @param xsDouble the same inputs in double, for the interpreter and Encog
 * @param labelsDouble the same labels in double
 */
public record BenchData(
    int batchSize, float[][] xs, float[][] labels, double[][] xsDouble, double[][] labelsDouble) {

  /** Examples in every pool, whatever the batch size. */
  public static final int POOL_EXAMPLES = 1024;

  /**
   * Makes a pool of {@link #POOL_EXAMPLES} examples: inputs uniform in [lo, hi), labels uniform in
   * [0, classes).
   */
  public static BenchData random(
      int inputs, int classes, int batchSize, double lo, double hi, long seed) {
    if (POOL_EXAMPLES % batchSize != 0) {
      throw new IllegalArgumentException("batch size must divide " + POOL_EXAMPLES);
    }
    int batches = POOL_EXAMPLES / batchSize;
    SplittableRandom rng = new SplittableRandom(seed);
    float[][] xs = new float[batches][batchSize * inputs];
    float[][] labels = new float[batches][batchSize];
    double[][] xsDouble = new double[batches][batchSize * inputs];
    double[][] labelsDouble = new double[batches][batchSize];
    for (int b = 0; b < batches; b++) {
      for (int i = 0; i < xs[b].length; i++) {
        xs[b][i] = (float) rng.nextDouble(lo, hi);
        xsDouble[b][i] = xs[b][i];
      }
      for (int i = 0; i < batchSize; i++) {
        labels[b][i] = rng.nextInt(classes);
        labelsDouble[b][i] = labels[b][i];
      }
    }
    return new BenchData(batchSize, xs, labels, xsDouble, labelsDouble);
  }

  /** Number of batches in the pool. */
  public int batches() {
    return xs.length;
  }

  /** The batch after {@code b}, wrapping around. */
  public int next(int b) {
    return b + 1 >= xs.length ? 0 : b + 1;
  }

  /** Inputs of the MLP benchmarks: 784 "pixels" in [0, 1), 10 classes. */
  public static BenchData mlp(int batchSize) {
    return random(784, 10, batchSize, 0.0, 1.0, 1234 + batchSize);
  }

  /** Inputs of the tiny-network benchmarks: 4 features in [-1, 1), 3 classes. */
  public static BenchData tiny(int batchSize) {
    return random(4, 3, batchSize, -1.0, 1.0, 5678 + batchSize);
  }
}
