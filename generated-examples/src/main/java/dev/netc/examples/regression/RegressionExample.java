package dev.netc.examples.regression;

import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.Dataset;

/**
 * Fits the generated double-precision {@link WaveRegressor} (from {@code regression.net}) to
 * y = sin(x1) cos(x2) on [-2, 2]², and reports the mean squared error on fresh points.
 */
public final class RegressionExample {
  private RegressionExample() {}

  /** Errors after training (the network's mse: mean of squared errors). */
  public record Result(double trainMse, double testMse, double baselineMse) {}

  /** The function the network learns. */
  static double wave(double x1, double x2) {
    return Math.sin(x1) * Math.cos(x2);
  }

  /** {@code n} points drawn uniformly from [-2, 2]² with their exact targets. */
  static Dataset sample(int n, long seed) {
    SplitMix64 rng = new SplitMix64(seed);
    double[] xs = new double[2 * n];
    double[] ts = new double[n];
    for (int i = 0; i < n; i++) {
      xs[2 * i] = 4 * rng.nextDouble() - 2;
      xs[2 * i + 1] = 4 * rng.nextDouble() - 2;
      ts[i] = wave(xs[2 * i], xs[2 * i + 1]);
    }
    return Dataset.ofDoubles(xs, ts, 2, 1, 0);
  }

  /** Trains with mini-batches of 32 and measures the errors, and the error of predicting 0. */
  public static Result train(WaveRegressor net, int epochs) {
    Dataset train = sample(512, 1);
    Dataset test = sample(256, 2);
    int b = 32;
    double[] xs = new double[b * 2];
    double[] ts = new double[b];
    int[] order = train.order();
    SplitMix64 rng = new SplitMix64(3);
    for (int epoch = 0; epoch < epochs; epoch++) {
      Dataset.shuffle(order, rng);
      for (int from = 0; from + b <= order.length; from += b) {
        train.gather(order, from, b, xs, ts);
        net.trainBatch(xs, ts, b);
      }
    }
    double baseline = 0;
    for (double t : test.doubleTargets()) {
      baseline += t * t / test.count();
    }
    return new Result(net.loss(train.doubleInputs(), train.doubleTargets(), train.count()),
        net.loss(test.doubleInputs(), test.doubleTargets(), test.count()), baseline);
  }

  /** Trains for 300 epochs and prints the errors and a few predictions. */
  public static void main(String[] args) {
    WaveRegressor net = new WaveRegressor();
    Result r = train(net, 300);
    System.out.printf("test mse %.5f (train %.5f; predicting 0 gives %.5f)%n", r.testMse(),
        r.trainMse(), r.baselineMse());
    double[] out = new double[1];
    for (double[] x : new double[][] {{0, 0}, {1, 0}, {-1.5, 1}}) {
      net.predict(x, out);
      System.out.printf("f(%.1f, %.1f) = %.4f, network says %.4f%n", x[0], x[1],
          wave(x[0], x[1]), out[0]);
    }
  }
}
